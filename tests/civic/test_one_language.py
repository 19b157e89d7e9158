"""The UI speaks one language at a time (issue 30): every page, for every role that uses it,
rendered in Chinese (the default) shows no English words and no raw codes — only names that
are English by nature (API, Open311, CSV…) and the data people typed.

A second test keeps the list honest: every page route of the URLconf is either walked here or
excluded with its reason (POST-only actions, files, JSON, links with one-time tokens), so a
new page cannot slip past unseen."""

import datetime as dt
import html
import re

import pytest
from django.test import Client
from django.urls import get_resolver
from django.urls.resolvers import URLResolver

from cases.models import EVENT_LABELS, Status
from civic.models import Membership, Region
from patrol.models import GridAssignment
from reports import services as reports
from tests.cases.factories import case_in
from tests.council.factories import CouncilWorld, held_meeting, planned_meeting
from tests.factories import RegionFactory, UnitFactory, UserFactory, member
from tests.knowledge.factories import published as knowledge_published
from tests.whistles.test_whistle_http import _unresolved
from themes import services as themes
from whistles import services as whistles

pytestmark = pytest.mark.django_db

# English that belongs on a Chinese page: names and formats, never sentences.
ALLOWED = {"API", "Open311", "CSV", "Excel", "XLSX", "PDF", "GeoJSON", "RSS", "English",
           "JSON", "Leaflet", "OpenStreetMap", "YYYY", "MM", "GIF", "JPEG", "PNG",
           "WebP"}  # fmt: skip
# Codes a person must never read: actions, statuses, internal group names, booleans.
RAW_CODES = {*EVENT_LABELS, *Status.values, "overdue", "deadline_warning", "departments",
             "streets", "enterprises", "True", "False", "None", "draft", "published"}  # fmt: skip

