"""The deadline sweep: the database is the source of truth, the queue only carries work that can
be recomputed (DESIGN §6a). Run by Celery beat every minute and by `manage.py sweep_deadlines`.

Each step reads due rows from indexed columns in bounded batches, locks them with
`FOR UPDATE SKIP LOCKED` (PostgreSQL; SQLite serialises writers anyway), and records each effect
in DeadlineEffect — unique on (case, deadline, effect, due_at) — in the same transaction as the
notice it sends. A second or concurrent sweep finds the effect already there and does nothing,
so every warning, overdue mark and supervision order happens exactly once per deadline. A moved
deadline (approved extension, reopen) has a new due_at and is watched afresh.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civic import calendar, clock
from civic.models import Membership, Notification, Unit
from civic.notify.services import UnitNotice, notify_role, notify_unit, notify_units

from . import services
from .models import Case, CaseEvent, DeadlineEffect, Status, SupervisionOrder, TimeLimitPolicy

logger = logging.getLogger(__name__)
BATCH = 500
# A warning comes at 75 % of a limit; no default limit leaves more than a week for the last
# quarter, so cases due later than this cannot need a warning yet.
WARNING_HORIZON_DAYS = 7

# deadline name → (case field, statuses in which it is still owed, label)
DEADLINES = {
    "sign": ("sign_due_at", (Status.DISPATCHED,)),
    "contact": ("contact_due_at", (Status.DISPATCHED, Status.SIGNED)),
    "handle": ("handle_due_at", (Status.DISPATCHED, Status.SIGNED, Status.IN_PROGRESS)),
}
DEADLINE_LABELS = {"sign": "签收", "contact": "联系市民", "handle": "办结答复"}

_extra_steps: list[tuple[str, Callable[[dt.datetime], int]]] = []


def register_step(name: str, fn: Callable[[dt.datetime], int]) -> None:
    """Other features (e.g. whistle reports) add a step that takes `now` and returns a count."""
    if all(existing != name for existing, _fn in _extra_steps):
        _extra_steps.append((name, fn))


def _locked(qs):
    if connection.vendor == "postgresql":
        return qs.select_for_update(skip_locked=True, of=("self",))
    return qs


def _claim(case: Case, deadline: str, effect: str, due_at: dt.datetime) -> bool:
    """Record an effect once; False when it was already recorded (by us or a racing sweep)."""
    try:
        with transaction.atomic():
            DeadlineEffect.objects.create(
                case=case, deadline=deadline, effect=effect, due_at=due_at, at=clock.now()
            )
    except IntegrityError:
        return False
    return True


def _warn_at(case: Case, due: dt.datetime, ratio: float) -> dt.datetime | None:
    start = case.dispatched_at
    if start is None or due <= start:
        return None
    return start + (due - start) * ratio


def _event(case: Case, action: str, note: str, data: dict) -> None:
    CaseEvent.objects.create(
        case=case,
        at=clock.now(),
        action=action,
        from_status=case.status,
        to_status=case.status,
        note=note,
        data=data,
    )


# PostgreSQL: newly overdue cases are claimed (DeadlineEffect), flagged, recorded (CaseEvent) and
# put under supervision (SupervisionOrder) by one statement per chunk, without loading the rows
# into Python. `{field}` comes from DEADLINES only. The effect insert is the claim: a case whose
# effect already exists (another sweep won) gets no event and no order.
OVERDUE_CHUNK = 5000
OVERDUE_SQL = """
WITH due AS (
    SELECT c.id, c.number, c.status, c.lead_unit_id, c.{field} AS due_at
    FROM cases_case c
    WHERE c.status = ANY(%(statuses)s) AND c.{field} <= %(now)s AND c.dispatched_at IS NOT NULL
      AND c.merged_into_id IS NULL  -- merged cases (并案) keep time through their main case
      AND NOT EXISTS (
          SELECT 1 FROM cases_deadlineeffect e
          WHERE e.case_id = c.id AND e.deadline = %(deadline)s AND e.effect = 'overdue'
            AND e.due_at = c.{field}
          OFFSET 0)  -- keeps this a per-row probe of the unique index, whatever the statistics
    ORDER BY c.{field}, c.id
    LIMIT %(limit)s
    FOR UPDATE OF c SKIP LOCKED
), claimed AS (
    INSERT INTO cases_deadlineeffect (case_id, deadline, effect, due_at, at)
    SELECT id, %(deadline)s, 'overdue', due_at, %(at)s FROM due
    ON CONFLICT DO NOTHING
    RETURNING case_id
), fresh AS (
    SELECT due.* FROM due JOIN claimed ON claimed.case_id = due.id
), flagged AS (
    -- `= ANY(ARRAY(…))`: the ids are computed once and each row is found by its key. As a join,
    -- the CTE's row estimate (20x too high) made PostgreSQL hash the whole case table: 0.9 s of
    -- a 1.0 s statement at 1M cases.
    UPDATE cases_case c SET is_overdue = true
    WHERE c.id = ANY(ARRAY(SELECT id FROM fresh)) AND %(flag)s AND NOT c.is_overdue
), events AS (
    INSERT INTO cases_caseevent (case_id, at, action, from_status, to_status, note, data)
    SELECT id, %(at)s, 'overdue', status, status, '',
           jsonb_build_object(
               'deadline', %(deadline)s,
               'due_at', to_char(due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'))
    FROM fresh
), orders AS (
    INSERT INTO cases_supervisionorder (case_id, reason, deadline, unit_id, opened_at, note)
    SELECT id, 'overdue', %(deadline)s, lead_unit_id, %(at)s, '' FROM fresh
    WHERE lead_unit_id IS NOT NULL
    ON CONFLICT DO NOTHING
)
SELECT due.id, due.number, due.lead_unit_id, due.due_at, claimed.case_id IS NOT NULL
FROM due LEFT JOIN claimed ON claimed.case_id = due.id
ORDER BY due.due_at, due.id
"""


def _overdue_set_based(
    deadline: str, field: str, statuses: tuple, now: dt.datetime, counts: Counter
) -> None:
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            # A short statement: compiling it (JIT) would cost more than running it.
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(
                OVERDUE_SQL.format(field=field),
                {
                    "statuses": list(statuses),
                    "now": now,
                    "deadline": deadline,
                    "limit": OVERDUE_CHUNK,
                    "at": clock.now(),
                    "flag": deadline == "handle",
                },
            )
            rows = cursor.fetchall()
            fresh = [row[:4] for row in rows if row[4]]
            _announce_overdue(fresh, deadline)
        if fresh:
            counts[f"{deadline}_overdue"] += len(fresh)
        if len(rows) < OVERDUE_CHUNK:
            return


def step_warn_and_overdue(now: dt.datetime) -> Counter:
    """预警 at the policy's ratio of each limit; overdue at the deadline; 督办 for the centre."""
    counts: Counter = Counter()
    default_ratio = float(getattr(settings, "DEADLINE_WARNING_RATIO", 0.75))
    set_based = connection.vendor == "postgresql"
    for deadline, (field, statuses) in DEADLINES.items():
        if set_based:
            _overdue_set_based(deadline, field, statuses, now, counts)
        last_id, last_due = 0, None
        while True:
            with transaction.atomic():
                # Cases whose deadline is due, or close enough that a warning may be due, and
                # which lack that effect. The partial index on open cases by due time keeps this
                # cheap with millions of open cases; the effect lookups use its unique index.
                horizon = now + dt.timedelta(days=WARNING_HORIZON_DAYS)
                effect = DeadlineEffect.objects.filter(
                    case=OuterRef("pk"), deadline=deadline, due_at=OuterRef(field)
                )
                # Keyset on (due time, id): walks the partial index on due time instead of the
                # whole table, so a sweep with little to do stays cheap at a million open cases.
                after = Q()
                if last_due is not None:
                    after = Q(**{f"{field}__gt": last_due}) | Q(
                        **{field: last_due, "id__gt": last_id}
                    )
                batch = list(
                    _locked(
                        Case.objects.filter(
                            after,
                            status__in=statuses,
                            **{f"{field}__isnull": False, f"{field}__lte": horizon},
                        )
                        .exclude(dispatched_at__isnull=True)
                        # Merged cases (并案) follow their main case's deadlines.
                        .filter(merged_into__isnull=True)
                        .annotate(
                            has_overdue=Exists(effect.filter(effect="overdue")),
                            has_warning=Exists(effect.filter(effect="warning")),
                        )
                        .filter(
                            Q(**{f"{field}__gt": now}, has_warning=False)
                            if set_based
                            else Q(**{f"{field}__lte": now}, has_overdue=False)
                            | Q(**{f"{field}__gt": now}, has_warning=False)
                        )
                        .select_related("policy", "lead_unit", "region")
                        .order_by(field, "id")
                    )[:BATCH]
                )
                if not batch:
                    break
                last_id, last_due = batch[-1].id, getattr(batch[-1], field)
                # Overdue cases are handled set-based: these rows are locked by this transaction
                # (SKIP LOCKED), so no other sweep can claim them meanwhile.
                due_now = [case for case in batch if getattr(case, field) <= now]
                _bulk_overdue(due_now, deadline, field, counts)
                for case in batch:
                    due = getattr(case, field)
                    ratio = float(case.policy.warning_ratio) if case.policy_id else default_ratio
                    warn_at = _warn_at(case, due, ratio)
                    if due <= now:
                        continue
                    elif (
                        warn_at is not None
                        and warn_at <= now
                        and _claim(case, deadline, "warning", due)
                    ):
                        counts[f"{deadline}_warning"] += 1
                        _event(
                            case,
                            "deadline_warning",
                            "",
                            {"deadline": deadline, "due_at": due.isoformat()},
                        )
                        if case.lead_unit_id:
                            notify_unit(
                                unit=case.lead_unit,
                                kind="deadline_warning",
                                title=_("Case %(number)s: %(what)s due %(due)s")
                                % {
                                    "number": case.number,
                                    "what": DEADLINE_LABELS[deadline],
                                    "due": timezone.localtime(due).strftime("%m-%d %H:%M"),
                                },
                                url=f"/inbox/{case.number}/",
                                dedupe_key=f"warn:{case.pk}:{deadline}:{due.isoformat()}",
                            )
            if len(batch) < BATCH:
                break
    return counts


def _bulk_overdue(cases: list[Case], deadline: str, field: str, counts: Counter) -> None:
    """Flag, record and announce a batch of newly overdue cases with a handful of statements:
    effects, events and supervision orders in bulk; one digest notice per unit and one for the
    dispatchers, instead of one per case."""
    if not cases:
        return
    at = clock.now()
    DeadlineEffect.objects.bulk_create(
        [
            DeadlineEffect(
                case_id=c.id, deadline=deadline, effect="overdue", due_at=getattr(c, field), at=at
            )
            for c in cases
        ],
        ignore_conflicts=True,
    )
    ids = [c.id for c in cases]
    if deadline == "handle":
        Case.objects.filter(id__in=ids, is_overdue=False).update(is_overdue=True)
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                case_id=c.id,
                at=at,
                action="overdue",
                from_status=c.status,
                to_status=c.status,
                data={"deadline": deadline, "due_at": getattr(c, field).isoformat()},
            )
            for c in cases
        ]
    )
    SupervisionOrder.objects.bulk_create(
        [
            SupervisionOrder(
                case_id=c.id,
                reason=SupervisionOrder.Reason.OVERDUE,
                deadline=deadline,
                unit_id=c.lead_unit_id,
                opened_at=at,
            )
            for c in cases
            if c.lead_unit_id
        ],
        ignore_conflicts=True,
    )
    counts[f"{deadline}_overdue"] += len(cases)
    _announce_overdue(
        [(c.id, c.number, c.lead_unit_id, getattr(c, field)) for c in cases], deadline
    )


