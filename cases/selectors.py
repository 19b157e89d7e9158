"""Reads and visibility rules for cases. Every list starts from `cases_visible_to`."""

import datetime as dt
import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.lookups import DataContains
from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    Func,
    Lookup,
    Max,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy

from civic import roles
from civic.models import Category, Region, Unit
from civic.roles import HANDLING_ROLES, Role

from . import deadlines
from .masking import scrub_text
from .models import (
    HANDLING_STATUSES,
    Assignment,
    Case,
    CaseEvent,
    ExtensionRequest,
    Outcome,
    ReplyTemplate,
    RequestState,
    ReturnRequest,
    Revisit,
    Status,
)
from .rules import VISIBLE_ASSIGNMENT_STATES, is_member_of_assigned_unit


@dataclass(frozen=True)
class Visibility:
    """Which cases a user sees, decided once: `cases_visible_to` and `visible_case_count` both
    read it, so a view that needs the list and its total asks the database once."""

    NONE = "none"  # anonymous: nothing here (tracking uses a code)
    ALL = "all"  # centre staff
    OWN = "own"  # residents: the cases they filed
    UNITS = "units"  # unit staff who filed nothing: their units' cases
    OWN_AND_UNITS = "own_and_units"  # unit staff who also filed cases

    kind: str
    unit_ids: frozenset[int] = frozenset()


def visibility_of(user) -> Visibility:
    if not getattr(user, "is_authenticated", False):
        return Visibility(Visibility.NONE)
    if roles.is_centre_staff(user):
        return Visibility(Visibility.ALL)
    unit_ids = frozenset(roles.unit_ids_of(user, (*HANDLING_ROLES, Role.VIEWER)))
    if not unit_ids:
        return Visibility(Visibility.OWN)
    if Case.objects.filter(reporter=user).exists():
        return Visibility(Visibility.OWN_AND_UNITS, unit_ids)
    return Visibility(Visibility.UNITS, unit_ids)


def cases_visible_to(user, visibility: Visibility | None = None) -> QuerySet[Case]:
    """The one visibility rule: centre staff see all; a unit sees what was dispatched to it;
    a resident sees their own cases. Anonymous users see nothing here (tracking uses a code)."""
    visibility = visibility or visibility_of(user)
    # The category's parents too: the API shows its full path (two queries per row otherwise).
    base = Case.objects.select_related("category__parent__parent", "region", "lead_unit")
    if visibility.kind == Visibility.NONE:
        return base.none()
    if visibility.kind == Visibility.ALL:
        return base
    if visibility.kind == Visibility.OWN:
        return base.filter(reporter=user)
    assigned = Q(
        Exists(
            Assignment.objects.filter(
                case=OuterRef("pk"),
                unit_id__in=visibility.unit_ids,
                state__in=VISIBLE_ASSIGNMENT_STATES,
            )
        )
    )
    # "reporter OR assigned" defeats both indexes (a sequential scan of every case, 0.9 s at 1M
    # for a count); unit staff who never filed a case get the assignment branch alone.
    if visibility.kind == Visibility.OWN_AND_UNITS:
        return base.filter(Q(reporter=user) | assigned)
    return base.filter(assigned)


def visible_case_count(user, visibility: Visibility | None = None) -> int | None:
    """How many cases `cases_visible_to(user)` holds, when the assignment index alone can say.

    For unit staff who filed nothing, the visible cases are exactly the distinct cases of their
    units' visible assignments: counting those is an index-only scan, where counting the cases
    themselves joins every case (0.1–0.5 s at 1M). None when the shortcut does not apply;
    callers then count the queryset.

    A busy street's total still scans 35k index entries (11 ms at 1M, the largest part of its
    case list's response), so it is kept in the cache for `CASE_COUNT_CACHE_SECONDS` under the
    units' count generations: a new or withdrawn assignment of a unit moves its generation
    (`case_counts_changed`), so the total is exact in the process (with a shared cache, in every
    process) as soon as the change commits; the time limit only bounds what was changed without
    a service (a bulk load, a shell).
    """
    visibility = visibility or visibility_of(user)
    if visibility.kind == Visibility.ALL:
        return _all_cases_count()
    if visibility.kind != Visibility.UNITS:
        return None
    units = sorted(visibility.unit_ids)
    seconds = settings.CASE_COUNT_CACHE_SECONDS
    key = None
    if seconds:
        generations = cache.get_many([_COUNT_GENERATION.format(u) for u in units])
        key = "case-count:" + ",".join(
            f"{u}.{generations.get(_COUNT_GENERATION.format(u), 0)}" for u in units
        )
        cached = cache.get(key)
        if cached is not None:
            return cached
    # COUNT(DISTINCT) sorts the index-only rows: 7 ms for a street's 35k assignments at 1M,
    # where DISTINCT in a subquery hashed them in 17 ms. (A reopened case has a done and an
    # active assignment for the same unit, hence distinct.)
    total = Assignment.objects.filter(
        unit_id__in=units, state__in=VISIBLE_ASSIGNMENT_STATES
    ).aggregate(n=Count("case_id", distinct=True))["n"]
    if key is not None:
        cache.set(key, total, seconds)
    return total


