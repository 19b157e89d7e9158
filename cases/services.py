"""Every write to a case: one function per business action.

Each service is keyword-only, takes `actor` (None for the system: the deadline sweep), checks
permission, runs in one transaction, locks the case row (`select_for_update`) so that two people
acting at once cannot both win, and writes its CaseEvent in the same transaction. Side effects
outside the database (notifications, tasks) are queued by receivers of `case_event_recorded`
that write outbox rows, and are sent after commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import math
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from civic import calendar, clock, roles
from civic.errors import DomainValidationError, NotFoundError, RateLimitedError
from civic.models import Category, Region, Unit, User
from civic.roles import HANDLING_ROLES, Role
from civic.throttling import count_in_window

from . import deadlines, inserts, numbers, privacy, rules, selectors, workflow
from .errors import NotAllowed, ReturnWindowClosed
from .models import (
    NOT_DISPATCHED_OUTCOMES,
    Assignment,
    Case,
    CaseAttachment,
    CaseEvent,
    Channel,
    ExtensionRequest,
    Kind,
    Outcome,
    Reply,
    ReplyTemplate,
    RequestState,
    ReturnRequest,
    Revisit,
    Status,
    SupervisionOrder,
    Urgency,
)
from .signals import case_event_recorded

ACCESS_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
# 32 letters: a random byte's low five bits pick one uniformly (_new_access_code).
assert len(ACCESS_CODE_ALPHABET) == 32
ACCESS_CODE_LENGTH = 8
ALLOWED_ATTACHMENT_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif"}
_IMAGE_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"RIFF", "image/webp"),
)


logger = logging.getLogger(__name__)


# --- helpers -------------------------------------------------------------------------------


def _now() -> dt.datetime:
    return clock.now()


def _actor_unit(actor: User | None, case: Case | None = None) -> Unit | None:
    """The unit the actor acts for: the case's lead unit if they belong to it, else their first."""
    if actor is None:
        return None
    units = roles.units_of(actor)
    if case is not None and case.lead_unit_id:
        for unit in units:
            if unit.id == case.lead_unit_id:
                return unit
    return units[0] if units else None


def _tell_after_commit(event: CaseEvent) -> None:
    """Send `case_event_recorded` for an event already committed. A receiver that fails can no
    longer undo it, and must not turn a stored case into an error for the person filing it
    (they would file it again): its failure is logged."""
    for receiver, result in case_event_recorded.send_robust(sender=CaseEvent, event=event):
        if isinstance(result, Exception):
            logger.error(
                "case %s: receiver %s failed after commit",
                event.case.number,
                getattr(receiver, "__qualname__", receiver),
                exc_info=result,
            )


def _record(case: Case, action: str, actor: User | None, **details) -> CaseEvent:
    """Write the audit row (`details` as `_event` takes them) and tell the receivers."""
    event = _event(case, action, actor, **details)
    event.save(force_insert=True)
    case_event_recorded.send(sender=CaseEvent, event=event)
    return event


def _event(
    case: Case,
    action: str,
    actor: User | None,
    *,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    data: dict | None = None,
    at: dt.datetime | None = None,
) -> CaseEvent:
    """An unsaved audit row (`case_create` writes its own with the case)."""
    return CaseEvent(
        case=case,
        at=at or _now(),
        actor=actor,
        actor_unit=_actor_unit(actor, case),
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data or {},
    )


def _lock(case: Case | int) -> Case:
    """Re-read the case under a row lock; the caller's copy may be stale."""
    pk = case.pk if isinstance(case, Case) else case
    try:
        return (
            Case.objects.select_for_update(of=("self",))
            .select_related("category", "region", "lead_unit", "policy")
            .get(pk=pk)
        )
    except Case.DoesNotExist as exc:
        raise NotFoundError(_("No such case.")) from exc


def _save(case: Case, fields: Iterable[str]) -> None:
    case.version = F("version") + 1
    case.save(update_fields=[*fields, "version", "updated_at"])
    case.refresh_from_db(fields=["version"])


def _require(predicate, actor, case, message: str) -> None:
    if actor is None:
        return  # the system (sweep) acts with full authority
    if not predicate.test(actor, case):
        raise NotAllowed(message)


def _clean_text(value: str, *, field: str, max_length: int, required: bool = True) -> str:
    value = (value or "").replace("\x00", "").strip()
    if required and not value:
        raise DomainValidationError(
            _("This field is required."), extra={"fields": {field: [_("This field is required.")]}}
        )
    if len(value) > max_length:
        msg = _("At most %(n)d characters.") % {"n": max_length}
        raise DomainValidationError(msg, extra={"fields": {field: [msg]}})
    return value


# --- numbers and access codes ---------------------------------------------------------------


def access_code_hash(code: str) -> str:
    normalised = code.strip().upper().encode()
    return hmac.new(settings.SECRET_KEY.encode(), normalised, hashlib.sha256).hexdigest()


# Imported historical cases: their residents never received a code, so none may match (a hex
# digest never equals this marker). Saves an HMAC per row on million-row imports.
UNUSABLE_ACCESS_CODE = "!"

# Django's `Choices.values` builds a new list on every access; intake checks three per case.
CHANNELS = frozenset(Channel.values)
KINDS = frozenset(Kind.values)
URGENCIES = frozenset(Urgency.values)