def _announce_overdue(rows: list[tuple[int, str, int | None, dt.datetime]], deadline: str) -> None:
    """One digest notice per lead unit and one for the dispatchers, in the batch's transaction.

    rows: (case id, number, lead unit id, due at), in due order."""
    if not rows:
        return
    what = DEADLINE_LABELS[deadline]
    by_unit: dict[int, list[tuple]] = {}
    for row in rows:
        if row[2]:
            by_unit.setdefault(row[2], []).append(row)
    notify_units(
        kind="overdue",
        notices=[
            UnitNotice(
                unit_id=unit_id,
                title=_digest_title([r[1] for r in unit_rows], what),
                body="\n".join(r[1] for r in unit_rows),
                url=f"/inbox/{unit_rows[0][1]}/" if len(unit_rows) == 1 else "/inbox/",
                dedupe_key=(
                    f"overdue:{deadline}:{unit_id}:{unit_rows[0][0]}:{unit_rows[-1][0]}:"
                    f"{unit_rows[0][3].isoformat()}"
                ),
            )
            for unit_id, unit_rows in by_unit.items()
        ],
    )
    notify_role(
        role=Membership.Role.DISPATCHER,
        kind="overdue",
        title=_digest_title([r[1] for r in rows], what),
        body="\n".join(r[1] for r in rows),
        url=f"/dispatch/case/{rows[0][1]}/" if len(rows) == 1 else "/dispatch/?tab=overdue",
        dedupe_key=f"overdue:{deadline}:centre:{rows[0][0]}:{rows[-1][0]}:{rows[0][3].isoformat()}",
    )


