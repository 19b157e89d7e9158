"""Whistle and report (吹哨报到): every write, one function per action.

Keyword-only, `actor=` first; each runs in one transaction, locks the row it changes, writes a
system entry in the whistle's log (the whistle's audit trail) and a CaseEvent on the linked case
when a whistle is blown or closed. Notifications are outbox rows written in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.errors import NotAllowed
from cases.models import Case, Revisit
from cases.services import _record
from civic import roles
from civic.errors import ConflictError, DomainValidationError, NotFoundError
from civic.models import Unit, User
from civic.notify.services import notify_role, notify_unit
from civic.roles import HANDLING_ROLES, Role

from . import rules
from .models import ResidentWhistleRequest, Whistle, WhistleLogEntry, WhistleSummons

SWEEP_BATCH = 200


def _now() -> dt.datetime:
    return timezone.now()


def _url(whistle: Whistle) -> str:
    return f"/whistles/{whistle.pk}/"


def _street_of(actor: User) -> Unit:
    streets = [u for u in roles.units_of(actor, (Role.STREET_OFFICIAL,)) if u.is_street_level]
    if not streets:
        raise NotAllowed(_("Only street officials may blow a whistle."))
    return streets[0]


def street_for_case(case: Case) -> Unit | None:
    """The street (or township) office governing the case's region."""
    region = case.region.street if case.region_id else None
    if region is None:
        return None
    return (
        Unit.objects.filter(
            jurisdiction=region, kind__in=(Unit.Kind.STREET, Unit.Kind.TOWNSHIP), active=True
        )
        .order_by("pk")
        .first()
    )


def may_whistle_on_case(actor: User, case: Case, street: Unit) -> bool:
    """A street may whistle on the cases it can see and on any case in its own streets."""
    from cases.rules import can_view_case

    if case.region_id and street.jurisdiction_id:
        region = case.region.street
        if region is not None and region.pk == street.jurisdiction_id:
            return True
    return can_view_case.test(actor, case)


def _log(
    whistle: Whistle,
    text: str,
    *,
    actor: User | None = None,
    unit: Unit | None = None,
    kind: str = WhistleLogEntry.Kind.SYSTEM,
    action: str = "",
    at: dt.datetime | None = None,
) -> WhistleLogEntry:
    return WhistleLogEntry.objects.create(
        whistle=whistle,
        at=at or _now(),
        kind=kind,
        author=actor,
        unit=unit,
        action=action,
        text=text,
    )


def _lock_whistle(whistle: Whistle | int) -> Whistle:
    pk = whistle.pk if isinstance(whistle, Whistle) else whistle
    try:
        return Whistle.objects.select_for_update(of=("self",)).select_related("street").get(pk=pk)
    except Whistle.DoesNotExist as exc:
        raise NotFoundError(_("No such whistle.")) from exc


def _cases_of(whistle: Whistle) -> list[Case]:
    cases = [whistle.case] if whistle.case_id else []
    cases += [c for c in whistle.extra_cases.all() if c.pk != whistle.case_id]
    return cases


# --- blow ----------------------------------------------------------------------------------


