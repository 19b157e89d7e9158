"""/api/v1/knowledge/: visibility, writes by role, workflow actions, search, 400s and 409s."""

import pytest
from rest_framework.test import APIClient

from knowledge.models import Article

from .factories import draft, published

pytestmark = pytest.mark.django_db
BASE = "/api/v1/knowledge"


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_public_sees_only_published_public_articles(world):
    public = published(world, title="公开的停车问题", public=True)
    internal = published(world, title="内部的停车问题", public=False)
    draft(world, title="草稿", public=True)
    for client in (api(), api(world.resident)):
        body = client.get(f"{BASE}/articles/").json()
        assert [a["id"] for a in body["results"]] == [public.pk]
        assert "unit" not in body["results"][0]
        assert client.get(f"{BASE}/articles/{internal.pk}/").status_code == 404
        assert client.get(f"{BASE}/articles/{public.pk}/versions/").status_code in (401, 403)
    hits = api().get(f"{BASE}/search/", {"q": "停车问题"}).json()["results"]
    assert [h["article"]["id"] for h in hits] == [public.pk]


def test_staff_list_detail_and_versions(world):
    article = published(world)
    body = api(world.dispatcher).get(f"{BASE}/articles/{article.pk}/").json()
    assert body["status"] == "published" and body["version"] == 3 and body["unit"]
    versions = api(world.handler).get(f"{BASE}/articles/{article.pk}/versions/").json()
    assert [v["action"] for v in versions] == ["publish", "submit", "create"]
    assert versions[0]["actor"] == "dispatcher"


def test_unit_editor_creates_and_updates_and_bad_input_is_400(world):
    client = api(world.handler)
    payload = {
        "title": "道路破损多久修好",
        "answer": "一般道路破损7日内修复。",
        "category": world.department_category.pk,
        "unit": world.department.pk,
    }
    created = client.post(f"{BASE}/articles/", payload, format="json")
    assert created.status_code == 201 and created.json()["status"] == "draft"
    pk = created.json()["id"]
    bad = client.post(f"{BASE}/articles/", {**payload, "title": "", "category": 0}, format="json")
    assert bad.status_code == 400
    assert {"title", "category"} <= set(bad.json()["extra"]["fields"])
    dates = client.post(
        f"{BASE}/articles/",
        {**payload, "effective_from": "2026-05-01", "effective_to": "2026-01-01"},
        format="json",
    )
    assert dates.status_code == 400 and "effective_to" in dates.json()["extra"]["fields"]
    other = client.post(
        f"{BASE}/articles/", {**payload, "unit": world.other_department.pk}, format="json"
    )
    assert other.status_code == 403
    patched = client.patch(
        f"{BASE}/articles/{pk}/", {"answer": "5日内修复。", "version": 1}, format="json"
    )
    assert patched.status_code == 200 and patched.json()["version"] == 2
    stale = client.patch(f"{BASE}/articles/{pk}/", {"answer": "旧", "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["extra"]["version"] == 2


def test_other_unit_cannot_edit_and_anonymous_cannot_write(world):
    article = draft(world)
    # A draft of another unit is invisible to them: 404, not 403.
    assert (
        api(world.other_handler)
        .patch(f"{BASE}/articles/{article.pk}/", {"title": "改"}, format="json")
        .status_code
        == 404
    )
    assert api().post(f"{BASE}/articles/", {}, format="json").status_code == 403


def test_workflow_actions_by_role(world):
    article = draft(world)
    editor, centre = api(world.handler), api(world.dispatcher)
    assert editor.post(f"{BASE}/articles/{article.pk}/submit/").status_code == 200
    assert editor.post(f"{BASE}/articles/{article.pk}/publish/").status_code == 403
    assert centre.post(f"{BASE}/articles/{article.pk}/send-back/", {}).status_code == 400
    assert centre.post(f"{BASE}/articles/{article.pk}/publish/").status_code == 200
    assert centre.post(f"{BASE}/articles/{article.pk}/publish/").status_code == 409
    assert editor.post(f"{BASE}/articles/{article.pk}/retire/").status_code == 403
    assert (
        centre.post(f"{BASE}/articles/{article.pk}/retire/", {"note": "政策废止"}).status_code
        == 200
    )
    assert Article.objects.get(pk=article.pk).status == "retired"


def test_search_filters_and_bad_input(world):
    published(world, title="道路破损维修时限", public=False)
    staff = api(world.operator).get(
        f"{BASE}/search/", {"q": "道路破损", "region": world.community.pk}
    )
    assert staff.status_code == 200 and staff.json()["results"][0]["overdue_review"] is False
    assert api().get(f"{BASE}/search/", {"q": "道路破损"}).json()["results"] == []
    assert api().get(f"{BASE}/search/").status_code == 400
    bad = api().get(f"{BASE}/search/", {"q": "x", "region": "abc", "limit": 999})
    assert bad.status_code == 400 and {"region", "limit"} <= set(bad.json()["extra"]["fields"])


def test_schema_lists_the_knowledge_endpoints(client, world):
    response = client.get("/api/schema/")
    if response.status_code == 404:
        pytest.skip("schema served elsewhere")
    assert b"/api/v1/knowledge/search/" in response.content
