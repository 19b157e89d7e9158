"""After each reply: the stored check, the centre's queue, verdicts and the monthly figures."""

import datetime as dt

import pytest
from django.test import RequestFactory
from django.utils import timezone

from civic.panels import render_panels
from reply_quality import services
from reply_quality.models import QualityReview, ReplyCheck

from .factories import replied_case
from .test_checks import ACKNOWLEDGE_ONLY, DESCRIPTION, GOOD, TITLE


def _month() -> str:
    return timezone.localdate().strftime("%Y-%m")


def test_sample_is_deterministic_and_about_ten_percent():
    picks = [services.is_sampled(i) for i in range(1, 5001)]
    assert picks == [services.is_sampled(i) for i in range(1, 5001)]
    assert 0.08 < sum(picks) / len(picks) < 0.12


def test_flagged_reply_is_checked_and_always_queued(world):
    _case, reply = replied_case(world, title=TITLE, description=DESCRIPTION, reply=ACKNOWLEDGE_ONLY)
    check = ReplyCheck.objects.get(reply=reply)
    assert check.flagged
    assert check.warnings == ["relevance", "completeness"]
    assert check.unit == world.department
    assert check.review.reason == QualityReview.Reason.FLAGGED
    assert check.review.pending


def test_good_reply_is_queued_only_when_sampled(world):
    _case, reply = replied_case(world, title=TITLE, description=DESCRIPTION, reply=GOOD)
    check = ReplyCheck.objects.get(reply=reply)
    assert not check.flagged and check.warnings == []
    assert QualityReview.objects.filter(reply_check=check).exists() == services.is_sampled(reply.pk)
    # Idempotent: recording again keeps the first check.
    assert services.reply_check_record(reply=reply).pk == check.pk


def test_queue_page_for_the_centre_only(client, world):
    case, reply = replied_case(world, title=TITLE, description=DESCRIPTION, reply=ACKNOWLEDGE_ONLY)
    client.force_login(world.dispatcher)
    page = client.get("/quality/")
    assert page.status_code == 200
    body = page.content.decode()
    review = reply.quality_check.review
    assert f'data-review="{review.pk}"' in body
    assert case.number in body and ACKNOWLEDGE_ONLY in body
    for user in (world.handler, world.resident, world.viewer):
        client.force_login(user)
        assert client.get("/quality/").status_code == 403


def test_verdict_recorded_with_who_and_when_then_leaves_the_queue(client, world):
    _case, reply = replied_case(world, title=TITLE, description=DESCRIPTION, reply=ACKNOWLEDGE_ONLY)
    review = reply.quality_check.review
    client.force_login(world.dispatcher)
    url = f"/quality/reviews/{review.pk}/verdict/"
    missing_note = client.post(url, {"verdict": "poor", "confirm": "on"})
    assert missing_note.status_code == 400
    unconfirmed = client.post(url, {"verdict": "good"})
    assert unconfirmed.status_code == 400
    response = client.post(
        url, {"verdict": "poor", "note": "只写了已收悉", "confirm": "on"}, follow=True
    )
    assert response.status_code == 200
    review.refresh_from_db()
    assert review.verdict == "poor" and review.note == "只写了已收悉"
    assert review.reviewed_by == world.dispatcher and review.reviewed_at is not None
    assert f'data-review="{review.pk}"' not in response.content.decode()
    assert any(m.level_tag == "success" for m in response.context["messages"])
    client.force_login(world.handler)
    assert client.post(url, {"verdict": "good", "confirm": "on"}).status_code == 403


def test_monthly_counts_per_unit(client, world):
    _c1, flagged = replied_case(world, title=TITLE, description=DESCRIPTION, reply=ACKNOWLEDGE_ONLY)
    replied_case(
        world,
        title="幸福路路灯不亮",
        description="幸福路路灯一个月不亮。",
        reply=(
            "您好！关于幸福路路灯不亮的问题，市城管委于3月5日派人到现场检修，已更换灯具，"
            "下一步将加强巡查。"
        ),
    )
    services.quality_review_verdict(
        actor=world.dispatcher, review=flagged.quality_check.review, verdict="poor", note="空话"
    )
    client.force_login(world.dispatcher)
    page = client.get("/quality/units/", {"month": _month()})
    assert page.status_code == 200
    (row,) = page.context["rows"]
    assert (row.unit_id, row.replies, row.flagged, row.poor, row.reviewed) == (
        world.department.pk,
        2,
        1,
        1,
        1,
    )
    assert row.flagged_percent == 50
    last_year = (timezone.localdate() - dt.timedelta(days=400)).strftime("%Y-%m")
    assert client.get("/quality/units/", {"month": last_year}).context["rows"] == []
    assert client.get("/quality/units/", {"month": "2026-13"}).status_code == 400
    client.force_login(world.viewer)
    assert client.get("/quality/units/").status_code == 200
    for user in (world.handler, world.resident):
        client.force_login(user)
        assert client.get("/quality/units/").status_code == 403


