"""CSRF: every state-changing web form and the session-authenticated API refuse a POST without
the token (403) and write nothing. Open311 POST is exempt on purpose: it authenticates by API
key, not by cookie, so a forged cross-site request carries no credential."""

import pytest
from django.test import Client

from cases.models import Case, CaseEvent
from civic.models import Notification
from council.models import Meeting
from tests.cases.factories import case_in


def _counts():
    return (Case.objects.count(), CaseEvent.objects.count(), Meeting.objects.count())


@pytest.fixture
def strict():
    return Client(enforce_csrf_checks=True)


def test_web_forms_refuse_posts_without_the_token(strict, world):
    case = case_in(world, "dispatched")
    n = case.number
    posts = [
        (world.resident, "/cases/new/", {"title": "x", "description": "y"}),
        (world.resident, f"/cases/{n}/reopen/", {"reason": "x"}),
        (world.resident, f"/public/cases/{n}/me-too/", {}),
        (world.resident, f"/public/cases/{n}/follow/", {}),
        (world.operator, "/console/", {"title": "x", "description": "y"}),
        (world.dispatcher, f"/dispatch/case/{n}/note/", {"note": "x"}),
        (world.handler, f"/inbox/{n}/sign/", {}),
        (world.handler, "/notifications/", {}),
        (world.street_official, "/whistles/new/", {"reason": "x", "place": "y"}),
        (world.community_worker, "/council/meetings/new/", {"title": "x"}),
        (world.resident, "/i18n/setlang/", {"language": "en"}),
    ]
    before = _counts()
    unread = Notification.objects.filter(read_at__isnull=True).count()
    for user, url, data in posts:
        strict.force_login(user)
        response = strict.post(url, data)
        assert response.status_code == 403, (url, response.status_code)
    assert _counts() == before
    assert Notification.objects.filter(read_at__isnull=True).count() == unread
    case.refresh_from_db()
    assert case.status == "dispatched"


def test_login_form_needs_the_token(strict, world):
    response = strict.post("/accounts/login/", {"username": "resident", "password": "x"})
    assert response.status_code == 403


def test_session_authenticated_api_needs_the_token(strict, world):
    case = case_in(world, "dispatched")
    strict.force_login(world.handler)
    response = strict.post(f"/api/v1/cases/{case.number}/sign/", content_type="application/json")
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == "dispatched"