def access_code_matches(case: Case, code: str) -> bool:
    return hmac.compare_digest(case.access_code_hash, access_code_hash(code or ""))


def case_track_lookup(*, number: str, access_code: str, client: str) -> Case:
    """The case a number and its access code open (following a case without an account), for
    the tracking page and POST /api/v1/track/ alike.

    Every lookup counts against two limits of settings.TRACK_LOOKUPS_PER_MINUTE (default 10) in
    the shared cache: per client address (`civic.client.client_address`: one guesser trying many
    codes) and per case number (many addresses guessing one case's code). An 8-letter code from
    32 letters cannot be guessed at that pace. Raises RateLimitedError over either
    (extra.retry_after: seconds to the end of the minute), and the same NotFoundError for an
    unknown number and a wrong code.
    """
    counts = [
        count_in_window(f"track:ip:{client}", 60),
        count_in_window(f"track:n:{number}", 60),
    ]
    if any(count > settings.TRACK_LOOKUPS_PER_MINUTE for count, _wait in counts):
        raise RateLimitedError(
            _("Too many lookups. Please wait a minute and try again."),
            extra={"retry_after": math.ceil(max(wait for _count, wait in counts))},
        )
    case = (
        Case.objects.filter(number=number).select_related("category", "region", "lead_unit").first()
    )
    if case is None or not access_code_matches(case, access_code):
        raise NotFoundError(_("No case matches this number and access code."))
    return case


def _new_access_code() -> str:
    # One read of the system's randomness for the whole code (secrets.choice reads once per
    # character); each byte's low five bits pick one of the 32 letters uniformly.
    return "".join(ACCESS_CODE_ALPHABET[b & 31] for b in secrets.token_bytes(ACCESS_CODE_LENGTH))


# --- intake ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseCreated:
    case: Case
    access_code: str


def _validate_coordinates(lat, lng) -> tuple[Decimal | None, Decimal | None]:
    if lat in (None, "") and lng in (None, ""):
        return None, None
    if lat in (None, "") or lng in (None, ""):
        msg = _("Give both latitude and longitude, or neither.")
        raise DomainValidationError(msg, extra={"fields": {"lat": [msg], "lng": [msg]}})
    try:
        lat_d = Decimal(str(lat)).quantize(Decimal("0.000001"))
        lng_d = Decimal(str(lng)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError) as exc:
        msg = _("Coordinates must be numbers.")
        raise DomainValidationError(msg, extra={"fields": {"lat": [msg]}}) from exc
    if not lat_d.is_finite() or not lng_d.is_finite() or abs(lat_d) > 90 or abs(lng_d) > 180:
        msg = _("Coordinates are out of range.")
        raise DomainValidationError(msg, extra={"fields": {"lat": [msg], "lng": [msg]}})
    return lat_d, lng_d


def region_for_point(lat: Decimal, lng: Decimal) -> Region | None:
    """The nearest community centre (a cheap stand-in for polygon lookup)."""
    candidates = Region.objects.filter(
        level__in=[Region.Level.COMMUNITY, Region.Level.VILLAGE],
        center_lat__isnull=False,
        center_lng__isnull=False,
        center_lat__range=(lat - Decimal("0.2"), lat + Decimal("0.2")),
        center_lng__range=(lng - Decimal("0.2"), lng + Decimal("0.2")),
    ).only("id", "center_lat", "center_lng", "path", "level", "parent_id", "code", "name")
    best, best_d = None, None
    for region in candidates:
        d = (region.center_lat - lat) ** 2 + (region.center_lng - lng) ** 2
        if best_d is None or d < best_d:
            best, best_d = region, d
    return best


def _check_attachment(upload: UploadedFile) -> str:
    if upload.size > settings.CASE_ATTACHMENT_MAX_BYTES:
        msg = _("The file is too large (at most %(mb)d MB).") % {
            "mb": settings.CASE_ATTACHMENT_MAX_BYTES // (1024 * 1024)
        }
        raise DomainValidationError(msg, extra={"fields": {"photo": [msg]}})
    head = upload.read(16)
    upload.seek(0)
    for signature, content_type in _IMAGE_SIGNATURES:
        if head.startswith(signature):
            return content_type
    msg = _("Only JPEG, PNG, GIF or WebP images are accepted.")
    raise DomainValidationError(msg, extra={"fields": {"photo": [msg]}})