def _digest_title(numbers: list[str], what: str) -> str:
    if len(numbers) == 1:
        return _("Overdue: case %(number)s (%(what)s)") % {"number": numbers[0], "what": what}
    return _("Overdue: %(count)d cases (%(what)s)") % {"count": len(numbers), "what": what}


def step_escalate(now: dt.datetime) -> Counter:
    """督办 → district: a case long past its handling deadline goes up (Art. 20)."""
    counts: Counter = Counter()
    # N working days are at least N calendar days: cases due more recently cannot be ripe yet,
    # so they are not even read (keeps the sweep cheap while many cases are freshly overdue).
    min_days = min(TimeLimitPolicy.objects.values_list("escalate_after_days", flat=True), default=3)
    latest_due = now - dt.timedelta(days=min_days)
    escalated = DeadlineEffect.objects.filter(
        case=OuterRef("pk"), deadline="handle", effect="escalated", due_at=OuterRef("handle_due_at")
    )
    last_id, last_due = 0, None
    while True:
        with transaction.atomic():
            after = Q()
            if last_due is not None:
                after = Q(handle_due_at__gt=last_due) | Q(handle_due_at=last_due, id__gt=last_id)
            # `is_overdue` is checked below, not here: with it in the query, PostgreSQL
            # estimated one matching row, expected to read the whole open-case index to find
            # it, and scanned every case instead (1.1 s at 1M with nothing to escalate). An
            # open case this far past its deadline is overdue anyway.
            batch = list(
                _locked(
                    Case.objects.filter(
                        after,
                        status__in=DEADLINES["handle"][1],
                        handle_due_at__lte=latest_due,
                        merged_into__isnull=True,  # 并案: escalated through the main case
                    )
                    .exclude(Exists(escalated))
                    .select_related("policy", "lead_unit", "region__parent__parent")
                    .order_by("handle_due_at", "id")
                )[:BATCH]
            )
            if not batch:
                break
            last_id, last_due = batch[-1].id, batch[-1].handle_due_at
            for case in batch:
                if not case.is_overdue:
                    continue
                days = case.policy.escalate_after_days if case.policy_id else 3
                if calendar.add_working_days(case.handle_due_at, days) > now:
                    continue
                if not _claim(case, "handle", "escalated", case.handle_due_at):
                    continue
                counts["escalated"] += 1
                district = case.region.district
                district_unit = (
                    Unit.objects.filter(kind=Unit.Kind.DISTRICT, jurisdiction=district).first()
                    if district
                    else None
                )
                SupervisionOrder.objects.get_or_create(
                    case=case,
                    reason=SupervisionOrder.Reason.ESCALATED,
                    deadline="handle",
                    unit=case.lead_unit,
                    defaults={
                        "opened_at": clock.now(),
                        "note": district_unit.name if district_unit else "",
                    },
                )
                _event(
                    case,
                    "escalated",
                    "",
                    {"district_unit": district_unit.id if district_unit else None},
                )
                title = _(
                    "Escalated: case %(number)s is %(days)d working days past its deadline"
                ) % {"number": case.number, "days": days}
                key = f"escalated:{case.pk}:{case.handle_due_at.isoformat()}"
                if district_unit is not None:
                    notify_unit(
                        unit=district_unit,
                        roles=[r.value for r in Membership.Role],
                        kind="escalated",
                        title=title,
                        dedupe_key=key,
                    )
                notify_role(
                    role=Membership.Role.DISPATCHER,
                    kind="escalated",
                    title=title,
                    url=f"/dispatch/case/{case.number}/",
                    dedupe_key=key,
                )
        if len(batch) < BATCH:
            break
    return counts


