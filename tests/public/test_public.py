"""The public side: anonymisation everywhere, duplicate hints, me too, following, moderation,
reply templates, feeds."""

import datetime as dt
import json
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client

from cases import services
from cases.models import CaseEvent, Outcome, ReplyTemplate
from civic.models import Notification
from public import selectors as public_selectors
from public import services as public
from public.models import Follow, MeToo
from tests.cases.factories import case_in, file_case

pytestmark = pytest.mark.django_db

SECRETS = ("张三", "13812345678", "3单元", "110101199001011234", "京A12345", "zhang@example.org")


def _case_with_secrets(world, state="dispatched"):
    return case_in(
        world,
        state,
        title="多福巷路面塌陷 电话13812345678",
        description="我是张三，身份证110101199001011234，车牌京A12345的车被砸",
        reporter_email="zhang@example.org",
    )


def _assert_no_secrets(text: str):
    for secret in SECRETS:
        assert secret not in text, secret


def test_no_personal_data_on_any_public_page_feed_or_api(client, world):
    case = _case_with_secrets(world, "replied")
    pages = [
        client.get("/public/cases/"),
        client.get(f"/public/cases/{case.number}/"),
        client.get("/public/cases.geojson?zoom=16"),
        client.get("/public/map/"),
        client.get(f"/public/feed/{world.district.code}/"),
        client.get(
            "/public/nearby.json", {"category": case.category_id, "region": world.community.pk}
        ),
    ]
    for response in pages:
        assert response.status_code == 200
        _assert_no_secrets(response.content.decode())
    assert case.number in pages[0].content.decode()
    assert "138****5678" in pages[1].content.decode()


def test_public_points_are_coarse(client, world):
    case = case_in(world, "dispatched", region=None, lat="39.9141234", lng="116.4001234")
    feature = client.get("/public/cases.geojson?zoom=16").json()["features"][0]
    lng, lat = feature["geometry"]["coordinates"]
    # The community centre, not the exact point.
    assert (lat, lng) == (39.914, 116.4)
    assert feature["properties"]["number"] == case.number


def test_private_outcomes_and_hidden_cases_stay_off_the_list(client, world):
    private, _ = file_case(world, by=world.operator)
    services.case_close_without_dispatch(
        actor=world.operator, case=private, outcome=Outcome.SECRET_OR_PRIVACY, note="涉及隐私"
    )
    hidden = case_in(world, "dispatched")
    public.public_text_moderate(
        actor=world.dispatcher, case=hidden, title="", reply="", hidden=True
    )
    listing = client.get("/public/cases/").content.decode()
    assert private.number not in listing and hidden.number not in listing
    assert client.get(f"/public/cases/{hidden.number}/").status_code == 404


def test_moderation_is_dispatcher_only_and_audited(client, world):
    case = case_in(world, "replied")
    client.force_login(world.handler)
    assert client.get(f"/public/cases/{case.number}/moderate/").status_code == 404
    client.force_login(world.dispatcher)
    response = client.post(
        f"/public/cases/{case.number}/moderate/",
        {"title": "路面问题 联系13900001111", "reply": "已处理"},
    )
    assert response.status_code == 302
    page = client.get(f"/public/cases/{case.number}/").content.decode()
    assert "路面问题" in page and "13900001111" not in page and "139****1111" in page
    event = CaseEvent.objects.get(case=case, action="moderate")
    assert event.actor == world.dispatcher and event.data["after"]["reply"] == "已处理"


def test_duplicate_hint_finds_same_category_nearby_and_similar_text(client, world):
    same = case_in(world, "dispatched", title="多福巷路面塌陷")
    elsewhere = case_in(
        world,
        "dispatched",
        title="景山路灯不亮",
        category=world.street_category,
        region=world.other_community,
    )
    hints = client.get(
        "/public/nearby.json",
        {"category": world.department_category.pk, "region": world.community.pk},
    ).json()["results"]
    assert [h["number"] for h in hints] == [same.number]
    textual = client.get(
        "/public/nearby.json", {"q": "路灯不亮了", "region": world.other_community.pk}
    ).json()["results"]
    assert elsewhere.number in [h["number"] for h in textual]
    assert client.get("/public/nearby.json").json() == {"results": []}