@transaction.atomic
def whistle_blow(
    *,
    actor: User,
    units: Sequence[Unit],
    reason: str,
    place: str,
    case: Case | None = None,
    extra_cases: Iterable[Case] = (),
    report_minutes: int | None = None,
    street: Unit | None = None,
) -> Whistle:
    """A street official summons units to a problem (on a case, or without one)."""
    if street is None:
        street = _street_of(actor)
    elif street.pk not in roles.unit_ids_of(actor, (Role.STREET_OFFICIAL,)):
        raise NotAllowed(_("You may only whistle for your own street."))
    reason, place = (reason or "").strip(), (place or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = _("Give the reason for the whistle.")
    if not place:
        errors["place"] = _("Give the place.")
    units = list({u.pk: u for u in units if u is not None and u.pk != street.pk}.values())
    if not units:
        errors["units"] = _("Summon at least one unit.")
    if case is not None and not may_whistle_on_case(actor, case, street):
        raise NotAllowed(_("This case is neither yours to see nor in your street."))
    minutes = settings.WHISTLE_REPORT_MINUTES if report_minutes is None else int(report_minutes)
    if not 1 <= minutes <= 7 * 24 * 60:
        errors["report_minutes"] = _("The report deadline must be between 1 minute and 7 days.")
    if errors:
        raise DomainValidationError(_("The whistle is incomplete."), extra=errors)
    now = _now()
    whistle = Whistle.objects.create(
        street=street,
        blown_by=actor,
        blown_at=now,
        case=case,
        reason=reason,
        place=place,
        report_due_at=now + dt.timedelta(minutes=minutes),
    )
    extra = [c for c in extra_cases if case is None or c.pk != case.pk]
    if extra:
        whistle.extra_cases.add(*extra)
    WhistleSummons.objects.bulk_create(
        [WhistleSummons(whistle=whistle, unit=u, summoned_at=now) for u in units]
    )
    names = "、".join(u.name for u in units)
    _log(
        whistle,
        _("Whistle blown; summoned: %(units)s.") % {"units": names},
        actor=actor,
        unit=street,
        action="blown",
        at=now,
    )
    for linked in _cases_of(whistle):
        _record(
            linked,
            "whistle_blown",
            actor,
            note=reason,
            data={"whistle": whistle.pk, "units": [u.pk for u in units]},
            at=now,
        )
    title = _("Whistle from %(street)s: report to %(place)s by %(due)s") % {
        "street": street.name,
        "place": place,
        "due": timezone.localtime(whistle.report_due_at).strftime("%H:%M"),
    }
    for unit in units:
        notify_unit(
            unit=unit,
            kind="whistle",
            title=title,
            body=reason,
            url=_url(whistle),
            dedupe_key=f"whistle:{whistle.pk}:summoned:{unit.pk}",
        )
    return whistle


# --- report --------------------------------------------------------------------------------


@transaction.atomic
def whistle_report(
    *,
    actor: User,
    whistle: Whistle,
    reporters: str,
    committed_action: str,
    unit: Unit | None = None,
) -> WhistleSummons:
    """A summoned unit reports (报到): who came and what they commit to. Once per unit."""
    mine = roles.unit_ids_of(actor, HANDLING_ROLES)
    summonses = WhistleSummons.objects.filter(whistle_id=whistle.pk, unit_id__in=mine)
    if unit is not None:
        summonses = summonses.filter(unit=unit)
    # The row lock serialises two reports from the same unit; the conditional update decides.
    summons = summonses.select_for_update().select_related("unit", "whistle").first()
    if summons is None:
        raise NotAllowed(_("Your unit was not summoned by this whistle."))
    w = summons.whistle
    if w.status != Whistle.Status.OPEN:
        raise ConflictError(_("The whistle is closed."))
    reporters, committed_action = (reporters or "").strip(), (committed_action or "").strip()
    errors = {}
    if not reporters:
        errors["reporters"] = _("Say who came.")
    if not committed_action:
        errors["committed_action"] = _("Say what your unit will do.")
    if errors:
        raise DomainValidationError(_("The report is incomplete."), extra=errors)
    now = _now()
    state = WhistleSummons.State.ON_TIME if now <= w.report_due_at else WhistleSummons.State.LATE
    won = WhistleSummons.objects.filter(
        pk=summons.pk,
        reported_at__isnull=True,
        state__in=(WhistleSummons.State.PENDING, WhistleSummons.State.MISSED),
    ).update(
        state=state,
        reported_at=now,
        reported_by=actor,
        reporters=reporters[:300],
        committed_action=committed_action,
    )
    if won != 1:
        raise ConflictError(_("Your unit has already reported."))
    summons.refresh_from_db()
    label = _("on time") if state == WhistleSummons.State.ON_TIME else _("late")
    _log(
        w,
        _("%(unit)s reported (%(when)s): %(who)s — %(action)s")
        % {"unit": summons.unit.name, "when": label, "who": reporters, "action": committed_action},
        actor=actor,
        unit=summons.unit,
        kind=WhistleLogEntry.Kind.REPORT,
        action=state,
        at=now,
    )
    if state == WhistleSummons.State.LATE:
        title = _("%(unit)s reported late to the whistle at %(place)s") % {
            "unit": summons.unit.name,
            "place": w.place,
        }
        key = f"whistle:{w.pk}:late:{summons.unit_id}"
        notify_unit(
            unit=w.street,
            roles=(Role.STREET_OFFICIAL,),
            kind="whistle",
            title=title,
            url=_url(w),
            dedupe_key=key,
        )
        notify_role(role=Role.DISPATCHER, kind="whistle", title=title, url=_url(w), dedupe_key=key)
    return summons


# --- log and close -------------------------------------------------------------------------


@transaction.atomic
def whistle_log_add(*, actor: User, whistle: Whistle, text: str) -> WhistleLogEntry:
    """An entry in the joint action log, by the street, a summoned unit or a dispatcher."""
    w = _lock_whistle(whistle)
    if not rules.can_act_on_whistle.test(actor, w):
        raise NotAllowed(_("You are not a party to this whistle."))
    text = (text or "").strip()
    if not text:
        raise DomainValidationError(_("Write something."), extra={"text": _("Required.")})
    mine = roles.unit_ids_of(actor, HANDLING_ROLES)
    party = w.street if w.street_id in mine else None
    if party is None:
        party = Unit.objects.filter(pk__in=mine, whistle_summonses__whistle=w).first()
    if party is None:
        party = next(iter(roles.units_of(actor)), None)
    return _log(w, text, actor=actor, unit=party, kind=WhistleLogEntry.Kind.NOTE, action="note")


@transaction.atomic
def whistle_close(*, actor: User, whistle: Whistle, outcome: str) -> Whistle:
    """The street closes the whistle with an outcome. The linked cases stay as they are."""
    w = _lock_whistle(whistle)
    if w.street_id not in roles.unit_ids_of(actor, (Role.STREET_OFFICIAL,)):
        raise NotAllowed(_("Only the whistling street may close the whistle."))
    outcome = (outcome or "").strip()
    if not outcome:
        raise DomainValidationError(
            _("Give the outcome."), extra={"outcome": _("Give the outcome.")}
        )
    now = _now()
    won = Whistle.objects.filter(pk=w.pk, status=Whistle.Status.OPEN).update(
        status=Whistle.Status.CLOSED, outcome=outcome, closed_at=now, closed_by=actor
    )
    if won != 1:
        raise ConflictError(_("The whistle is already closed."))
    w.refresh_from_db()
    _log(
        w,
        _("Whistle closed: %(outcome)s") % {"outcome": outcome},
        actor=actor,
        unit=w.street,
        action="closed",
        at=now,
    )
    for linked in _cases_of(w):
        _record(linked, "whistle_closed", actor, note=outcome, data={"whistle": w.pk}, at=now)
    return w


# --- resident whistle (群众吹哨) ------------------------------------------------------------


def resident_may_whistle(case: Case) -> bool:
    """Unresolved after a revisit, or overdue, and still not closed for good."""
    if case.is_overdue:
        return True
    return Revisit.objects.filter(case=case, resolved=False).exists()


@transaction.atomic
def resident_whistle_request(*, actor: User, case: Case, reason: str) -> ResidentWhistleRequest:
    if not actor.is_authenticated or case.reporter_id != actor.pk:
        raise NotAllowed(_("You may only whistle on your own case."))
    case = Case.objects.select_for_update(of=("self",)).select_related("region").get(pk=case.pk)
    if not resident_may_whistle(case):
        raise ConflictError(
            _("You may whistle only when the case is overdue or still unresolved after a revisit.")
        )
    reason = (reason or "").strip()
    if not reason:
        raise DomainValidationError(_("Give a reason."), extra={"reason": _("Required.")})
    street = street_for_case(case)
    if street is None:
        raise ConflictError(_("No street office governs the place of this case."))
    if ResidentWhistleRequest.objects.filter(
        case=case, state=ResidentWhistleRequest.State.PENDING
    ).exists():
        raise ConflictError(_("A whistle request for this case is already waiting."))
    req = ResidentWhistleRequest.objects.create(
        case=case, resident=actor, street=street, requested_at=_now(), reason=reason
    )
    _record(case, "resident_whistle_requested", actor, note=reason, data={"request": req.pk})
    notify_unit(
        unit=street,
        roles=(Role.STREET_OFFICIAL,),
        kind="whistle",
        title=_("A resident asks you to whistle on case %(number)s") % {"number": case.number},
        body=reason,
        url=f"/whistles/requests/{req.pk}/",
        dedupe_key=f"resident-whistle:{req.pk}",
    )
    return req


def _lock_request(request: ResidentWhistleRequest, actor: User) -> ResidentWhistleRequest:
    req = (
        ResidentWhistleRequest.objects.select_for_update(of=("self",))
        .select_related("case", "street")
        .get(pk=request.pk)
    )
    if req.street_id not in roles.unit_ids_of(actor, (Role.STREET_OFFICIAL,)):
        raise NotAllowed(_("Only the street of the case decides on this request."))
    if req.state != ResidentWhistleRequest.State.PENDING:
        raise ConflictError(_("This request has already been decided."))
    return req


@transaction.atomic
def resident_whistle_accept(
    *,
    actor: User,
    request: ResidentWhistleRequest,
    units: Sequence[Unit],
    place: str = "",
    reason: str = "",
    report_minutes: int | None = None,
) -> Whistle:
    req = _lock_request(request, actor)
    whistle = whistle_blow(
        actor=actor,
        street=req.street,
        units=units,
        reason=reason or req.reason,
        place=place or req.case.address or str(req.case.region),
        case=req.case,
        report_minutes=report_minutes,
    )
    req.state = ResidentWhistleRequest.State.ACCEPTED
    req.decided_at, req.decided_by, req.whistle = _now(), actor, whistle
    req.save(update_fields=["state", "decided_at", "decided_by", "whistle"])
    _log(
        whistle,
        _("Blown at the request of the resident."),
        actor=actor,
        unit=req.street,
        action="resident_request",
    )
    from civic.notify.services import notify_users

    notify_users(
        users=[req.resident],
        kind="whistle",
        title=_("The street has whistled on your case %(number)s") % {"number": req.case.number},
        dedupe_key=f"resident-whistle:{req.pk}:decided",
    )
    return whistle


@transaction.atomic
def resident_whistle_decline(
    *, actor: User, request: ResidentWhistleRequest, reason: str
) -> ResidentWhistleRequest:
    req = _lock_request(request, actor)
    reason = (reason or "").strip()
    if not reason:
        raise DomainValidationError(
            _("Give the reason for declining."), extra={"decline_reason": _("Required.")}
        )
    req.state = ResidentWhistleRequest.State.DECLINED
    req.decided_at, req.decided_by, req.decline_reason = _now(), actor, reason
    req.save(update_fields=["state", "decided_at", "decided_by", "decline_reason"])
    _record(req.case, "resident_whistle_declined", actor, note=reason, data={"request": req.pk})
    from civic.notify.services import notify_users

    notify_users(
        users=[req.resident],
        kind="whistle",
        title=_("The street declined to whistle on your case %(number)s")
        % {"number": req.case.number},
        body=reason,
        dedupe_key=f"resident-whistle:{req.pk}:decided",
    )
    return req


# --- the sweep -----------------------------------------------------------------------------


def whistle_sweep(now: dt.datetime | None = None, batch: int = SWEEP_BATCH) -> dict[str, int]:
    """Mark summonses with no report by the deadline as missed and tell street and dispatchers.

    Idempotent and safe to run concurrently: rows are claimed with SKIP LOCKED and changed by a
    conditional update on state=pending, so each summons is missed (and told) exactly once.
    """
    now = now or _now()
    missed = 0
    with transaction.atomic():
        rows = list(
            WhistleSummons.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                state=WhistleSummons.State.PENDING,
                whistle__status=Whistle.Status.OPEN,
                whistle__report_due_at__lte=now,
            )
            .select_related("whistle", "whistle__street", "unit")
            .order_by("whistle__report_due_at", "pk")[:batch]
        )
        for s in rows:
            won = WhistleSummons.objects.filter(pk=s.pk, state=WhistleSummons.State.PENDING).update(
                state=WhistleSummons.State.MISSED, missed_at=now
            )
            if won != 1:
                continue
            missed += 1
            w = s.whistle
            _log(
                w,
                _("%(unit)s did not report by the deadline.") % {"unit": s.unit.name},
                unit=s.unit,
                action="missed",
                at=now,
            )
            title = _("%(unit)s missed the whistle at %(place)s") % {
                "unit": s.unit.name,
                "place": w.place,
            }
            key = f"whistle:{w.pk}:missed:{s.unit_id}"
            notify_unit(
                unit=w.street,
                roles=(Role.STREET_OFFICIAL,),
                kind="whistle",
                title=title,
                url=_url(w),
                dedupe_key=key,
            )
            notify_role(
                role=Role.DISPATCHER, kind="whistle", title=title, url=_url(w), dedupe_key=key
            )
    return {"missed": missed, "more": int(len(rows) == batch)}
