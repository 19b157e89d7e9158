"""Open311 GeoReport v2 through its public URLs, in JSON and XML, and with a third-party client."""

import datetime as dt
import json
from xml.etree import ElementTree as ET

import pytest
import time_machine
from django.utils import timezone

from cases.models import Case, Status
from open311.models import Open311Request, ServiceAttribute
from open311.services import (
    DEMO_KEY,
    ensure_demo_client,
    open311_client_create,
    open311_client_revoke,
)
from tests.cases.factories import case_in

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"


@pytest.fixture
def key(world):
    ensure_demo_client()
    return DEMO_KEY


def parse(response, fmt):
    if fmt == "json":
        return json.loads(response.content)
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def post(client, key, **fields):
    data = {"api_key": key, **fields}
    return client.post(f"{BASE}/requests.json", data)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_discovery(client, world, fmt):
    response = client.get(f"{BASE}/discovery.{fmt}")
    assert response.status_code == 200
    body = parse(response, fmt)
    if fmt == "json":
        endpoint = body["endpoints"][0]
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert endpoint["url"].endswith("/open311/v2")
        assert "changeset" in body and "contact" in body
    else:
        assert body.tag == "discovery"
        assert (
            body.find("endpoints/endpoint/specification").text
            == "http://wiki.open311.org/GeoReport_v2"
        )
        assert {f.text for f in body.findall("endpoints/endpoint/formats/format")} == {
            "application/json",
            "text/xml",
        }


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_services_list_leaf_categories_with_group(client, world, fmt):
    response = client.get(f"{BASE}/services.{fmt}")
    assert response.status_code == 200
    body = parse(response, fmt)
    if fmt == "json":
        codes = {s["service_code"]: s for s in body}
        entry = codes[world.department_category.code]
        assert entry["service_name"] == "道路破损"
        assert entry["group"] == world.department_category.parent.name
        assert entry["type"] == "realtime" and entry["metadata"] is False
    else:
        assert body.tag == "services"
        names = {
            s.find("service_code").text: s.find("service_name").text
            for s in body.findall("service")
        }
        assert names[world.department_category.code] == "道路破损"


def test_services_in_english_when_asked(client, world):
    world.department_category.name_en = "Damaged road"
    world.department_category.save()
    by_header = client.get(f"{BASE}/services.json", HTTP_ACCEPT_LANGUAGE="en")
    by_param = client.get(f"{BASE}/services.json", {"locale": "en"})
    for response in (by_header, by_param):
        names = {s["service_code"]: s["service_name"] for s in response.json()}
        assert names[world.department_category.code] == "Damaged road"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_definition_with_attributes(client, world, fmt):
    ServiceAttribute.objects.create(
        category=world.department_category.parent,
        code="floor",
        datatype="number",
        required=True,
        description="楼层",
        order=2,
    )
    ServiceAttribute.objects.create(
        category=world.department_category,
        code="urgency",
        datatype="singlevaluelist",
        description="紧急程度",
        order=1,
        values=[{"key": "general", "name": "一般"}, {"key": "emergency", "name": "紧急"}],
    )
    response = client.get(f"{BASE}/services/{world.department_category.code}.{fmt}")
    assert response.status_code == 200
    body = parse(response, fmt)
    if fmt == "json":
        assert body["service_code"] == world.department_category.code
        assert [a["code"] for a in body["attributes"]] == ["urgency", "floor"]
        assert body["attributes"][0]["values"][1] == {"key": "emergency", "name": "紧急"}
        assert body["attributes"][1]["required"] is True
    else:
        assert body.tag == "service_definition"
        assert [a.find("code").text for a in body.findall("attributes/attribute")] == [
            "urgency",
            "floor",
        ]
        assert body.find("attributes/attribute/values/value/key").text == "general"
    listing = {s["service_code"]: s for s in client.get(f"{BASE}/services.json").json()}
    assert listing[world.department_category.code]["metadata"] is True


def test_unknown_service_code_is_404_in_spec_format(client, world):
    response = client.get(f"{BASE}/services/NOPE.json")
    assert response.status_code == 404
    assert (
        response.json() == [{"code": 404, "description": "Unknown service_code."}]
        or response.json()[0]["code"] == 404
    )
    xml = client.get(f"{BASE}/services/NOPE.xml")
    root = ET.fromstring(xml.content)
    assert root.tag == "errors" and root.find("error/code").text == "404"