def test_me_too_counts_once_per_person(client, world):
    case = case_in(world, "dispatched")
    for _ in range(2):
        assert client.post(f"/public/cases/{case.number}/me-too/").status_code == 302
    client.force_login(world.other_resident)
    client.post(f"/public/cases/{case.number}/me-too/")
    client.post(f"/public/cases/{case.number}/me-too/")
    assert MeToo.objects.filter(case=case).count() == 2
    assert "data-me-too>2<" in client.get(f"/public/cases/{case.number}/").content.decode()


def _me_too_from(number, ip, user=None):
    """A "me too" from a fresh browser (a new session) at `ip`."""
    browser = Client()
    if user is not None:
        browser.force_login(user)
    return browser.post(f"/public/cases/{number}/me-too/", REMOTE_ADDR=ip)


def _shown_count(number) -> int:
    page = Client().get(f"/public/cases/{number}/").content.decode()
    return int(re.search(r"data-me-too>(\d+)<", page).group(1))


def test_me_too_counts_anonymous_voices_once_per_address(world):
    """Anonymous me-toos count once per client address and case: fresh sessions do not stuff
    the count, and the address is stored only as a keyed hash."""
    case = case_in(world, "dispatched")
    for _ in range(30):
        assert _me_too_from(case.number, "203.0.113.7").status_code == 302
    assert MeToo.objects.filter(case=case).count() == 1
    assert _shown_count(case.number) == 1
    _me_too_from(case.number, "198.51.100.1")
    assert MeToo.objects.filter(case=case).count() == 2
    assert _shown_count(case.number) == 2
    stored = list(MeToo.objects.filter(case=case).values_list("address_hash", flat=True))
    assert all(len(h) == 64 and "203.0.113.7" not in h for h in stored)
    assert len(set(stored)) == 2


def test_me_too_counts_a_signed_in_user_once_wherever_they_are(world):
    case = case_in(world, "dispatched")
    _me_too_from(case.number, "203.0.113.7")  # an anonymous neighbour on the same network
    for ip in ("203.0.113.7", "198.51.100.1", "198.51.100.2"):
        _me_too_from(case.number, ip, user=world.other_resident)
    assert MeToo.objects.filter(case=case).count() == 2
    assert MeToo.objects.filter(case=case, user=world.other_resident).count() == 1
    assert _shown_count(case.number) == 2