def case_create(
    *,
    actor: User | None,
    channel: str,
    kind: str,
    category: Category,
    title: str,
    description: str,
    region: Region | None = None,
    address: str = "",
    lat=None,
    lng=None,
    urgency: str | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    reporter_email: str = "",
    anonymous: bool = False,
    attachments: Sequence[UploadedFile] = (),
    received_at: dt.datetime | None = None,
) -> CaseCreated:
    """Record a new case (Art. 10: every request becomes a work order).

    Operators record cases for callers (they become the first receiver); residents file their
    own (they become the reporter). Returns the case and its access code, shown only once.
    Raises DomainValidationError with field messages for any bad input; writes nothing then.
    On PostgreSQL, without attachments and outside a transaction, the case and its event are
    one statement that commits at once, and the receivers hear of it after (cases.signals).
    """
    if channel not in CHANNELS:
        raise DomainValidationError(
            _("Unknown channel."), extra={"fields": {"channel": [_("Unknown channel.")]}}
        )
    if kind not in KINDS:
        raise DomainValidationError(
            _("Unknown kind."), extra={"fields": {"kind": [_("Unknown kind.")]}}
        )
    if urgency is not None and urgency not in URGENCIES:
        raise DomainValidationError(
            _("Unknown urgency."), extra={"fields": {"urgency": [_("Unknown urgency.")]}}
        )
    if category is None or not category.is_leaf or not category.active:
        msg = _("Choose a category at the third level.")
        raise DomainValidationError(msg, extra={"fields": {"category": [msg]}})
    is_staff_intake = actor is not None and roles.is_centre_staff(actor)
    if not category.residents_may_file and not is_staff_intake:
        msg = _("This category cannot be filed online; please call the hotline.")
        raise DomainValidationError(msg, extra={"fields": {"category": [msg]}})
    title = _clean_text(title, field="title", max_length=200)
    description = _clean_text(description, field="description", max_length=5000)
    address = _clean_text(address, field="address", max_length=300, required=False)
    reporter_name = _clean_text(
        reporter_name, field="reporter_name", max_length=100, required=False
    )
    reporter_phone = _clean_text(
        reporter_phone, field="reporter_phone", max_length=32, required=False
    )
    reporter_email = _clean_text(
        reporter_email, field="reporter_email", max_length=254, required=False
    )
    lat_d, lng_d = _validate_coordinates(lat, lng)
    if region is None and lat_d is not None:
        region = region_for_point(lat_d, lng_d)
    if region is None:
        msg = _("Choose the community where the problem is, or a point on the map.")
        raise DomainValidationError(msg, extra={"fields": {"region": [msg]}})
    content_types = [_check_attachment(upload) for upload in attachments]
    if anonymous:
        reporter_name = reporter_phone = reporter_email = ""

    received_at = received_at or _now()
    code = _new_access_code()
    first_receiver_unit = None
    if is_staff_intake:
        centre_units = roles.units_of(actor, roles.CENTRE_ROLES)
        first_receiver_unit = centre_units[0] if centre_units else None
    case = Case(
        channel=channel,
        kind=kind,
        urgency=urgency
        or (category.default_urgency if category.default_urgency in URGENCIES else Urgency.GENERAL),
        category=category,
        title=title,
        description=description,
        address=address,
        lat=lat_d,
        lng=lng_d,
        region=region,
        reporter=actor if (actor is not None and not is_staff_intake) else None,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        reporter_phone_key=privacy.phone_key(reporter_phone),
        reporter_email=reporter_email,
        anonymous=anonymous,
        access_code_hash=access_code_hash(code),
        status=Status.RECEIVED,
        first_receiver=actor if is_staff_intake else None,
        first_receiver_unit=first_receiver_unit,
        received_at=received_at,
    )
    event = _event(
        case,
        "create",
        actor,
        to_status=Status.RECEIVED,
        data={"channel": channel},
        at=received_at,
    )
    day = calendar.local_date(received_at)
    # Autocommit is off inside any atomic block (the caller's, or a test's).
    if inserts.supported() and not attachments and transaction.get_autocommit():
        # The number, the case and its event are one statement, atomic on its own: it commits
        # at once, and the day's counter (every intake in the city queues on that row) is
        # locked only while PostgreSQL runs it, not across the round trips to the receivers
        # and to COMMIT. The receivers hear of the case once it is stored.
        inserts.insert_case_with_event(case, event, day=day)
        _tell_after_commit(event)
        return CaseCreated(case=case, access_code=code)
    with transaction.atomic():
        if inserts.supported():
            inserts.insert_case_with_event(case, event, day=day)  # one round trip
        else:
            (case.number,) = numbers.reserve(day)
            case.save(force_insert=True)
            event.save(force_insert=True)
        for upload, content_type in zip(attachments, content_types, strict=True):
            CaseAttachment.objects.create(
                case=case,
                file=upload,
                content_type=content_type,
                size=upload.size,
                uploaded_by=actor if actor and actor.is_authenticated else None,
            )
        case_event_recorded.send(sender=CaseEvent, event=event)
    return CaseCreated(case=case, access_code=code)


def case_close_without_dispatch(
    *, actor: User, case: Case, outcome: str, note: str, duplicate_of: Case | None = None
) -> Case:
    """Close a case at intake (Art. 10–11): answered on the spot, or one of the not-dispatched
    outcomes. A repeat request must name the case it repeats (the two are linked)."""
    if outcome not in NOT_DISPATCHED_OUTCOMES:
        msg = _("Choose how the request was settled.")
        raise DomainValidationError(msg, extra={"fields": {"outcome": [msg]}})
    note = _clean_text(note, field="note", max_length=2000)
    if outcome == Outcome.REPEAT_REQUEST and duplicate_of is None:
        msg = _("Name the existing case this request repeats.")
        raise DomainValidationError(msg, extra={"fields": {"duplicate_of": [msg]}})
    with transaction.atomic():
        case = _lock(case)
        _require(
            rules.can_dispatch_case,
            actor,
            case,
            _("Only the hotline centre settles cases at intake."),
        )
        target = workflow.check("close_without_dispatch", case.status)
        from_status = case.status
        case.status = target
        case.outcome = outcome
        case.closed_at = _now()
        case.duplicate_of = duplicate_of
        _save(case, ["status", "outcome", "closed_at", "duplicate_of"])
        _record(
            case,
            "close_without_dispatch",
            actor,
            from_status=from_status,
            to_status=target,
            note=note,
            data={"outcome": outcome},
        )
    return case