def test_post_request_creates_a_normal_case(client, world, key):
    response = post(
        client,
        key,
        service_code=world.department_category.code,
        lat="39.91405",
        long="116.40010",
        description="路面塌陷，有安全隐患",
        first_name="三",
        last_name="张",
        phone="13812345678",
        email="zhang@example.org",
        device_id="dev-1",
        account_id="acc-9",
        media_url="https://example.org/p.jpg",
    )
    assert response.status_code == 201, response.content
    body = response.json()[0]
    case = Case.objects.get(number=body["service_request_id"])
    assert case.channel == "open311" and case.status == Status.RECEIVED
    assert case.region == world.community
    assert case.reporter_name == "张三" and case.reporter_phone == "13812345678"
    assert case.events.filter(action="create").count() == 1
    assert Open311Request.objects.get(case=case).token == body["token"]
    assert body["service_notice"]
    token = client.get(f"{BASE}/tokens/{body['token']}.json").json()
    assert token == [{"service_request_id": case.number, "token": body["token"]}]


def test_post_with_address_id_and_attributes(client, world, key):
    ServiceAttribute.objects.create(
        category=None, code="floor", datatype="number", required=True, description="楼层"
    )
    missing = post(
        client, key, service_code=world.department_category.code, address_id=world.community.code
    )
    assert missing.status_code == 400 and "floor" in missing.json()[0]["description"]
    bad = post(
        client,
        key,
        service_code=world.department_category.code,
        address_id=world.community.code,
        **{"attribute[floor]": "ten"},
    )
    assert bad.status_code == 400
    ok = post(
        client,
        key,
        service_code=world.department_category.code,
        address_id=world.community.code,
        **{"attribute[floor]": "10"},
        description="电梯坏了",
    )
    assert ok.status_code == 201
    request = Open311Request.objects.get()
    assert request.attributes == {"floor": "10"}
    assert request.case.region == world.community


def test_post_with_address_string_finds_the_community(client, world, key):
    response = post(
        client,
        key,
        service_code=world.department_category.code,
        address_string="东城区多福巷社区12号",
        description="噪音",
    )
    assert response.status_code == 201
    assert Case.objects.get().region == world.community


@pytest.mark.parametrize(
    ("fields", "status", "needle"),
    [
        ({"api_key": ""}, 403, "api_key"),
        ({"api_key": "wrong"}, 403, "api_key"),
        ({"service_code": "NOPE"}, 404, "service_code"),
        ({"service_code": ""}, 400, "service_code"),
        ({"lat": None, "long": None}, 400, "lat"),  # names the fields in every language
        ({"lat": "95", "long": "116"}, 400, ""),
        ({"jurisdiction_id": "elsewhere"}, 404, "jurisdiction"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
    ],
)
def test_post_errors_write_nothing(client, world, key, fields, status, needle):
    data = {
        "api_key": key,
        "service_code": world.department_category.code,
        "lat": "39.914",
        "long": "116.4",
        "description": "x",
    }
    data.update(fields)
    data["locale"] = "en"
    data = {k: v for k, v in data.items() if v is not None}
    response = client.post(f"{BASE}/requests.json", data)
    assert response.status_code == status, response.content
    error = response.json()[0]
    assert error["code"] == status and needle.lower() in error["description"].lower()
    assert Case.objects.count() == 0


def test_post_must_be_form_encoded(client, world, key):
    response = client.post(
        f"{BASE}/requests.json", data=json.dumps({"api_key": key}), content_type="application/json"
    )
    assert response.status_code == 400
    assert Case.objects.count() == 0


def test_revoked_key_is_refused_and_rate_limit_applies(client, world):
    client_row, api_key = open311_client_create(name="app")
    open311_client_revoke(client=client_row)
    assert (
        post(
            client,
            api_key,
            service_code=world.department_category.code,
            address_id=world.community.code,
        ).status_code
        == 403
    )
    limited, limited_key = open311_client_create(name="slow app")
    limited.requests_per_minute = 2
    limited.save()
    codes = [
        post(
            client,
            limited_key,
            service_code=world.department_category.code,
            address_id=world.community.code,
            description="x",
        ).status_code
        for _ in range(3)
    ]
    assert codes == [201, 201, 429]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_get_requests_never_exposes_personal_data(client, world, fmt):
    case = case_in(
        world,
        "dispatched",
        description="井盖丢失，请联系我13812345678，身份证110101199001011234，车牌京A12345旁边",
    )
    response = client.get(f"{BASE}/requests.{fmt}")
    assert response.status_code == 200
    text = response.content.decode()
    for secret in ("张三", "13812345678", "3单元", "110101199001011234", "京A12345"):
        assert secret not in text
    if fmt == "json":
        entry = response.json()[0]
        assert entry["service_request_id"] == case.number
        assert entry["status"] == "open"
        assert entry["agency_responsible"] == world.department.name
        assert (
            entry["expected_datetime"]
            == timezone.localtime(case.handle_due_at).replace(microsecond=0).isoformat()
        )
        assert entry["address_id"] == world.community.code
    else:
        node = ET.fromstring(response.content).find("request")
        assert node.find("service_request_id").text == case.number
        assert node.find("status").text == "open"


def test_get_requests_filters(client, world):
    open_case = case_in(world, "dispatched")
    closed_case = case_in(world, "closed")
    assert [
        r["service_request_id"]
        for r in client.get(f"{BASE}/requests.json", {"status": "closed"}).json()
    ] == [closed_case.number]
    assert [
        r["service_request_id"]
        for r in client.get(f"{BASE}/requests.json", {"status": "open"}).json()
    ] == [open_case.number]
    closed_entry = client.get(
        f"{BASE}/requests.json", {"service_request_id": closed_case.number}
    ).json()[0]
    assert closed_entry["status"] == "closed" and closed_entry["status_notes"] == "已修复路面。"
    both = client.get(
        f"{BASE}/requests.json", {"service_request_id": f"{open_case.number},{closed_case.number}"}
    ).json()
    assert len(both) == 2
    assert client.get(f"{BASE}/requests.json", {"service_code": "OTHER"}).json() == []


def test_get_requests_date_range_rules(client, world):
    with time_machine.travel(dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC)):
        old = case_in(world, "received")
    recent = case_in(world, "received")
    default = [r["service_request_id"] for r in client.get(f"{BASE}/requests.json").json()]
    assert default == [recent.number]  # default: the last 90 days
    window = client.get(
        f"{BASE}/requests.json",
        {"start_date": "2026-05-20T00:00:00Z", "end_date": "2026-06-10T00:00:00+08:00"},
    ).json()
    assert [r["service_request_id"] for r in window] == [old.number]
    too_long = client.get(
        f"{BASE}/requests.json",
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-10T00:00:00Z"},
    )
    assert too_long.status_code == 400 and "90" in too_long.json()[0]["description"]
    bad = client.get(f"{BASE}/requests.xml", {"start_date": "yesterday"})
    assert bad.status_code == 400 and ET.fromstring(bad.content).find("error/code").text == "400"
    reversed_range = client.get(
        f"{BASE}/requests.json",
        {"start_date": "2026-06-10T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
    )
    assert reversed_range.status_code == 400


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_single_request_is_a_list_of_one(client, world, fmt):
    case = case_in(world, "signed")
    response = client.get(f"{BASE}/requests/{case.number}.{fmt}")
    assert response.status_code == 200
    if fmt == "json":
        assert len(response.json()) == 1 and response.json()[0]["service_request_id"] == case.number
    else:
        assert len(ET.fromstring(response.content).findall("request")) == 1
    assert client.get(f"{BASE}/requests/000.{fmt}").status_code == 404
    assert client.get(f"{BASE}/tokens/nope.{fmt}").status_code == 404


def test_nul_bytes_and_unknown_jurisdiction_are_clean_errors(client, world):
    assert client.get(f"{BASE}/requests.json", {"status": "open\x00"}).status_code == 400
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "nowhere"}).status_code == 404
    assert (
        client.get(f"{BASE}/services.json", {"jurisdiction_id": "civic.local"}).status_code == 200
    )


