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