# --- dispatch -------------------------------------------------------------------------------


def _validate_lead_unit(case: Case, unit: Unit) -> None:
    if not unit.active:
        raise DomainValidationError(
            _("That unit is not active."),
            extra={"fields": {"lead_unit": [_("That unit is not active.")]}},
        )
    if unit.kind == Unit.Kind.CENTRE:
        msg = _("The hotline centre cannot be the handling unit.")
        raise DomainValidationError(msg, extra={"fields": {"lead_unit": [msg]}})
    # Art. 17: a community committee leads only matters on the community duty list.
    if (
        unit.kind == Unit.Kind.COMMUNITY
        and case.category.handling_level != Category.HandlingLevel.COMMUNITY
    ):
        msg = _("A community committee may not lead a matter outside the community duty list.")
        raise DomainValidationError(msg, extra={"fields": {"lead_unit": [msg]}})


def _apply_deadlines(case: Case, at: dt.datetime) -> None:
    policy = deadlines.policy_for(case, at)
    due = deadlines.compute(policy, at)
    case.policy = policy
    case.sign_due_at = due.sign_due_at
    case.contact_due_at = due.contact_due_at
    case.handle_due_at = due.handle_due_at
    case.return_window_ends_at = due.return_window_ends_at
    case.is_overdue = False


DEADLINE_FIELDS = [
    "policy",
    "sign_due_at",
    "contact_due_at",
    "handle_due_at",
    "return_window_ends_at",
    "is_overdue",
]


def _assignments_changed(*unit_ids) -> None:
    """These units' visible cases changed: their cached list totals go stale once this
    transaction commits (`selectors.visible_case_count`)."""
    transaction.on_commit(lambda: selectors.case_counts_changed(unit_ids))


def _new_assignment(
    case: Case, unit: Unit, role: str, actor: User | None, at: dt.datetime
) -> Assignment:
    """Every assignment is made here: the unit sees one case more once this commits."""
    assignment = Assignment.objects.create(
        case=case, unit=unit, role=role, dispatched_at=at, dispatched_by=actor
    )
    _assignments_changed(unit.id)
    return assignment


def _assign_lead(case: Case, unit: Unit, actor: User | None, at: dt.datetime) -> Assignment:
    replaced = Assignment.objects.filter(
        case=case, role=Assignment.Role.LEAD, state=Assignment.State.ACTIVE
    )
    _assignments_changed(*replaced.values_list("unit_id", flat=True))
    replaced.update(state=Assignment.State.REPLACED)
    assignment = _new_assignment(case, unit, Assignment.Role.LEAD, actor, at)
    # Art. 11–12: a direct dispatch to a street/township is copied to its district government.
    if unit.is_street_level and unit.parent_id and unit.parent.kind == Unit.Kind.DISTRICT:
        already = Assignment.objects.filter(
            case=case,
            unit_id=unit.parent_id,
            role=Assignment.Role.COPY,
            state=Assignment.State.ACTIVE,
        ).exists()
        if not already:
            _new_assignment(case, unit.parent, Assignment.Role.COPY, actor, at)
    return assignment


def _recategorise(case: Case, category: Category | None) -> dict:
    """The dispatcher's correction of the intake category (locked case, before deadlines are
    computed, since a category may carry its own time limits). Returns event data."""
    if category is None or category.id == case.category_id:
        return {}
    if not category.is_leaf or not category.active:
        msg = _("Choose a category at the third level.")
        raise DomainValidationError(msg, extra={"fields": {"category": [msg]}})
    change = {"category": {"from": case.category_id, "to": category.id}}
    case.category = category
    return change


def case_dispatch(
    *,
    actor: User,
    case: Case,
    lead_unit: Unit,
    co_units: Sequence[Unit] = (),
    note: str = "",
    category: Category | None = None,
) -> Case:
    """Send a received case to its lead unit (+ co-units); deadlines start now. `category`
    corrects the intake category (recorded in the event; the router learns from it)."""
    note = _clean_text(note, field="note", max_length=2000, required=False)
    with transaction.atomic():
        case = _lock(case)
        _require(
            rules.can_dispatch_case, actor, case, _("Only the hotline centre dispatches cases.")
        )
        target = workflow.check("dispatch", case.status)
        change = _recategorise(case, category)
        _validate_lead_unit(case, lead_unit)
        at = _now()
        from_status = case.status
        case.status = target
        case.lead_unit = lead_unit
        case.dispatched_at = at
        _apply_deadlines(case, at)
        _save(case, ["status", "lead_unit", "dispatched_at", "category", *DEADLINE_FIELDS])
        _assign_lead(case, lead_unit, actor, at)
        for unit in co_units:
            if unit.id != lead_unit.id:
                _new_assignment(case, unit, Assignment.Role.CO, actor, at)
        _record(
            case,
            "dispatch",
            actor,
            from_status=from_status,
            to_status=target,
            note=note,
            data={"lead_unit": lead_unit.id, "co_units": [u.id for u in co_units], **change},
        )
    return case


def case_redispatch(
    *, actor: User, case: Case, lead_unit: Unit, note: str, category: Category | None = None
) -> Case:
    """A dispatcher moves a case to another lead unit (after a return, or a mistake), and may
    correct its category."""
    note = _clean_text(note, field="note", max_length=2000)
    with transaction.atomic():
        case = _lock(case)
        _require(rules.can_arbitrate, actor, case, _("Only a dispatcher re-dispatches cases."))
        _redispatch_locked(case, actor, lead_unit, note, action="redispatch", category=category)
    return case