@pytest.mark.django_db(transaction=True)
def test_third_party_georeport_client_reads_services_and_requests(live_server, world):
    """georeport (PyPI) against a live server, in JSON and XML."""
    from georeport import GeoReport

    ensure_demo_client()
    case = case_in(world, "dispatched")
    for fmt in ("json", "xml"):
        api = GeoReport(
            f"{live_server.url}/open311/v2", jurisdiction="civic.local", output_format=fmt
        )
        services_ = api.get_service_list()
        services_ = services_ if isinstance(services_, list) else [services_]
        assert world.department_category.code in {s["service_code"] for s in services_}
        definition = api.get_service_definition(world.department_category.code)
        assert definition["service_code"] == world.department_category.code
        requests_ = api.get_service_requests(status="open")
        requests_ = requests_ if isinstance(requests_, list) else [requests_]
        assert case.number in {r["service_request_id"] for r in requests_}
        single = api.get_service_request(case.number)
        assert single["service_request_id"] == case.number
        assert single["agency_responsible"] == world.department.name


def test_admin_issues_and_rotates_keys_shown_once(client, world):
    from open311.models import Open311Client
    from tests.factories import UserFactory

    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    response = client.post(
        "/admin/open311/open311client/add/",
        {"name": "app", "requests_per_minute": 30, "active": "on"},
        follow=True,
    )
    key = response.content.decode().split("o311-")[1].split("<")[0].split()[0]
    row = Open311Client.objects.get(name="app")
    assert f"o311-{key}".startswith(row.key_prefix) and f"o311-{key}" not in row.key_hash
    assert (
        post(
            client,
            f"o311-{key}",
            service_code=world.department_category.code,
            address_id=world.community.code,
            description="x",
        ).status_code
        == 201
    )
    client.post(
        "/admin/open311/open311client/",
        {"action": "issue_new_key", "_selected_action": [row.pk]},
        follow=True,
    )
    assert (
        post(
            client,
            f"o311-{key}",
            service_code=world.department_category.code,
            address_id=world.community.code,
            description="x",
        ).status_code
        == 403
    )
