"""Huge payloads: past the request size limit every surface answers a clear 4xx and writes
nothing (Django refuses bodies over DATA_UPLOAD_MAX_MEMORY_SIZE before any view code runs)."""

import json

import pytest
from django.conf import settings

from cases.models import Case

TOO_BIG = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024


def test_huge_json_to_api_intake_is_refused(api_client, world):
    body = json.dumps({"kind": "complaint", "title": "x", "description": "长" * TOO_BIG})
    response = api_client.post("/api/v1/cases/", body, content_type="application/json")
    assert response.status_code in (400, 413), response.status_code
    assert not Case.objects.exists()


def test_huge_form_to_open311_is_refused(client, world):
    response = client.post(
        "/open311/v2/requests.json",
        {"api_key": "k", "service_code": "1", "description": "x" * TOO_BIG},
    )
    assert response.status_code in (400, 413), response.status_code
    assert not Case.objects.exists()


@pytest.mark.parametrize("path", ["/cases/new/", "/accounts/login/"])
def test_huge_web_form_is_refused(client, world, path):
    client.raise_request_exception = False
    response = client.post(path, {"title": "x", "description": "x" * TOO_BIG})
    assert response.status_code in (400, 413), response.status_code
    assert not Case.objects.exists()


def test_xml_body_to_the_json_api_is_415(api_client, world):
    response = api_client.post(
        "/api/v1/cases/", "<case><title>x</title></case>", content_type="application/xml"
    )
    assert response.status_code == 415
    assert response.json()["message"]
    assert not Case.objects.exists()


# --- each surface refuses in its own error format (issue 31, finding 6) -----------------------


@pytest.mark.parametrize("path", ["/api/v1/cases/", "/api/v1/track/", "/api/v1/auth/token/"])
def test_a_huge_api_body_is_a_413_in_the_api_error_shape(api_client, world, path):
    body = json.dumps({"title": "x", "description": "长" * TOO_BIG})
    response = api_client.post(path, body, content_type="application/json")
    assert response.status_code == 413, response.status_code
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert set(data) == {"message", "extra"} and data["message"]
    assert data["extra"]["max_bytes"] == settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert not Case.objects.exists()


def test_too_many_form_fields_to_the_api_is_a_400_in_the_api_error_shape(api_client, world):
    fields = {f"f{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = api_client.post("/api/v1/cases/", fields)  # multipart
    assert response.status_code == 400
    assert set(response.json()) == {"message", "extra"}
    assert not Case.objects.exists()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_huge_open311_post_is_a_413_in_open311_errors(client, world, fmt):
    response = client.post(
        f"/open311/v2/requests.{fmt}",
        {"api_key": "k", "service_code": "1", "description": "x" * TOO_BIG},
    )
    assert response.status_code == 413, response.status_code
    if fmt == "json":
        assert response["Content-Type"].startswith("application/json")
        (error,) = response.json()
        assert error["code"] == 413 and error["description"]
    else:
        assert response["Content-Type"].startswith("text/xml")
        body = response.content.decode()
        assert "<errors><error><code>413</code><description>" in body
    assert not Case.objects.exists()


def test_too_many_fields_to_open311_is_a_400_in_open311_errors(client, world):
    fields = {f"f{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = client.post("/open311/v2/requests.json", fields)
    assert response.status_code == 400
    (error,) = response.json()
    assert error["code"] == 400 and error["description"]
    response = client.get("/open311/v2/requests.json", fields)  # in the query string
    assert response.status_code == 400 and response.json()[0]["code"] == 400


def test_a_huge_web_form_is_still_an_html_page(client, world):
    client.raise_request_exception = False
    response = client.post("/cases/new/", {"title": "x", "description": "x" * TOO_BIG})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