def _redispatch_locked(
    case: Case,
    actor: User | None,
    lead_unit: Unit,
    note: str,
    *,
    action: str,
    category: Category | None = None,
) -> None:
    target = workflow.check("redispatch", case.status)
    change = _recategorise(case, category)
    _validate_lead_unit(case, lead_unit)
    if case.lead_unit_id == lead_unit.id:
        msg = _("The case is already with that unit.")
        raise DomainValidationError(msg, extra={"fields": {"lead_unit": [msg]}})
    at = _now()
    from_status = case.status
    old_unit = case.lead_unit
    case.status = target
    case.lead_unit = lead_unit
    case.dispatched_at = at
    case.signed_at = None
    _apply_deadlines(case, at)
    _save(case, ["status", "lead_unit", "dispatched_at", "signed_at", "category", *DEADLINE_FIELDS])
    _assign_lead(case, lead_unit, actor, at)
    _record(
        case,
        action,
        actor,
        from_status=from_status,
        to_status=target,
        note=note,
        data={
            "from_unit": old_unit.id if old_unit else None,
            "lead_unit": lead_unit.id,
            **change,
        },
    )


def co_unit_add(*, actor: User, case: Case, unit: Unit, note: str = "") -> Assignment:
    """Add a co-unit (协办): by the centre, or by the lead unit that coordinates (Art. 14)."""
    with transaction.atomic():
        case = _lock(case)
        if not (
            rules.can_dispatch_case.test(actor, case) or rules.can_handle_case.test(actor, case)
        ):
            raise NotAllowed(_("Only the centre or the lead unit adds co-units."))
        workflow.check("add_co_unit", case.status)
        if (
            unit.id == case.lead_unit_id
            or case.assignments.filter(unit=unit, state=Assignment.State.ACTIVE).exists()
        ):
            msg = _("That unit already works on this case.")
            raise DomainValidationError(msg, extra={"fields": {"unit": [msg]}})
        assignment = _new_assignment(case, unit, Assignment.Role.CO, actor, _now())
        _save(case, [])
        _record(
            case,
            "add_co_unit",
            actor,
            from_status=case.status,
            to_status=case.status,
            note=note,
            data={"unit": unit.id},
        )
    return assignment


def co_unit_report(*, actor: User, assignment: Assignment, note: str) -> Assignment:
    """A co-unit reports its result back to the lead within its own limit (Art. 14)."""
    note = _clean_text(note, field="note", max_length=5000)
    with transaction.atomic():
        case = _lock(assignment.case_id)
        assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if assignment.role != Assignment.Role.CO or assignment.state != Assignment.State.ACTIVE:
            raise DomainValidationError(_("Only an active co-unit reports a result."))
        if assignment.unit_id not in roles.unit_ids_of(actor, HANDLING_ROLES):
            raise NotAllowed(_("You are not a member of this co-unit."))
        assignment.result_note = note
        assignment.result_at = _now()
        assignment.state = Assignment.State.DONE
        assignment.save(update_fields=["result_note", "result_at", "state"])
        _save(case, [])
        _record(
            case,
            "co_unit_report",
            actor,
            from_status=case.status,
            to_status=case.status,
            note=note,
            data={"unit": assignment.unit_id},
        )
    return assignment


# --- handling -------------------------------------------------------------------------------


def case_sign(*, actor: User, case: Case) -> Case:
    """签收: the lead unit takes the case. A second click (or a racing return) gets a 409."""
    with transaction.atomic():
        case = _lock(case)
        _require(rules.can_handle_case, actor, case, _("Only the lead unit signs for this case."))
        target = workflow.check("sign", case.status)
        if case.return_requests.filter(state=RequestState.PENDING).exists():
            raise workflow.IllegalTransition(_("A return request is pending for this case."))
        at = _now()
        case.status = target
        case.signed_at = at
        _save(case, ["status", "signed_at"])
        Assignment.objects.filter(
            case=case, unit=case.lead_unit, role=Assignment.Role.LEAD, state=Assignment.State.ACTIVE
        ).update(signed_at=at, signed_by=actor)
        _record(case, "sign", actor, from_status=Status.DISPATCHED, to_status=target)
    return case


def case_contact(*, actor: User, case: Case, note: str = "") -> Case:
    """响应: the unit has contacted the resident."""
    note = _clean_text(note, field="note", max_length=2000, required=False)
    with transaction.atomic():
        case = _lock(case)
        _require(rules.can_handle_case, actor, case, _("Only the lead unit handles this case."))
        target = workflow.check("contact", case.status)
        from_status = case.status
        case.status = target
        case.contacted_at = _now()
        _save(case, ["status", "contacted_at"])
        _record(case, "contact", actor, from_status=from_status, to_status=target, note=note)
    return case


