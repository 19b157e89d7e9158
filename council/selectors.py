"""Reads and visibility for the council. THE visibility rules are here (mirrored by rules.py
for single objects):

- a community worker sees every meeting and proposal of the communities their units govern;
- a street official reads the meetings of communities under their street;
- a resident sees meetings of their home community once the notice (一书) or the minutes are
  published, and their record (minutes, votes, lists) only once the minutes are published;
- the city administrator (superuser) sees everything.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from civic.errors import NotFoundError

from .models import (
    AgendaItem,
    ListItem,
    Meeting,
    MinutesVersion,
    Participant,
    Party,
    Proposal,
    Resolution,
    VotingRule,
)
from .rules import street_region_paths, worker_community_ids

DEFAULT_QUORUM = Decimal("0.5")
DEFAULT_PASS = Decimal("0.5")
PUBLIC_STATUSES = (Meeting.Status.PUBLISHED, Meeting.Status.CLOSED)


def meetings_visible_to(user) -> QuerySet[Meeting]:
    qs = Meeting.objects.select_related("community", "convener")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if user.is_superuser:
        return qs
    condition = Q(community_id__in=worker_community_ids(user))
    for path in street_region_paths(user):
        condition |= Q(community__path__startswith=path)
    if user.home_region_id:
        # A meeting held without a published notice still reaches residents with its minutes.
        condition |= Q(community_id=user.home_region_id) & (
            Q(notice_published_at__isnull=False) | Q(status__in=PUBLIC_STATUSES)
        )
    return qs.filter(condition)


def meetings_managed_by(user) -> QuerySet[Meeting]:
    qs = Meeting.objects.select_related("community", "convener")
    if getattr(user, "is_superuser", False):
        return qs
    return qs.filter(community_id__in=worker_community_ids(user))


def minutes_visible_to(user) -> QuerySet[Meeting]:
    """Meetings whose minutes the user may read."""
    managed = set(meetings_managed_by(user).values_list("id", flat=True))
    return meetings_visible_to(user).filter(Q(id__in=managed) | Q(status__in=PUBLIC_STATUSES))


def meeting_get_visible(user, meeting_id: int) -> Meeting:
    meeting = meetings_visible_to(user).filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFoundError(_("Meeting not found."))
    return meeting


def meeting_detail(meeting: Meeting) -> Meeting:
    """The meeting with everything a page or API detail shows, in a fixed number of queries."""
    return (
        Meeting.objects.select_related("community", "convener")
        .prefetch_related(
            Prefetch("participants", queryset=Participant.objects.order_by("party", "id")),
            Prefetch(
                "agenda_items",
                queryset=AgendaItem.objects.prefetch_related(
                    "deliberations",
                    Prefetch("resolutions", queryset=Resolution.objects.order_by("id")),
                ),
            ),
            Prefetch("list_items", queryset=ListItem.objects.prefetch_related("links")),
            Prefetch("minutes", queryset=MinutesVersion.objects.select_related("author")),
        )
        .get(pk=meeting.pk)
    )


def attendance_counts(meeting: Meeting) -> dict[str, int]:
    return meeting.participants.aggregate(
        invited=Count("id"), attending=Count("id", filter=Q(attended=True))
    )


def attendance_by_party(meeting: Meeting) -> list[dict]:
    """Invited (应到) and attending (实到) per party, in the order of the five parties, with
    labels. Participants whose party is not one of the five (the column has no database
    constraint: imported or older rows) are counted in one last row, `party` None, so the rows
    always add up to the totals of attendance_summary()."""
    # A fresh queryset with the ordering cleared: `meeting.participants` may be the prefetched
    # one of meeting_detail(), ordered by ("party", "id"), and an explicit ordering joins the
    # GROUP BY — one group per participant, of which a dict by party kept only the last
    # (two residents present were printed 应到1 实到1: issue 31, finding 9).
    grouped = (
        Participant.objects.filter(meeting_id=meeting.pk)
        .order_by()
        .values("party")
        .annotate(invited=Count("id"), attending=Count("id", filter=Q(attended=True)))
    )
    counts = {r["party"]: (r["invited"], r["attending"]) for r in grouped}
    rows = [
        {"party": value, "label": label, "invited": counts[value][0], "attending": counts[value][1]}
        for value, label in Party.choices
        if value in counts
    ]
    others = [n for party, n in counts.items() if party not in Party.values]
    if others:
        rows.append(
            {
                "party": None,
                "label": _("Not one of the five parties"),
                "invited": sum(invited for invited, _attending in others),
                "attending": sum(attending for _invited, attending in others),
            }
        )
    return rows


def attendance_summary(meeting: Meeting) -> dict:
    """The attendance table of the minutes: `parties` (attendance_by_party) and the totals,
    summed from those rows so the header can never disagree with them."""
    rows = attendance_by_party(meeting)
    return {
        "parties": rows,
        "invited": sum(r["invited"] for r in rows),
        "attending": sum(r["attending"] for r in rows),
    }


def voting_rule_for(community_id: int) -> tuple[Decimal, Decimal]:
    """(quorum_fraction, pass_fraction): the community's rule, else the default row, else
    the built-in default (half of invited attend; for > half of attending)."""
    rules = list(
        VotingRule.objects.filter(Q(community_id=community_id) | Q(community__isnull=True))
    )
    # NULL sorts differently on SQLite and PostgreSQL: pick the community's own row in Python.
    rules.sort(key=lambda r: (r.community_id is None, r.id))
    rule = rules[0] if rules else None
    if rule is None:
        return DEFAULT_QUORUM, DEFAULT_PASS
    return rule.quorum_fraction, rule.pass_fraction


def current_minutes(meeting: Meeting) -> MinutesVersion | None:
    return meeting.minutes.order_by("-number").first()


def proposals_visible_to(user) -> QuerySet[Proposal]:
    qs = Proposal.objects.select_related("community", "author", "agenda_item__meeting")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if user.is_superuser:
        return qs
    return qs.filter(Q(author=user) | Q(community_id__in=worker_community_ids(user)))


def proposals_pending_for(user) -> QuerySet[Proposal]:
    return proposals_visible_to(user).filter(
        status=Proposal.Status.SUBMITTED,
        community_id__in=worker_community_ids(user),
    )


def projects_of_community(community_id: int) -> QuerySet[ListItem]:
    return (
        ListItem.objects.filter(meeting__community_id=community_id, kind=ListItem.Kind.PROJECT)
        .select_related("meeting")
        .prefetch_related("links")
    )


def minutes_draft(meeting: Meeting) -> str:
    """A first draft of the minutes assembled from what was recorded during the meeting."""
    meeting = meeting_detail(meeting)
    lines = [
        meeting.title,
        _("Time: %(time)s  Place: %(place)s  Format: %(format)s")
        % {
            "time": timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M"),
            "place": meeting.place,
            "format": meeting.get_format_display(),
        },
        "",
        _("Attendance"),
    ]
    attendance = attendance_summary(meeting)
    for row in attendance["parties"]:
        lines.append(
            _("%(party)s: %(attending)s of %(invited)s attended")
            % {
                "party": row["label"],
                "attending": row["attending"],
                "invited": row["invited"],
            }
        )
    lines.append(
        _("Total: %(attending)s of %(invited)s attended")
        % {"attending": attendance["attending"], "invited": attendance["invited"]}
    )
    for item in meeting.agenda_items.all():
        lines += ["", f"{item.position}. {item.title}"]
        for d in item.deliberations.all():
            who = d.speaker or d.get_party_display()
            lines.append(f"  - {who}（{d.get_party_display()}）：{d.summary}")
        for r in item.resolutions.all():
            lines.append(
                _(
                    "  Resolution: %(text)s — for %(for)s, against %(against)s, abstain %(abstain)s: %(outcome)s"
                )
                % {
                    "text": r.text,
                    "for": r.votes_for,
                    "against": r.votes_against,
                    "abstain": r.votes_abstain,
                    "outcome": r.get_outcome_display(),
                }
            )
    for kind, label in ListItem.Kind.choices:
        entries = [i for i in meeting.list_items.all() if i.kind == kind]
        if entries:
            lines += ["", str(label)]
            lines += [f"  - {i.title}" for i in entries]
    return "\n".join(lines)