def _all_cases_count() -> int:
    """Every case, for centre staff's unfiltered list. Counting a million cases took 110 ms of
    each request, and cases arrive every second, so the count is kept with the highest id it
    saw (for `CASE_COUNT_CACHE_SECONDS`), and the cases filed since are counted on top along the
    primary key: exact at once for new cases. Only what no service does (a case deleted, or a
    transaction that took its id before the count and committed after it) may be off until the
    time limit."""
    seconds = settings.CASE_COUNT_CACHE_SECONDS
    if not seconds:
        return Case.objects.count()
    kept = cache.get("case-count:all")
    if kept is None:
        kept = Case.objects.aggregate(n=Count("id"), last=Max("id"))
        kept = (kept["n"], kept["last"] or 0)
        cache.set("case-count:all", kept, seconds)
    counted, last_id = kept
    return counted + Case.objects.filter(id__gt=last_id).count()


class UnitCasesNewestFirst:
    """One unit's visible cases, newest first, as Django's Paginator reads them (a total and
    slices).

    `cases_visible_to` finds a unit's newest cases by walking every case newest first and
    probing each one's assignments until a page is full: for a street with 3 % of the city's
    cases, 1,700 cases for one page (12 ms at 1M). Here a slice reads the page's case ids from
    the unit's visible assignments in the order of their copied received time
    (`assignment_unit_newest_idx`, DISTINCT for a case the unit was assigned twice), then
    loads those cases through `queryset` (still the visibility rule). Ties on the received
    time go to the higher id, as the index is ordered.
    """

    def __init__(self, queryset: QuerySet[Case], unit_id: int, *, total: int):
        self.queryset = queryset
        self.unit_id = unit_id
        self.total = total

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, item: slice) -> list[Case]:
        start, stop = item.start or 0, item.stop if item.stop is not None else self.total
        ids = list(
            Assignment.objects.filter(unit_id=self.unit_id, state__in=VISIBLE_ASSIGNMENT_STATES)
            .order_by("-case_received_at", "-case_id")
            .values_list("case_received_at", "case_id")
            .distinct()[start:stop]
        )
        cases = {case.pk: case for case in self.queryset.filter(pk__in=[pk for _, pk in ids])}
        return [cases[pk] for _, pk in ids if pk in cases]


_COUNT_GENERATION = "case-count-generation:{}"


def case_counts_changed(unit_ids) -> None:
    """These units gained or lost a visible assignment: their cached totals are stale. Called
    after commit (a rolled-back dispatch changes nothing)."""
    unit_ids = [u for u in set(unit_ids) if u is not None]
    if unit_ids:
        cache.set_many({_COUNT_GENERATION.format(u): uuid.uuid4().hex for u in unit_ids}, None)


def case_get_visible(user, *, number: str | None = None, pk: int | None = None) -> Case | None:
    qs = cases_visible_to(user)
    if number is not None:
        return qs.filter(number=number).first()
    return qs.filter(pk=pk).first()


# --- what the reporter reads of a case's trail -------------------------------------------------

# Steps among the centre and the units: working notes, the assessment flag, a unit's objection
# and its refusal, and moderation of the public text. The reporter's page and the API show the
# reporter everything else (their case's state changes, contact, replies, revisits).
INTERNAL_ACTIONS = frozenset(
    {"note", "set_assessable", "request_return", "return_rejected", "moderate"}
)


def events_for_reporter(case: Case) -> QuerySet[CaseEvent]:
    """The trail as the reporter reads it: the resident's case page and, for the reporter, the
    API's events (`events_visible_to`)."""
    return (
        CaseEvent.objects.of_case(case)
        .select_related("actor_unit")
        .exclude(action__in=INTERNAL_ACTIONS)
        .order_by("at", "id")
    )