def case_reply(*, actor: User, case: Case, text: str, result: str) -> Reply:
    """办结答复: the unit answers the resident; the revisit window opens."""
    text = _clean_text(text, field="text", max_length=5000)
    if result not in Reply.Result.values:
        msg = _("Choose the result.")
        raise DomainValidationError(msg, extra={"fields": {"result": [msg]}})
    with transaction.atomic():
        case = _lock(case)
        _require(rules.can_handle_case, actor, case, _("Only the lead unit replies to this case."))
        target = workflow.check("reply", case.status)
        at = _now()
        reply = Reply.objects.create(
            case=case, unit=case.lead_unit, author=actor, created_at=at, text=text, result=result
        )
        policy = case.policy or deadlines.policy_for(case, at)
        from_status = case.status
        case.status = target
        case.replied_at = at
        case.revisit_due_at = deadlines.revisit_due(policy, at)
        _save(case, ["status", "replied_at", "revisit_due_at"])
        Revisit.objects.create(
            case=case,
            round=case.revisits.count() + 1,
            unit=case.lead_unit,
            due_at=case.revisit_due_at,
        )
        _record(
            case,
            "reply",
            actor,
            from_status=from_status,
            to_status=target,
            note=text,
            data={"result": result, "reply": reply.id},
        )
    return reply


# --- return (退单) ---------------------------------------------------------------------------


def return_request_create(
    *, actor: User, case: Case, reason: str, suggested_unit: Unit | None = None
) -> ReturnRequest:
    """The lead unit disputes competence, within the return window and with a reason.
    The case keeps its owner until a dispatcher decides (首接负责)."""
    reason = _clean_text(reason, field="reason", max_length=2000)
    with transaction.atomic():
        case = _lock(case)
        _require(
            rules.can_handle_case, actor, case, _("Only the lead unit may ask to return this case.")
        )
        workflow.check("request_return", case.status)
        if case.return_window_ends_at is not None and _now() > case.return_window_ends_at:
            raise ReturnWindowClosed(_("The return window for this case has closed."))
        if case.return_requests.filter(state=RequestState.PENDING).exists():
            raise workflow.IllegalTransition(_("A return request is already pending."))
        request = ReturnRequest.objects.create(
            case=case,
            unit=case.lead_unit,
            requested_by=actor,
            requested_at=_now(),
            reason=reason,
            suggested_unit=suggested_unit,
        )
        _save(case, [])
        _record(
            case,
            "request_return",
            actor,
            from_status=case.status,
            to_status=case.status,
            note=reason,
            data={"return_request": request.id},
        )
    return request


def return_request_decide(
    *,
    actor: User,
    return_request: ReturnRequest,
    accept: bool,
    new_unit: Unit | None = None,
    note: str = "",
) -> ReturnRequest:
    """Arbitration: accept (the case goes to `new_unit` at once — never ownerless) or reject."""
    note = _clean_text(note, field="note", max_length=2000, required=not accept)
    with transaction.atomic():
        case = _lock(return_request.case_id)
        _require(rules.can_arbitrate, actor, case, _("Only a dispatcher arbitrates returns."))
        request = ReturnRequest.objects.select_for_update().get(pk=return_request.pk)
        if request.state != RequestState.PENDING:
            raise workflow.IllegalTransition(_("This return request was already decided."))
        workflow.check("decide_return", case.status)
        request.decided_by = actor
        request.decided_at = _now()
        request.decision_note = note
        if accept:
            if new_unit is None:
                msg = _("Choose the unit that takes the case over.")
                raise DomainValidationError(msg, extra={"fields": {"new_unit": [msg]}})
            Assignment.objects.filter(
                case=case,
                unit=request.unit,
                role=Assignment.Role.LEAD,
                state=Assignment.State.ACTIVE,
            ).update(state=Assignment.State.RETURNED, returned_at=_now())
            _assignments_changed(request.unit_id)
            request.state = RequestState.ACCEPTED
            request.new_unit = new_unit
            request.save()
            case.return_count += 1
            _redispatch_locked(
                case, actor, new_unit, note or request.reason, action="return_accepted"
            )
            _save(case, ["return_count"])
        else:
            request.state = RequestState.REJECTED
            request.save()
            _save(case, [])
            _record(
                case,
                "return_rejected",
                actor,
                from_status=case.status,
                to_status=case.status,
                note=note,
                data={"return_request": request.id},
            )
    return request


# --- extension (延期) ------------------------------------------------------------------------


def extension_request_create(
    *, actor: User, case: Case, reason: str, extra_working_days: int, resident_informed: bool
) -> ExtensionRequest:
    """Ask for more time (Art. 13): only when truly needed, with the reason told to the resident."""
    reason = _clean_text(reason, field="reason", max_length=2000)
    if not isinstance(extra_working_days, int) or not 1 <= extra_working_days <= 60:
        msg = _("Between 1 and 60 working days.")
        raise DomainValidationError(msg, extra={"fields": {"extra_working_days": [msg]}})
    if not resident_informed:
        msg = _("Tell the resident the reason first (Art. 13).")
        raise DomainValidationError(msg, extra={"fields": {"resident_informed": [msg]}})
    with transaction.atomic():
        case = _lock(case)
        _require(
            rules.can_handle_case, actor, case, _("Only the lead unit may ask for an extension.")
        )
        workflow.check("request_extension", case.status)
        if case.extension_requests.filter(state=RequestState.PENDING).exists():
            raise workflow.IllegalTransition(_("An extension request is already pending."))
        request = ExtensionRequest.objects.create(
            case=case,
            unit=case.lead_unit,
            requested_by=actor,
            requested_at=_now(),
            reason=reason,
            extra_working_days=extra_working_days,
            resident_informed=resident_informed,
        )
        _save(case, [])
        _record(
            case,
            "request_extension",
            actor,
            from_status=case.status,
            to_status=case.status,
            note=reason,
            data={"extension_request": request.id, "days": extra_working_days},
        )
    return request


