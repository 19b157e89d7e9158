"""Personal data: full values only to those who must reach the resident, and every full view of
them recorded in the append-only `PersonalDataAccess` log."""

import pytest
from django.urls import reverse

from cases import services
from cases.models import PersonalDataAccess
from civic.roles import Role
from tests.cases.factories import case_in, file_case
from tests.factories import member

API = "/api/v1"
PHONE = "13812345678"


def _api_phone(api_client, user, number):
    api_client.force_authenticate(user)
    response = api_client.get(f"{API}/cases/{number}/")
    assert response.status_code == 200, response.content
    return response.json()["reporter"]["phone"]


def test_lead_and_co_unit_handlers_see_full_data_and_each_view_is_recorded(
    client, api_client, world
):
    case = case_in(world, "dispatched")
    services.co_unit_add(actor=world.dispatcher, case=case, unit=world.other_department)
    assert PersonalDataAccess.objects.count() == 0

    assert _api_phone(api_client, world.handler, case.number) == PHONE
    assert _api_phone(api_client, world.other_handler, case.number) == PHONE
    client.force_login(world.handler)
    page = client.get(reverse("cases:unit_case", kwargs={"number": case.number}))
    assert PHONE in page.content.decode()
    client.force_login(world.dispatcher)
    page = client.get(reverse("cases:centre_case", kwargs={"number": case.number}))
    assert PHONE in page.content.decode()

    seen = list(
        PersonalDataAccess.objects.order_by("id").values_list("user__username", "surface", "path")
    )
    assert seen == [
        ("handler", "api", f"{API}/cases/{case.number}/"),
        ("other_handler", "api", f"{API}/cases/{case.number}/"),
        ("handler", "web_unit", f"/inbox/{case.number}/"),
        ("dispatcher", "web_centre", f"/dispatch/case/{case.number}/"),
    ]
    assert all(a.case_id == case.pk for a in PersonalDataAccess.objects.all())


def test_the_recorded_address_is_the_socket_unless_a_proxy_is_trusted(api_client, world, settings):
    case = case_in(world, "dispatched")
    api_client.force_authenticate(world.handler)
    headers = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "10.9.9.9, 203.0.113.7"}
    assert api_client.get(f"{API}/cases/{case.number}/", **headers).status_code == 200
    settings.TRUSTED_PROXY_COUNT = 1
    assert api_client.get(f"{API}/cases/{case.number}/", **headers).status_code == 200
    recorded = list(PersonalDataAccess.objects.order_by("id").values_list("ip", flat=True))
    assert recorded == ["10.0.0.2", "203.0.113.7"]


def test_viewer_and_district_copy_see_masked_data_and_nothing_is_recorded(api_client, world):
    # A street-level case copies the district government (Art. 11-12); the copy reads, it does
    # not call the resident.
    case, _ = file_case(world, category=world.street_category)
    case = services.case_dispatch(actor=world.dispatcher, case=case, lead_unit=world.street_unit)
    district_handler = member(Role.HANDLER, world.district_unit, username="district_handler")
    unit_viewer = member(Role.VIEWER, world.street_unit, username="street_viewer")
    assert case.assignments.filter(unit=world.district_unit, role="copy").exists()

    for user in (district_handler, unit_viewer):
        assert _api_phone(api_client, user, case.number) == "138****5678"
    assert PersonalDataAccess.objects.count() == 0
    # ...while the street office handling it sees the number.
    assert _api_phone(api_client, world.street_official, case.number) == PHONE
    assert PersonalDataAccess.objects.get().user == world.street_official


def test_lists_are_masked_and_the_reporter_is_never_recorded(api_client, world):
    case = case_in(world, "dispatched")
    api_client.force_authenticate(world.handler)
    listing = api_client.get(f"{API}/cases/").json()
    assert listing["results"][0]["reporter"]["phone"] == "138****5678"
    assert listing["results"][0]["address"].endswith("***")

    api_client.force_authenticate(world.resident)
    own = api_client.get(f"{API}/cases/{case.number}/").json()
    assert own["reporter"]["phone"] == PHONE
    assert api_client.get(f"{API}/cases/").json()["results"][0]["reporter"]["phone"] == PHONE
    assert PersonalDataAccess.objects.count() == 0


def test_anonymous_cases_reveal_nothing_and_record_nothing(api_client, world):
    case = case_in(world, "dispatched", anonymous=True)
    api_client.force_authenticate(world.handler)
    reporter = api_client.get(f"{API}/cases/{case.number}/").json()["reporter"]
    assert reporter == {"anonymous": True, "name": "", "phone": "", "email": ""}
    assert PersonalDataAccess.objects.count() == 0


def test_action_answers_are_recorded_too(api_client, world):
    case = case_in(world, "dispatched")
    api_client.force_authenticate(world.handler)
    signed = api_client.post(f"{API}/cases/{case.number}/sign/")
    assert signed.status_code == 200 and signed.json()["reporter"]["phone"] == PHONE
    assert PersonalDataAccess.objects.filter(user=world.handler, surface="api").count() == 1


def test_access_records_cannot_be_changed_or_deleted(api_client, world):
    case = case_in(world, "dispatched")
    _api_phone(api_client, world.handler, case.number)
    record = PersonalDataAccess.objects.get()
    with pytest.raises(PermissionError):
        record.save()
    with pytest.raises(PermissionError):
        record.delete()
    with pytest.raises(PermissionError):
        PersonalDataAccess.objects.all().delete()
    with pytest.raises(PermissionError):
        PersonalDataAccess.objects.update(surface="web_unit")


@pytest.mark.postgres
def test_database_refuses_tampering_with_access_records(api_client, world):
    from django.db import DatabaseError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("trigger exists on PostgreSQL only")
    case = case_in(world, "dispatched")
    _api_phone(api_client, world.handler, case.number)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_personaldataaccess")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE cases_personaldataaccess SET surface = 'web_unit'")
    assert PersonalDataAccess.objects.count() == 1


def test_admin_lists_accesses_read_only(client, api_client, world, django_user_model):
    case = case_in(world, "dispatched")
    _api_phone(api_client, world.handler, case.number)
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "x-Secret-1")
    client.force_login(admin)
    listing = client.get("/admin/cases/personaldataaccess/")
    assert listing.status_code == 200 and case.number in listing.content.decode()
    record = PersonalDataAccess.objects.get()
    assert client.get(f"/admin/cases/personaldataaccess/{record.pk}/delete/").status_code == 403
    assert client.get("/admin/cases/personaldataaccess/add/").status_code == 403


def test_unit_staff_who_filed_a_case_see_it_beside_their_units_cases(api_client, world):
    """The visibility rule has two branches (own cases, the unit's cases); a handler who filed a
    complaint as a resident sees both, and nothing else."""
    dispatched = case_in(world, "dispatched")
    own, _code = file_case(world, by=world.handler)
    other, _code = file_case(world)
    api_client.force_authenticate(world.handler)
    numbers = {c["number"] for c in api_client.get(f"{API}/cases/").json()["results"]}
    assert numbers == {dispatched.number, own.number}
    assert other.number not in numbers
