"""One rule for what the public sees, and one public text, on every public surface (issue 31,
finding 4).

A case closed as secret or private, a case a dispatcher hid, and the original words of a
moderated case must never reach anyone who reads the public side: the public pages, the map
data, the duplicate hints, the feeds, Open311's reads, the boards' case lists and their exports,
the themes' linked cases and the council's links to cases. The list of surfaces below is checked
against the URLconf: every route under /public/ and /open311/, and every route that answers a
plain GET from an anonymous visitor or from a resident without a role, must be named here, so a
new surface cannot be added without being checked.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import re
from dataclasses import dataclass
from urllib.parse import quote

import pytest
import time_machine
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from assessment.models import AssessmentPolicy
from assessment.services import assessment_compute, assessment_publish
from cases import services
from cases.models import Outcome, Reply
from council import services as council
from council.models import ListItem, Meeting
from public import services as public
from tests.cases.factories import World, case_in, file_case
from tests.factories import UserFactory
from themes import services as themes

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 20, 2, 0, tzinfo=dt.UTC)  # a Friday, 10:00 in Beijing
MONTH = "2026-03"

# Routes that serve case data to the public, each with the URLs that read it (see `_surfaces`).
CASE_SURFACES = {
    "cases_public:list",
    "cases_public:points",
    "cases_public:nearby",
    "cases_public:detail",
    "cases_public:feed",
    "open311:requests",
    "open311:request",
    "assessment:unit",
    "assessment:unit_cases_export",
    "theme-detail",
    "themes:detail",
    "council-meeting",
    "council:meeting",
    "council:minutes",
}

# Every other route a member of the public can reach, and why it carries no other case's data.
NO_CASE_DATA = {
    # public side
    "cases_public:map": "the map page; its points come from cases_public:points",
    "cases_public:me_too": "POST only",
    "cases_public:follow": "POST only, signed in",
    "cases_public:follow_area": "POST only, signed in",
    "cases_public:unsubscribe": "a confirmation button for a mail's token",
    "cases_public:moderate": "dispatchers only",
    # Open311
    "open311:discovery": "the endpoint's description",
    "open311:services": "the categories",
    "open311:service": "a category's attributes",
    "open311:token": "the number of the case a client filed, for the token it was given",
    # the project, accounts, documentation
    "home": "a welcome page",
    "set_language": "POST only",
    "notifications": "the reader's own notices",
    "login": "the login form",
    "logout": "POST only",
    "password_change": "signed in: the reader's own password",
    "password_change_done": "a message",
    "password_reset": "a form",
    "password_reset_done": "a message",
    "password_reset_confirm": "a form for a mailed token",
    "password_reset_complete": "a message",
    "schema": "the OpenAPI schema",
    "api-docs": "the API documentation",
    "api-redoc": "the API documentation",
    # residents' own cases (cases_visible_to: a resident sees only the cases they filed)
    "cases:file": "the complaint form",
    "cases:filed": "a message",
    "cases:track": "the tracking form (number and access code)",
    "cases:mine": "the reader's own cases",
    "cases:tracked": "the reader's own case, by account or access code",
    "api-track": "POST only: a case by number and access code",
    "api-token": "POST only",
    "case-list": "the reader's own cases",
    "case-detail": "the reader's own cases",
    "case-events": "the reader's own cases",
    "case-assignments": "the reader's own cases",
    "case-replies": "the reader's own cases",
    "case-revisits-list": "the reader's own cases",
    "category-list": "the categories",
    "category-detail": "the categories",
    "unit-list": "the units",
    "unit-detail": "the units",
    "cases:whistle-request-new": "a resident's request form for their own case",
    "api-whistle-requests": "the reader's own requests",
    "cases:whistles": "whistles of the reader's units (none for a resident)",
    "api-whistles": "whistles of the reader's units (none for a resident)",
    "proactive-suggestion-list": "suggestions to the reader's units (none for a resident)",
    # boards and themes
    "assessment:boards": "units' scores, no case",
    "assessment:boards_export": "units' scores, no case",
    "assessment:unit_trend_export": "a unit's scores by month, no case",
    "assessment-board-list": "units' scores, no case",
    "assessment-run-list": "published runs: units' scores, no case",
    "assessment-run-detail": "a published run: units' scores, no case",
    "assessment-run-scores": "a published run's unit scores, no case",
    "themes:list": "themes with counts of their cases",
    "theme-list": "themes with counts of their cases",
    # council (residents of the community)
    "council:index": "the reader's meetings",
    "council-meetings": "the reader's meetings",
    "council:proposals": "the reader's proposals",
    "council-proposals": "the reader's proposals",
    "council:plan": "the planning form, for the communities the reader works for",
    "council-minutes": "the minutes' text as written (their lists are in council-meeting)",
    # knowledge base: articles, not cases
    "knowledge:faq": "published public articles only (knowledge.selectors.article_search)",
    "knowledge:faq_suggest": "published public articles only, titles and answers",
    "api-knowledge-articles": "published public articles only for the public; no case data "
    "(a draft from a reply is scrubbed and reviewed before it is published)",
}

IGNORED_PREFIXES = ("admin/", "^admin/")  # Django's admin (and its redirects): staff only


@dataclass
class City:
    world: World
    neighbour: object
    normal: object
    hidden: object
    secret: object
    moderated: object
    meeting: Meeting
    theme: object


def _replied(world, *, title, description, reply):
    case = case_in(world, "in_progress", title=title, description=description)
    services.case_reply(actor=world.handler, case=case, text=reply, result=Reply.Result.RESOLVED)
    case.refresh_from_db()
    return case


@pytest.fixture
def city(world):
    with time_machine.travel(NOW, tick=False):
        neighbour = UserFactory(username="neighbour", home_region=world.community)
        normal = _replied(world, title="公开标题甲", description="公开描述甲", reply="公开答复甲")
        hidden = _replied(world, title="隐藏标题乙", description="隐藏描述乙", reply="隐藏答复乙")
        public.public_text_moderate(
            actor=world.dispatcher, case=hidden, title="", reply="", hidden=True
        )
        secret, _code = file_case(world, title="保密标题丙", description="保密描述丙")
        services.case_close_without_dispatch(
            actor=world.operator, case=secret, outcome=Outcome.SECRET_OR_PRIVACY, note="涉及隐私"
        )
        moderated = _replied(
            world, title="原始标题丁", description="原始描述丁", reply="原始答复丁"
        )
        public.public_text_moderate(
            actor=world.dispatcher,
            case=moderated,
            title="审核标题丁",
            reply="审核答复丁",
            hidden=False,
        )
        # The boards list each unit's cases of a published month.
        AssessmentPolicy.objects.create(effective_from=dt.date(2026, 1, 1), min_cases=1)
        run = assessment_compute(month=MONTH, actor=world.dispatcher)
        assessment_publish(run=run, actor=world.dispatcher)
        # A theme of the month linking all four.
        theme = themes.theme_create(
            actor=world.dispatcher,
            title="路面整治",
            month=MONTH,
            lead_unit=world.department,
            case_ids=[c.pk for c in (normal, hidden, secret, moderated)],
        )
        # A council meeting of the community whose published project links all four.
        meeting = council.meeting_plan(
            actor=world.community_worker,
            community=world.community,
            title="道路议事",
            starts_at=NOW + dt.timedelta(hours=1),
            place="社区活动室",
            format=Meeting.Format.COURTYARD,
        )
        council.meeting_publish_notice(
            actor=world.community_worker, meeting=meeting, notice="请准时参加。"
        )
        council.meeting_hold(actor=world.community_worker, meeting=meeting)
        project = council.list_item_add(
            actor=world.community_worker, meeting=meeting, kind=ListItem.Kind.PROJECT, title="修路"
        )
        for case in (normal, hidden, secret, moderated):
            council.project_link_add(
                actor=world.community_worker, project=project, case_number=case.number
            )
        council.meeting_minute(actor=world.community_worker, meeting=meeting, text="会议纪要")
        council.meeting_publish(actor=world.community_worker, meeting=meeting)
    return City(world, neighbour, normal, hidden, secret, moderated, meeting, theme)


def _readers(city: City) -> dict[str, Client]:
    anonymous, resident = Client(), Client()
    resident.force_login(city.neighbour)
    return {"anonymous": anonymous, "resident": resident}


# --- the URLconf ---------------------------------------------------------------------------


def _routes():
    """(key, pattern) for every route: the key is the route's qualified name, else its pattern."""

    def walk(patterns, prefix, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                inner = f"{namespace}{p.namespace}:" if p.namespace else namespace
                yield from walk(p.url_patterns, prefix + str(p.pattern), inner)
            else:
                pattern = prefix + str(p.pattern)
                yield (f"{namespace}{p.name}" if p.name else pattern), pattern

    return list(walk(get_resolver().url_patterns, "", ""))


def _fill(pattern: str, chosen: dict[str, str]) -> str:
    # Regex groups first: their `<name>` would otherwise be taken for a path converter's.
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: chosen[m.group(1)], pattern)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: chosen[m.group(1)], path)
    return "/" + path.replace("^", "").replace("$", "").replace("\\.", ".")