# (route name, path template, who opens it). `{…}` are filled from the objects built below.
PAGES = [
    ("home", "/", None),
    ("login", "/accounts/login/", None),
    ("password_reset", "/accounts/password_reset/", None),
    ("password_reset_done", "/accounts/password_reset/done/", None),
    ("password_reset_complete", "/accounts/reset/done/", None),
    ("password_change", "/accounts/password_change/", "resident"),
    ("password_change_done", "/accounts/password_change/done/", "resident"),
    ("notifications", "/notifications/", "resident"),
    ("file", "/cases/new/", None),
    ("track", "/cases/track/", None),
    ("mine", "/cases/mine/", "resident"),
    ("tracked", "/cases/{replied}/", "resident"),
    ("console", "/console/", "operator"),
    ("queues", "/dispatch/", "dispatcher"),
    ("queues", "/dispatch/?tab=overdue", "dispatcher"),
    ("centre_case", "/dispatch/case/{received}/", "operator"),
    ("centre_case", "/dispatch/case/{replied}/", "dispatcher"),
    ("inbox", "/inbox/", "handler"),
    ("inbox", "/inbox/?tab=replied", "handler"),
    ("unit_case", "/inbox/{in_progress}/", "handler"),
    ("unit_case", "/inbox/{street_case}/", "street_official"),
    ("whistles", "/whistles/", "street_official"),
    ("whistles", "/whistles/", "handler"),
    ("whistle-new", "/whistles/new/", "street_official"),
    ("whistle-detail", "/whistles/{whistle}/", "street_official"),
    ("whistle-detail", "/whistles/{whistle}/", "handler"),
    ("whistle-request-new", "/whistles/requests/new/?case={replied_id}", "resident"),
    ("whistle-request", "/whistles/requests/{whistle_request}/", "resident"),
    ("list", "/public/cases/", None),
    ("map", "/public/map/", None),
    ("detail", "/public/cases/{replied}/", None),
    ("boards", "/boards/", "viewer"),
    ("runs", "/boards/runs/", "dispatcher"),
    ("index", "/council/", "community_worker"),
    ("index", "/council/", "resident"),
    ("plan", "/council/meetings/new/", "community_worker"),
    ("meeting", "/council/meetings/{meeting}/", "community_worker"),
    ("edit", "/council/meetings/{planned}/edit/", "community_worker"),
    ("record", "/council/meetings/{meeting}/record/", "community_worker"),
    ("minutes", "/council/meetings/{meeting}/minutes/", "community_worker"),
    ("minutes_edit", "/council/meetings/{meeting}/minutes/edit/", "community_worker"),
    ("proposals", "/council/proposals/", "community_worker"),
    ("themes:list", "/themes/", None),
    ("themes:detail", "/themes/{theme}/", "dispatcher"),
    ("themes:edit", "/themes/{theme}/edit/", "dispatcher"),
    ("hot_topics", "/themes/hot-topics/", "dispatcher"),
    ("suggestions", "/themes/proactive/", "dispatcher"),
    ("feedback", "/router/", "dispatcher"),
    ("knowledge:list", "/knowledge/", "dispatcher"),
    ("knowledge:list", "/knowledge/?q=停车费", "handler"),
    ("knowledge:create", "/knowledge/new/", "handler"),
    ("knowledge:review", "/knowledge/review/", "dispatcher"),
    ("knowledge:stats", "/knowledge/stats/", "dispatcher"),
    ("knowledge:detail", "/knowledge/{article}/", "dispatcher"),
    ("knowledge:edit", "/knowledge/{article}/edit/", "dispatcher"),
    ("knowledge:faq", "/faq/", None),
    ("knowledge:faq", "/faq/?q=停车费", None),
    ("knowledge:faq_detail", "/faq/{article}/", None),
    ("callers:history", "/callers/", "operator"),
    ("callers:history", "/callers/?phone=13812345678", "operator"),
    ("merging:queue", "/merging/", "dispatcher"),
    ("reply_quality:queue", "/quality/", "dispatcher"),
    ("reply_quality:units", "/quality/units/?month=2026-12", "dispatcher"),
    ("patrol:report", "/patrol/", "grid_worker"),
    ("patrol:stats", "/patrol/stats/", "street_official"),
    ("reports:index", "/reports/", "dispatcher"),
    ("reports:detail", "/reports/{report}/", "viewer"),
    ("dashboard:dashboard", "/dashboard/", "viewer"),
]
# Routes not walked here, each with its reason.
EXCLUDED = {
    "logout": "POST only",
    "password_reset_confirm": "a one-time token link",
    "filed": "shown once right after filing (tests/cases/test_walkthrough_fixes.py reads it)",
    "resident_revisit": "POST only",
    "resident_reopen": "POST only",
    "centre_action": "POST only",
    "unit_action": "POST only",
    "reply_templates": "JSON",
    "whistle-report": "POST only",
    "whistle-log": "POST only",
    "whistle-close": "POST only",
    "points": "GeoJSON",
    "nearby": "JSON",
    "me_too": "POST only",
    "follow": "POST only",
    "follow_area": "POST only",
    "unsubscribe": "a one-time token link",
    "feed": "an RSS feed (XML), not a page",
    "moderate": "POST only",
    "boards_export": "a file (tests/assessment: translated columns)",
    "unit_cases_export": "a file",
    "unit_trend_export": "a file",
    "unit": "needs a published month (tests/assessment/test_board_pages_readable.py)",
    "run_compute": "POST only",
    "run_detail": "needs a computed run (tests/assessment/test_board_pages_readable.py)",
    "run_publish": "POST only",
    "action": "POST only",
    "decide": "POST only",
    "promote": "needs a hot topic of a month (tests/themes)",
    "suggestion_accept": "POST only",
    "suggestion_decline": "POST only",
    "activate": "POST only",
    "close": "POST only",
    "milestone_add": "POST only",
    "milestone_done": "POST only",
    "history_json": "JSON for the console panel",
    "repeat": "POST only (a repeat call from the console form)",
    "answer_on_spot": "POST only (errors re-render /console/)",
    "draft_from_case": "POST only",
    "console_search": "JSON for the console panel",
    "faq_suggest": "JSON for the filing page panel",
    "merge": "POST only (step 1 renders the confirmation page from the posted choice)",
    "unmerge": "POST only (step 1 renders the confirmation page from the posted choice)",
    "check": "POST only JSON (the reply panel's draft check)",
    "verdict": "POST only",
    "check_in": "POST only",
    "generate": "POST only",
    "subscribe": "POST only",
    "pdf": "a file (tests/reports: the PDF in Chinese fonts)",
}


