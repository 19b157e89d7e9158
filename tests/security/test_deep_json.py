"""Deeply nested JSON: every API endpoint that reads a body refuses it with a 400 in the API's
error shape, anonymously and signed in; it never reaches a RecursionError (a 500). The endpoints
are read from the URLconf, so a new one is covered the day it is added."""

import json
import re

import pytest
from drf_spectacular.generators import EndpointEnumerator
from rest_framework.parsers import JSONParser

from cases.models import Case
from civic.api.parsers import MAX_JSON_DEPTH
from tests.cases.factories import case_in
from tests.cases.test_api import new_case

DEEP = "[" * 5000 + "]" * 5000  # ~10 KB; Python's json recursion gives up near 1,000 levels
WRITES = ("POST", "PUT", "PATCH", "DELETE")
# Answers that refuse a request before its body is read.
REFUSED_BEFORE_PARSING = {401, 403, 404, 405}
ENDPOINTS = sorted(
    {(method, path) for path, _regex, method, _view in EndpointEnumerator().get_api_endpoints()}
)
BODY_ENDPOINTS = [(method, path) for method, path in ENDPOINTS if method in WRITES]


def nested(depth: int) -> list:
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    return value


def _url(path: str, number: str) -> str:
    # A real case number (its actions read the body before or after finding the case); other
    # ids need not exist: a 404 is a refusal before parsing.
    return re.sub(r"\{(\w+)\}", lambda m: number if m.group(1) == "number" else "1", path)


def _post(client, method: str, url: str, body: str):
    client.raise_request_exception = False
    return client.generic(method, url, body, content_type="application/json")


def _assert_refused(response, method, url, *, parsed: bool = False):
    where = f"{method} {url}: {response.status_code} {response.content[:200]!r}"
    allowed = {400} if parsed else {400, *REFUSED_BEFORE_PARSING}
    assert response.status_code in allowed, where
    body = response.json()
    assert set(body) == {"message", "extra"} and body["message"], where


def test_the_api_has_endpoints_that_read_a_body():
    # Guards the parametrisation below against an empty enumeration.
    assert len(BODY_ENDPOINTS) > 40
    assert ("POST", "/api/v1/track/") in BODY_ENDPOINTS


@pytest.mark.parametrize("actor", ["anonymous", "resident", "dispatcher"])
@pytest.mark.parametrize(("method", "path"), BODY_ENDPOINTS)
def test_deep_json_is_a_400_on_every_api_endpoint(api_client, world, actor, method, path):
    case = case_in(world, "dispatched")
    if actor != "anonymous":
        api_client.force_authenticate(getattr(world, actor))
    url = _url(path, case.number)
    _assert_refused(_post(api_client, method, url, DEEP), method, url)


@pytest.mark.parametrize(
    ("actor", "method", "path"),
    [
        ("anonymous", "POST", "/api/v1/track/"),
        ("anonymous", "POST", "/api/v1/auth/token/"),
        ("anonymous", "POST", "/api/v1/cases/"),
        ("handler", "POST", "/api/v1/cases/{number}/reply/"),
        ("dispatcher", "POST", "/api/v1/cases/{number}/dispatch/"),
        ("community_worker", "POST", "/api/v1/council/meetings/"),
        ("dispatcher", "POST", "/api/v1/router/suggest"),
        ("dispatcher", "POST", "/api/v1/themes/"),
    ],
)
def test_deep_json_is_refused_by_the_parser(api_client, world, actor, method, path):
    """The endpoints of the report: each reads the body, so each answers exactly 400."""
    case = case_in(world, "signed")
    if actor != "anonymous":
        api_client.force_authenticate(getattr(world, actor))
    url = _url(path, case.number)
    for body in (DEEP, json.dumps({"title": nested(MAX_JSON_DEPTH)})):
        response = _post(api_client, method, url, body)
        _assert_refused(response, method, url, parsed=True)
        assert "nested" in response.json()["message"] or "嵌套" in response.json()["message"]
    assert Case.objects.count() == 1


def test_every_api_view_parses_json_through_the_depth_limit():
    from civic.api.parsers import DepthLimitedJSONParser

    for _path, _regex, _method, view in EndpointEnumerator().get_api_endpoints():
        cls = getattr(view, "cls", None)
        if cls is None or not hasattr(cls, "parser_classes"):
            continue
        json_parsers = [p for p in cls.parser_classes if p.media_type == "application/json"]
        assert json_parsers, cls
        assert all(issubclass(p, DepthLimitedJSONParser) for p in json_parsers), cls
        assert JSONParser not in cls.parser_classes, cls


def test_ordinary_nesting_still_files_a_case(api_client, world):
    # An unknown field is ignored; nested to the limit (the whole body is one level more).
    body = new_case(world, client_info=nested(MAX_JSON_DEPTH - 1))
    response = api_client.post("/api/v1/cases/", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    body["client_info"] = nested(MAX_JSON_DEPTH)
    response = api_client.post("/api/v1/cases/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert Case.objects.count() == 1
