"""Writes for themes (每月一题) and proactive suggestions (未诉先办). See docs/themes.md.

Every function takes `actor=`, checks the permission, runs in one transaction and writes its
ThemeEvent audit row itself. Status changes are conditional updates, so two concurrent callers
cannot both win (DESIGN §6a).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F
from django.utils.translation import gettext as _

from assessment.services import month_bounds
from cases import services as case_services
from cases.models import Case, Channel, Kind
from cases.selectors import route_proposal
from civic import clock, roles
from civic.memo import Memo
from civic.models import Category, Region, Unit, User

from . import hot_topics, permissions
from .errors import ConflictError, DomainValidationError, PermissionDeniedError
from .models import Milestone, ProactiveSuggestion, Theme, ThemeCase, ThemeEvent

MAX_LINK_SCAN = 5000


# --- helpers -------------------------------------------------------------------------------


def _field_error(field: str, message: str) -> DomainValidationError:
    return DomainValidationError(message, extra={"fields": {field: [message]}})


def _clean(value, *, field: str, max_length: int, required: bool = True) -> str:
    value = str(value or "").replace("\x00", "").strip()
    if required and not value:
        raise _field_error(field, _("This field is required."))
    if len(value) > max_length:
        raise _field_error(field, _("At most %(n)d characters.") % {"n": max_length})
    return value


def _record(
    *,
    actor: User | None,
    action: str,
    theme: Theme | None = None,
    suggestion: ProactiveSuggestion | None = None,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    data: dict | None = None,
) -> ThemeEvent:
    if theme is not None:
        # Any change to a theme may change which new cases it takes: forget the cached list
        # now (this process) and again at commit (a reader may have cached the old one since).
        forget_active_themes()
        transaction.on_commit(forget_active_themes)
    return ThemeEvent.objects.create(
        theme=theme,
        suggestion=suggestion,
        at=clock.now(),
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data or {},
    )


def _require_manager(actor) -> None:
    if not permissions.can_manage_themes(actor):
        raise PermissionDeniedError(_("Only the hotline centre's dispatchers manage themes."))


def _check_unit(unit: Unit | None, field: str) -> Unit:
    if unit is None:
        raise _field_error(field, _("This field is required."))
    if not unit.active or unit.kind == Unit.Kind.CENTRE:
        raise _field_error(field, _("Choose an active handling unit."))
    return unit


@dataclass(frozen=True)
class MilestoneInput:
    title: str
    due_date: dt.date


def _clean_milestones(milestones: Iterable) -> list[MilestoneInput]:
    out = []
    for item in milestones:
        title, due = (item.title, item.due_date) if isinstance(item, MilestoneInput) else item
        title = _clean(title, field="milestones", max_length=200)
        if not isinstance(due, dt.date):
            raise _field_error("milestones", _("Give every milestone a due date."))
        out.append(MilestoneInput(title, due))
    if len(out) > 20:
        raise _field_error("milestones", _("At most 20 milestones."))
    return out


# --- themes --------------------------------------------------------------------------------


def theme_create(
    *,
    actor: User,
    title: str,
    month,
    lead_unit: Unit | None,
    description: str = "",
    goals: str = "",
    region: Region | None = None,
    category: Category | None = None,
    keywords: str = "",
    co_units: Sequence[Unit] = (),
    milestones: Iterable = (),
    case_ids: Sequence[int] = (),
    source: dict | None = None,
    activate: bool = True,
) -> Theme:
    """Create a theme (active at once unless `activate` is False) and link `case_ids` to it.

    Raises PermissionDeniedError unless the actor is a dispatcher; DomainValidationError with
    field messages for bad input (nothing is written then)."""
    _require_manager(actor)
    title = _clean(title, field="title", max_length=200)
    description = _clean(description, field="description", max_length=5000, required=False)
    goals = _clean(goals, field="goals", max_length=5000, required=False)
    keywords = " ".join(_clean(keywords, field="keywords", max_length=300, required=False).split())
    month = hot_topics.parse_month_bounded(month)
    lead_unit = _check_unit(lead_unit, "lead_unit")
    co_units = [_check_unit(u, "co_units") for u in co_units if u.pk != lead_unit.pk]
    items = _clean_milestones(milestones)
    now = clock.now()
    status = Theme.Status.ACTIVE if activate else Theme.Status.DRAFT
    with transaction.atomic():
        theme = Theme.objects.create(
            title=title,
            description=description,
            goals=goals,
            month=month,
            region=region,
            category=category,
            keywords=keywords,
            lead_unit=lead_unit,
            status=status,
            source=source or {},
            created_by=actor,
            created_at=now,
            activated_at=now if activate else None,
        )
        theme.co_units.set(co_units)
        Milestone.objects.bulk_create(
            [Milestone(theme=theme, title=m.title, due_date=m.due_date) for m in items]
        )
        ThemeCase.objects.bulk_create(
            [
                ThemeCase(theme=theme, case_id=pk, how=ThemeCase.How.PROMOTION, linked_at=now)
                for pk in dict.fromkeys(case_ids)
            ],
            ignore_conflicts=True,
        )
        _record(
            actor=actor,
            action="promote" if source else "create",
            theme=theme,
            to_status=status,
            data={"cases": len(case_ids), "source": source or {}},
        )
    return theme


def theme_promote(
    *,
    actor: User,
    month,
    topic: str,
    lead_unit: Unit | None,
    region: Region | None = None,
    title: str = "",
    **fields,
) -> Theme:
    """Promote a hot topic of the month (its key: the centre case's number) to a theme.

    The analysis is recomputed (it is deterministic), so the linked cases are exactly the
    group's; the theme takes the group's category and top keywords to match future cases."""
    _require_manager(actor)
    analysis = hot_topics.analyse(month, region)
    found = analysis.topic(str(topic or ""))
    if found is None:
        raise _field_error("topic", _("No such hot topic in that month and region."))
    category = Category.objects.filter(pk=found.category_id).first()
    fields.setdefault("keywords", " ".join(found.suggested_keywords))
    return theme_create(
        actor=actor,
        title=title or found.suggested_title,
        month=analysis.month,
        region=region,
        category=category,
        lead_unit=lead_unit,
        case_ids=found.case_ids,
        source={
            "month": f"{analysis.month:%Y-%m}",
            "region": region.pk if region else None,
            "topic": found.key,
            "count": found.count,
            "previous": found.previous,
            "spread": found.spread,
            "keywords": found.keywords,
        },
        **fields,
    )


EDITABLE = ("title", "description", "goals", "keywords", "lead_unit", "region", "category")


def theme_update(
    *, actor: User, theme: Theme, version: int | None = None, co_units=None, **changes
) -> Theme:
    """Edit a theme that is not closed. `version` (optimistic locking): a stale form gets 409."""
    _require_manager(actor)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise DomainValidationError(_("Unknown fields."), extra={"fields": sorted(unknown)})
    if "title" in changes:
        changes["title"] = _clean(changes["title"], field="title", max_length=200)
    for name in ("description", "goals"):
        if name in changes:
            changes[name] = _clean(changes[name], field=name, max_length=5000, required=False)
    if "keywords" in changes:
        changes["keywords"] = " ".join(
            _clean(changes["keywords"], field="keywords", max_length=300, required=False).split()
        )
    if "lead_unit" in changes:
        _check_unit(changes["lead_unit"], "lead_unit")
    if co_units is not None:
        co_units = [_check_unit(u, "co_units") for u in co_units]
    with transaction.atomic():
        locked = Theme.objects.select_for_update().get(pk=theme.pk)
        if locked.status == Theme.Status.CLOSED:
            raise ConflictError(_("A closed theme cannot be edited."))
        if version is not None and version != locked.version:
            raise ConflictError(_("Someone else changed this theme; reload and try again."))
        changed = {}
        for name, value in changes.items():
            old = getattr(locked, name)
            if old != value:
                changed[name] = str(value)[:200] if value is not None else None
                setattr(locked, name, value)
        if co_units is not None:
            lead = changes.get("lead_unit", locked.lead_unit)
            wanted = {u.pk for u in co_units if u.pk != lead.pk}
            if wanted != set(locked.co_units.values_list("pk", flat=True)):
                locked.co_units.set(wanted)
                changed["co_units"] = sorted(wanted)
        locked.version = F("version") + 1
        locked.save()
        locked.refresh_from_db()
        _record(
            actor=actor,
            action="edit",
            theme=locked,
            from_status=locked.status,
            to_status=locked.status,
            data={"changed": changed},
        )
    return locked


def _transition(theme: Theme, frm: str, to: str, **values) -> None:
    """Conditional update: exactly one caller moves the theme out of `frm`."""
    updated = Theme.objects.filter(pk=theme.pk, status=frm).update(
        status=to, version=F("version") + 1, **values
    )
    if updated != 1:
        raise ConflictError(_("The theme is not in a state that allows this."))


def theme_activate(*, actor: User, theme: Theme) -> Theme:
    _require_manager(actor)
    with transaction.atomic():
        _transition(theme, Theme.Status.DRAFT, Theme.Status.ACTIVE, activated_at=clock.now())
        _record(
            actor=actor,
            action="activate",
            theme=theme,
            from_status=Theme.Status.DRAFT,
            to_status=Theme.Status.ACTIVE,
        )
    theme.refresh_from_db()
    return theme


def theme_close(*, actor: User, theme: Theme, summary: str) -> Theme:
    """Close an active theme with a summary of what was achieved (required)."""
    _require_manager(actor)
    summary = _clean(summary, field="summary", max_length=5000)
    with transaction.atomic():
        _transition(
            theme, Theme.Status.ACTIVE, Theme.Status.CLOSED, closed_at=clock.now(), summary=summary
        )
        _record(
            actor=actor,
            action="close",
            theme=theme,
            from_status=Theme.Status.ACTIVE,
            to_status=Theme.Status.CLOSED,
            note=summary,
        )
    theme.refresh_from_db()
    return theme


def milestone_add(*, actor: User, theme: Theme, title: str, due_date) -> Milestone:
    _require_manager(actor)
    (item,) = _clean_milestones([(title, due_date)])
    with transaction.atomic():
        if Theme.objects.filter(pk=theme.pk, status=Theme.Status.CLOSED).exists():
            raise ConflictError(_("The theme is closed."))
        milestone = Milestone.objects.create(theme=theme, title=item.title, due_date=item.due_date)
        _record(
            actor=actor,
            action="milestone_add",
            theme=theme,
            note=item.title,
            data={"milestone": milestone.pk, "due_date": item.due_date.isoformat()},
        )
    return milestone


def milestone_done(*, actor: User, milestone: Milestone, note: str = "") -> Milestone:
    """Mark a milestone done: the lead or a co-unit's handlers, or a dispatcher.

    Raises PermissionDeniedError for anyone else, ConflictError when it is already done or the
    theme is not active."""
    theme = milestone.theme
    if not permissions.can_mark_milestone(actor, theme):
        raise PermissionDeniedError(_("Only the theme's units mark its milestones done."))
    note = _clean(note, field="note", max_length=500, required=False)
    with transaction.atomic():
        if not Theme.objects.filter(pk=theme.pk, status=Theme.Status.ACTIVE).exists():
            raise ConflictError(_("Milestones are marked done only while the theme is active."))
        updated = Milestone.objects.filter(pk=milestone.pk, done_at__isnull=True).update(
            done_at=clock.now(), done_by=actor, note=note
        )
        if updated != 1:
            raise ConflictError(_("This milestone is already done."))
        _record(
            actor=actor,
            action="milestone_done",
            theme=theme,
            note=note,
            data={"milestone": milestone.pk, "title": milestone.title},
        )
    milestone.refresh_from_db()
    return milestone


# --- linking cases to themes ---------------------------------------------------------------


def theme_matches(theme: Theme, *, category: Category | None, region: Region | None, text: str):
    """Does a case belong to the theme? Region inside the theme's region (if any), category
    inside the theme's category (if any), and the keywords: one is enough when the category
    matches, otherwise two (or all, when fewer are set)."""
    if theme.region_id and (region is None or not region.path.startswith(theme.region.path)):
        return False
    if theme.category_id and (
        category is None or not category.path.startswith(theme.category.path)
    ):
        return False
    keywords = theme.keyword_list
    if not keywords:
        return theme.category_id is not None
    hits = sum(1 for k in keywords if k in text)
    return hits >= (1 if theme.category_id else min(2, len(keywords)))


def _active_themes():
    return Theme.objects.filter(status=Theme.Status.ACTIVE).select_related("region", "category")


ACTIVE_THEMES_SECONDS = 60
_active = Memo(ACTIVE_THEMES_SECONDS)  # one entry: None -> the list


def active_themes() -> list[Theme]:
    """The active themes, kept for a minute in this process: every intake asks, themes change
    rarely. A change clears this process's copy at once; other processes follow within the
    minute, and the daily catch-up (theme_link_matching) links whatever a stale copy missed.
    The instances are shared between requests: read them, never change them."""
    return _active.get(None, _read_active_themes)


def _read_active_themes() -> list[Theme]:
    with transaction.atomic():  # a savepoint: a failed read never breaks the intake
        return list(_active_themes())


def forget_active_themes() -> None:
    _active.clear()


def theme_link_new_case(*, case: Case) -> list[int]:
    """Link a new case to every active theme it matches (idempotent). Called on case creation
    (themes.receivers) inside the creating transaction, or just after it committed (see
    cases/signals.py); returns the theme ids. Costs nothing in the database unless a theme
    matches (the themes are cached)."""
    if case.channel == Channel.PROACTIVE:
        return []
    themes = active_themes()
    if not themes:
        return []
    text = f"{case.title} {case.description}"
    matched = [
        t.pk
        for t in themes
        if theme_matches(t, category=case.category, region=case.region, text=text)
    ]
    if matched:
        now = clock.now()
        with transaction.atomic():  # a savepoint: a failed link never breaks the intake
            ThemeCase.objects.bulk_create(
                [
                    ThemeCase(theme_id=pk, case=case, how=ThemeCase.How.AUTO, linked_at=now)
                    for pk in matched
                ],
                ignore_conflicts=True,
            )
    return matched


def theme_link_matching(*, theme: Theme, limit: int = MAX_LINK_SCAN) -> int:
    """Catch-up for cases created without the signal (bulk import): scan the newest `limit`
    cases received since the theme became active and link the matching ones. Idempotent."""
    if theme.status != Theme.Status.ACTIVE or theme.activated_at is None:
        return 0
    qs = Case.objects.filter(received_at__gte=theme.activated_at).exclude(channel=Channel.PROACTIVE)
    if theme.region_id:
        qs = qs.filter(region__path__startswith=theme.region.path)
    if theme.category_id:
        qs = qs.filter(category__path__startswith=theme.category.path)
    qs = qs.exclude(theme_links__theme=theme).select_related("category", "region")
    now = clock.now()
    links = [
        ThemeCase(theme=theme, case=c, how=ThemeCase.How.AUTO, linked_at=now)
        for c in qs.order_by("-received_at")[:limit]
        if theme_matches(
            theme, category=c.category, region=c.region, text=f"{c.title} {c.description}"
        )
    ]
    ThemeCase.objects.bulk_create(links, ignore_conflicts=True)
    return len(links)


# --- proactive suggestions (未诉先办) --------------------------------------------------------


def _roll_up(region_ids: Iterable[int]) -> dict[int, Region]:
    """Map each case region to its street/township (depth 2 in Region.path), or itself."""
    regions = Region.objects.filter(pk__in=set(region_ids)).only("pk", "path", "code")
    codes = {}
    for r in regions:
        parts = [p for p in r.path.split("/") if p]
        codes[r.pk] = parts[2] if len(parts) > 2 else parts[-1]
    by_code = {r.code: r for r in Region.objects.filter(code__in=set(codes.values()))}
    return {pk: by_code[code] for pk, code in codes.items() if code in by_code}


def _counts(start: dt.datetime, end: dt.datetime) -> list[dict]:
    """Cases per (category, region) in [start, end), aggregated in the database."""
    return list(
        Case.objects.filter(received_at__gte=start, received_at__lt=end)
        .exclude(channel=Channel.PROACTIVE)
        .exclude(kind__in=[Kind.PRAISE, Kind.CONSULTATION])
        .values("category_id", "region_id")
        .annotate(n=Count("id"))
    )


def suggestions_generate(
    *, month, as_of: dt.datetime | None = None, actor: User | None = None
) -> list[ProactiveSuggestion]:
    """Open proactive suggestions for `month` (未诉先办): per category and street, from

    - seasonal history: cases in the same calendar month of the previous PROACTIVE_YEARS years
      (average at least PROACTIVE_MIN_SEASONAL), and
    - the current trend: the 30 days before `as_of` (default: the month's start, or now when
      earlier) against the 30 days before those (at least PROACTIVE_MIN_RECENT and growing by
      PROACTIVE_MIN_GROWTH).

    At most PROACTIVE_MAX_PER_MONTH, highest score first. Idempotent: one row per month,
    category and region (a database constraint); existing rows are never touched. Returns the
    rows created by this call."""
    month = hot_topics.parse_month_bounded(month)
    start, _end = month_bounds(month)
    as_of = min(as_of or clock.now(), start)
    years = settings.PROACTIVE_YEARS
    seasonal: dict[tuple[int, int], dict[int, int]] = {}
    for back in range(1, years + 1):
        past = month.replace(year=month.year - back)
        for row in _counts(*month_bounds(past)):
            key = (row["category_id"], row["region_id"])
            seasonal.setdefault(key, {})[past.year] = row["n"]
    recent = {
        (r["category_id"], r["region_id"]): r["n"]
        for r in _counts(as_of - dt.timedelta(days=30), as_of)
    }
    before = {
        (r["category_id"], r["region_id"]): r["n"]
        for r in _counts(as_of - dt.timedelta(days=60), as_of - dt.timedelta(days=30))
    }
    streets = _roll_up(k[1] for k in [*seasonal, *recent, *before])
    # Roll communities up to their street: the unit that acts is the street or a department.
    rolled: dict[tuple[int, int], dict] = {}
    for source, name in ((seasonal, "seasonal"), (recent, "recent"), (before, "before")):
        for (cat, reg), value in source.items():
            street = streets.get(reg)
            if street is None:
                continue
            entry = rolled.setdefault(
                (cat, street.pk), {"seasonal": {}, "recent": 0, "before": 0, "region": street}
            )
            if name == "seasonal":
                for year, n in value.items():
                    entry["seasonal"][year] = entry["seasonal"].get(year, 0) + n
            else:
                entry[name] += value
    candidates = []
    for (cat, reg), e in rolled.items():
        average = sum(e["seasonal"].values()) / years
        is_seasonal = average >= settings.PROACTIVE_MIN_SEASONAL
        is_trending = e["recent"] >= settings.PROACTIVE_MIN_RECENT and e["recent"] >= (
            settings.PROACTIVE_MIN_GROWTH * max(e["before"], 1)
        )
        if not (is_seasonal or is_trending):
            continue
        score = average + max(e["recent"] - e["before"], 0)
        figures = {
            "seasonal": {
                str(y): e["seasonal"].get(y, 0)
                for y in sorted(month.year - b for b in range(1, years + 1))
            },
            "seasonal_average": round(average, 1),
            "recent": e["recent"],
            "before": e["before"],
            "as_of": as_of.date().isoformat(),
            "is_seasonal": is_seasonal,
            "is_trending": is_trending,
        }
        candidates.append((score, cat, reg, e["region"], figures))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    existing = set(
        ProactiveSuggestion.objects.filter(month=month).values_list("category_id", "region_id")
    )
    categories = Category.objects.in_bulk([c[1] for c in candidates])
    created = []
    room = settings.PROACTIVE_MAX_PER_MONTH - len(existing)
    for score, cat, reg, region, figures in candidates:
        if room <= 0:
            break
        if (cat, reg) in existing or cat not in categories:
            continue
        category = categories[cat]
        with transaction.atomic():
            suggestion, was_created = ProactiveSuggestion.objects.get_or_create(
                month=month,
                category=category,
                region=region,
                defaults={
                    "suggested_unit": route_proposal(category=category, region=region),
                    "figures": figures,
                    "score": round(score, 2),
                    "created_at": clock.now(),
                },
            )
            if was_created:
                _record(
                    actor=actor,
                    action="suggest",
                    suggestion=suggestion,
                    to_status=suggestion.status,
                    data=figures,
                )
                created.append(suggestion)
                room -= 1
    return created


def _decided(suggestion: ProactiveSuggestion, to: str, actor: User, **values) -> None:
    updated = ProactiveSuggestion.objects.filter(
        pk=suggestion.pk, status=ProactiveSuggestion.Status.SUGGESTED
    ).update(status=to, decided_by=actor, decided_at=clock.now(), **values)
    if updated != 1:
        raise ConflictError(_("This suggestion has already been decided."))


def suggestion_accept(
    *, actor: User, suggestion: ProactiveSuggestion, unit: Unit | None = None, note: str = ""
) -> ProactiveSuggestion:
    """Accept a suggestion: a case with channel `proactive` is created through case_create and
    dispatched to the unit (the suggested one unless a dispatcher picks another), then tracked
    like any case. It is exempt from the 三率 (no resident to revisit).

    A unit's handler may accept only for their own unit; the case is then created and dispatched
    by the system on their behalf (the centre's dispatch rule is for centre staff), and the
    acceptance is audited with their name. Raises PermissionDeniedError, ConflictError (already
    decided), DomainValidationError (no unit)."""
    if not permissions.can_decide_suggestion(actor, suggestion):
        raise PermissionDeniedError(_("Only a dispatcher or the suggested unit decides this."))
    note = _clean(note, field="note", max_length=1000, required=False)
    unit = unit or suggestion.suggested_unit
    _check_unit(unit, "unit")
    if not permissions.can_manage_themes(actor) and unit.pk != suggestion.suggested_unit_id:
        raise PermissionDeniedError(_("A unit accepts a suggestion only for itself."))
    intake = actor if roles.is_centre_staff(actor) else None
    category, region = suggestion.category, suggestion.region
    description = suggestion_reason(suggestion)
    if note:
        description = f"{description}\n{note}"
    with transaction.atomic():
        locked = ProactiveSuggestion.objects.select_for_update().get(pk=suggestion.pk)
        if locked.status != ProactiveSuggestion.Status.SUGGESTED:
            raise ConflictError(_("This suggestion has already been decided."))
        case = case_services.case_create(
            actor=intake,
            channel=Channel.PROACTIVE,
            kind=Kind.SUGGESTION,
            category=category,
            title=_("Proactive task: %(category)s in %(region)s")
            % {"category": category.name, "region": region.name},
            description=description,
            region=region,
        ).case
        case_services.case_dispatch(
            actor=intake,
            case=case,
            lead_unit=unit,
            note=_("Proactive task accepted by %(who)s.") % {"who": actor},
        )
        # No resident will be revisited: the case must not weigh on the unit's 三率.
        case_services.case_set_assessable(
            actor=None,
            case=case,
            assessable=False,
            reason=_("Proactive task (未诉先办): no resident to revisit."),
        )
        _decided(locked, ProactiveSuggestion.Status.ACCEPTED, actor, case=case)
        _record(
            actor=actor,
            action="accept",
            suggestion=locked,
            from_status=ProactiveSuggestion.Status.SUGGESTED,
            to_status=ProactiveSuggestion.Status.ACCEPTED,
            note=note,
            data={"case": case.number, "unit": unit.pk},
        )
    suggestion.refresh_from_db()
    return suggestion


def suggestion_decline(
    *, actor: User, suggestion: ProactiveSuggestion, reason: str
) -> ProactiveSuggestion:
    """Decline a suggestion; the reason is required and kept."""
    if not permissions.can_decide_suggestion(actor, suggestion):
        raise PermissionDeniedError(_("Only a dispatcher or the suggested unit decides this."))
    reason = _clean(reason, field="reason", max_length=500)
    with transaction.atomic():
        _decided(suggestion, ProactiveSuggestion.Status.DECLINED, actor, decline_reason=reason)
        _record(
            actor=actor,
            action="decline",
            suggestion=suggestion,
            from_status=ProactiveSuggestion.Status.SUGGESTED,
            to_status=ProactiveSuggestion.Status.DECLINED,
            note=reason,
        )
    suggestion.refresh_from_db()
    return suggestion


def suggestion_reason(suggestion: ProactiveSuggestion) -> str:
    """The reason, with its figures, in the current language."""
    f = suggestion.figures or {}
    parts = []
    seasonal = f.get("seasonal") or {}
    if seasonal:
        counts = "、".join(f"{year}: {n}" for year, n in seasonal.items())
        parts.append(
            _("Same month in previous years: %(counts)s cases (average %(average)s).")
            % {"counts": counts, "average": f.get("seasonal_average", 0)}
        )
    parts.append(
        _("Last 30 days: %(recent)s cases; the 30 days before: %(before)s.")
        % {"recent": f.get("recent", 0), "before": f.get("before", 0)}
    )
    return " ".join(parts)
