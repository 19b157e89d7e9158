"""Every council write. Keyword-only, `actor=` first, atomic, each writes a MeetingEvent.

Errors: PermissionDeniedError (403) when the actor may not act for the community,
DomainValidationError (400) for bad input, IllegalTransition/ConflictError (409) when the
meeting's status does not allow the action (council.workflow).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from civic.errors import ConflictError, DomainValidationError, PermissionDeniedError
from civic.models import Region, User

from . import notify, workflow
from .models import (
    AgendaItem,
    Deliberation,
    ListItem,
    Meeting,
    MeetingEvent,
    MinutesVersion,
    Participant,
    Party,
    ProjectLink,
    Proposal,
    Resolution,
)
from .rules import can_decide_proposal, can_manage_meeting, can_propose
from .selectors import attendance_counts, voting_rule_for

COMMUNITY_LEVELS = (Region.Level.COMMUNITY, Region.Level.VILLAGE)


def _event(
    *, actor: User, action: str, meeting: Meeting | None = None, proposal=None, **data
) -> MeetingEvent:
    return MeetingEvent.objects.create(
        meeting=meeting, proposal=proposal, actor=actor, action=action, data=data
    )


def _locked(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update().select_related("community").get(pk=meeting.pk)


def _require_manager(actor: User, meeting_or_community) -> None:
    if not can_manage_meeting.test(actor, meeting_or_community):
        raise PermissionDeniedError(_("You are not a worker of this community."))


def _advance(meeting: Meeting, action: str) -> None:
    meeting.status = workflow.check(action, meeting.status)


def _not_blank(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainValidationError(
            _("This field is required."), extra={"fields": {field: [_("This field is required.")]}}
        )
    return value


# --- meetings -------------------------------------------------------------------------------


@transaction.atomic
def meeting_plan(
    *,
    actor: User,
    community: Region,
    title: str,
    starts_at: datetime,
    place: str,
    format: str,
    notice: str = "",
) -> Meeting:
    """Plan a meeting of `community` (a community or village Region); status planned."""
    if community.level not in COMMUNITY_LEVELS:
        raise DomainValidationError(_("A meeting belongs to a community or village."))
    _require_manager(actor, community)
    if format not in Meeting.Format.values:
        raise DomainValidationError(_("Unknown meeting format."))
    meeting = Meeting.objects.create(
        community=community,
        title=_not_blank(title, "title"),
        starts_at=starts_at,
        place=_not_blank(place, "place"),
        format=format,
        convener=actor,
        notice=notice.strip(),
    )
    _event(actor=actor, action="plan", meeting=meeting, title=meeting.title)
    return meeting


@transaction.atomic
def meeting_update_plan(
    *,
    actor: User,
    meeting: Meeting,
    title: str | None = None,
    starts_at: datetime | None = None,
    place: str | None = None,
    format: str | None = None,
) -> Meeting:
    """Change a planned meeting's title, time, place or format. The event records the old
    values, so a resident who read an earlier notice can be told what changed."""
    meeting = _locked(meeting)
    _require_manager(actor, meeting)
    workflow.check("edit_plan", meeting.status)
    if format is not None and format not in Meeting.Format.values:
        raise DomainValidationError(_("Unknown meeting format."))
    changes = {}
    for field, value in (
        ("title", None if title is None else _not_blank(title, "title")),
        ("starts_at", starts_at),
        ("place", None if place is None else _not_blank(place, "place")),
        ("format", format),
    ):
        if value is not None and getattr(meeting, field) != value:
            old = getattr(meeting, field)
            changes[field] = old.isoformat() if isinstance(old, datetime) else old
            setattr(meeting, field, value)
    if changes:
        meeting.save(update_fields=list(changes))
        _event(actor=actor, action="edit_plan", meeting=meeting, previous=changes)
    return meeting


@transaction.atomic
def meeting_publish_notice(*, actor: User, meeting: Meeting, notice: str | None = None) -> Meeting:
    """Publish the notice (一书): from now on residents of the community see the meeting.
    Participants with an account are notified (council.notify)."""
    meeting = _locked(meeting)
    _require_manager(actor, meeting)
    workflow.check("publish_notice", meeting.status)
    if notice is not None:
        meeting.notice = notice.strip()
    meeting.notice = _not_blank(meeting.notice, "notice")
    first = meeting.notice_published_at is None
    meeting.notice_published_at = timezone.now()
    meeting.save(update_fields=["notice", "notice_published_at"])
    _event(actor=actor, action="publish_notice", meeting=meeting, first=first)
    notify.meeting_notice_published(meeting)
    return meeting


# Starting a meeting stamps `held_at` and opens the recording; a tap on "start" days ahead (a
# worker preparing the agenda) would date the attendance and votes wrongly. Within this margin
# before the planned time a meeting starts without a question; earlier it needs confirm_early.
HOLD_EARLY_MARGIN = timedelta(hours=1)


def hold_needs_confirmation(meeting: Meeting, *, now: datetime | None = None) -> bool:
    """True when starting `meeting` now is more than HOLD_EARLY_MARGIN before its planned time."""
    return meeting.starts_at - (now or timezone.now()) > HOLD_EARLY_MARGIN


@transaction.atomic
def meeting_hold(*, actor: User, meeting: Meeting, confirm_early: bool = False) -> Meeting:
    """The meeting takes place: recording (attendance, deliberation, votes) opens.

    Raises DomainValidationError (field `confirm_early`) when the meeting is planned more than
    HOLD_EARLY_MARGIN from now and `confirm_early` is not set."""
    meeting = _locked(meeting)
    _require_manager(actor, meeting)
    workflow.check("hold", meeting.status)
    if hold_needs_confirmation(meeting) and not confirm_early:
        local = timezone.localtime(meeting.starts_at)
        msg = _(
            "The meeting is planned for %(time)s, more than an hour from now. Confirm that it "
            "is really starting now, earlier than planned."
        ) % {"time": f"{local:%Y-%m-%d %H:%M}"}
        raise DomainValidationError(
            msg,
            extra={"fields": {"confirm_early": [msg]}, "starts_at": meeting.starts_at.isoformat()},
        )
    _advance(meeting, "hold")
    meeting.held_at = timezone.now()
    meeting.save(update_fields=["status", "held_at"])
    _event(actor=actor, action="hold", meeting=meeting, early=hold_needs_confirmation(meeting))
    return meeting


@transaction.atomic
def participant_invite(
    *,
    actor: User,
    meeting: Meeting,
    party: str,
    name: str,
    organisation: str = "",
    user: User | None = None,
) -> Participant:
    meeting = _locked(meeting)
    _require_manager(actor, meeting)
    workflow.check("invite", meeting.status)
    if party not in Party.values:
        raise DomainValidationError(_("Unknown party."))
    name = _not_blank(name, "name")
    if meeting.participants.filter(party=party, name=name).exists():
        raise ConflictError(_("This participant is already invited."))
    participant = Participant.objects.create(
        meeting=meeting, party=party, name=name, organisation=organisation.strip(), user=user
    )
    _event(actor=actor, action="invite", meeting=meeting, participant=participant.id, party=party)
    return participant


@transaction.atomic
def attendance_record(*, actor: User, meeting: Meeting, attended_ids: Iterable[int]) -> dict:
    """Set the attendance list: exactly the given participants attended. Returns the counts."""
    meeting = _locked(meeting)
    _require_manager(actor, meeting)
    workflow.check("record_attendance", meeting.status)
    wanted = {int(i) for i in attended_ids}
    known = set(meeting.participants.values_list("id", flat=True))
    if wanted - known:
        raise DomainValidationError(
            _("Unknown participant."), extra={"unknown": sorted(wanted - known)}
        )
    meeting.participants.filter(id__in=wanted).update(attended=True)
    meeting.participants.exclude(id__in=wanted).update(attended=False)
    counts = attendance_counts(meeting)
    _event(actor=actor, action="attendance", meeting=meeting, attended=sorted(wanted), **counts)
    return counts


@transaction.atomic
def agenda_item_add(
    *, actor: User, meeting: Meeting, title: str, description: str = ""
) -> AgendaItem:
    meeting = _locked(meeting)
    _require_manager(actor, meeting)
    workflow.check("add_agenda_item", meeting.status)
    return _agenda_item_create(actor=actor, meeting=meeting, title=title, description=description)


def _agenda_item_create(*, actor: User, meeting: Meeting, title: str, description: str):
    # The meeting row is locked by the caller, so the next position cannot be taken twice.
    last = meeting.agenda_items.aggregate(m=Max("position"))["m"] or 0
    item = AgendaItem.objects.create(
        meeting=meeting,
        position=last + 1,
        title=_not_blank(title, "title"),
        description=description.strip(),
    )
    _event(actor=actor, action="add_agenda_item", meeting=meeting, agenda_item=item.id)
    return item


@transaction.atomic
def deliberation_record(
    *, actor: User, agenda_item: AgendaItem, party: str, summary: str, speaker: str = ""
) -> Deliberation:
    meeting = _locked(agenda_item.meeting)
    _require_manager(actor, meeting)
    workflow.check("deliberate", meeting.status)
    if party not in Party.values:
        raise DomainValidationError(_("Unknown party."))
    entry = Deliberation.objects.create(
        agenda_item=agenda_item,
        party=party,
        speaker=speaker.strip(),
        summary=_not_blank(summary, "summary"),
        recorded_by=actor,
    )
    _event(actor=actor, action="deliberate", meeting=meeting, deliberation=entry.id)
    return entry


# --- votes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VoteOutcome:
    outcome: str
    quorum_needed: Decimal
    votes_needed: Decimal  # votes for must be strictly greater than this


def compute_outcome(
    *,
    invited: int,
    attending: int,
    votes_for: int,
    votes_against: int,
    votes_abstain: int,
    quorum_fraction: Decimal,
    pass_fraction: Decimal,
) -> VoteOutcome:
    """The outcome rule. Quorum: attending ≥ quorum_fraction × invited (nobody invited = no
    quorum). Passed: for > pass_fraction × attending. Abstentions count as attending but
    not as for, so they make passing harder; a tie is not passed."""
    quorum_needed = quorum_fraction * invited
    votes_needed = pass_fraction * attending
    if invited == 0 or attending < quorum_needed:
        outcome = Resolution.Outcome.NO_QUORUM
    elif votes_for > votes_needed:
        outcome = Resolution.Outcome.PASSED
    else:
        outcome = Resolution.Outcome.REJECTED
    return VoteOutcome(outcome, quorum_needed, votes_needed)


@transaction.atomic
def resolution_vote(
    *,
    actor: User,
    agenda_item: AgendaItem,
    text: str,
    votes_for: int,
    votes_against: int,
    votes_abstain: int,
) -> Resolution:
    """Record a vote by counts (show of hands) and its outcome under the community's rule.

    The attendance at the time of the vote and the rule are stored with the resolution.
    Raises DomainValidationError when more votes are cast than participants attend.
    """
    meeting = _locked(agenda_item.meeting)
    _require_manager(actor, meeting)
    workflow.check("vote", meeting.status)
    counts = [votes_for, votes_against, votes_abstain]
    if any(int(c) < 0 for c in counts):
        raise DomainValidationError(_("Vote counts cannot be negative."))
    attendance = attendance_counts(meeting)
    if sum(counts) > attendance["attending"]:
        raise DomainValidationError(
            _("More votes (%(votes)s) than participants attending (%(attending)s).")
            % {"votes": sum(counts), "attending": attendance["attending"]},
            extra={"votes": sum(counts), "attending": attendance["attending"]},
        )
    quorum_fraction, pass_fraction = voting_rule_for(meeting.community_id)
    result = compute_outcome(
        invited=attendance["invited"],
        attending=attendance["attending"],
        votes_for=votes_for,
        votes_against=votes_against,
        votes_abstain=votes_abstain,
        quorum_fraction=quorum_fraction,
        pass_fraction=pass_fraction,
    )
    resolution = Resolution.objects.create(
        agenda_item=agenda_item,
        text=_not_blank(text, "text"),
        votes_for=votes_for,
        votes_against=votes_against,
        votes_abstain=votes_abstain,
        invited=attendance["invited"],
        attending=attendance["attending"],
        quorum_fraction=quorum_fraction,
        pass_fraction=pass_fraction,
        outcome=result.outcome,
        recorded_by=actor,
    )
    _event(
        actor=actor,
        action="vote",
        meeting=meeting,
        resolution=resolution.id,
        votes=counts,
        outcome=result.outcome,
    )
    return resolution


# --- 三单 -----------------------------------------------------------------------------------


@transaction.atomic
def list_item_add(
    *,
    actor: User,
    meeting: Meeting,
    kind: str,
    title: str,
    description: str = "",
    party: str = "",
    agenda_item: AgendaItem | None = None,
) -> ListItem:
    meeting = _locked(meeting)
    _require_manager(actor, meeting)
    workflow.check("add_list_item", meeting.status)
    if kind not in ListItem.Kind.values:
        raise DomainValidationError(_("Unknown list."))
    if party and party not in Party.values:
        raise DomainValidationError(_("Unknown party."))
    if agenda_item is not None and agenda_item.meeting_id != meeting.id:
        raise DomainValidationError(_("The agenda item belongs to another meeting."))
    item = ListItem.objects.create(
        meeting=meeting,
        kind=kind,
        title=_not_blank(title, "title"),
        description=description.strip(),
        party=party,
        agenda_item=agenda_item,
    )
    _event(actor=actor, action="add_list_item", meeting=meeting, item=item.id, kind=kind)
    return item


@transaction.atomic
def project_link_add(
    *, actor: User, project: ListItem, case_number: str, note: str = ""
) -> ProjectLink:
    """Link a project (项目清单) to the case or proactive task carrying it out, by number."""
    meeting = _locked(project.meeting)
    _require_manager(actor, meeting)
    workflow.check("link_project", meeting.status)
    if project.kind != ListItem.Kind.PROJECT:
        raise DomainValidationError(_("Only projects link to cases."))
    number = _not_blank(case_number, "case_number")
    try:
        with transaction.atomic():
            link = ProjectLink.objects.create(project=project, case_number=number, note=note)
    except IntegrityError:
        raise ConflictError(_("This case is already linked.")) from None
    _event(actor=actor, action="link_project", meeting=meeting, item=project.id, case=number)
    return link


# --- minutes --------------------------------------------------------------------------------


def _next_version(meeting: Meeting) -> int:
    return (meeting.minutes.aggregate(m=Max("number"))["m"] or 0) + 1


@transaction.atomic
def meeting_minute(*, actor: User, meeting: Meeting, text: str) -> MinutesVersion:
    """Write (or rewrite) the minutes before publication; status becomes minuted."""
    meeting = _locked(meeting)
    _require_manager(actor, meeting)
    first = meeting.status == Meeting.Status.HELD
    _advance(meeting, "minute")
    if first:
        meeting.minuted_at = timezone.now()
    meeting.save(update_fields=["status", "minuted_at"])
    version = MinutesVersion.objects.create(
        meeting=meeting, number=_next_version(meeting), text=_not_blank(text, "text"), author=actor
    )
    _event(actor=actor, action="minute", meeting=meeting, version=version.number)
    return version


@transaction.atomic
def meeting_publish(*, actor: User, meeting: Meeting) -> Meeting:
    """Publish the minutes to the community's residents; participants are notified."""
    meeting = _locked(meeting)
    _require_manager(actor, meeting)
    _advance(meeting, "publish")
    meeting.published_at = timezone.now()
    meeting.save(update_fields=["status", "published_at"])
    _event(actor=actor, action="publish", meeting=meeting)
    notify.minutes_published(meeting)
    return meeting