def page_routes() -> set[str]:
    """The names of the URLconf's HTML routes (not the admin, the API or Open311)."""

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern), p.name

    skip = ("admin/", "^admin/", "api/", "open311/", "i18n/", "static/", "media/")
    return {name for route, name in walk(get_resolver().url_patterns)
            if name and not route.startswith(skip)}  # fmt: skip


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style|code)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(page)


@pytest.fixture
def city(world):
    """Objects for every page: cases in each state, a whistle, a resident's whistle request, a
    council meeting (held and planned), a theme."""
    replied = _unresolved(world)  # a resident may ask for a whistle on it
    street_case = case_in(world, "dispatched", category=world.street_category)
    street_case.assignments.update(unit=world.street_unit)
    w = CouncilWorld(
        community=world.community,
        other_community=world.other_community,
        street=world.street,
        worker=world.community_worker,
        other_worker=member(
            Membership.Role.COMMUNITY_WORKER,
            UnitFactory(kind="community", jurisdiction=world.other_community),
            username="otherworker",
        ),
        street_official=world.street_official,
        resident=world.resident,
        other_resident=world.other_resident,
        admin=UserFactory(username="admin", is_superuser=True, is_staff=True),
    )
    grid = RegionFactory(level=Region.Level.GRID, parent=world.community, name="多福巷第一网格")
    GridAssignment.objects.create(worker=grid_worker(world), grid=grid)
    article = knowledge_published(world, public=True)
    leaders = world.viewer.memberships.get().unit  # the district's leaders read its reports
    leaders.jurisdiction = world.district
    leaders.save()
    theme = themes.theme_create(
        actor=world.dispatcher, title="道路塌陷专项治理", month="2026-12",
        lead_unit=world.department, milestones=[("摸排", dt.date(2026, 12, 20))],
    )  # fmt: skip
    return {
        "replied": replied.number,
        "replied_id": replied.pk,
        "received": case_in(world, "received").number,
        "in_progress": case_in(world, "in_progress").number,
        "street_case": street_case.number,
        "whistle": whistles.whistle_blow(
            actor=world.street_official,
            units=[world.department],
            reason="路面塌陷",
            place="多福巷12号",
            case=street_case,
        ).pk,
        "whistle_request": whistles.resident_whistle_request(
            actor=world.resident, case=replied, reason="反复反映没有解决"
        ).pk,
        "meeting": held_meeting(w).pk,
        "planned": planned_meeting(w, title="停车难议事").pk,
        "theme": theme.pk,
        "article": article.pk,
        "report": reports.report_generate(month=dt.date(2026, 11, 1), region=world.district).pk,
    }


@pytest.fixture
def users(world):
    roles = ("resident", "operator", "dispatcher", "handler", "street_official",
             "community_worker", "viewer")  # fmt: skip
    return {**{role: getattr(world, role) for role in roles}, "grid_worker": grid_worker(world)}


def grid_worker(world):
    existing = Membership.objects.filter(role=Membership.Role.GRID_WORKER).first()
    if existing:
        return existing.user
    return member(Membership.Role.GRID_WORKER, world.community_unit, username="grid")


def test_every_page_route_is_walked_or_excluded_with_a_reason():
    walked = {name.split(":")[-1] for name, _path, _who in PAGES}
    missing = page_routes() - walked - set(EXCLUDED)
    assert missing == set(), f"walk these pages in PAGES or exclude them: {sorted(missing)}"


def test_every_page_speaks_chinese_without_codes(world, city, users):
    problems = []
    for _name, template, who in PAGES:
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        if who:
            client.force_login(users[who])
        path = template.format(**city)
        response = client.get(path)
        if response.status_code != 200:
            problems.append(f"{path} as {who}: HTTP {response.status_code}")
            continue
        text = visible_text(response.content.decode())
        english = set(re.findall(r"\b[A-Za-z][A-Za-z_]{2,}\b", text)) - ALLOWED
        codes = {w for w in re.findall(r"\b[a-z][a-z_]+\b", text) if w in RAW_CODES}
        if english or codes:
            problems.append(f"{path} as {who}: {sorted(english | codes)}")
    assert problems == [], "\n".join(problems)