def _sample_paths(pattern: str, values: dict[str, list[str]]) -> list[str]:
    """Concrete paths for a route pattern, one per combination of sample values; only those
    that resolve back to the same pattern."""
    names = re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", pattern)
    names = [a or b for a, b in names]
    paths = []
    for combo in itertools.product(*(values.get(n, ["1"]) for n in names)):
        path = _fill(pattern, dict(zip(names, combo, strict=True)))
        try:
            match = resolve(path)
        except Resolver404:
            continue
        if re.sub(r"\^|\$", "", match.route) == re.sub(r"\^|\$", "", pattern):
            paths.append(path)
    return paths


def test_every_public_route_is_listed(city):
    """A route under /public/ or /open311/, or one a member of the public can read, is either a
    checked case surface or listed with the reason it carries no other case's data."""
    w = city.world
    values = {
        "number": [city.hidden.number, city.normal.number],
        "service_request_id": [city.hidden.number, city.normal.number],
        "pk": [str(pk) for pk in (w.department.pk, city.meeting.pk, city.theme.pk)],
        "code": [w.district.code],
        "fmt": ["json", "xml", "csv", "xlsx"],
        "month": [MONTH],
        "service_code": [w.department_category.code],
    }
    readers = _readers(city)
    unlisted = []
    for key, pattern in _routes():
        if pattern.startswith(IGNORED_PREFIXES) or key in CASE_SURFACES or key in NO_CASE_DATA:
            continue
        if pattern.startswith(("public/", "open311/")):
            unlisted.append(key)
            continue
        paths = _sample_paths(pattern, values)
        assert paths, f"no sample path reaches {key}: add its arguments to `values`"
        for path in paths:
            answered = [who for who, c in readers.items() if c.get(path).status_code == 200]
            if answered:
                unlisted.append(f"{key} ({path}, {', '.join(answered)})")
                break
    assert unlisted == [], f"routes the public can read, neither checked nor listed: {unlisted}"
    known = {key for key, _pattern in _routes()}
    assert (CASE_SURFACES | set(NO_CASE_DATA)) - known == set(), "listed routes that are gone"