@transaction.atomic
def minutes_revise(*, actor: User, meeting: Meeting, text: str, reason: str) -> MinutesVersion:
    """Edit published minutes: a new version with a reason; earlier versions stay listed."""
    meeting = _locked(meeting)
    _require_manager(actor, meeting)
    workflow.check("revise_minutes", meeting.status)
    version = MinutesVersion.objects.create(
        meeting=meeting,
        number=_next_version(meeting),
        text=_not_blank(text, "text"),
        reason=_not_blank(reason, "reason"),
        author=actor,
        after_publication=True,
    )
    _event(actor=actor, action="revise_minutes", meeting=meeting, version=version.number)
    return version


@transaction.atomic
def meeting_close(*, actor: User, meeting: Meeting) -> Meeting:
    meeting = _locked(meeting)
    _require_manager(actor, meeting)
    _advance(meeting, "close")
    meeting.closed_at = timezone.now()
    meeting.save(update_fields=["status", "closed_at"])
    _event(actor=actor, action="close", meeting=meeting)
    return meeting


# --- proposals ------------------------------------------------------------------------------


@transaction.atomic
def proposal_submit(*, actor: User, community: Region, title: str, description: str) -> Proposal:
    """A resident proposes a topic for their own community (User.home_region)."""
    if community.level not in COMMUNITY_LEVELS:
        raise DomainValidationError(_("Topics are proposed to a community or village."))
    if not can_propose.test(actor, community):
        raise PermissionDeniedError(_("You may only propose topics for your own community."))
    proposal = Proposal.objects.create(
        community=community,
        author=actor,
        title=_not_blank(title, "title"),
        description=_not_blank(description, "description"),
    )
    _event(actor=actor, action="propose", proposal=proposal)
    return proposal