def events_visible_to(user, case: Case) -> QuerySet[CaseEvent]:
    """The whole trail for the centre and the units working on the case; for anyone else who
    may see the case (its reporter) the reporter's trail."""
    if getattr(user, "is_authenticated", False) and (
        roles.is_centre_staff(user) or is_member_of_assigned_unit(user, case)
    ):
        return events_visible_to_staff(case)
    return events_for_reporter(case)


def events_visible_to_staff(case: Case) -> QuerySet[CaseEvent]:
    """The whole trail, oldest first (the centre's and the units' case pages)."""
    return CaseEvent.objects.of_case(case).select_related("actor_unit").order_by("at", "id")


# --- what the public may see ---------------------------------------------------------------------

# Outcomes whose cases stay off every public surface (privacy, petitions, unlawful requests).
PRIVATE_OUTCOMES = (Outcome.SECRET_OR_PRIVACY, Outcome.OTHER_CHANNEL, Outcome.UNLAWFUL)
PUBLIC_GRID = Decimal("0.001")  # about 100 m


def cases_public() -> QuerySet[Case]:
    """THE rule for what the public may see: every case but those closed as private
    (`PRIVATE_OUTCOMES`) and those a dispatcher hid. Every public surface starts here: the
    public pages, map data, nearby hints and feeds (`public.selectors.public_cases`), followers'
    mails, Open311's reads, the boards' case lists, themes' linked cases, council's case links.

    Moderation is `public.PublicText` (table cases_publictext), a model of an app above this
    one: it is read by name through the reverse relation `public_text`, which imports nothing
    from `public` (import-linter forbids it)."""
    return Case.objects.exclude(outcome__in=PRIVATE_OUTCOMES).exclude(public_text__hidden=True)


def case_search(word: str, *, counting: bool = False) -> Q:
    """A case number, or a word of the title (case-insensitive). The number is tried only for
    digits, where a number can match. The result is always the plain `%word%` match; on
    PostgreSQL an index finds it (see `title_word`; `counting`: for a count, not a page)."""
    word = word.replace("\x00", "").strip()
    found = title_word(word, counting=counting)
    if word.isascii() and word.isdigit():
        return Q(number=word) | found
    return found


# A word in more than this share of titles is found fastest by walking the newest cases and
# testing each title; below it, by the character-pair index (migration 0020): its rows must
# all be read to sort them, which a common word makes slow and a rare one cheap.
COMMON_WORD_SHARE = 0.005
# A count stops at its cap: the plain match reaches it after cap / share titles, which beats
# building the index's bitmap of every match only for the commonest words.
COUNT_PLAIN_SHARE = 0.08


class TitleGrams(Func):
    """`civic_title_grams(text)`: the distinct adjacent character pairs, lower-cased."""

    function = "civic_title_grams"
    output_field = ArrayField(TextField())


def title_word(word: str, *, counting: bool = False) -> Q:
    """Titles holding `word` (as `title__icontains`). On PostgreSQL a word of two characters or
    more is first looked up by its character pairs in the GIN index and re-checked with the
    word itself, so the rows are exactly the scan's. The planner cannot tell from the pairs how
    common a word is (it multiplies their frequencies as if they were independent, and a
    common word then reads tens of thousands of rows to sort them), but its estimate of the
    `ILIKE` alone, read off the title's statistics sample, is close: a common word is left to
    the plain match, which the planner answers by walking the newest cases. (`ILIKE`, not
    Django's `UPPER(title) LIKE`: no statistics describe `UPPER(title)`.)

    A count (`counting`, capped as lists count: `civic.pagination.CappedCountPaginator`) takes
    the index up to a higher share: it stops at the cap wherever the rows are, while the plain
    match reads 1,000 / share titles to get there (130,000 for a word in 0.8 % of them: 0.3 s)."""
    if connection.vendor != "postgresql":
        return Q(title__icontains=word)
    contains = Q(TitleILike(F("title"), _like_pattern(word)))
    plain_above = COUNT_PLAIN_SHARE if counting else COMMON_WORD_SHARE
    if len(word) < 2 or _title_share(word) > plain_above:
        return contains
    return Q(DataContains(TitleGrams(F("title")), TitleGrams(Value(word)))) & contains


class TitleILike(Lookup):
    """`title ILIKE pattern` (PostgreSQL)."""

    lookup_name = "ilike"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs}::text ILIKE {rhs}", [*lhs_params, *rhs_params]