def _board_panel(user, unit, month):
    request = RequestFactory().get("/boards/")
    request.user = user
    return render_panels("unit_board", request, unit=unit, month=month)


def test_unit_board_panel_beside_the_rates(world):
    replied_case(world, title=TITLE, description=DESCRIPTION, reply=ACKNOWLEDGE_ONLY)
    html = _board_panel(world.viewer, world.department, _month())
    assert 'data-panel="reply-quality"' in html
    assert "1" in html and "100%" in html
    # The unit itself sees its figures; another unit and the public do not.
    assert 'data-panel="reply-quality"' in _board_panel(world.handler, world.department, _month())
    assert _board_panel(world.other_handler, world.department, _month()) == ""
    from django.contrib.auth.models import AnonymousUser

    assert _board_panel(AnonymousUser(), world.department, _month()) == ""
    assert _board_panel(world.viewer, world.department, "") == ""


@pytest.mark.parametrize("state", ["pending", "reviewed", "all"])
def test_api_queue_states(api_client, world, state):
    _case, reply = replied_case(world, title=TITLE, description=DESCRIPTION, reply=ACKNOWLEDGE_ONLY)
    api_client.force_authenticate(world.dispatcher)
    response = api_client.get("/api/v1/quality/reviews/", {"state": state})
    assert response.status_code == 200
    ids = [r["id"] for r in response.json()["results"]]
    expected = [] if state == "reviewed" else [reply.quality_check.review.pk]
    assert ids == expected


def test_api_queue_and_verdict(api_client, world):
    _case, reply = replied_case(world, title=TITLE, description=DESCRIPTION, reply=ACKNOWLEDGE_ONLY)
    review = reply.quality_check.review
    url = f"/api/v1/quality/reviews/{review.pk}/verdict/"
    assert api_client.get("/api/v1/quality/reviews/").status_code in (401, 403)
    api_client.force_authenticate(world.handler)
    assert api_client.get("/api/v1/quality/reviews/").status_code == 403
    assert api_client.post(url, {"verdict": "good"}, format="json").status_code == 403
    api_client.force_authenticate(world.operator)
    listing = api_client.get("/api/v1/quality/reviews/").json()["results"]
    assert listing[0]["warnings"] == ["relevance", "completeness"]
    assert listing[0]["reply"] == ACKNOWLEDGE_ONLY
    assert api_client.get("/api/v1/quality/reviews/", {"state": "x"}).status_code == 400
    bad = api_client.post(url, {"verdict": "great"}, format="json")
    assert bad.status_code == 400 and "verdict" in bad.json()["extra"]["fields"]
    no_note = api_client.post(url, {"verdict": "poor"}, format="json")
    assert no_note.status_code == 400 and "note" in no_note.json()["extra"]["fields"]
    ok = api_client.post(url, {"verdict": "acceptable", "note": ""}, format="json")
    assert ok.status_code == 200
    assert ok.json()["verdict"] == "acceptable" and ok.json()["reviewed_by"] == "operator"
    again = api_client.post(url, {"verdict": "good"}, format="json")
    assert again.status_code == 409
    assert (
        api_client.post(
            "/api/v1/quality/reviews/999999/verdict/", {"verdict": "good"}, format="json"
        ).status_code
        == 404
    )


def test_api_reply_check(api_client, world):
    from tests.cases.factories import case_in

    case = case_in(world, "in_progress", title=TITLE, description=DESCRIPTION)
    url = "/api/v1/replies/check/"
    api_client.force_authenticate(world.handler)
    ok = api_client.post(
        url, {"case": case.number, "text": GOOD, "result": "resolved"}, format="json"
    )
    assert ok.status_code == 200
    body = ok.json()
    assert body["flagged"] is False and body["scores"]["explanation"] is None
    assert set(body["scores"]) == {"relevance", "completeness", "explanation", "originality"}
    bad = api_client.post(url, {"case": case.number, "text": "", "result": "nope"}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()["extra"]["fields"]) == {"text", "result"}
    missing = api_client.post(url, {"case": "0", "text": GOOD, "result": "resolved"}, format="json")
    assert missing.status_code == 404
    for user in (world.other_handler, world.resident, world.dispatcher):
        api_client.force_authenticate(user)
        refused = api_client.post(
            url, {"case": case.number, "text": GOOD, "result": "resolved"}, format="json"
        )
        assert refused.status_code == 403
