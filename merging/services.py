"""Writes for 并案: merge cases into a main case, keep the merged ones following it, undo.

A merged case (a follower) carries `merged_into=main` and takes the main case's status, lead
unit, time-limit policy, deadlines and handling timestamps at the merge and on every later
transition of the main case (`follow_main`, called by the receiver in merging/receivers.py
inside the main case's transaction). Its reporter keeps their own voice: when the main case is
replied, each follower gets its own Reply (same text) and its own pending Revisit, and is
closed by its own revisit. See docs/merging.md.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from cases import rules
from cases import selectors as case_selectors
from cases.errors import NotAllowed
from cases.models import (
    OPEN_STATUSES,
    Assignment,
    Case,
    CaseEvent,
    ExtensionRequest,
    Reply,
    RequestState,
    ReturnRequest,
    Revisit,
    Status,
)
from cases.signals import case_event_recorded
from civic import clock, roles
from civic.errors import DomainValidationError, NotFoundError
from civic.models import User

MAX_MERGED = 50
NOTE_MAX = 2000

# What a follower copies from its main case.
FOLLOWED_FIELDS = (
    "status",
    "lead_unit",
    "policy",
    "dispatched_at",
    "signed_at",
    "contacted_at",
    "sign_due_at",
    "contact_due_at",
    "handle_due_at",
    "return_window_ends_at",
    "is_overdue",
)
# Transitions of a main case its followers follow (reply and close have their own rules).
FOLLOWED_ACTIONS = frozenset(
    {
        "dispatch",
        "redispatch",
        "return_accepted",
        "sign",
        "contact",
        "extension_approved",
        "reopen",
        "reply",
        "close",
        "close_without_dispatch",
    }
)
# Marks the events this module writes on followers: the receiver leaves them alone.
FOLLOWS_KEY = "follows"


# --- helpers -------------------------------------------------------------------------------


def _clean_note(note: str | None) -> str:
    note = (note or "").replace("\x00", "").strip()
    if len(note) > NOTE_MAX:
        msg = _("At most %(n)d characters.") % {"n": NOTE_MAX}
        raise DomainValidationError(msg, extra={"fields": {"note": [msg]}})
    return note


def _invalid(field: str, message: str) -> DomainValidationError:
    return DomainValidationError(message, extra={"fields": {field: [message]}})


def _require_dispatcher(actor: User | None, case: Case) -> None:
    if actor is None or not rules.can_arbitrate.test(actor, case):
        raise NotAllowed(_("Only a dispatcher merges cases or undoes a merge."))


def _actor_unit_id(actor: User | None) -> int | None:
    if actor is None:
        return None
    units = roles.units_of(actor, roles.CENTRE_ROLES) or roles.units_of(actor)
    return units[0].id if units else None


def _record(
    case: Case, action: str, actor: User | None, *, from_status: str, note: str = "", data=None
) -> CaseEvent:
    """The audit row on one case, told to the receivers like every case event (a follower's
    reporter hears of its reply and its closing through cases.notices)."""
    event = CaseEvent(
        case=case,
        at=clock.now(),
        actor=actor,
        actor_unit_id=_actor_unit_id(actor),
        action=action,
        from_status=from_status,
        to_status=case.status,
        note=note,
        data=data or {},
    )
    event.save(force_insert=True)
    case_event_recorded.send(sender=CaseEvent, event=event)
    return event


def _save(case: Case, fields: Sequence[str]) -> None:
    case.version = F("version") + 1
    case.save(update_fields=[*fields, "version", "updated_at"])
    case.refresh_from_db(fields=["version"])


def _lock_all(cases: Sequence[Case]) -> dict[int, Case]:
    """Row locks on every case of the merge, in id order (two merges never wait on each other
    in a circle)."""
    ids = sorted({c.pk for c in cases})
    locked = (
        Case.objects.select_for_update(of=("self",))
        .select_related("category", "region", "lead_unit", "policy")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    found = {c.pk: c for c in locked}
    if len(found) != len(ids):
        raise NotFoundError(_("No such case."))
    return found


def _counts_changed(unit_ids) -> None:
    unit_ids = [u for u in unit_ids if u]
    if unit_ids:
        transaction.on_commit(lambda: case_selectors.case_counts_changed(unit_ids))


def _sync_lead_assignment(follower: Case, main: Case, actor: User | None) -> None:
    """The follower's active lead assignment is the main case's lead unit, dispatched when the
    main case was: the unit's 三率 then count the follower like the main case (assessment reads
    lead assignments). Its inbox leaves followers out (cases.selectors.inbox_for_units)."""
    active = Assignment.objects.filter(
        case=follower, role=Assignment.Role.LEAD, state=Assignment.State.ACTIVE
    )
    if main.lead_unit_id is None:
        return
    current = active.filter(unit_id=main.lead_unit_id).first()
    if current is None:
        replaced = list(active.values_list("unit_id", flat=True))
        active.update(state=Assignment.State.REPLACED)
        current = Assignment.objects.create(
            case=follower,
            unit_id=main.lead_unit_id,
            role=Assignment.Role.LEAD,
            dispatched_at=main.dispatched_at or clock.now(),
            dispatched_by=actor,
        )
        _counts_changed([*replaced, main.lead_unit_id])
    if main.signed_at and current.signed_at is None:
        current.signed_at = main.signed_at
        current.signed_by = actor
        current.save(update_fields=["signed_at", "signed_by"])


def _take_main_state(follower: Case, main: Case, actor: User | None) -> None:
    for name in FOLLOWED_FIELDS:
        setattr(follower, name, getattr(main, name))
    _save(follower, FOLLOWED_FIELDS)
    _sync_lead_assignment(follower, main, actor)


# --- merge ---------------------------------------------------------------------------------


def _check_merge(main: Case, others: Sequence[Case]) -> None:
    """Every rule of a merge, on rows read under lock (or, for a preview, as they are)."""
    if not others:
        raise _invalid("cases", _("Choose at least one case to merge."))
    if len(others) > MAX_MERGED:
        raise _invalid("cases", _("At most %(n)d cases at a time.") % {"n": MAX_MERGED})
    if main.merged_into_id is not None:
        raise _invalid("main", _("This case is itself merged into another case."))
    if main.status not in OPEN_STATUSES:
        raise _invalid("main", _("Only an open case (not yet replied) can take merged cases."))
    problems = []
    leaders = set(
        Case.objects.filter(merged_into__in=[o.pk for o in others]).values_list(
            "merged_into", flat=True
        )
    )
    pending = set(
        ReturnRequest.objects.filter(
            case__in=[o.pk for o in others], state=RequestState.PENDING
        ).values_list("case_id", flat=True)
    ) | set(
        ExtensionRequest.objects.filter(
            case__in=[o.pk for o in others], state=RequestState.PENDING
        ).values_list("case_id", flat=True)
    )
    for other in others:
        n = {"number": other.number}
        if other.pk == main.pk:
            problems.append(_("A case cannot be merged into itself."))
        elif other.merged_into_id is not None:
            problems.append(_("Case %(number)s is already merged into another case.") % n)
        elif other.pk in leaders:
            problems.append(
                _("Case %(number)s has cases merged into it; undo that merge first.") % n
            )
        elif other.status not in OPEN_STATUSES:
            problems.append(_("Case %(number)s is no longer open.") % n)
        elif other.pk in pending:
            problems.append(
                _("Case %(number)s has a return or extension request to decide first.") % n
            )
        elif main.status == Status.RECEIVED and other.status != Status.RECEIVED:
            problems.append(
                _(
                    "Case %(number)s is already dispatched: merge into a dispatched case, or "
                    "make it the main case."
                )
                % n
            )
    if problems:
        raise DomainValidationError(problems[0], extra={"fields": {"cases": problems}})


def merge_preview(*, actor: User, main: Case, others: Sequence[Case]) -> list[Case]:
    """The checks of `merge_cases` without writing (the confirmation step): the cases that
    would be merged, or the same errors."""
    _require_dispatcher(actor, main)
    others = list({o.pk: o for o in others}.values())
    _check_merge(main, others)
    return others


def merge_cases(*, actor: User, main: Case, others: Sequence[Case], note: str = "") -> Case:
    """并案: merge `others` into `main` (dispatcher only).

    Preconditions: every case open (received … in progress), none merged into another case,
    none leading merged cases of its own (no chains), none with a pending return or extension
    request, and none dispatched when the main case is not. In one transaction with row locks,
    each merged case takes the main case's state and lead assignment and follows it from then
    on; a "merge" event is written on the main case and on each merged case (actor, note).
    Raises NotAllowed (403) or DomainValidationError with field messages ("cases", "main",
    "note"); writes nothing then."""
    note = _clean_note(note)
    _require_dispatcher(actor, main)
    with transaction.atomic():
        locked = _lock_all([main, *others])
        main = locked[main.pk]
        others = [locked[o.pk] for o in {o.pk: o for o in others}.values()]
        _check_merge(main, others)
        for follower in others:
            from_status = follower.status
            follower.merged_into = main
            _save(follower, ["merged_into"])
            _take_main_state(follower, main, actor)
            _record(
                follower,
                "merge",
                actor,
                from_status=from_status,
                note=note,
                data={FOLLOWS_KEY: main.number, "main": main.number},
            )
        _save(main, [])
        _record(
            main,
            "merge",
            actor,
            from_status=main.status,
            note=note,
            data={"cases": [f.number for f in others]},
        )
    return main


def unmerge_cases(
    *, actor: User, main: Case, cases: Sequence[Case] | None = None, note: str = ""
) -> list[Case]:
    """Undo a merge: each named merged case of `main` (all of them when `cases` is None)
    stands alone again. It keeps what it has now (the main case's status, unit and deadlines
    if the main case was dispatched; received otherwise), comes back to its unit's inbox and
    under the deadline sweep. Audited on both sides ("unmerge"). Dispatcher only; raises
    DomainValidationError for a case not merged into `main`."""
    note = _clean_note(note)
    _require_dispatcher(actor, main)
    with transaction.atomic():
        merged = list(Case.objects.filter(merged_into=main).values_list("pk", flat=True))
        if cases is None:
            wanted = merged
        else:
            wanted = []
            for case in cases:
                if case.pk not in merged:
                    raise _invalid(
                        "cases",
                        _("Case %(number)s is not merged into this case.")
                        % {"number": case.number},
                    )
                if case.pk not in wanted:
                    wanted.append(case.pk)
        if not wanted:
            raise _invalid("cases", _("No case is merged into this case."))
        locked = _lock_all([main, *Case.objects.filter(pk__in=wanted)])
        main = locked[main.pk]
        released = [locked[pk] for pk in wanted]
        for case in released:
            _detach(case, main, actor, note)
        _save(main, [])
        _record(
            main,
            "unmerge",
            actor,
            from_status=main.status,
            note=note,
            data={"cases": [c.number for c in released]},
        )
    return released


def _detach(case: Case, main: Case, actor: User | None, note: str) -> None:
    case.merged_into = None
    _save(case, ["merged_into"])
    # Units' inboxes hold followers back; this one is back in them.
    _counts_changed([case.lead_unit_id])
    _record(
        case,
        "unmerge",
        actor,
        from_status=case.status,
        note=note,
        data={FOLLOWS_KEY: main.number, "main": main.number},
    )


# --- following -----------------------------------------------------------------------------


def follow_main(*, event: CaseEvent) -> int:
    """Bring the main case's followers along after `event` (one of FOLLOWED_ACTIONS) on it,
    in the main case's transaction, which holds its row lock. Returns how many followed.

    - handling steps (dispatch, re-dispatch, sign, contact, extension, reopen): the main
      case's fields and lead unit are copied;
    - reply: each follower gets its own Reply (same text, result and author), goes to replied
      with its own revisit due and its own pending Revisit, so each reporter is revisited;
    - close: followers not waiting for their own revisit close with the main case's outcome;
      those waiting are closed by their reporter's revisit;
    - closed followers stay closed (their reporter has been revisited)."""
    main = event.case
    followers = list(
        Case.objects.select_for_update(of=("self",))
        .filter(merged_into=main)
        .exclude(status=Status.CLOSED)
        .order_by("pk")
    )
    if not followers:
        return 0
    main = Case.objects.select_related("lead_unit", "policy").get(pk=main.pk)
    actor = event.actor
    main_reply = _reply_of(main, event) if event.action == "reply" else None
    for follower in followers:
        from_status = follower.status
        data = {FOLLOWS_KEY: main.number, "main": main.number, "main_action": event.action}
        if event.action == "reply":
            _follow_reply(follower, main, main_reply, event, data)
        elif event.action in ("close", "close_without_dispatch"):
            if (
                follower.status == Status.REPLIED
                and follower.revisits.filter(state=Revisit.State.PENDING).exists()
            ):
                continue
            _follow_close(follower, main, actor, event, data)
        else:
            if event.action == "reopen":
                follower.replied_at = None
                follower.revisit_due_at = None
                follower.closed_at = None
                follower.outcome = ""
                _save(follower, ["replied_at", "revisit_due_at", "closed_at", "outcome"])
            _take_main_state(follower, main, actor)
            _record(
                follower, "merge_follow", actor, from_status=from_status, note=event.note, data=data
            )
    return len(followers)


def _reply_of(main: Case, event: CaseEvent) -> Reply:
    """The main case's reply the event sent (read once for all its followers)."""
    main_reply = Reply.objects.filter(pk=(event.data or {}).get("reply")).first()
    return main_reply or main.replies.order_by("-created_at", "-id").first()