def extension_request_decide(
    *, actor: User, extension_request: ExtensionRequest, approve: bool, note: str = ""
) -> ExtensionRequest:
    """A dispatcher approves (the handling deadline moves) or denies (nothing moves)."""
    note = _clean_text(note, field="note", max_length=2000, required=not approve)
    with transaction.atomic():
        case = _lock(extension_request.case_id)
        _require(rules.can_arbitrate, actor, case, _("Only a dispatcher decides extensions."))
        request = ExtensionRequest.objects.select_for_update().get(pk=extension_request.pk)
        if request.state != RequestState.PENDING:
            raise workflow.IllegalTransition(_("This extension request was already decided."))
        workflow.check("decide_extension", case.status)
        request.decided_by = actor
        request.decided_at = _now()
        request.decision_note = note
        if approve:
            request.state = RequestState.ACCEPTED
            request.old_due_at = case.handle_due_at
            request.new_due_at = calendar.add_working_days(
                case.handle_due_at or _now(), request.extra_working_days
            )
            case.handle_due_at = request.new_due_at
            case.extension_count += 1
            # A newly extended deadline is no longer overdue.
            case.is_overdue = case.handle_due_at <= _now()
            _save(case, ["handle_due_at", "extension_count", "is_overdue"])
        else:
            request.state = RequestState.REJECTED
            _save(case, [])
        request.save()
        _record(
            case,
            "extension_approved" if approve else "extension_denied",
            actor,
            from_status=case.status,
            to_status=case.status,
            note=note,
            data={
                "extension_request": request.id,
                "new_due_at": request.new_due_at.isoformat() if request.new_due_at else None,
            },
        )
    return request


# --- revisit and reopen ---------------------------------------------------------------------


def _can_record_revisit(actor: User, case: Case) -> bool:
    return roles.is_centre_staff(actor) or rules.is_reporter.test(actor, case)


def revisit_record(
    *,
    actor: User | None,
    case: Case,
    contacted: bool,
    resolved: bool,
    satisfaction: str,
    method: str = Revisit.Method.ONLINE,
    comment: str = "",
    reopen: bool = False,
) -> Revisit:
    """回访 answered: by the centre on the phone, or by the resident online (with the access
    code, actor None after the view has checked it). Closes the case, or reopens it when the
    resident asks and the answer is unresolved or dissatisfied (up to the reopen limit)."""
    if satisfaction not in Revisit.Satisfaction.values:
        msg = _("Choose how satisfied you are.")
        raise DomainValidationError(msg, extra={"fields": {"satisfaction": [msg]}})
    if method not in Revisit.Method.values:
        raise DomainValidationError(
            _("Unknown method."), extra={"fields": {"method": [_("Unknown method.")]}}
        )
    comment = _clean_text(comment, field="comment", max_length=2000, required=False)
    with transaction.atomic():
        case = _lock(case)
        if actor is not None and not _can_record_revisit(actor, case):
            raise NotAllowed(_("Only the resident or the hotline centre answers the revisit."))
        workflow.check("revisit", case.status)
        revisit = case.revisits.select_for_update().filter(state=Revisit.State.PENDING).first()
        if revisit is None:
            raise workflow.IllegalTransition(_("No revisit is pending for this case."))
        at = _now()
        revisit.state = Revisit.State.ANSWERED
        revisit.contacted = bool(contacted)
        revisit.resolved = bool(resolved)
        revisit.satisfaction = satisfaction
        revisit.method = method
        revisit.comment = comment
        revisit.answered_at = at
        revisit.recorded_by = actor
        revisit.save()
        _record(
            case,
            "revisit",
            actor,
            from_status=case.status,
            to_status=case.status,
            note=comment,
            data={
                "contacted": bool(contacted),
                "resolved": bool(resolved),
                "satisfaction": satisfaction,
                "round": revisit.round,
            },
        )
        unhappy = (not resolved) or satisfaction == Revisit.Satisfaction.DISSATISFIED
        if reopen and unhappy:
            _reopen_locked(case, actor, comment or _("Resident not satisfied at revisit."))
        else:
            _close_locked(case, actor, Outcome.RESOLVED)
    return revisit


def _close_locked(case: Case, actor: User | None, outcome: str, note: str = "") -> None:
    from_status = case.status
    case.status = Status.CLOSED
    case.outcome = outcome
    case.closed_at = _now()
    _save(case, ["status", "outcome", "closed_at"])
    Assignment.objects.filter(case=case, state=Assignment.State.ACTIVE).update(
        state=Assignment.State.DONE
    )
    _record(
        case,
        "close",
        actor,
        from_status=from_status,
        to_status=Status.CLOSED,
        note=note,
        data={"outcome": outcome},
    )


def revisit_expire(*, case: Case) -> bool:
    """End an unanswered revisit as "not reached" once its window is over (never as satisfied).
    Idempotent: returns False when there is nothing (left) to expire."""
    with transaction.atomic():
        case = _lock(case)
        if (
            case.status != Status.REPLIED
            or case.revisit_due_at is None
            or case.revisit_due_at > _now()
        ):
            return False
        revisit = case.revisits.select_for_update().filter(state=Revisit.State.PENDING).first()
        if revisit is not None:
            revisit.state = Revisit.State.NOT_REACHED
            revisit.save(update_fields=["state"])
        _record(
            case,
            "revisit_expire",
            None,
            from_status=case.status,
            to_status=case.status,
            data={"round": revisit.round if revisit else None},
        )
        _close_locked(case, None, Outcome.NOT_REACHED)
    return True