def test_me_too_behind_a_trusted_proxy_counts_each_client(world, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    case = case_in(world, "dispatched")
    for client_ip in ("203.0.113.7", "203.0.113.7", "198.51.100.1"):
        Client().post(
            f"/public/cases/{case.number}/me-too/",
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"10.9.9.9, {client_ip}",
        )
    assert MeToo.objects.filter(case=case).count() == 2


def test_anonymous_me_toos_are_rate_limited_per_address(world):
    """One address cannot spray voices over many cases either."""
    cases = [case_in(world, "dispatched") for _ in range(11)]
    with time_machine.travel(dt.datetime(2026, 11, 23, 8, 0, 10, tzinfo=dt.UTC), tick=False):
        for c in cases[:10]:
            _me_too_from(c.number, "203.0.113.7")
        refused = Client().post(
            f"/public/cases/{cases[-1].number}/me-too/", REMOTE_ADDR="203.0.113.7", follow=True
        )
        assert [MeToo.objects.filter(case=c).count() for c in cases] == [1] * 10 + [0]
        assert refused.status_code == 200 and "data-me-too>0<" in refused.content.decode()
        assert "次数过多" in refused.content.decode()  # "too many", in the page's language
        _me_too_from(cases[-1].number, "198.51.100.1")  # another address is not affected
        assert MeToo.objects.filter(case=cases[-1]).count() == 1


def test_followers_are_told_and_can_unsubscribe(client, world, django_capture_on_commit_callbacks):
    case = case_in(world, "dispatched")
    client.force_login(world.other_resident)
    world.other_resident.email = "neighbour@example.org"
    world.other_resident.save()
    client.post(f"/public/cases/{case.number}/follow/")
    client.post("/public/follow-area/", {"region": world.district.pk})
    assert Follow.objects.filter(user=world.other_resident).count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        services.case_sign(actor=world.handler, case=case)
    notes = Notification.objects.filter(user=world.other_resident, kind="follow")
    assert notes.count() == 1  # once, although both the case and its area are followed
    assert len(mail.outbox) == 1 and "/public/unsubscribe/" in mail.outbox[0].body
    token = mail.outbox[0].body.split("/public/unsubscribe/")[1].split("/")[0]
    assert client.get(f"/public/unsubscribe/{token}/").status_code == 200
    client.post(f"/public/unsubscribe/{token}/")
    assert Follow.objects.filter(user=world.other_resident).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.case_contact(actor=world.handler, case=case)
    assert (
        Notification.objects.filter(user=world.other_resident, kind="follow").count() == 2
    )  # area still followed


def test_reply_templates_render_for_the_lead_unit_only(client, world):
    case = case_in(world, "in_progress")
    ReplyTemplate.objects.create(
        title="已修复",
        body="您反映的{number}（{category}）已由{unit}处理完毕。{unknown}",
        category=world.department_category.parent,
    )
    ReplyTemplate.objects.create(title="别的单位", body="x", unit=world.other_department)
    client.force_login(world.handler)
    data = client.get(f"/reply-templates/{case.number}.json").json()["templates"]
    assert [t["title"] for t in data] == ["已修复"]
    assert (
        data[0]["text"]
        == f"您反映的{case.number}（道路破损）已由{world.department.name}处理完毕。{{unknown}}"
    )
    client.force_login(world.other_handler)
    assert client.get(f"/reply-templates/{case.number}.json").status_code == 404


def test_area_feed_is_atom(client, world):
    case = case_in(world, "dispatched")
    response = client.get(f"/public/feed/{world.district.code}/")
    assert response["Content-Type"].startswith("application/atom+xml")
    assert case.number in response.content.decode()
    assert client.get("/public/feed/nowhere/").status_code == 404


def test_public_list_filters(client, world):
    open_case = case_in(world, "dispatched")
    closed_case = case_in(world, "closed")
    only_open = client.get("/public/cases/", {"status": "open"}).content.decode()
    assert open_case.number in only_open and closed_case.number not in only_open
    by_area = client.get("/public/cases/", {"region": world.other_community.pk}).content.decode()
    assert open_case.number not in by_area
    json.dumps(public_selectors.public_view(open_case))  # serialisable as it is


def _voices(case, n):
    for i in range(n):
        MeToo.objects.create(case=case, session_hash=f"s{case.pk}-{i}")


def test_list_and_map_show_each_cases_voices_counted_in_one_query(
    client, world, django_assert_max_num_queries
):
    cases = [case_in(world, "dispatched") for _ in range(4)]
    for n, case in enumerate(cases):
        _voices(case, n)
    expected = {c.number: MeToo.objects.filter(case=c).count() for c in cases}
    with django_assert_max_num_queries(8):  # not one count per row
        points = client.get("/public/cases.geojson?zoom=16").json()["features"]
    assert {f["properties"]["number"]: f["properties"]["me_too"] for f in points} == expected
    page = client.get("/public/cases/").content.decode()
    for number, n in expected.items():
        row = page[page.index(f"{number} ·") :]
        assert re.search(r"<td[^>]*>(\d+)</td>\s*</tr>", row).group(1) == str(n)


def test_the_list_counts_up_to_its_cap_then_says_more(client, world, monkeypatch):
    from public import views

    cases = [case_in(world, "dispatched") for _ in range(4)]
    monkeypatch.setattr(views, "LIST_COUNT_CAP", 10)
    exact = client.get("/public/cases/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "4 cases" in exact and "More than" not in exact
    monkeypatch.setattr(views, "LIST_COUNT_CAP", 3)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    capped = client.get("/public/cases/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "More than 3 cases" in capped
    # Pages up to the cap: page 2 holds the third newest, page 3 is past it (the last page).
    newest_first = sorted(cases, key=lambda c: c.received_at, reverse=True)
    second = client.get("/public/cases/", {"page": 2}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert newest_first[2].number in second and newest_first[0].number not in second
    assert client.get("/public/cases/", {"page": 3}).status_code == 200