# --- what the public reads -----------------------------------------------------------------


def _surfaces(city: City) -> list[tuple[str, str, str]]:
    """(route, reader, path) for every read of every case surface."""
    w = city.world
    cases = (city.normal, city.hidden, city.secret, city.moderated)
    numbers = ",".join(c.number for c in cases)
    window = "start_date=2026-03-01&end_date=2026-03-31"
    reads = [
        ("cases_public:list", "anonymous", "/public/cases/"),
        ("cases_public:list", "anonymous", "/public/cases/?q=" + quote("隐藏")),
        ("cases_public:points", "anonymous", "/public/cases.geojson?zoom=16"),
        (
            "cases_public:nearby",
            "anonymous",
            f"/public/nearby.json?category={w.department_category.pk}&region={w.community.pk}",
        ),
        (
            "cases_public:nearby",
            "anonymous",
            "/public/nearby.json?q=" + quote("隐藏标题乙 原始标题丁"),
        ),
        ("cases_public:feed", "anonymous", f"/public/feed/{w.district.code}/"),
        ("cases_public:feed", "anonymous", f"/public/feed/{w.community.code}/"),
        ("open311:requests", "anonymous", "/open311/v2/requests.json"),
        ("open311:requests", "anonymous", f"/open311/v2/requests.xml?{window}"),
        (
            "open311:requests",
            "anonymous",
            f"/open311/v2/requests.json?service_request_id={numbers}",
        ),
        ("open311:requests", "anonymous", f"/open311/v2/requests.xml?service_request_id={numbers}"),
        ("assessment:unit", "anonymous", f"/boards/units/{w.department.pk}/?month={MONTH}"),
        (
            "assessment:unit_cases_export",
            "anonymous",
            f"/boards/units/{w.department.pk}/{MONTH}/cases.csv",
        ),
        ("theme-detail", "anonymous", f"/api/v1/themes/{city.theme.pk}/"),
        ("themes:detail", "anonymous", f"/themes/{city.theme.pk}/"),
        ("council-meeting", "resident", f"/api/v1/council/meetings/{city.meeting.pk}/"),
        ("council:meeting", "resident", f"/council/meetings/{city.meeting.pk}/"),
        ("council:minutes", "resident", f"/council/meetings/{city.meeting.pk}/minutes/"),
    ]
    for case in (city.normal, city.moderated):
        reads += [
            ("cases_public:detail", "anonymous", f"/public/cases/{case.number}/"),
            ("open311:request", "anonymous", f"/open311/v2/requests/{case.number}.json"),
            ("open311:request", "anonymous", f"/open311/v2/requests/{case.number}.xml"),
        ]
    return reads


