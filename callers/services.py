"""Writes of caller history: the personal-data access log of each lookup, and repeat calls."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from cases import privacy
from cases import services as case_services
from cases.models import Case, Channel, Outcome, PersonalDataAccess, Status
from civic import roles
from civic.errors import ConflictError, NotFoundError, PermissionDeniedError
from civic.models import User


def caller_history_access_record(
    *, actor: User, cases: Iterable[Case], path: str, ip: str | None
) -> int:
    """One PersonalDataAccess row (surface caller_history) per case shown to `actor`.

    A caller's history ties their number to each case shown, so every case shown is an access
    to that reporter's personal data. bulk_create inserts new rows only, which the model's
    append-only guards allow (they refuse updates and deletes). Returns the rows written; an
    empty history writes none.
    """
    rows = [
        PersonalDataAccess(
            case=case,
            user=actor,
            surface=PersonalDataAccess.Surface.CALLER_HISTORY,
            path=path[:300],
            ip=ip or None,
        )
        for case in cases
    ]
    if rows:
        PersonalDataAccess.objects.bulk_create(rows)
    return len(rows)


@dataclass(frozen=True)
class RepeatCall:
    new_case: Case  # the call itself, closed at once as a repeat request
    original: Case  # the open case it repeats (re-read after the note)


def repeat_call_record(
    *, actor: User, original_number: str, intake: dict[str, Any], note: str = ""
) -> RepeatCall:
    """Record a call about a case that is still open (重复来电): the call becomes a case of its
    own (channel hotline, the operator's console fields in `intake`, as `case_create` takes
    them), closed at once with outcome repeat_request and linked to the open case through
    duplicate_of — no second dispatch — and the open case's trail gets a note that the caller
    called again. One transaction: either all three are written or none.

    Raises PermissionDeniedError (not centre staff), NotFoundError (no such case),
    ConflictError (the case is closed), DomainValidationError (bad intake fields).
    """
    if not roles.is_centre_staff(actor):
        raise PermissionDeniedError(_("Only hotline centre staff record repeat calls."))
    with transaction.atomic():
        original = (
            Case.objects.select_for_update(of=("self",)).filter(number=original_number).first()
        )
        if original is None:
            raise NotFoundError(_("No such case."))
        if original.status == Status.CLOSED:
            raise ConflictError(
                _("Case %(number)s is closed: record the call as a new case instead.")
                % {"number": original.number}
            )
        created = case_services.case_create(actor=actor, channel=Channel.HOTLINE, **intake)
        close_note = note.strip() or _(
            "Repeat call about case %(number)s; the caller was told its progress."
        ) % {"number": original.number}
        new_case = case_services.case_close_without_dispatch(
            actor=actor,
            case=created.case,
            outcome=Outcome.REPEAT_REQUEST,
            duplicate_of=original,
            note=close_note,
        )
        case_services.case_note_add(
            actor=actor,
            case=original,
            note=_("The caller called again (repeat call %(number)s).")
            % {"number": new_case.number},
        )
    original.refresh_from_db()
    return RepeatCall(new_case=new_case, original=original)


@dataclass(frozen=True)
class RekeyResult:
    scanned: int
    changed: int


def phone_keys_rekey(*, batch_size: int = 5000, progress=None) -> RekeyResult:
    """Recompute every case's reporter_phone_key with the current PHONE_KEY_SECRET (after it
    changed, the stored keys no longer match what lookups compute). Walks the cases by id in
    batches (keyset, so memory stays flat over millions of rows) and writes only the keys that
    differ: running it twice changes nothing the second time. Each batch commits on its own,
    so an interrupted run can simply be started again.

    The key is not a case change: no event is written and updated_at is left alone.
    """
    scanned = changed = 0
    last_id = 0
    while True:
        rows = list(
            Case.objects.filter(pk__gt=last_id)
            .order_by("pk")
            .values_list("pk", "reporter_phone", "reporter_phone_key")[:batch_size]
        )
        if not rows:
            break
        last_id = rows[-1][0]
        scanned += len(rows)
        stale = [
            Case(pk=pk, reporter_phone_key=new)
            for pk, phone, old in rows
            if (new := privacy.phone_key(phone)) != old
        ]
        if stale:
            with transaction.atomic():
                Case.objects.bulk_update(stale, ["reporter_phone_key"], batch_size=1000)
            changed += len(stale)
        if progress is not None:
            progress(scanned, changed)
    return RekeyResult(scanned=scanned, changed=changed)


DEMO_CALLER = "13800138000"  # the demo resident's number (civic.demo)


def seed_callers(stdout=None) -> int:
    """A frequent caller for the demo console: four of the demo's hotline cases (open and
    closed, received in the last month) become calls from the demo resident's number."""
    from cases.models import Case, Channel
    from cases.privacy import phone_key

    key = phone_key(DEMO_CALLER)
    if Case.objects.filter(reporter_phone_key=key).exists():
        return 0
    hotline = Case.objects.filter(channel=Channel.HOTLINE, anonymous=False).order_by("-received_at")
    chosen = [*hotline.exclude(status="closed")[:3], *hotline.filter(status="closed")[:1]]
    for case in chosen:
        case.reporter_phone, case.reporter_phone_key = DEMO_CALLER, key
        case.save(update_fields=["reporter_phone", "reporter_phone_key"])
    if stdout:
        stdout.write(f"callers: {len(chosen)} demo calls from {DEMO_CALLER}")
    return len(chosen)
