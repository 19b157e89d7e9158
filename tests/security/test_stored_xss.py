"""Stored XSS: user text rendered on every page that shows it is escaped, never markup.

Each payload is stored through the real services, then every page that shows it is fetched as a
user who may see it. The page must carry the escaped text (so the check cannot pass by not
showing it) and never the raw markup.
"""

import pytest
from django.urls import reverse

from cases import services
from cases.models import Reply
from council import services as council
from council.models import Meeting, Party
from tests.cases.factories import case_in
from tests.council.factories import council_world, planned_meeting
from whistles import services as whistles

PAYLOAD = '<script>alert("xss")</script><img src=x onerror=alert(1)>"\'>'
RAW = ("<script>alert(", "<img src=x", "onerror=alert(1)>")
ESCAPED = "&lt;script&gt;alert("


def assert_escaped(client, user, url: str) -> None:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    body = response.content.decode()
    for raw in RAW:
        assert raw not in body, f"raw markup {raw!r} on {url}"
    assert ESCAPED in body, f"the stored text is not shown on {url}"


@pytest.fixture
def xss_case(world):
    case = case_in(
        world,
        "in_progress",
        title=f"标题{PAYLOAD}"[:100],
        description=f"描述{PAYLOAD}",
        address=f"多福巷{PAYLOAD}",
        reporter_name=f"张{PAYLOAD}"[:50],
    )
    services.case_note_add(actor=world.handler, case=case, note=f"备注{PAYLOAD}")
    services.case_reply(
        actor=world.handler, case=case, text=f"答复{PAYLOAD}", result=Reply.Result.RESOLVED
    )
    case.refresh_from_db()
    return case


def test_case_pages_escape_stored_text(client, world, xss_case):
    n = xss_case.number
    pages = [
        (world.resident, reverse("cases:mine")),
        (world.resident, reverse("cases:tracked", kwargs={"number": n})),
        (world.handler, reverse("notifications")),
        (world.resident, reverse("cases_public:list")),
        (world.resident, reverse("cases_public:detail", kwargs={"number": n})),
        (world.dispatcher, reverse("cases:queues") + "?tab=revisits"),
        (world.dispatcher, reverse("cases:centre_case", kwargs={"number": n})),
        (world.handler, reverse("cases:inbox") + "?tab=replied"),  # replied: its own tab
        (world.handler, reverse("cases:unit_case", kwargs={"number": n})),
    ]
    for user, url in pages:
        assert_escaped(client, user, url)


def test_whistle_pages_escape_stored_text(client, world, xss_case):
    whistle = whistles.whistle_blow(
        actor=world.street_official,
        units=[world.department],
        reason=f"理由{PAYLOAD}",
        place=f"地点{PAYLOAD}",
    )
    whistles.whistle_report(
        actor=world.handler,
        whistle=whistle,
        reporters=f"李四{PAYLOAD}",
        committed_action=f"承诺{PAYLOAD}",
    )
    whistles.whistle_log_add(actor=world.street_official, whistle=whistle, text=f"记录{PAYLOAD}")
    for user in (world.street_official, world.handler, world.dispatcher):
        assert_escaped(client, user, reverse("cases:whistle-detail", kwargs={"pk": whistle.pk}))
    assert_escaped(client, world.street_official, reverse("cases:whistles"))


def test_council_pages_escape_stored_text(client, db):
    w = council_world()
    meeting = planned_meeting(
        w,
        title=f"议事{PAYLOAD}"[:120],
        place=f"院{PAYLOAD}",
        notice_text=f"通知{PAYLOAD}",
    )
    council.meeting_hold(actor=w.worker, meeting=meeting)
    item = council.agenda_item_add(
        actor=w.worker, meeting=meeting, title=f"议题{PAYLOAD}", description=f"说明{PAYLOAD}"
    )
    council.deliberation_record(
        actor=w.worker,
        agenda_item=item,
        party=Party.RESIDENTS,
        summary=f"发言{PAYLOAD}",
        speaker=f"张大爷{PAYLOAD}"[:60],
    )
    council.proposal_submit(
        actor=w.resident, community=w.community, title=f"提议{PAYLOAD}", description=PAYLOAD
    )
    meeting_url = reverse("council:meeting", kwargs={"pk": meeting.pk})
    assert meeting.status != Meeting.Status.CLOSED
    for user, url in [
        (w.worker, meeting_url),
        (w.worker, reverse("council:index")),
        (w.worker, reverse("council:proposals")),
        (w.resident, reverse("council:proposals")),
    ]:
        assert_escaped(client, user, url)


def test_theme_pages_escape_stored_text(client, world, xss_case):
    import datetime as dt

    from themes import services as theme_services

    theme = theme_services.theme_create(
        actor=world.dispatcher,
        title=f"每月一题{PAYLOAD}"[:120],
        month=dt.date(2026, 11, 1),
        lead_unit=world.department,
        description=f"说明{PAYLOAD}",
        goals=f"目标{PAYLOAD}",
        milestones=[(f"节点{PAYLOAD}"[:100], dt.date(2026, 11, 30))],
        case_ids=[xss_case.pk],
    )
    for user in (world.dispatcher, world.handler, world.resident):
        assert_escaped(client, user, reverse("themes:detail", kwargs={"pk": theme.pk}))
    assert_escaped(client, world.resident, reverse("themes:list"))
