"""Every role × every page and endpoint, over HTTP (docs/security.md keeps the same table).

Expected answers: 200 (allowed), 302 (to the login page), 403 (refused), 404 (not visible:
another's object answers exactly like a missing one, so nothing leaks).
"""

import pytest

from tests.cases.factories import case_in

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "resident",
    "other_resident",
    "operator",
    "dispatcher",
    "handler",
    "other_handler",
    "street_official",
    "community_worker",
    "viewer",
]

# (name, method, path template, expected per role in ROLES order)
MATRIX = [
    ("home", "get", "/", [200] * 10),
    ("file a complaint", "get", "/cases/new/", [200, 200, 200, 302, 302, 200, 200, 200, 200, 200]),
    ("track form", "get", "/cases/track/", [200] * 10),
    ("my cases", "get", "/cases/mine/", [302, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    (
        "own case page (resident)",
        "get",
        "/cases/{mine}/",
        [404, 200, 404, 404, 404, 404, 404, 404, 404, 404],
    ),
    ("operator console", "get", "/console/", [302, 403, 403, 200, 200, 403, 403, 403, 403, 403]),
    ("dispatch queues", "get", "/dispatch/", [302, 403, 403, 200, 200, 403, 403, 403, 403, 403]),
    (
        "centre case page",
        "get",
        "/dispatch/case/{mine}/",
        [302, 403, 403, 200, 200, 403, 403, 403, 403, 403],
    ),
    ("unit inbox", "get", "/inbox/", [302, 403, 403, 403, 403, 200, 200, 200, 200, 403]),
    ("unit case page", "get", "/inbox/{mine}/", [302, 403, 403, 403, 403, 200, 404, 404, 404, 403]),
    (
        "sign (web)",
        "post",
        "/inbox/{mine}/sign/",
        [302, 403, 403, 403, 403, 302, 404, 404, 404, 403],
    ),
    ("notices", "get", "/notifications/", [302, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("public case list", "get", "/public/cases/", [200] * 10),
    ("public case page", "get", "/public/cases/{mine}/", [200] * 10),
    (
        "moderation",
        "get",
        "/public/cases/{mine}/moderate/",
        [302, 404, 404, 404, 200, 404, 404, 404, 404, 404],
    ),
    (
        "reply templates",
        "get",
        "/reply-templates/{mine}.json",
        [302, 404, 404, 404, 404, 200, 404, 404, 404, 404],
    ),
    ("API case list", "get", "/api/v1/cases/", [403, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    (
        "API case detail",
        "get",
        "/api/v1/cases/{mine}/",
        [403, 200, 404, 200, 200, 200, 404, 404, 404, 404],
    ),
    (
        "API case events",
        "get",
        "/api/v1/cases/{mine}/events/",
        [403, 200, 404, 200, 200, 200, 404, 404, 404, 404],
    ),
    (
        "API route proposal",
        "get",
        "/api/v1/cases/{mine}/route-proposal/",
        [403, 403, 404, 200, 200, 403, 404, 404, 404, 404],
    ),
    (
        "API sign",
        "post",
        "/api/v1/cases/{mine}/sign/",
        [403, 403, 404, 403, 403, 200, 404, 404, 404, 404],
    ),
    ("API categories", "get", "/api/v1/categories/", [200] * 10),
    ("API schema", "get", "/api/schema/", [200] * 10),
    ("Open311 services", "get", "/open311/v2/services.json", [200] * 10),
    ("Open311 requests", "get", "/open311/v2/requests.json", [200] * 10),
    ("admin", "get", "/admin/", [302] * 10),
]


def _user(world, role):
    return None if role == "anonymous" else getattr(world, role)


@pytest.mark.parametrize(("name", "method", "path", "expected"), MATRIX, ids=[m[0] for m in MATRIX])
def test_authorisation_matrix(client, world, name, method, path, expected):
    case = case_in(
        world, "dispatched"
    )  # filed by world.resident, dispatched to world.handler's unit
    url = path.format(mine=case.number)
    got = []
    for role in ROLES:
        client.logout()
        user = _user(world, role)
        if user is not None:
            client.force_login(user)
        response = getattr(client, method)(url)
        got.append(response.status_code)
        if response.status_code == 200 and role in ("other_resident", "other_handler", "anonymous"):
            # Whatever another party may see must not carry the reporter's personal data.
            body = response.content.decode(errors="replace")
            if "/public/" not in url and "open311" not in url:
                assert "13812345678" not in body, (name, role)
    assert dict(zip(ROLES, got, strict=True)) == dict(zip(ROLES, expected, strict=True)), name


def test_superuser_reaches_the_admin_but_cannot_edit_the_audit_trail(client, world):
    from tests.factories import UserFactory

    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get("/admin/").status_code == 200
    case = case_in(world, "dispatched")
    event = case.events.first()
    assert client.get(f"/admin/cases/caseevent/{event.pk}/change/").status_code == 200  # view only
    assert (
        client.post(f"/admin/cases/caseevent/{event.pk}/change/", {"note": "x"}).status_code == 403
    )
    assert (
        client.post(f"/admin/cases/caseevent/{event.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