def _like_pattern(word: str) -> str:
    """`%word%` with LIKE's own characters (backslash, %, _) taken literally."""
    return "%" + re.sub(r"([\\%_])", r"\\\1", word) + "%"


def _title_share(word: str) -> float:
    """The planner's estimate of the share of titles holding `word` (cached a while: the
    statistics change with ANALYZE, not by the minute)."""
    key = "title-share:" + hashlib.sha1(word.lower().encode()).hexdigest()
    share = cache.get(key)
    if share is None:
        pattern = _like_pattern(word)
        with connection.cursor() as cursor:
            cursor.execute(
                "EXPLAIN (FORMAT JSON) SELECT 1 FROM cases_case WHERE title ILIKE %s", [pattern]
            )
            plan = cursor.fetchone()[0]
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'cases_case'::regclass")
            rows = cursor.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        estimated = plan[0]["Plan"]["Plan Rows"]
        share = estimated / rows if rows and rows > 0 else 0.0
        cache.set(key, share, 600)
    return share


def case_is_public(case: Case) -> bool:
    return cases_public().filter(pk=case.pk).exists()


def _moderated(case: Case):
    """The case's `public.PublicText`, or None (see `cases_public`)."""
    try:
        return case.public_text
    except ObjectDoesNotExist:
        return None


# Every public text goes through scrub_text on the way out, a moderator's too: one function
# decides what personal data and door-level address the public never reads.


def public_title_of(case: Case) -> str:
    """The title the public reads: the moderator's if they wrote one, else the case's own."""
    moderated = _moderated(case)
    return scrub_text(moderated.title if moderated and moderated.title else case.title)


def public_reply_of(case: Case) -> str:
    """The reply the public reads: the moderator's if they wrote one, else the latest reply."""
    moderated = _moderated(case)
    if moderated and moderated.reply:
        return scrub_text(moderated.reply)
    # From the prefetched replies when a list loaded them, else one query.
    latest = max(case.replies.all(), key=lambda r: (r.created_at, r.pk), default=None)
    return scrub_text(latest.text) if latest else ""


def public_description_of(case: Case) -> str:
    """The description the public reads (Open311 publishes one; the public pages show none).
    A dispatcher who rewrote the title judged the resident's own words unfit for the public:
    their title then stands in for the description too."""
    moderated = _moderated(case)
    return scrub_text(moderated.title if moderated and moderated.title else case.description)


def _snap(value) -> Decimal | None:
    if value is None:
        return None
    return (Decimal(value) / PUBLIC_GRID).quantize(Decimal(1), rounding=ROUND_HALF_UP) * PUBLIC_GRID


def public_point_of(case: Case) -> tuple[Decimal | None, Decimal | None]:
    """The community's centre, or the point snapped to a ~100 m grid — never the exact spot."""
    if case.region.center_lat is not None:
        return _snap(case.region.center_lat), _snap(case.region.center_lng)
    return _snap(case.lat), _snap(case.lng)


def cases_of_resident(user) -> QuerySet[Case]:
    return Case.objects.filter(reporter=user).select_related("category", "lead_unit")


def inbox_for_units(unit_ids, *, include_closed: bool = False) -> QuerySet[Case]:
    """A unit's inbox: cases with an active assignment to it, soonest deadline first.
    (No joins: a page takes its categories and regions from `civic.catalogue.attach`.)"""
    assigned = Assignment.objects.filter(
        case=OuterRef("pk"), unit_id__in=list(unit_ids), state=Assignment.State.ACTIVE
    )
    # Merged cases (并案) are handled through their main case: not in the inbox.
    qs = Case.objects.filter(Exists(assigned), merged_into__isnull=True)
    if not include_closed:
        qs = qs.exclude(status=Status.CLOSED)
    return qs.order_by("handle_due_at", "received_at")


def inbox_for_user(user) -> QuerySet[Case]:
    return inbox_for_units(roles.unit_ids_of(user, HANDLING_ROLES))


# The unit inbox's tabs: what needs doing first, then each step; replied cases wait for the
# revisit and are kept apart from those that need action.
INBOX_TABS = {
    "todo": (Status.DISPATCHED, Status.SIGNED, Status.IN_PROGRESS),
    "to_sign": (Status.DISPATCHED,),
    "in_progress": (Status.SIGNED, Status.IN_PROGRESS),
    "replied": (Status.REPLIED,),
}