def _text(response) -> str:
    if response["Content-Type"].startswith("application/json"):
        # Decoded, so that escaped characters are compared as they are read.
        return json.dumps(json.loads(response.content), ensure_ascii=False)
    return response.content.decode()


def test_hidden_secret_and_moderated_text_never_reach_a_public_surface(city):
    never = [
        *("隐藏标题乙", "隐藏描述乙", "隐藏答复乙"),  # hidden by a dispatcher
        *("保密标题丙", "保密描述丙"),  # closed as secret or private
        *("原始标题丁", "原始描述丁", "原始答复丁"),  # a moderated case's own words
    ]
    readers = _readers(city)
    checked = set()
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        for route, reader, path in _surfaces(city):
            response = readers[reader].get(path)
            assert response.status_code == 200, (route, path, response.status_code)
            body = _text(response)
            for text in never:
                assert text not in body, (route, path, text)
            if not route.startswith("council"):  # the minutes name the case as it was typed
                for case in (city.hidden, city.secret):
                    assert case.number not in body, (route, path, case.number)
            checked.add(route)
        # The hidden and the secret case have no public page of their own.
        for case in (city.hidden, city.secret):
            for path in (
                f"/public/cases/{case.number}/",
                f"/open311/v2/requests/{case.number}.json",
                f"/open311/v2/requests/{case.number}.xml",
            ):
                assert readers["anonymous"].get(path).status_code == 404, path
    assert checked == CASE_SURFACES


def test_public_surfaces_show_the_normal_case_and_the_moderated_text(city):
    readers = _readers(city)
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        for route, reader, path in _surfaces(city):
            if "q=" in path or path == f"/public/feed/{city.world.community.code}/":
                continue  # searches for the hidden words; the community's own feed
            body = _text(readers[reader].get(path))
            if route in ("cases_public:detail", "open311:request"):
                # Open311 has no title: its description is the public one (the moderated title
                # stands in for the resident's words once a dispatcher has rewritten them).
                if city.moderated.number in path:
                    assert "审核标题丁" in body and "审核答复丁" in body, path
                elif route == "open311:request":
                    assert "公开描述甲" in body and "公开答复甲" in body, path
                else:
                    assert "公开标题甲" in body and "公开答复甲" in body, path
            else:
                assert city.normal.number in body, (route, path)


def test_council_links_show_no_status_for_hidden_or_secret_cases(city):
    resident = _readers(city)["resident"]
    body = resident.get(f"/api/v1/council/meetings/{city.meeting.pk}/").json()
    statuses = {
        link["case_number"]: link["case_status"] for link in body["record"]["lists"][0]["links"]
    }
    assert statuses[city.hidden.number] is None and statuses[city.secret.number] is None
    assert statuses[city.normal.number] and statuses[city.moderated.number]
    page = resident.get(f"/council/meetings/{city.meeting.pk}/").content.decode()
    for case in (city.hidden, city.secret):
        link = re.search(rf"{case.number}.*?</span></span>", page, re.S)
        assert link is not None and 'class="muted"' in link.group(0), case.number


def test_the_boards_export_lists_only_public_cases(city):
    w = city.world
    body = Client().get(f"/boards/units/{w.department.pk}/{MONTH}/cases.csv").content
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    listed = {row[0] for row in rows[1:]}
    assert listed == {city.normal.number, city.moderated.number}
