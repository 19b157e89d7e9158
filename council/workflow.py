"""The meeting status flow, as data: planned → held → minuted → published → closed.

Each action names the statuses it may run in and the status it leads to (None = unchanged).
`check()` is the one place that refuses an illegal transition (ConflictError → HTTP 409).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from civic.errors import ConflictError

from .models import Meeting

S = Meeting.Status

# action: (allowed from, leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "publish_notice": (frozenset({S.PLANNED}), None),
    "edit_plan": (frozenset({S.PLANNED}), None),
    "invite": (frozenset({S.PLANNED, S.HELD}), None),
    "add_agenda_item": (frozenset({S.PLANNED, S.HELD}), None),
    "hold": (frozenset({S.PLANNED}), S.HELD),
    "record_attendance": (frozenset({S.HELD}), None),
    "deliberate": (frozenset({S.HELD}), None),
    "vote": (frozenset({S.HELD}), None),
    "add_list_item": (frozenset({S.HELD, S.MINUTED, S.PUBLISHED}), None),
    # Linking cases to a project goes on after the meeting, until the project is done.
    "link_project": (frozenset({S.HELD, S.MINUTED, S.PUBLISHED, S.CLOSED}), None),
    "minute": (frozenset({S.HELD, S.MINUTED}), S.MINUTED),
    "publish": (frozenset({S.MINUTED}), S.PUBLISHED),
    # Edits after publication are new MinutesVersion rows, never overwrites.
    "revise_minutes": (frozenset({S.PUBLISHED}), None),
    "close": (frozenset({S.PUBLISHED}), S.CLOSED),
}


class IllegalTransition(ConflictError):
    pass


def allowed(action: str, status: str) -> bool:
    return status in TRANSITIONS[action][0]


def check(action: str, status: str) -> str:
    """Return the status after `action`, or raise IllegalTransition."""
    sources, target = TRANSITIONS[action]
    if status not in sources:
        raise IllegalTransition(
            _("This is not possible while the meeting is %(status)s.")
            % {"status": S(status).label},
            extra={"action": action, "status": status},
        )
    return target or status


def actions_for(status: str) -> list[str]:
    return [a for a, (sources, _target) in TRANSITIONS.items() if status in sources]
