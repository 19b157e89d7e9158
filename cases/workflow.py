"""The case state machine (DESIGN §3.2) as data, checked in one place.

received ──answer on the spot / not dispatched──► closed
   │ dispatch
   ▼
dispatched ──sign──► signed ──contact──► in_progress ──reply──► replied ──revisit──► closed
   ▲   (return accepted → re-dispatch; extension → deadline moves)               │
   └────────────────────────────── reopen ◄──────────────────────────────────────┘
"""

from django.utils.translation import gettext as _

from .errors import IllegalTransition
from .models import Status

# action → (allowed from-statuses, to-status). None keeps the current status.
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "close_without_dispatch": ((Status.RECEIVED,), Status.CLOSED),
    "dispatch": ((Status.RECEIVED,), Status.DISPATCHED),
    "redispatch": ((Status.DISPATCHED, Status.SIGNED), Status.DISPATCHED),
    "sign": ((Status.DISPATCHED,), Status.SIGNED),
    "contact": ((Status.SIGNED,), Status.IN_PROGRESS),
    "reply": ((Status.IN_PROGRESS,), Status.REPLIED),
    "request_return": ((Status.DISPATCHED, Status.SIGNED), None),
    "decide_return": ((Status.DISPATCHED, Status.SIGNED), None),
    "request_extension": ((Status.DISPATCHED, Status.SIGNED, Status.IN_PROGRESS), None),
    "decide_extension": ((Status.DISPATCHED, Status.SIGNED, Status.IN_PROGRESS), None),
    "add_co_unit": ((Status.DISPATCHED, Status.SIGNED, Status.IN_PROGRESS), None),
    "revisit": ((Status.REPLIED,), Status.CLOSED),
    "revisit_expire": ((Status.REPLIED,), Status.CLOSED),
    "reopen": ((Status.REPLIED, Status.CLOSED), Status.DISPATCHED),
}


def check(action: str, current: str) -> str | None:
    """Return the target status, or raise IllegalTransition (→ HTTP 409)."""
    allowed, target = TRANSITIONS[action]
    if current not in allowed:
        raise IllegalTransition(
            _("This action is not possible while the case is “%(status)s”.")
            % {"status": Status(current).label},
            extra={"action": action, "status": current, "allowed_from": list(allowed)},
        )
    return target if target is not None else current


def allowed_actions(current: str) -> list[str]:
    return [action for action, (allowed, _t) in TRANSITIONS.items() if current in allowed]