def inbox_tab(inbox: QuerySet[Case], tab: str, now=None) -> QuerySet[Case]:
    if tab == "overdue":
        now = now or timezone.now()
        return inbox.filter(status__in=HANDLING_STATUSES).filter(
            Q(is_overdue=True) | Q(handle_due_at__lt=now)
        )
    return inbox.filter(status__in=INBOX_TABS[tab])


def inbox_tab_counts(inbox: QuerySet[Case], now=None) -> dict[str, int]:
    """Every tab's count in two queries (one grouped by status, one for the overdue)."""
    by_status = dict(
        inbox.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    counts = {
        tab: sum(by_status.get(s, 0) for s in statuses) for tab, statuses in INBOX_TABS.items()
    }
    counts["overdue"] = inbox_tab(inbox, "overdue", now).order_by().count()
    return counts


def queue_undispatched() -> QuerySet[Case]:
    # A merged case (并案) is dispatched with its main case, not on its own.
    return Case.objects.filter(status=Status.RECEIVED, merged_into__isnull=True).select_related(
        "category", "region"
    )


def queue_returns() -> QuerySet[ReturnRequest]:
    return ReturnRequest.objects.filter(state=RequestState.PENDING).select_related(
        "case", "unit", "suggested_unit", "requested_by"
    )


def queue_extensions() -> QuerySet[ExtensionRequest]:
    return ExtensionRequest.objects.filter(state=RequestState.PENDING).select_related(
        "case", "unit", "requested_by"
    )


def queue_awaiting_revisit() -> QuerySet[Case]:
    return (
        Case.objects.filter(status=Status.REPLIED)
        .select_related("category", "lead_unit")
        .order_by("revisit_due_at")
    )


def queue_overdue(now=None) -> QuerySet[Case]:
    now = now or timezone.now()
    return (
        Case.objects.filter(status__in=HANDLING_STATUSES, merged_into__isnull=True)
        .filter(Q(is_overdue=True) | Q(handle_due_at__lt=now))
        .select_related("category", "lead_unit")
        .order_by("handle_due_at")
    )


def _counts_up_to(querysets: dict[str, QuerySet], limit: int) -> dict[str, int]:
    """Each queryset's `COUNT(*)` over at most `limit` of its rows (in its own order: the
    index it walks), all in one statement: one round trip for a page's every tab."""
    parts, params = [], []
    for queryset in querysets.values():
        sql, sql_params = queryset[:limit].values("pk").query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted)")
        params.extend(sql_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return dict(zip(querysets, row, strict=True))


def _overdue_parts(now) -> dict[str, QuerySet]:
    """`queue_overdue(now)` as two disjoint parts that each follow an index.

    As one `is_overdue OR handle_due_at < now` the planner reads all of the open cases (its
    estimate for `handle_due_at < now` counts the closed cases' past deadlines too): 0.2–0.4 s
    at 1M (20k open cases). Past due follows `case_open_handle_due_idx`, in due order (else
    the planner walks the status index: 5,800 rows read for 1,001 counted); flagged overdue
    but not past due follows `case_open_overdue_idx`, which holds only the flagged."""
    open_cases = Case.objects.filter(status__in=HANDLING_STATUSES, merged_into__isnull=True)
    return {
        "past_due": open_cases.filter(handle_due_at__lt=now).order_by("handle_due_at"),
        "flagged": open_cases.filter(is_overdue=True).exclude(handle_due_at__lt=now).order_by(),
    }


def _capped(counted: dict[str, int], cap: int) -> dict[str, tuple[int, bool]]:
    counted = dict(counted)
    if "past_due" in counted:  # disjoint: their sum passes the cap when the queue does
        counted["overdue"] = counted.pop("past_due") + counted.pop("flagged")
    return {key: (min(n, cap), n > cap) for key, n in counted.items()}


def queue_counts(cap: int, now=None) -> dict[str, tuple[int, bool]]:
    """(count, capped) of every dispatcher queue: exact up to `cap`, "more than cap" past it,
    so queues of thousands cost bounded index walks (one statement)."""
    now = now or timezone.now()
    querysets = {
        "undispatched": queue_undispatched().order_by(),
        "returns": queue_returns().order_by(),
        "extensions": queue_extensions().order_by(),
        "revisits": queue_awaiting_revisit().order_by(),
        **_overdue_parts(now),
    }
    return _capped(_counts_up_to(querysets, cap + 1), cap)


def queue_overdue_count(cap: int, now=None) -> tuple[int, bool]:
    """(count, capped) of `queue_overdue(now)` (see `queue_counts`)."""
    parts = _overdue_parts(now or timezone.now())
    return _capped(_counts_up_to(parts, cap + 1), cap)["overdue"]


def pending_revisit(case: Case) -> Revisit | None:
    return case.revisits.filter(state=Revisit.State.PENDING).first()


def leaf_categories() -> QuerySet[Category]:
    return Category.objects.filter(level=3, active=True).select_related("parent__parent")


@dataclass(frozen=True)
class RouteProposal:
    """The unit the dispatch rules pick for a category at a place, and the rule that picked it
    (shown to the dispatcher beside the proposal, so a suggestion says why)."""

    unit: Unit | None
    rule: str  # one of ROUTE_RULES
    basis: str  # the street, community, category or district the rule matched

    @property
    def rule_label(self) -> str:
        return str(ROUTE_RULES.get(self.rule, self.rule))


ROUTE_RULES = {
    "street": gettext_lazy("Street-level matter: sent straight to the street of the place"),
    "community": gettext_lazy("On the community duty list: the community of the place"),
    "responsible": gettext_lazy("The unit responsible for the category"),
    "district": gettext_lazy("No unit is responsible for the category: the district government"),
    "none": gettext_lazy("No rule matched: the dispatcher decides"),
}


def route_proposal(*, category: Category, region: Region) -> Unit | None:
    return route_proposal_explained(category=category, region=region).unit


def route_proposal_explained(*, category: Category, region: Region) -> RouteProposal:
    """精准派单 by rule: street-level categories go straight to the street of the region
    (直派街乡); others to the responsible department or utility; else the district government."""
    level = category.handling_level
    if level == Category.HandlingLevel.STREET:
        street = region.street
        if street is not None:
            unit = Unit.objects.filter(
                jurisdiction=street, kind__in=[Unit.Kind.STREET, Unit.Kind.TOWNSHIP], active=True
            ).first()
            if unit:
                return RouteProposal(unit, "street", street.name)
    if level == Category.HandlingLevel.COMMUNITY:
        community = region.ancestor(Region.Level.COMMUNITY, Region.Level.VILLAGE)
        if community is not None:
            unit = Unit.objects.filter(
                jurisdiction=community, kind=Unit.Kind.COMMUNITY, active=True
            ).first()
            if unit:
                return RouteProposal(unit, "community", community.name)
    ancestry = []
    node = category
    while node is not None:
        ancestry.append(node)
        node = node.parent
    kinds = (
        [Unit.Kind.ENTERPRISE]
        if level == Category.HandlingLevel.ENTERPRISE
        else [Unit.Kind.DEPARTMENT, Unit.Kind.ENTERPRISE]
    )
    # The most specific responsible category wins (leaf before its parents).
    for node in ancestry:
        unit = (
            Unit.objects.filter(responsible_categories__id=node.id, kind__in=kinds, active=True)
            .order_by("code")
            .first()
        )
        if unit:
            return RouteProposal(unit, "responsible", node.name)
    district = region.district
    if district is not None:
        unit = Unit.objects.filter(
            jurisdiction=district, kind=Unit.Kind.DISTRICT, active=True
        ).first()
        if unit:
            return RouteProposal(unit, "district", district.name)
    return RouteProposal(None, "none", "")


def reply_templates_for(case: Case, unit_ids) -> QuerySet[ReplyTemplate]:
    ancestry = []
    node = case.category
    while node is not None:
        ancestry.append(node.id)
        node = node.parent
    return (
        ReplyTemplate.objects.filter(active=True)
        .filter(Q(category__isnull=True) | Q(category_id__in=ancestry))
        .filter(Q(unit__isnull=True) | Q(unit_id__in=list(unit_ids)))
    )


@dataclass(frozen=True)
class ExpectedReply:
    """What a resident who has just filed may expect: the time limits of the policy in force,
    and the latest reply date if the case were dispatched now."""

    contact_limit: int
    contact_unit: str
    handle_limit: int
    handle_unit: str
    reply_by: dt.datetime


def expected_reply(case: Case) -> ExpectedReply:
    now = timezone.now()
    policy = deadlines.policy_for(case, now)
    return ExpectedReply(
        contact_limit=policy.contact_limit,
        contact_unit=policy.get_contact_unit_display(),
        handle_limit=policy.handle_limit,
        handle_unit=policy.get_handle_unit_display(),
        reply_by=deadlines.compute(policy, now).handle_due_at,
    )