def _follow_reply(
    follower: Case, main: Case, main_reply: Reply, event: CaseEvent, data: dict
) -> None:
    from_status = follower.status
    _take_main_state(follower, main, event.actor)
    reply = Reply.objects.create(
        case=follower,
        unit_id=main_reply.unit_id,
        author_id=main_reply.author_id,
        created_at=main_reply.created_at,
        text=main_reply.text,
        result=main_reply.result,
    )
    follower.status = Status.REPLIED
    follower.replied_at = main.replied_at
    follower.revisit_due_at = main.revisit_due_at
    _save(follower, ["status", "replied_at", "revisit_due_at"])
    # One pending revisit per case (a constraint): a reporter not yet revisited on an earlier
    # reply (the main case was reopened meanwhile) is asked once, about this reply.
    pending = follower.revisits.filter(state=Revisit.State.PENDING).first()
    if pending is not None:
        pending.due_at = follower.revisit_due_at
        pending.unit_id = main.lead_unit_id
        pending.save(update_fields=["due_at", "unit"])
    else:
        Revisit.objects.create(
            case=follower,
            round=follower.revisits.count() + 1,
            unit_id=main.lead_unit_id,
            due_at=follower.revisit_due_at,
        )
    _record(
        follower,
        "reply",
        event.actor,
        from_status=from_status,
        note=reply.text,
        data={**data, "result": reply.result, "reply": reply.id},
    )


def _follow_close(
    follower: Case, main: Case, actor: User | None, event: CaseEvent, data: dict
) -> None:
    from_status = follower.status
    follower.status = Status.CLOSED
    follower.outcome = main.outcome
    follower.closed_at = main.closed_at or clock.now()
    _save(follower, ["status", "outcome", "closed_at"])
    Assignment.objects.filter(case=follower, state=Assignment.State.ACTIVE).update(
        state=Assignment.State.DONE
    )
    _record(
        follower,
        "close",
        actor,
        from_status=from_status,
        note=event.note,
        data={**data, "outcome": main.outcome},
    )


def follower_leaves_on_reopen(*, event: CaseEvent) -> None:
    """A merged case reopened on its own (its reporter was not satisfied with the shared
    answer) stands alone from then on: it is back with the unit, on its own deadlines."""
    case = event.case
    main = Case.objects.filter(pk=case.merged_into_id).first()
    if main is None:
        return
    _detach(case, main, None, _("Reopened on its own reporter's word; left the merged group."))