def chrome_text(page: str) -> str:
    """The words a page itself says (navigation, field labels, buttons, column heads, legends),
    not the data it shows (names of places and units, case texts, which stay Chinese)."""
    parts = re.findall(r"<nav\b.*?</nav>", page, flags=re.S)
    # Field labels, not the options of a choice (`id_x_0`, `id_x_1`…: names of people, units).
    parts += re.findall(r'<label for="(?![^"]*_\d+")[^"]*"[^>]*>(.*?)</label>', page, flags=re.S)
    parts += re.findall(r"<button\b[^>]*>(.*?)</button>", page, flags=re.S)
    parts += re.findall(r'<th scope="col"[^>]*>(.*?)</th>', page, flags=re.S)
    parts += re.findall(r"<legend\b[^>]*>(.*?)</legend>", page, flags=re.S)
    return visible_text(" ".join(parts))


def test_every_page_speaks_english_when_asked(world, city, users):
    # The language switcher names each language in itself.
    own_names = {"简体中文"}
    problems = []
    for _name, template, who in PAGES:
        client = Client()
        client.cookies["django_language"] = "en"
        if who:
            client.force_login(users[who])
        path = template.format(**city)
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200, path
        text = chrome_text(response.content.decode())
        for name in own_names:
            text = text.replace(name, "")
        # A Chinese term glossed in parentheses after the English is kept on purpose: (一书).
        text = re.sub(r"\([\u4e00-\u9fff]+\)", "", text)
        chinese = re.findall(r"[\u4e00-\u9fff]+", text)
        if chinese:
            problems.append(f"{path} as {who}: {chinese[:8]}")
    assert problems == [], "\n".join(problems)


@pytest.mark.django_db
def test_every_email_of_a_cases_life_speaks_chinese(world, settings, mailoutbox):
    """The e-mail copies of the notices a case's life sends (new case to the unit, a return or
    extension to decide, the reply to the resident, closing, and the sweep's overdue notices a
    day after a missed deadline) are written in Chinese: subject and body, no English words."""
    import time_machine
    from django.utils import timezone, translation

    from cases import services as cs
    from cases.sweep import sweep
    from civic.models import Notification
    from civic.notify.delivery import notification_deliver

    settings.CELERY_TASK_ALWAYS_EAGER = False
    # The actors read the site in English (the thread's language when a request left it so):
    # the notices are for others and stay in the site's language.
    with translation.override("en"):
        for user in (world.handler, world.resident, world.dispatcher, world.street_official):
            user.email = f"{user.username}@example.org"
            user.save(update_fields=["email"])
        closed = case_in(world, "closed")
        late = case_in(world, "signed")
        cs.extension_request_create(
            actor=world.handler,
            case=late,
            reason="需要协调多个部门",
            extra_working_days=5,
            resident_informed=True,
        )
        with time_machine.travel(timezone.now() + dt.timedelta(days=30), tick=False):
            sweep()
        for note in Notification.objects.filter(email_state=Notification.Delivery.PENDING):
            notification_deliver(notification_id=note.pk)

    assert len(mailoutbox) >= 4, [m.subject for m in mailoutbox]
    assert closed.number in " ".join(m.subject for m in mailoutbox)
    problems = []
    for mail in mailoutbox:
        text = re.sub(r"https?://\S+", "", f"{mail.subject}\n{mail.body}")
        english = set(re.findall(r"\b[A-Za-z][A-Za-z_]{2,}\b", text)) - ALLOWED
        codes = {w for w in re.findall(r"\b[a-z][a-z_]+\b", text) if w in RAW_CODES}
        if english or codes:
            problems.append(f"{mail.subject!r}: {sorted(english | codes)}")
    assert problems == [], "\n".join(problems)