def _reopen_locked(case: Case, actor: User | None, reason: str) -> None:
    policy = case.policy or deadlines.policy_for(case, _now())
    if case.reopen_count >= policy.reopen_limit:
        # At the limit a supervision order replaces another round (DESIGN §3.2a).
        _close_locked(case, actor, Outcome.REOPEN_LIMIT, note=reason)
        SupervisionOrder.objects.get_or_create(
            case=case,
            reason=SupervisionOrder.Reason.REOPEN_LIMIT,
            deadline="",
            unit=case.lead_unit,
            defaults={"opened_at": _now(), "note": reason},
        )
        return
    target = workflow.check("reopen", case.status)
    at = _now()
    from_status = case.status
    case.status = target
    case.reopen_count += 1
    case.dispatched_at = at
    case.signed_at = None
    case.contacted_at = None
    case.replied_at = None
    case.closed_at = None
    case.revisit_due_at = None
    case.outcome = ""
    _apply_deadlines(case, at)
    _save(
        case,
        [
            "status",
            "reopen_count",
            "dispatched_at",
            "signed_at",
            "contacted_at",
            "replied_at",
            "closed_at",
            "revisit_due_at",
            "outcome",
            *DEADLINE_FIELDS,
        ],
    )
    if not Assignment.objects.filter(
        case=case, role=Assignment.Role.LEAD, state=Assignment.State.ACTIVE
    ).exists():
        _assign_lead(case, case.lead_unit, actor, at)
    _record(
        case,
        "reopen",
        actor,
        from_status=from_status,
        to_status=target,
        note=reason,
        data={"reopen_count": case.reopen_count},
    )


def case_reopen(*, actor: User | None, case: Case, reason: str) -> Case:
    """Reopen a replied or closed case back to its lead unit (resident unsatisfied)."""
    reason = _clean_text(reason, field="reason", max_length=2000)
    with transaction.atomic():
        case = _lock(case)
        if actor is not None and not _can_record_revisit(actor, case):
            raise NotAllowed(_("Only the resident or the hotline centre reopens a case."))
        workflow.check("reopen", case.status)
        if case.outcome in NOT_DISPATCHED_OUTCOMES or case.lead_unit_id is None:
            raise workflow.IllegalTransition(
                _("A case closed at intake cannot be reopened; file a new one.")
            )
        # Reopened while its revisit is still pending: that round never took place (nobody
        # answered it); the next reply opens a new one. Left in place, the next reply's revisit
        # broke the one-pending-revisit rule (found by tests/security/test_properties.py).
        Revisit.objects.filter(case=case, state=Revisit.State.PENDING).delete()
        _reopen_locked(case, actor, reason)
    return case


def case_set_assessable(*, actor: User, case: Case, assessable: bool, reason: str = "") -> Case:
    """Exempt a case from scoring (e.g. an unreasonable demand), with a reason; or undo it."""
    reason = _clean_text(reason, field="reason", max_length=300, required=not assessable)
    with transaction.atomic():
        case = _lock(case)
        _require(
            rules.can_arbitrate, actor, case, _("Only a dispatcher exempts cases from assessment.")
        )
        case.assessable = assessable
        case.not_assessable_reason = "" if assessable else reason
        _save(case, ["assessable", "not_assessable_reason"])
        _record(
            case,
            "set_assessable",
            actor,
            from_status=case.status,
            to_status=case.status,
            note=reason,
            data={"assessable": assessable},
        )
    return case


def case_note_add(*, actor: User, case: Case, note: str) -> CaseEvent:
    """A working note on the case's trail (lead/co-unit or centre)."""
    note = _clean_text(note, field="note", max_length=2000)
    with transaction.atomic():
        case = _lock(case)
        if not (
            rules.can_dispatch_case.test(actor, case)
            or rules.is_member_of_assigned_unit.test(actor, case)
        ):
            raise NotAllowed(_("You are not working on this case."))
        _save(case, [])
        return _record(
            case, "note", actor, from_status=case.status, to_status=case.status, note=note
        )


__all__ = [
    "CaseCreated",
    "Role",
    "access_code_matches",
    "case_close_without_dispatch",
    "case_contact",
    "case_create",
    "case_dispatch",
    "case_note_add",
    "case_redispatch",
    "case_reopen",
    "case_reply",
    "case_set_assessable",
    "case_sign",
    "case_track_lookup",
    "co_unit_add",
    "co_unit_report",
    "extension_request_create",
    "extension_request_decide",
    "return_request_create",
    "return_request_decide",
    "revisit_expire",
    "revisit_record",
]


class _SafeDict(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def reply_template_render(*, template: ReplyTemplate, case: Case) -> str:
    values = _SafeDict(
        number=case.number,
        title=case.title,
        category=case.category.name,
        unit=case.lead_unit.name if case.lead_unit_id else "",
        date=timezone.localdate().isoformat(),
        resident=case.reporter_name[:1] + "先生/女士" if case.reporter_name else "市民",
    )
    return template.body.format_map(values)
