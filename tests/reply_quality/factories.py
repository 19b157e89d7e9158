"""Cases with replies, built through the real services."""

from cases import services
from cases.models import Case, Reply, Revisit
from tests.cases.factories import World, case_in


def replied_case(w: World, *, reply: str, result: str = Reply.Result.RESOLVED, **case_kwargs):
    """A case the department has replied to with `reply`; returns (case, reply)."""
    case = case_in(w, "in_progress", **case_kwargs)
    sent = services.case_reply(actor=w.handler, case=case, text=reply, result=result)
    case.refresh_from_db()
    return case, sent


def closed_case(w: World, *, reply: str, **case_kwargs) -> Case:
    """A case replied to with `reply` and closed after a satisfied revisit."""
    case, _reply = replied_case(w, reply=reply, **case_kwargs)
    services.revisit_record(
        actor=w.operator,
        case=case,
        contacted=True,
        resolved=True,
        satisfaction=Revisit.Satisfaction.SATISFIED,
        method=Revisit.Method.PHONE,
    )
    case.refresh_from_db()
    return case
