"""Themes of the month: promotion (only dispatchers), auto-linking, milestones, closure."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tests.cases.factories import case_in, file_case
from themes import hot_topics, services
from themes.models import Theme, ThemeCase, ThemeEvent

from .helpers import at, file_month

pytestmark = pytest.mark.django_db
PROMOTE_API = "/api/v1/themes/promote/"


def _promote_form(world, key, **extra):
    data = {
        "month": "2026-10",
        "topic": key,
        "title": "道路塌陷专项治理",
        "description": "多处路面塌陷",
        "goals": "一个月内修补完毕",
        "keywords": "塌陷 大坑",
        "lead_unit": world.department.pk,
        "co_units": [world.street_unit.pk],
        "milestones": "2026-11-10 摸排\n2026-11-30 修补完成",
        "activate": "on",
    }
    data.update(extra)
    return data


@pytest.fixture
def month(world):
    with time_machine.travel(at(2026, 11, 2), tick=False):
        cases = file_month(world)
    return cases


def _road_key():
    return hot_topics.analyse("2026-10").topics[0].key


def test_dispatcher_promotes_a_hot_topic_on_the_web(client, world, month):
    client.force_login(world.dispatcher)
    page = client.get(reverse("themes:hot_topics"), {"month": "2026-10"})
    assert page.status_code == 200
    key = _road_key()
    assert f"topic={key}".encode() in page.content
    form = client.get(reverse("themes:promote"), {"month": "2026-10", "topic": key})
    assert form.status_code == 200 and "塌陷".encode() in form.content
    response = client.post(reverse("themes:promote"), _promote_form(world, key))
    theme = Theme.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/themes/{theme.pk}/"
    assert theme.status == Theme.Status.ACTIVE and theme.lead_unit == world.department
    assert list(theme.co_units.all()) == [world.street_unit]
    assert theme.milestones.count() == 2
    linked = set(ThemeCase.objects.filter(theme=theme).values_list("case_id", flat=True))
    assert linked == {c.pk for c in month["road"]}
    assert theme.category == world.department_category and theme.source["topic"] == key
    assert ThemeEvent.objects.get(theme=theme).action == "promote"
    # On the public list, for everyone.
    client.logout()
    assert "道路塌陷专项治理" in client.get("/themes/").content.decode()


@pytest.mark.parametrize("who", ["operator", "handler", "resident", "street_official"])
def test_only_dispatchers_promote_on_the_web(client, world, month, who):
    key = _road_key()
    client.force_login(getattr(world, who))
    response = client.post(reverse("themes:promote"), _promote_form(world, key))
    assert response.status_code == 403
    assert not Theme.objects.exists()


def test_hot_topics_page_is_for_the_centre_only(client, world, month):
    assert client.get(reverse("themes:hot_topics")).status_code == 404
    for who, status in [("resident", 404), ("handler", 404), ("operator", 200)]:
        client.force_login(getattr(world, who))
        assert client.get(reverse("themes:hot_topics"), {"month": "2026-10"}).status_code == status
    client.logout()
    response = client.post(reverse("themes:promote"), _promote_form(world, _road_key()))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_dispatcher_promotes_over_the_api(api_client, world, month):
    key = _road_key()
    api_client.force_authenticate(world.dispatcher)
    response = api_client.post(
        PROMOTE_API,
        {
            "month": "2026-10",
            "topic": key,
            "lead_unit": world.department.pk,
            "milestones": [{"title": "摸排", "due_date": "2026-11-10"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "active" and body["progress"]["cases_total"] == 4
    assert len(body["cases"]) == 4
    text = response.content.decode()
    assert "张三" not in text and "13812345678" not in text and "多福巷12号3单元" not in text


@pytest.mark.parametrize("who", ["operator", "handler", "resident", None])
def test_only_dispatchers_promote_over_the_api(api_client, world, month, who):
    if who:
        api_client.force_authenticate(getattr(world, who))
    response = api_client.post(
        PROMOTE_API,
        {"month": "2026-10", "topic": _road_key(), "lead_unit": world.department.pk},
        format="json",
    )
    assert response.status_code == 403
    assert set(response.json()) == {"message", "extra"}
    assert not Theme.objects.exists()


def test_hot_topics_api_is_for_the_centre(api_client, world, month):
    assert api_client.get("/api/v1/hot-topics/", {"month": "2026-10"}).status_code == 403
    api_client.force_authenticate(world.handler)
    assert api_client.get("/api/v1/hot-topics/", {"month": "2026-10"}).status_code == 403
    api_client.force_authenticate(world.operator)
    body = api_client.get("/api/v1/hot-topics/", {"month": "2026-10"}).json()
    assert [t["count"] for t in body["topics"]] == [4, 3]
    assert body["topics"][0]["growth"] == 3.0 and body["topics"][0]["spread"] == 2


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"month": "2026-13", "topic": "x", "lead_unit": 1}, "month"),
        ({"month": "2026-10", "topic": "x", "lead_unit": 99999999999999}, "lead_unit"),
        ({"month": "2026-10", "topic": "x", "lead_unit": "abc"}, "lead_unit"),
        ({"month": "2026-10", "topic": "nope", "lead_unit": None}, "lead_unit"),
        ({"month": "2026-10", "topic": "x\x00", "lead_unit": "LEAD"}, "topic"),
        ({"month": "2026-10", "topic": "0", "lead_unit": "LEAD"}, "topic"),
        (
            {
                "month": "2026-10",
                "topic": "KEY",
                "lead_unit": "LEAD",
                "milestones": [{"title": "a", "due_date": "soon"}],
            },
            "milestones",
        ),
    ],
)
def test_bad_input_is_a_400_with_field_messages(api_client, world, month, payload, field):
    payload = {
        k: (world.department.pk if v == "LEAD" else _road_key() if v == "KEY" else v)
        for k, v in payload.items()
    }
    api_client.force_authenticate(world.dispatcher)
    response = api_client.post(PROMOTE_API, payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["extra"]["fields"]
    bad = api_client.get("/api/v1/hot-topics/", {"month": "26-1"})
    assert bad.status_code == 400 and "month" in bad.json()["extra"]["fields"]
    assert api_client.get("/api/v1/hot-topics/").status_code == 400
    assert api_client.get("/api/v1/themes/99999999999999/").status_code == 404


def _theme(world, month):
    return services.theme_promote(
        actor=world.dispatcher,
        month="2026-10",
        topic=_road_key(),
        lead_unit=world.department,
        co_units=[world.street_unit],
        milestones=[("摸排", dt.date(2026, 11, 10)), ("修补完成", dt.date(2026, 11, 30))],
    )


def test_a_future_matching_case_is_linked_automatically(world, month):
    theme = _theme(world, month)
    assert theme.keyword_list == ["塌陷", "路面", "大坑"]
    matching, _code = file_case(
        world, title="新的路面塌陷", description="景山前街路面塌陷，出现大坑。"
    )
    other_category, _code = file_case(
        world, category=world.street_category, title="路面塌陷", description="路面塌陷。"
    )
    no_keyword, _code = file_case(world, title="井盖丢失", description="路口井盖丢失。")
    links = ThemeCase.objects.filter(theme=theme)
    assert links.filter(case=matching, how=ThemeCase.How.AUTO).exists()
    assert not links.filter(case__in=[other_category, no_keyword]).exists()
    # Idempotent: the catch-up pass links nothing twice.
    assert services.theme_link_matching(theme=theme) == 0
    assert links.filter(case=matching).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_case_filed_outside_a_transaction_is_linked_after_it_commits(world, month):
    """On PostgreSQL a new case without attachments commits in one statement before the
    receivers run (cases.signals); the link is then written in its own transaction."""
    theme = _theme(world, month)
    matching, _code = file_case(world, title="路面塌陷", description="景山前街路面塌陷。")
    assert ThemeCase.objects.filter(theme=theme, case=matching, how=ThemeCase.How.AUTO).exists()


def test_catch_up_links_cases_that_came_without_the_signal(world, month):
    theme = _theme(world, month)
    case, _code = file_case(world, title="路面塌陷", description="路面塌陷大坑")
    ThemeCase.objects.filter(case=case).delete()
    assert services.theme_link_matching(theme=theme) == 1
    from themes.tasks import link_theme_cases

    assert link_theme_cases() == 0


def test_milestone_progress_and_closure(api_client, client, world, month):
    theme = _theme(world, month)
    first, second = theme.milestones.all()
    url = f"/api/v1/themes/{theme.pk}/milestones/{first.pk}/done/"
    api_client.force_authenticate(world.other_handler)
    assert api_client.post(url, {}, format="json").status_code == 403
    api_client.force_authenticate(world.resident)
    assert api_client.post(url, {}, format="json").status_code == 403
    api_client.force_authenticate(world.handler)  # a handler of the lead unit
    response = api_client.post(url, {"note": "已完成摸排"}, format="json")
    assert response.status_code == 200 and response.json()["done_at"]
    assert api_client.post(url, {}, format="json").status_code == 409
    body = api_client.get(f"/api/v1/themes/{theme.pk}/").json()
    assert body["progress"]["percent"] == 50
    assert body["progress"]["cases_total"] == 4 and body["progress"]["cases_open"] == 4
    # A co-unit's street official marks the second one on the web.
    client.force_login(world.street_official)
    client.post(reverse("themes:milestone_done", args=[theme.pk, second.pk]), {"note": "完成"})
    second.refresh_from_db()
    assert second.done_at is not None
    # Closing: dispatchers only, and a summary is required.
    close = f"/api/v1/themes/{theme.pk}/close/"
    assert api_client.post(close, {"summary": "完成"}, format="json").status_code == 403
    api_client.force_authenticate(world.dispatcher)
    response = api_client.post(close, {"summary": ""}, format="json")
    assert response.status_code == 400 and "summary" in response.json()["extra"]["fields"]
    response = api_client.post(close, {"summary": "路面全部修补，同类诉求下降。"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "closed"
    assert api_client.post(close, {"summary": "again"}, format="json").status_code == 409
    actions = list(ThemeEvent.objects.filter(theme=theme).values_list("action", flat=True))
    assert actions == ["promote", "milestone_done", "milestone_done", "close"]
    # The public page shows progress and the summary, never personal data.
    client.logout()
    page = client.get(reverse("themes:detail", args=[theme.pk])).content.decode()
    assert "100%" in page and "路面全部修补" in page
    assert "张三" not in page and "13812345678" not in page and "多福巷12号3单元" not in page


def test_closed_cases_count_in_progress(world, month):
    theme = _theme(world, month)
    closed = case_in(world, "closed", title="路面塌陷", description="路面塌陷大坑")
    from themes.selectors import theme_progress

    assert ThemeCase.objects.filter(theme=theme, case=closed).exists()
    progress = theme_progress(theme)
    assert (progress.cases_total, progress.cases_closed, progress.cases_open) == (5, 1, 4)


def test_drafts_are_hidden_from_the_public_until_activated(api_client, client, world):
    theme = services.theme_create(
        actor=world.dispatcher,
        title="供暖不热",
        month="2026-11",
        lead_unit=world.department,
        activate=False,
    )
    assert client.get(reverse("themes:detail", args=[theme.pk])).status_code == 404
    assert api_client.get("/api/v1/themes/").json()["results"] == []
    api_client.force_authenticate(world.operator)
    assert api_client.post(f"/api/v1/themes/{theme.pk}/activate/").status_code == 403
    api_client.force_authenticate(world.dispatcher)
    response = api_client.patch(
        f"/api/v1/themes/{theme.pk}/", {"title": "供暖温度不达标", "version": 1}, format="json"
    )
    assert response.status_code == 200 and response.json()["version"] == 2
    stale = api_client.patch(
        f"/api/v1/themes/{theme.pk}/", {"title": "x", "version": 1}, format="json"
    )
    assert stale.status_code == 409
    assert api_client.post(f"/api/v1/themes/{theme.pk}/activate/").status_code == 200
    api_client.force_authenticate(None)
    titles = [t["title"] for t in api_client.get("/api/v1/themes/").json()["results"]]
    assert titles == ["供暖温度不达标"]
    assert client.get(reverse("themes:detail", args=[theme.pk])).status_code == 200


def test_dispatcher_edits_and_closes_on_the_web(client, world, month):
    theme = _theme(world, month)
    client.force_login(world.operator)
    assert client.get(reverse("themes:edit", args=[theme.pk])).status_code == 403
    assert (
        client.post(reverse("themes:close", args=[theme.pk]), {"summary": "x"}).status_code == 403
    )
    client.force_login(world.dispatcher)
    form = {
        "title": "道路塌陷整治",
        "description": "",
        "goals": "全部修补",
        "keywords": "塌陷",
        "lead_unit": world.department.pk,
        "co_units": [world.street_unit.pk, world.other_department.pk],
        "version": theme.version,
    }
    response = client.post(reverse("themes:edit", args=[theme.pk]), form)
    assert response.status_code == 302
    theme.refresh_from_db()
    assert theme.title == "道路塌陷整治" and theme.keyword_list == ["塌陷"]
    assert set(theme.co_units.all()) == {world.street_unit, world.other_department}
    stale = client.post(reverse("themes:edit", args=[theme.pk]), form)
    assert stale.status_code == 200 and "刷新后重试" in stale.content.decode()
    client.post(reverse("themes:close", args=[theme.pk]), {"summary": ""})
    theme.refresh_from_db()
    assert theme.status == Theme.Status.ACTIVE
    client.post(reverse("themes:close", args=[theme.pk]), {"summary": "全部修补完成"})
    theme.refresh_from_db()
    assert theme.status == Theme.Status.CLOSED and theme.summary == "全部修补完成"
    assert [e.action for e in theme.events.all()] == ["promote", "edit", "close"]


def test_hot_topics_page_filters_by_region_and_rejects_a_bad_month(client, world, month):
    client.force_login(world.dispatcher)
    page = client.get(
        reverse("themes:hot_topics"), {"month": "2026-10", "region": world.street.pk}
    ).content.decode()
    assert page.count('data-test="promote"') == 2 and f"region={world.street.pk}" in page
    bad = client.get(reverse("themes:hot_topics"), {"month": "2026-13"})
    assert bad.status_code == 200 and 'data-testid="hot-topics"' not in bad.content.decode()
    assert (
        client.get(reverse("themes:promote"), {"month": "2026-10", "topic": "0"}).status_code == 404
    )


def test_intake_survives_a_failing_theme_link(world, month, monkeypatch):
    _theme(world, month)

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("themes.receivers.theme_link_new_case", broken)
    case, _code = file_case(world, title="路面塌陷", description="路面塌陷大坑")
    assert case.pk and not ThemeCase.objects.filter(case=case).exists()


def test_another_process_sees_a_new_theme_within_the_minute(world, month, monkeypatch):
    """Each process keeps the active themes for ACTIVE_THEMES_SECONDS; a change made by
    another process (here: the theme's forget is undone, as if it ran elsewhere) is seen
    when that copy expires, and the daily catch-up links what came in meanwhile."""
    import time

    from civic import memo
    from themes.services import ACTIVE_THEMES_SECONDS, active_themes

    assert active_themes() == []
    monkeypatch.setattr(services, "forget_active_themes", lambda: None)
    theme = _theme(world, month)
    early, _code = file_case(world, title="路面塌陷", description="路面塌陷大坑")
    assert not ThemeCase.objects.filter(case=early).exists()  # this process's copy: no theme
    later = time.monotonic() + ACTIVE_THEMES_SECONDS + 1
    monkeypatch.setattr(memo, "_clock", lambda: later)
    late, _code = file_case(world, title="路面塌陷", description="路面塌陷大坑")
    assert ThemeCase.objects.filter(case=late, theme=theme).exists()
    assert services.theme_link_matching(theme=theme) == 1  # the catch-up takes the early one
    assert ThemeCase.objects.filter(case=early, theme=theme).exists()


def test_a_theme_activated_after_intake_was_cached_takes_the_next_cases(world, month):
    from themes.services import active_themes

    file_case(world, title="垃圾清运不及时", description="小区垃圾没人清运")
    assert active_themes() == []  # cached: no theme yet
    _theme(world, month)
    case, _code = file_case(world, title="路面塌陷", description="路面塌陷大坑")
    assert ThemeCase.objects.filter(case=case).exists()
