"""The merging panel on the centre's case page, the confirmation steps and the queue."""

import pytest
from django.contrib.messages import get_messages

from cases.models import Case

from .helpers import lamp_case, reload

pytestmark = pytest.mark.django_db


def centre_page(client, number):
    return client.get(f"/dispatch/case/{number}/")


def test_dispatcher_sees_candidates_and_merges_after_confirming(client, world):
    main = lamp_case(world, 1, state="dispatched")
    a, b = lamp_case(world, 2), lamp_case(world, 3)
    client.force_login(world.dispatcher)
    page = centre_page(client, main.number).content.decode()
    assert 'id="merging"' in page
    assert f'data-candidate="{a.number}"' in page and f'data-candidate="{b.number}"' in page
    assert 'for="merge-number"' in page

    merge_url = f"/merging/case/{main.number}/merge/"
    step1 = client.post(merge_url, {"cases": [a.number, b.number], "note": "同一盏路灯"})
    assert step1.status_code == 200
    assert f'data-confirm-case="{a.number}"' in step1.content.decode()
    assert not Case.objects.filter(merged_into=main).exists()  # nothing yet

    step2 = client.post(
        merge_url, {"cases": [a.number, b.number], "note": "同一盏路灯", "confirm": "1"}
    )
    assert step2.status_code == 302 and step2.url.endswith("#merging")
    assert [str(m) for m in get_messages(step2.wsgi_request)]
    assert set(Case.objects.filter(merged_into=main)) == {a, b}

    page = centre_page(client, main.number).content.decode()
    assert f'data-merged-case="{a.number}"' in page
    follower_page = centre_page(client, a.number).content.decode()
    assert f'data-merged-into="{main.number}"' in follower_page


def test_bad_choice_shows_the_error_on_the_confirmation_page(client, world):
    main = lamp_case(world, 1, state="dispatched")
    client.force_login(world.dispatcher)
    response = client.post(f"/merging/case/{main.number}/merge/", {"cases": [""]})
    assert response.status_code == 400
    assert "data-errors" in response.content.decode()
    response = client.post(f"/merging/case/{main.number}/merge/", {"cases": ["12345678901234"]})
    assert response.status_code == 400


def test_undo_after_confirming(client, world):
    main = lamp_case(world, 1, state="dispatched")
    a, b = lamp_case(world, 2), lamp_case(world, 3)
    client.force_login(world.dispatcher)
    client.post(
        f"/merging/case/{main.number}/merge/", {"cases": [a.number, b.number], "confirm": "1"}
    )
    unmerge_url = f"/merging/case/{main.number}/unmerge/"
    step1 = client.post(unmerge_url, {})
    assert step1.status_code == 200
    content = step1.content.decode()
    assert (
        f'data-confirm-case="{a.number}"' in content
        and f'data-confirm-case="{b.number}"' in content
    )
    assert reload(a).merged_into_id == main.pk
    step2 = client.post(
        unmerge_url, {"cases": [a.number, b.number], "confirm": "1", "note": "误并"}
    )
    assert step2.status_code == 302
    assert [str(m) for m in get_messages(step2.wsgi_request)]
    assert not Case.objects.filter(merged_into=main).exists()


def test_operators_see_the_group_but_cannot_merge(client, world):
    main = lamp_case(world, 1, state="dispatched")
    a, other = lamp_case(world, 2), lamp_case(world, 3)
    client.force_login(world.dispatcher)
    client.post(f"/merging/case/{main.number}/merge/", {"cases": [a.number], "confirm": "1"})
    client.force_login(world.operator)
    page = centre_page(client, main.number).content.decode()
    assert f'data-merged-case="{a.number}"' in page
    assert "data-merge-form" not in page and "data-unmerge" not in page
    response = client.post(
        f"/merging/case/{main.number}/merge/", {"cases": [other.number], "confirm": "1"}
    )
    assert response.status_code == 403
    assert client.post(f"/merging/case/{main.number}/unmerge/", {"confirm": "1"}).status_code == 403
    assert client.get("/merging/").status_code == 403
    assert reload(other).merged_into_id is None


def test_queue_lists_groups_linking_to_the_main_case(client, world):
    main = lamp_case(world, 1, state="dispatched")
    a = lamp_case(world, 2)
    client.force_login(world.dispatcher)
    response = client.get("/merging/")
    assert response.status_code == 200
    content = response.content.decode()
    assert f'data-group="{main.number}"' in content
    assert f'data-member="{a.number}"' in content
    assert f"/dispatch/case/{main.number}/#merging" in content


def test_merge_pages_want_post(client, world):
    main = lamp_case(world, 1)
    client.force_login(world.dispatcher)
    assert client.get(f"/merging/case/{main.number}/merge/").status_code == 405
