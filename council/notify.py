"""Notices to people concerned, through civic.notify when it is present.

civic.notify (in-app rows + email after commit) is built on another branch; until the merge
these calls do nothing. Who is told:
- proposal author: when their topic is accepted onto an agenda or declined (with the reason);
- participants with a user account: when the notice is published and when minutes are published.
Residents at large read notices on the council pages; writing one row per registered resident
of a community inside the publishing transaction would not scale, so they are not messaged.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

try:  # pragma: no cover - depends on the merge
    from civic.notify.services import notify_users
except ImportError:  # pragma: no cover
    notify_users = None


def _send(**kwargs) -> None:
    if notify_users is not None:
        notify_users(**kwargs)


def participants_of(meeting) -> list:
    return [p.user for p in meeting.participants.select_related("user") if p.user_id]


def meeting_notice_published(meeting) -> None:
    _send(
        users=participants_of(meeting),
        kind="council_notice",
        title=_("Meeting notice: %(title)s") % {"title": meeting.title},
        body=meeting.notice,
        url=reverse("council:meeting", args=[meeting.pk]),
        dedupe_key=f"council-notice-{meeting.pk}-{meeting.notice_published_at:%Y%m%d%H%M%S}",
    )


def minutes_published(meeting) -> None:
    _send(
        users=participants_of(meeting),
        kind="council_minutes",
        title=_("Minutes published: %(title)s") % {"title": meeting.title},
        url=reverse("council:minutes", args=[meeting.pk]),
        dedupe_key=f"council-minutes-{meeting.pk}",
    )


def proposal_decided(proposal) -> None:
    if proposal.status == "accepted":
        title = _("Your topic is on the agenda: %(title)s") % {"title": proposal.title}
        body = proposal.agenda_item.meeting.title if proposal.agenda_item_id else ""
    else:
        title = _("Your topic was declined: %(title)s") % {"title": proposal.title}
        body = proposal.decline_reason
    _send(
        users=[proposal.author],
        kind="council_proposal",
        title=title,
        body=body,
        url=reverse("council:proposals"),
        dedupe_key=f"council-proposal-{proposal.pk}",
    )
