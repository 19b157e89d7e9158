"""Admin screens for every council model; the meeting page and API detail stay at a fixed
number of queries however large the meeting."""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from council import services
from council.models import ListItem, Party
from tests.council.factories import council_world, held_meeting

pytestmark = pytest.mark.django_db

MODELS = [
    "votingrule",
    "meeting",
    "participant",
    "agendaitem",
    "deliberation",
    "resolution",
    "listitem",
    "projectlink",
    "minutesversion",
    "proposal",
    "meetingevent",
]


def _big_meeting(cw, items: int):
    meeting = held_meeting(cw, invited=10, attending=8)
    for i in range(items):
        item = services.agenda_item_add(actor=cw.worker, meeting=meeting, title=f"议题{i}")
        services.deliberation_record(
            actor=cw.worker, agenda_item=item, party=Party.RESIDENTS, summary="发言"
        )
        services.resolution_vote(
            actor=cw.worker,
            agenda_item=item,
            text="动议",
            votes_for=5,
            votes_against=2,
            votes_abstain=1,
        )
        project = services.list_item_add(
            actor=cw.worker, meeting=meeting, kind=ListItem.Kind.PROJECT, title=f"项目{i}"
        )
        services.project_link_add(actor=cw.worker, project=project, case_number=f"N{i}")
    services.meeting_minute(actor=cw.worker, meeting=meeting, text="纪要")
    return meeting


@pytest.mark.parametrize("model", MODELS)
def test_admin_changelist_and_change_pages_open(client, cw, model):
    meeting = _big_meeting(cw, 1)
    services.proposal_submit(actor=cw.resident, community=cw.community, title="t", description="d")
    client.force_login(cw.admin)
    assert client.get(reverse(f"admin:council_{model}_changelist")).status_code == 200
    if model == "meeting":
        assert (
            client.get(reverse("admin:council_meeting_change", args=[meeting.pk])).status_code
            == 200
        )


def test_meeting_event_admin_is_read_only(client, cw):
    held_meeting(cw)
    client.force_login(cw.admin)
    assert client.get(reverse("admin:council_meetingevent_add")).status_code == 403


@pytest.mark.parametrize("items", [2, 8])
def test_api_detail_query_count_does_not_grow_with_the_meeting(
    api_client, cw, items, django_assert_max_num_queries
):
    meeting = _big_meeting(cw, items)
    api_client.force_authenticate(cw.worker)
    with django_assert_max_num_queries(12):
        r = api_client.get(f"/api/v1/council/meetings/{meeting.pk}/")
    assert len(r.json()["record"]["agenda"]) == items


@pytest.mark.parametrize("items", [2, 8])
def test_meeting_page_query_count_does_not_grow(client, cw, items, django_assert_max_num_queries):
    meeting = _big_meeting(cw, items)
    client.force_login(cw.worker)
    with django_assert_max_num_queries(16):
        assert client.get(reverse("council:meeting", args=[meeting.pk])).status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(reverse("council:minutes", args=[meeting.pk])).status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(reverse("council:record", args=[meeting.pk])).status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_agenda_items_get_distinct_positions():
    """The meeting row lock serialises position numbering across concurrent recorders."""
    cw = council_world()
    meeting = held_meeting(cw)
    errors = []

    def add(n):
        try:
            services.agenda_item_add(actor=cw.worker, meeting=meeting, title=f"并发{n}")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=add, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    positions = sorted(meeting.agenda_items.values_list("position", flat=True))
    assert positions == list(range(1, 9))
