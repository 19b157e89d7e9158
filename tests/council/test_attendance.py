"""The attendance table of the minutes (应到/实到 per party, and the total): on the meeting page,
the printed minutes, the minutes draft and the API it must add up to the attendance rows."""

import re
from collections import Counter

import pytest
from django.urls import reverse

from council import services
from council.models import Participant, Party
from tests.council.factories import planned_meeting

pytestmark = pytest.mark.django_db

API = "/api/v1/council"
OTHER = "street_office"  # not one of the five parties

# (party, name, attended)
INVITED = [
    (Party.RESIDENTS, "张大爷", True),
    (Party.RESIDENTS, "李阿姨", True),
    (Party.RESIDENTS, "王奶奶", False),
    (Party.PROPERTY_COMPANY, "赵经理", True),
    (Party.PROPERTY_COMPANY, "钱主管", False),
    (Party.LOCAL_UNITS, "刘校长", False),
    (Party.RESIDENTS_COMMITTEE, "王主任", True),
    (Party.RESIDENTS_COMMITTEE, "孙委员", True),
]


@pytest.fixture
def published(cw):
    """A published meeting with several residents and parties, absent invitees, and one
    participant whose party is not one of the five."""
    meeting = planned_meeting(cw)
    people = [
        (services.participant_invite(actor=cw.worker, meeting=meeting, party=p, name=n), came)
        for p, n, came in INVITED
    ]
    guest = services.participant_invite(
        actor=cw.worker, meeting=meeting, party=Party.LOCAL_UNITS, name="街道周科长"
    )
    # The services accept only the five parties, but the column has no database constraint:
    # rows imported or entered before the list was fixed carry other values. The only way to
    # make one is to write it, as such an import did.
    Participant.objects.filter(pk=guest.pk).update(party=OTHER)
    services.meeting_hold(actor=cw.worker, meeting=meeting)
    services.attendance_record(
        actor=cw.worker,
        meeting=meeting,
        attended_ids=[p.id for p, came in people if came] + [guest.id],
    )
    services.meeting_minute(actor=cw.worker, meeting=meeting, text="纪要")
    services.meeting_publish(actor=cw.worker, meeting=meeting)
    return meeting


def expected(meeting) -> tuple[dict, int, int]:
    """(party -> (invited, attending), total invited, total attending) from the attendance rows
    themselves; any party outside the five is counted under None."""
    invited, attending = Counter(), Counter()
    for party, attended in meeting.participants.values_list("party", "attended"):
        key = party if party in Party.values else None
        invited[key] += 1
        attending[key] += attended
    rows = {k: (invited[k], attending[k]) for k in invited}
    return rows, sum(invited.values()), sum(attending.values())


def test_expected_figures_are_the_scenario(published):
    rows, invited, attending = expected(published)
    assert rows == {
        Party.RESIDENTS: (3, 2),
        Party.PROPERTY_COMPANY: (2, 1),
        Party.LOCAL_UNITS: (1, 0),
        Party.RESIDENTS_COMMITTEE: (2, 2),
        None: (1, 1),
    }
    assert (invited, attending) == (9, 6)


def _table(html: str) -> tuple[list[tuple[str, int, int]], tuple[int, int]]:
    """(label, attending, invited) per body row of the printed attendance table, and the total."""
    # A stacked table (one card per row on a phone): row header, then labelled cells.
    table = re.search(r'<table class="stack" data-testid="attendance">(.*?)</table>', html, re.S)
    table = table.group(1)
    body = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
    cell = r'<td data-label="[^"]*">(\d+)</td>'
    rows = [
        (label, int(att), int(inv))
        for label, att, inv in re.findall(rf'<tr><th scope="row">(.*?)</th>{cell}{cell}</tr>', body)
    ]
    foot = re.search(rf'<tfoot><tr><th scope="row">.*?</th>{cell}{cell}</tr></tfoot>', table)
    return rows, (int(foot.group(1)), int(foot.group(2)))


def test_printed_minutes_count_each_party_from_the_attendance_rows(client, cw, published):
    rows, invited, attending = expected(published)
    client.force_login(cw.resident)
    html = client.get(reverse("council:minutes", args=[published.pk])).content.decode()
    printed, total = _table(html)
    labels = {
        "居委会": Party.RESIDENTS_COMMITTEE,
        "业委会": Party.OWNERS_COMMITTEE,
        "业主/居民": Party.RESIDENTS,
        "物业": Party.PROPERTY_COMPANY,
        "驻区单位": Party.LOCAL_UNITS,
        "其他（五方以外）": None,
    }
    assert {labels[label]: (inv, att) for label, att, inv in printed} == rows
    assert total == (attending, invited)
    # The header total is the sum of the rows.
    assert total == (sum(r[1] for r in printed), sum(r[2] for r in printed))
    assert f"应到{invited}人，实到{attending}人" in html


def test_meeting_page_lists_each_party_from_the_attendance_rows(client, cw, published):
    client.force_login(cw.resident)
    html = client.get(reverse("council:meeting", args=[published.pk])).content.decode()
    assert "业主/居民：2 / 3" in html
    assert "物业：1 / 2" in html
    assert "其他（五方以外）：1 / 1" in html
    assert "应到9人，实到6人" in html


def test_minutes_draft_counts_each_party_from_the_attendance_rows(client, cw, cw_meeting_held):
    meeting = cw_meeting_held
    client.force_login(cw.worker)
    html = client.get(reverse("council:minutes_edit", args=[meeting.pk])).content.decode()
    assert "业主/居民：应到3人，实到2人" in html
    assert "物业：应到2人，实到1人" in html
    assert "居委会：应到2人，实到2人" in html
    assert "合计：应到8人，实到5人" in html


@pytest.fixture
def cw_meeting_held(cw):
    meeting = planned_meeting(cw)
    people = [
        (services.participant_invite(actor=cw.worker, meeting=meeting, party=p, name=n), came)
        for p, n, came in INVITED
    ]
    services.meeting_hold(actor=cw.worker, meeting=meeting)
    services.attendance_record(
        actor=cw.worker, meeting=meeting, attended_ids=[p.id for p, came in people if came]
    )
    return meeting


def test_api_record_counts_each_party_from_the_attendance_rows(api_client, cw, published):
    rows, invited, attending = expected(published)
    api_client.force_authenticate(cw.resident)
    r = api_client.get(f"{API}/meetings/{published.pk}/")
    assert r.status_code == 200
    table = r.json()["record"]["attendance"]
    assert {row["party"]: (row["invited"], row["attending"]) for row in table["parties"]} == rows
    assert (table["invited"], table["attending"]) == (invited, attending)
    assert table["invited"] == sum(row["invited"] for row in table["parties"])
    assert table["attending"] == sum(row["attending"] for row in table["parties"])
    # The five parties in their fixed order, the others last.
    assert [row["party"] for row in table["parties"]] == [
        Party.RESIDENTS_COMMITTEE,
        Party.RESIDENTS,
        Party.PROPERTY_COMPANY,
        Party.LOCAL_UNITS,
        None,
    ]
