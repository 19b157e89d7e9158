"""The meeting's own pages after the walk-through of issue 30 (item 17): participants and agenda
on the main page, a vote error that keeps the input, confirming an early start, and the
signature lines of the printed minutes."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from civic.errors import DomainValidationError
from council import services
from council.models import Meeting, Party
from tests.council.factories import held_meeting, planned_meeting

pytestmark = pytest.mark.django_db

API = "/api/v1/council"


def _section(html: str, testid: str) -> str:
    match = re.search(rf'<section[^>]*data-testid="{testid}"[^>]*>(.*?)</section>', html, re.S)
    assert match, f"no section {testid}"
    return match.group(1)


def _form(html: str, data_form: str) -> str:
    """The <form data-form=…> with the <details> around it (its opening tag)."""
    match = re.search(
        rf'(<details[^>]*>(?:(?!</details>).)*?<form[^>]*data-form="{data_form}".*?</form>)',
        html,
        re.S,
    )
    assert match, f"no form {data_form}"
    return match.group(1)


# --- (a) participants and agenda on the main page, open ---------------------------------------


def test_meeting_page_shows_participants_and_agenda_open(client, cw):
    meeting = planned_meeting(cw)
    services.participant_invite(
        actor=cw.worker, meeting=meeting, party=Party.PROPERTY_COMPANY, name="赵经理",
        organisation="金隅物业",
    )  # fmt: skip
    services.participant_invite(
        actor=cw.worker, meeting=meeting, party=Party.RESIDENTS, name="张大爷"
    )
    services.agenda_item_add(
        actor=cw.worker, meeting=meeting, title="楼道堆物清理", description="三号楼楼道"
    )
    client.force_login(cw.worker)
    html = client.get(reverse("council:meeting", args=[meeting.pk])).content.decode()

    participants = _section(html, "participants")
    assert "赵经理" in participants and "金隅物业" in participants and "张大爷" in participants
    assert '<table class="stack participants">' in participants
    assert '<th scope="row">赵经理</th>' in participants
    assert participants.count("data-label=") == 2 * 2  # party and organisation, per row
    agenda = _section(html, "agenda")
    assert "楼道堆物清理" in agenda and "三号楼楼道" in agenda
    # Nothing to unfold: the lists are on the page itself, not in a collapsed section.
    assert "<details" not in html


def test_held_meeting_page_marks_who_attended(client, cw):
    meeting = held_meeting(cw, invited=3, attending=2)
    client.force_login(cw.worker)
    participants = _section(
        client.get(reverse("council:meeting", args=[meeting.pk])).content.decode(),
        "participants",
    )
    assert participants.count('class="badge ok"') == 2
    assert participants.count('<th scope="row">') == 3


def test_residents_see_the_agenda_but_not_the_participants_names(client, cw):
    meeting = planned_meeting(cw)
    services.participant_invite(
        actor=cw.worker, meeting=meeting, party=Party.RESIDENTS, name="张大爷"
    )
    services.agenda_item_add(actor=cw.worker, meeting=meeting, title="加装电梯")
    client.force_login(cw.resident)
    html = client.get(reverse("council:meeting", args=[meeting.pk])).content.decode()
    assert "加装电梯" in _section(html, "agenda")
    assert "张大爷" not in html and 'data-testid="participants"' not in html


# --- (b) a vote error keeps the item, the input and puts the error next to the field ---------


@pytest.fixture
def two_items(cw):
    meeting = held_meeting(cw, invited=3, attending=2)
    first = services.agenda_item_add(actor=cw.worker, meeting=meeting, title="绿化")
    second = services.agenda_item_add(actor=cw.worker, meeting=meeting, title="停车")
    return meeting, first, second


def test_vote_error_reshows_the_same_item_with_the_typed_values(client, cw, two_items):
    meeting, first, second = two_items
    client.force_login(cw.worker)
    r = client.post(
        reverse("council:record", args=[meeting.pk]),
        {
            "op": "vote",
            "agenda_item": second.pk,
            "text": "划定访客车位",
            "votes_for": 5,  # only 2 attend
            "votes_against": 1,
            "votes_abstain": 0,
        },
    )
    assert r.status_code == 400  # the page with the form, not a redirect that loses the input
    html = r.content.decode()
    assert not second.resolutions.exists()
    failed = _form(html, f"vote-{second.pk}")
    assert failed.startswith('<details class="add" open>')
    assert "data-has-errors" in failed
    assert "划定访客车位</textarea>" in failed
    assert 'name="votes_for" value="5"' in failed and 'name="votes_against" value="1"' in failed
    assert 'data-testid="vote-error"' in failed
    # The other item's form stays closed and empty.
    other = _form(html, f"vote-{first.pk}")
    assert other.startswith('<details class="add">') and "划定访客车位" not in other
    assert "msg-error" in html


def test_vote_field_error_is_next_to_its_field(client, cw, two_items):
    meeting, _first, second = two_items
    client.force_login(cw.worker)
    r = client.post(
        reverse("council:record", args=[meeting.pk]),
        {
            "op": "vote",
            "agenda_item": second.pk,
            "text": "",
            "votes_for": 1,
            "votes_against": -1,
            "votes_abstain": 0,
        },
    )
    assert r.status_code == 400
    failed = _form(r.content.decode(), f"vote-{second.pk}")
    # Each error list follows its own input inside the same label.
    assert re.search(r'name="votes_against"[^>]*>\s*<ul class="errorlist', failed)
    assert re.search(r"</textarea></label><ul class=\"errorlist", failed)
    assert 'name="votes_for" value="1"' in failed


def test_a_valid_vote_still_redirects_to_its_item_with_a_success_message(client, cw, two_items):
    meeting, _first, second = two_items
    client.force_login(cw.worker)
    url = reverse("council:record", args=[meeting.pk])
    data = {"op": "vote", "agenda_item": second.pk, "text": "划定访客车位"}
    r = client.post(url, {**data, "votes_for": 2, "votes_against": 0, "votes_abstain": 0})
    assert r.status_code == 302 and r.url.endswith(f"#item-{second.pk}")
    assert "msg-success" in client.get(r.url).content.decode()


def test_statement_error_keeps_the_item_and_input(client, cw, two_items):
    meeting, _first, second = two_items
    client.force_login(cw.worker)
    r = client.post(
        reverse("council:record", args=[meeting.pk]),
        {"op": "deliberation", "agenda_item": second.pk, "party": "residents", "speaker": "张"},
    )
    assert r.status_code == 400
    failed = _form(r.content.decode(), f"deliberation-{second.position}")
    assert " open>" in failed.split(">", 1)[0] + ">" and 'value="张"' in failed


# --- (c) starting more than an hour early needs a confirmation -------------------------------


def test_starting_days_early_asks_for_confirmation_on_the_page(client, cw):
    meeting = planned_meeting(cw, starts_at=timezone.now() + timedelta(days=3))
    client.force_login(cw.worker)
    page = client.get(reverse("council:meeting", args=[meeting.pk])).content.decode()
    assert 'data-testid="hold-confirm"' in page and 'name="confirm_early"' in page

    url = reverse("council:action", args=[meeting.pk, "hold"])
    r = client.post(url)
    assert r.status_code == 400
    html = r.content.decode()
    assert 'id="hold-error"' in html and 'aria-invalid="true"' in html
    assert "msg-error" in html
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PLANNED and meeting.held_at is None

    r = client.post(url, {"confirm_early": "on"})
    assert r.status_code == 302 and r.url == reverse("council:record", args=[meeting.pk])
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD
    assert meeting.events.get(action="hold").data["early"] is True
    assert "msg-success" in client.get(r.url).content.decode()


def test_starting_within_the_hour_needs_no_confirmation(client, cw):
    meeting = planned_meeting(cw, starts_at=timezone.now() + timedelta(minutes=50))
    client.force_login(cw.worker)
    page = client.get(reverse("council:meeting", args=[meeting.pk])).content.decode()
    assert 'name="confirm_early"' not in page
    r = client.post(reverse("council:action", args=[meeting.pk, "hold"]))
    assert r.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD


def test_a_meeting_past_its_time_starts_without_confirmation(cw):
    meeting = planned_meeting(cw, starts_at=timezone.now() - timedelta(hours=2))
    services.meeting_hold(actor=cw.worker, meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD


def test_early_start_rule_holds_in_the_service_and_the_api(api_client, cw):
    meeting = planned_meeting(cw, starts_at=timezone.now() + timedelta(days=2))
    with pytest.raises(DomainValidationError) as exc:
        services.meeting_hold(actor=cw.worker, meeting=meeting)
    assert "confirm_early" in exc.value.extra["fields"]

    api_client.force_authenticate(cw.worker)
    r = api_client.post(f"{API}/meetings/{meeting.pk}/hold/", {}, format="json")
    assert r.status_code == 400 and "confirm_early" in r.json()["extra"]["fields"]
    r = api_client.post(
        f"{API}/meetings/{meeting.pk}/hold/", {"confirm_early": True}, format="json"
    )
    assert r.status_code == 200 and r.json()["status"] == "held"


# --- (d) signature lines on the printed minutes -----------------------------------------------


def test_printed_minutes_have_chair_and_recorder_signature_lines(client, cw):
    meeting = held_meeting(cw)
    services.meeting_minute(actor=cw.worker, meeting=meeting, text="会议纪要")
    client.force_login(cw.worker)
    html = client.get(reverse("council:minutes", args=[meeting.pk])).content.decode()
    minutes = re.search(r'<article class="minutes".*?</article>', html, re.S).group(0)
    signatures = _section(minutes, "signatures")
    for role in ("chair", "recorder"):
        line = re.search(rf'<p class="signature" data-role="{role}">(.*?)</p>', signatures, re.S)
        assert line, role
        assert line.group(1).count('class="signature-line"') == 2  # name and date
        assert 'class="signature-date"' in line.group(1)
    # Inside the printed article, and nothing hides it on paper.
    assert "no-print" not in re.search(r"<section[^>]*signatures[^>]*>", minutes).group(0)
    css = Path(settings.BASE_DIR, "static/council/council.css").read_text()
    print_css = css[css.index("@media print") :]
    assert ".minutes .signatures" in print_css
    assert not re.search(r"\.signatures[^{]*\{[^}]*display:\s*none", css)


def test_the_record_page_gives_each_forms_fields_their_own_ids(client, cw):
    from tests.cases.test_walkthrough_fixes import ids_of

    meeting = held_meeting(cw)
    client.force_login(cw.worker)
    parsed = ids_of(client.get(f"/council/meetings/{meeting.pk}/record/").content.decode())
    assert [i for i, n in parsed.ids.items() if n > 1] == []
    assert set(parsed.label_targets) <= set(parsed.ids)
    assert {"id_participant_party", "id_agenda_title", "id_list_item_title"} <= set(parsed.ids)
