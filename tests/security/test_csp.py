"""Content-Security-Policy: every page is served under a policy without inline script or
style, and no page relies on inline script, event-handler attributes or style attributes (which
the policy would block in the browser)."""

import re

import pytest
from django.urls import reverse

from tests.cases.factories import case_in

# Executable inline scripts. A JSON data block (Django's json_script: type="application/json",
# its content escaped) is never run by a browser and is how data reaches a strict-CSP page.
INLINE_SCRIPT = re.compile(r'<script(?![^>]*\bsrc=)(?![^>]*\btype="application/json")[^>]*>', re.I)
HANDLER_ATTRIBUTE = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.I)


def _directives(header: str) -> dict[str, list[str]]:
    parts = (p.strip().split() for p in header.split(";") if p.strip())
    return {p[0]: p[1:] for p in parts}


def check_page(client, user, url):
    if user is not None:
        client.force_login(user)
    else:
        client.logout()
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    policy = _directives(response["Content-Security-Policy"])
    for directive in ("default-src", "script-src", "style-src"):
        assert policy[directive] == ["'self'"], (url, directive, policy.get(directive))
    assert policy["frame-ancestors"] == ["'none'"]
    body = response.content.decode()
    assert not INLINE_SCRIPT.search(body), f"inline <script> on {url}"
    assert not HANDLER_ATTRIBUTE.search(body), f"event-handler attribute on {url}"
    assert not STYLE_ATTRIBUTE.search(body), f"style attribute on {url}"


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/cases/new/",
        "/cases/track/",
        "/public/cases/",
        "/public/map/",
        "/boards/",
        "/accounts/login/",
    ],
)
def test_public_pages_run_under_a_strict_policy(client, db, url):
    check_page(client, None, url)


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_api_docs_relax_only_inline_style(client, db, url):
    response = client.get(url)
    policy = _directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert not INLINE_SCRIPT.search(response.content.decode())


def test_staff_and_resident_pages_run_under_a_strict_policy(client, world):
    case = case_in(world, "in_progress")
    n = case.number
    for user, url in [
        (world.resident, reverse("cases:mine")),
        (world.resident, reverse("cases:tracked", kwargs={"number": n})),
        (world.operator, reverse("cases:console")),
        (world.dispatcher, reverse("cases:queues")),
        (world.dispatcher, reverse("cases:centre_case", kwargs={"number": n})),
        (world.handler, reverse("cases:inbox")),
        (world.handler, reverse("cases:unit_case", kwargs={"number": n})),
        (world.handler, reverse("notifications")),
        (world.street_official, reverse("cases:whistles")),
        (world.community_worker, reverse("council:index")),
        (world.resident, reverse("themes:list")),
        (world.dispatcher, reverse("themes:hot_topics")),
        (world.dispatcher, reverse("themes:suggestions")),
    ]:
        check_page(client, user, url)


def test_the_policy_also_covers_error_pages_and_the_admin(client, world, django_user_model):
    response = client.get("/cases/00000000000/")
    assert response.status_code == 404
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "x-Secret-1")
    client.force_login(admin)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert _directives(response["Content-Security-Policy"])["script-src"] == ["'self'"]


def test_the_policy_built_once_equals_django_csps_and_follows_settings(client, db, settings):
    """civic.csp serves the site's policy from a per-process copy: the same header django-csp
    builds, on pages and API answers alike, and a settings change is seen at once."""
    from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
    from django.http import HttpResponse
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    DjangoCSPMiddleware(lambda r: None).process_request(request)
    expected = DjangoCSPMiddleware(lambda r: None).process_response(request, HttpResponse())
    for url in ("/", "/api/v1/categories/"):
        response = client.get(url)
        assert response["Content-Security-Policy"] == expected["Content-Security-Policy"], url
        assert "Content-Security-Policy-Report-Only" not in response

    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {
        "DIRECTIVES": {"default-src": ["'self'"]},
        "EXCLUDE_URL_PREFIXES": ["/api/"],
    }
    page, api = client.get("/"), client.get("/api/v1/categories/")
    assert page["Content-Security-Policy"] == api["Content-Security-Policy"] == "default-src 'none'"
    assert page["Content-Security-Policy-Report-Only"] == "default-src 'self'"
    assert "Content-Security-Policy-Report-Only" not in api