def _locked_proposal(proposal: Proposal, actor: User) -> Proposal:
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if not can_decide_proposal.test(actor, proposal):
        raise PermissionDeniedError(_("You are not a worker of this community."))
    if proposal.status != Proposal.Status.SUBMITTED:
        raise ConflictError(_("This proposal has already been decided."))
    return proposal


@transaction.atomic
def proposal_accept(*, actor: User, proposal: Proposal, meeting: Meeting) -> AgendaItem:
    """Put the proposal on the agenda of a planned or running meeting of the same community."""
    proposal = _locked_proposal(proposal, actor)
    meeting = _locked(meeting)
    if meeting.community_id != proposal.community_id:
        raise DomainValidationError(_("The meeting belongs to another community."))
    workflow.check("add_agenda_item", meeting.status)
    item = _agenda_item_create(
        actor=actor, meeting=meeting, title=proposal.title, description=proposal.description
    )
    proposal.status = Proposal.Status.ACCEPTED
    proposal.agenda_item = item
    proposal.decided_by = actor
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["status", "agenda_item", "decided_by", "decided_at"])
    _event(actor=actor, action="accept_proposal", meeting=meeting, proposal=proposal)
    notify.proposal_decided(proposal)
    return item


@transaction.atomic
def proposal_decline(*, actor: User, proposal: Proposal, reason: str) -> Proposal:
    proposal = _locked_proposal(proposal, actor)
    proposal.status = Proposal.Status.DECLINED
    proposal.decline_reason = _not_blank(reason, "reason")
    proposal.decided_by = actor
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["status", "decline_reason", "decided_by", "decided_at"])
    _event(actor=actor, action="decline_proposal", proposal=proposal)
    notify.proposal_decided(proposal)
    return proposal