def step_expire_revisits(now: dt.datetime) -> Counter:
    """Unanswered revisits end as "not reached" when their window closes (never as satisfied)."""
    counts: Counter = Counter()
    ids = list(
        Case.objects.filter(status=Status.REPLIED, revisit_due_at__lte=now)
        .order_by("revisit_due_at")
        .values_list("id", flat=True)[: BATCH * 10]
    )
    for case_id in ids:
        if services.revisit_expire(case=case_id):
            counts["revisit_not_reached"] += 1
    return counts


def step_redrive_notifications(now: dt.datetime) -> Counter:
    """Email copies still pending after a few minutes (broker down, worker lost) are queued again."""
    from civic.tasks import deliver_notification

    counts: Counter = Counter()
    stale = Notification.objects.filter(
        Q(email_state=Notification.Delivery.PENDING) | Q(sms_state=Notification.Delivery.PENDING),
        created_at__lte=now - dt.timedelta(minutes=5),
        attempts__lt=5,
    ).values_list("id", flat=True)[:BATCH]
    for pk in stale:
        try:
            deliver_notification.delay(pk)
            counts["notifications_requeued"] += 1
        except Exception:
            break
    return counts


def sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """One full sweep. Safe to run twice or concurrently: every effect is claimed once. Its
    notices and events speak the site's language, whatever the calling thread last served."""
    now = now or clock.now()
    counts: Counter = Counter()
    with translation.override(settings.LANGUAGE_CODE):
        for step in (step_warn_and_overdue, step_escalate, step_expire_revisits):
            counts.update(step(now))
        for name, fn in _extra_steps:
            try:
                counts[name] += fn(now) or 0
            except Exception:  # one broken step must not stop deadline enforcement
                logger.exception("sweep step %s failed", name)
        counts.update(step_redrive_notifications(now))
    return dict(counts)
