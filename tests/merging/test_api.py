"""/api/v1/cases/{number}/merge/, /unmerge/ and /merge-candidates/: dispatcher only, 400 with
field messages, 403 and 404."""

import pytest

from cases.models import Case, Status

from .helpers import lamp_case, reload

pytestmark = pytest.mark.django_db


def url(number, what):
    return f"/api/v1/cases/{number}/{what}/"


def test_dispatcher_merges_and_undoes_through_the_api(api_client, world):
    main = lamp_case(world, 1, state="dispatched")
    a, b = lamp_case(world, 2), lamp_case(world, 3)
    api_client.force_authenticate(world.dispatcher)

    response = api_client.get(url(main.number, "merge-candidates"))
    assert response.status_code == 200
    found = {row["number"]: row for row in response.json()}
    assert set(found) == {a.number, b.number}
    assert found[a.number]["score"] > 0 and found[a.number]["reasons"]

    response = api_client.post(
        url(main.number, "merge"), {"cases": [a.number, b.number], "note": "同一盏路灯"}, "json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["number"] == main.number
    assert {m["number"] for m in body["merged"]} == {a.number, b.number}
    assert all(m["merged_into"] == main.number for m in body["merged"])
    assert reload(a).status == Status.DISPATCHED

    response = api_client.post(url(main.number, "unmerge"), {"cases": [a.number]}, "json")
    assert response.status_code == 200
    assert response.json()["released"] == [
        {"number": a.number, "title": a.title, "status": "dispatched", "merged_into": None}
    ]
    response = api_client.post(url(main.number, "unmerge"), {}, "json")  # the rest
    assert response.status_code == 200
    assert not Case.objects.filter(merged_into=main).exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "cases"),
        ({"cases": []}, "cases"),
        ({"cases": "20250101000001"}, "cases"),
        ({"cases": ["99999999999999"]}, "cases"),
        ({"cases": ["OWN"]}, "cases"),
        ({"cases": ["CLOSED"]}, "cases"),
        ({"cases": ["OTHER"], "note": "长" * 2001}, "note"),
    ],
)
def test_bad_merge_input_is_a_400_naming_the_field(api_client, world, body, field):
    main = lamp_case(world, 1, state="dispatched")
    numbers = {
        "OWN": main.number,
        "CLOSED": lamp_case(world, 2, state="closed").number,
        "OTHER": lamp_case(world, 3).number,
    }
    if isinstance(body.get("cases"), list):
        body = {**body, "cases": [numbers.get(n, n) for n in body["cases"]]}
    api_client.force_authenticate(world.dispatcher)
    response = api_client.post(url(main.number, "merge"), body, "json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["extra"]["fields"]
    assert not Case.objects.filter(merged_into=main).exists()


def test_unmerge_of_a_case_not_in_the_group_is_a_400(api_client, world):
    main, stranger = lamp_case(world, 1), lamp_case(world, 2)
    api_client.force_authenticate(world.dispatcher)
    response = api_client.post(url(main.number, "unmerge"), {"cases": [stranger.number]}, "json")
    assert response.status_code == 400
    assert "cases" in response.json()["extra"]["fields"]


@pytest.mark.parametrize("who", ["operator", "handler", "resident", "viewer"])
def test_only_dispatchers_may_merge(api_client, world, who):
    main = lamp_case(world, 1, state="dispatched", by=world.resident)
    other = lamp_case(world, 2)
    api_client.force_authenticate(getattr(world, who))
    for what, method in (("merge", "post"), ("unmerge", "post"), ("merge-candidates", "get")):
        response = getattr(api_client, method)(
            url(main.number, what), {"cases": [other.number]}, format="json"
        )
        assert response.status_code == 403, (who, what)
        assert response.json()["message"]
    assert reload(other).merged_into_id is None


def test_anonymous_callers_are_refused_and_unknown_cases_are_404(api_client, world):
    main = lamp_case(world, 1)
    assert api_client.post(url(main.number, "merge"), {}, "json").status_code in (401, 403)
    api_client.force_authenticate(world.dispatcher)
    response = api_client.post(url("20990101099999", "merge"), {"cases": [main.number]}, "json")
    assert response.status_code == 404
    assert api_client.get(url("20990101099999", "merge-candidates")).status_code == 404


def test_the_paths_sit_in_the_schema(api_client, world):
    api_client.force_authenticate(world.dispatcher)
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    for path in ("merge", "unmerge", "merge-candidates"):
        assert f"/api/v1/cases/{{number}}/{path}/" in schema["paths"]
