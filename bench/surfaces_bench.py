"""Every surface a user can reach, each as the role that uses it (issue 27).

    python -m bench.surfaces_bench --requests 100 [--seconds 8] [--only WORD]

Walks the URLconf (pages, the DRF API, Open311, feeds, exports, the Django admin) and measures
every GET page and list endpoint through Django's in-process test client, p50/p95 in ms over
N requests after a short warm-up, on the database DATABASE_URL (or BENCH_DATABASE_URL) names.
Three groups: pages and list endpoints (target p95 < 50 ms), admin changelists (< 200 ms),
exports, PDFs and feeds (their own figures). Prints the table, merges it into
bench/results.json and writes bench/surfaces.md.

The run FAILS (exit 1, the routes printed) when a reachable route of the URLconf is neither in
SURFACES nor in EXCLUDED with its reason, so a new page cannot escape the table
(tests/civic/test_surfaces_bench_complete.py checks the same in CI without measuring).

Path arguments are filled from the data present; what a generated history lacks (a knowledge
article, a patrol report, council meetings, a published assessment month, a theme …) is made
once through the apps' services by `prepare()` and reused on later runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from bench.common import ROOT, print_row, record, setup_django, summary_ms

PAGES = "pages and list endpoints"
ADMIN = "admin changelists"
FILES = "exports, PDFs and feeds"
TARGETS_MS = {PAGES: 50.0, ADMIN: 200.0, FILES: None}
HTML, JSON = "text/html", "application/json"
MARKDOWN = ROOT / "bench" / "surfaces.md"


@dataclass(frozen=True)
class Surface:
    route: str  # the URL name (namespace:name), or the route pattern of an unnamed route
    path: str  # a template: {…} filled by prepare()
    role: str  # anonymous, resident, operator, dispatcher, handler, street_official,
    # community_worker, grid_worker, viewer, admin
    group: str = PAGES
    accept: str = HTML
    status: int = 200  # what the surface answers when it works


S = Surface
# Every GET surface, as the role that opens it. JSON endpoints are asked for as JSON (an Accept
# header listing text/html first would get DRF's browsable page instead).
SURFACES: list[Surface] = [
    # --- the public side and the resident -------------------------------------------------
    S("home", "/", "anonymous"),
    S("home", "/", "dispatcher"),
    S("login", "/accounts/login/", "anonymous"),
    S("password_reset", "/accounts/password_reset/", "anonymous"),
    S("password_reset_done", "/accounts/password_reset/done/", "anonymous"),
    S("password_reset_complete", "/accounts/reset/done/", "anonymous"),
    S("password_change", "/accounts/password_change/", "resident"),
    S("password_change_done", "/accounts/password_change/done/", "resident"),
    S("notifications", "/notifications/", "resident"),
    S("cases:file", "/cases/new/", "anonymous"),
    S("cases:track", "/cases/track/", "anonymous"),
    S("cases:mine", "/cases/mine/", "resident"),
    S("cases:tracked", "/cases/{own}/", "resident"),
    S("cases_public:list", "/public/cases/", "anonymous"),
    S("cases_public:list", "/public/cases/?q={word}", "anonymous"),
    S("cases_public:list", "/public/cases/?page=2", "anonymous"),
    S("cases_public:map", "/public/map/", "anonymous"),
    S("cases_public:points", "/public/cases.geojson", "anonymous", accept=JSON),
    S("cases_public:nearby", "/public/nearby.json?lat={lat}&lng={lng}", "anonymous", accept=JSON),
    S("cases_public:detail", "/public/cases/{public}/", "anonymous"),
    S("cases:whistle-request-new", "/whistles/requests/new/?case={own_id}", "resident"),
    S("cases:whistle-request", "/whistles/requests/{whistle_request}/", "resident"),
    S("knowledge:faq", "/faq/", "anonymous"),
    S("knowledge:faq", "/faq/?q=停车", "anonymous"),
    S("knowledge:faq_detail", "/faq/{article}/", "anonymous"),
    S("knowledge:faq_suggest", "/faq/suggest.json?q=停车", "anonymous", accept=JSON),
    S("themes:list", "/themes/", "anonymous"),
    S("council:index", "/council/", "resident"),
    # --- the centre: operator and dispatcher ------------------------------------------------
    S("cases:console", "/console/", "operator"),
    S("cases:queues", "/dispatch/", "dispatcher"),
    S("cases:queues", "/dispatch/?tab=overdue", "dispatcher"),
    S("cases:centre_case", "/dispatch/case/{case}/", "dispatcher"),
    S("cases:centre_case", "/dispatch/case/{case}/", "operator"),
    S("callers:history", "/callers/", "operator"),
    S("callers:history", "/callers/?phone={phone}", "operator"),
    S("callers:history_json", "/callers/history.json?phone={phone}", "operator", accept=JSON),
    S("knowledge:console_search", "/knowledge/search.json?q=停车", "operator", accept=JSON),
    S("merging:queue", "/merging/", "dispatcher"),
    S("reply_quality:queue", "/quality/", "dispatcher"),
    S("reply_quality:units", "/quality/units/?month={month}", "dispatcher"),
    S("routing:feedback", "/router/", "dispatcher"),
    S("themes:detail", "/themes/{theme}/", "dispatcher"),
    S("themes:edit", "/themes/{theme}/edit/", "dispatcher"),
    S("themes:hot_topics", "/themes/hot-topics/", "dispatcher"),
    S("themes:suggestions", "/themes/proactive/", "dispatcher"),
    S("knowledge:list", "/knowledge/", "dispatcher"),
    S("knowledge:list", "/knowledge/?q=停车", "handler"),
    S("knowledge:create", "/knowledge/new/", "handler"),
    S("knowledge:review", "/knowledge/review/", "dispatcher"),
    S("knowledge:stats", "/knowledge/stats/", "dispatcher"),
    S("knowledge:detail", "/knowledge/{article}/", "dispatcher"),
    S("knowledge:edit", "/knowledge/{article}/edit/", "dispatcher"),
    S("assessment:boards", "/boards/", "dispatcher"),
    S("assessment:runs", "/boards/runs/", "dispatcher"),
    S("assessment:run_detail", "/boards/runs/{run}/", "dispatcher"),
    S("assessment:unit", "/boards/units/{scored_unit}/", "viewer"),
    # --- units: the busiest unit's handler, the street, the community, the grid -----------
    S("cases:inbox", "/inbox/", "handler"),
    S("cases:inbox", "/inbox/?tab=replied", "handler"),
    S("cases:unit_case", "/inbox/{unit_case}/", "handler"),
    S("cases:unit_case", "/inbox/{street_case}/", "street_official"),
    S("cases:reply_templates", "/reply-templates/{unit_case}.json", "handler", accept=JSON),
    S("cases:whistles", "/whistles/", "street_official"),
    S("cases:whistles", "/whistles/", "handler"),
    S("cases:whistle-new", "/whistles/new/", "street_official"),
    S("cases:whistle-detail", "/whistles/{whistle}/", "street_official"),
    S("council:index", "/council/", "community_worker"),
    S("council:plan", "/council/meetings/new/", "community_worker"),
    S("council:meeting", "/council/meetings/{meeting}/", "community_worker"),
    S("council:edit", "/council/meetings/{planned}/edit/", "community_worker"),
    S("council:record", "/council/meetings/{meeting}/record/", "community_worker"),
    S("council:minutes", "/council/meetings/{meeting}/minutes/", "community_worker"),
    S("council:minutes_edit", "/council/meetings/{meeting}/minutes/edit/", "community_worker"),
    S("council:proposals", "/council/proposals/", "community_worker"),
    S("patrol:report", "/patrol/", "grid_worker"),
    S("patrol:stats", "/patrol/stats/", "street_official"),
    # --- leaders -----------------------------------------------------------------------------
    S("assessment:boards", "/boards/", "viewer"),
    S("dashboard:dashboard", "/dashboard/", "viewer"),
    S("reports:index", "/reports/", "viewer"),
    S("reports:detail", "/reports/{report}/", "viewer"),
    # --- the API -----------------------------------------------------------------------------
    S("case-list", "/api/v1/cases/?page_size=50", "handler", accept=JSON),
    S("case-list", "/api/v1/cases/?page_size=50", "dispatcher", accept=JSON),
    S("case-list", "/api/v1/cases/?search={word}&page_size=50", "dispatcher", accept=JSON),
    S("case-detail", "/api/v1/cases/{unit_case}/", "handler", accept=JSON),
    S("case-assignments", "/api/v1/cases/{unit_case}/assignments/", "handler", accept=JSON),
    S("case-events", "/api/v1/cases/{unit_case}/events/", "handler", accept=JSON),
    S("case-replies", "/api/v1/cases/{replied}/replies/", "dispatcher", accept=JSON),
    S("case-revisits-list", "/api/v1/cases/{replied}/revisits/", "dispatcher", accept=JSON),
    S("case-route-proposal", "/api/v1/cases/{case}/route-proposal/", "dispatcher", accept=JSON),
    S("case-merge-candidates", "/api/v1/cases/{case}/merge-candidates/", "dispatcher", accept=JSON),
    S("category-list", "/api/v1/categories/", "operator", accept=JSON),
    S("category-detail", "/api/v1/categories/{category}/", "operator", accept=JSON),
    S("unit-list", "/api/v1/units/", "dispatcher", accept=JSON),
    S("unit-detail", "/api/v1/units/{unit}/", "dispatcher", accept=JSON),
    S("api-whistles", "/api/v1/whistles/", "street_official", accept=JSON),
    S("api-whistle", "/api/v1/whistles/{whistle}/", "street_official", accept=JSON),
    S("api-whistle-requests", "/api/v1/whistles/requests/", "resident", accept=JSON),
    S("router-feedback", "/api/v1/router/feedback", "dispatcher", accept=JSON),
    S("router-versions", "/api/v1/router/versions", "dispatcher", accept=JSON),
    S("assessment-run-list", "/api/v1/assessment/runs/", "dispatcher", accept=JSON),
    S("assessment-run-detail", "/api/v1/assessment/runs/{run}/", "dispatcher", accept=JSON),
    S("assessment-run-scores", "/api/v1/assessment/runs/{run}/scores/", "dispatcher", accept=JSON),
    S("assessment-board-list", "/api/v1/assessment/boards/", "viewer", accept=JSON),
    S("council-meetings", "/api/v1/council/meetings/", "community_worker", accept=JSON),
    S("council-meeting", "/api/v1/council/meetings/{meeting}/", "community_worker", accept=JSON),
    S(
        "council-minutes",
        "/api/v1/council/meetings/{meeting}/minutes/",
        "community_worker",
        accept=JSON,
    ),
    S("council-proposals", "/api/v1/council/proposals/", "community_worker", accept=JSON),
    S("hot-topic-list", "/api/v1/hot-topics/?month={this_month}", "dispatcher", accept=JSON),
    S("theme-list", "/api/v1/themes/", "dispatcher", accept=JSON),
    S("theme-detail", "/api/v1/themes/{theme}/", "dispatcher", accept=JSON),
    S("proactive-suggestion-list", "/api/v1/proactive-suggestions/", "dispatcher", accept=JSON),
    S(
        "proactive-suggestion-detail",
        "/api/v1/proactive-suggestions/{suggestion}/",
        "dispatcher",
        accept=JSON,
    ),
    S("api-knowledge-articles", "/api/v1/knowledge/articles/", "handler", accept=JSON),
    S("api-knowledge-search", "/api/v1/knowledge/search/?q=停车", "operator", accept=JSON),
    S("api-knowledge-article", "/api/v1/knowledge/articles/{article}/", "handler", accept=JSON),
    S(
        "api/v1/knowledge/articles/<int:pk>/versions/",
        "/api/v1/knowledge/articles/{article}/versions/",
        "handler",
        accept=JSON,
    ),
    S("callers-history", "/api/v1/callers/history/?phone={phone}", "operator", accept=JSON),
    S("reply-quality-reviews", "/api/v1/quality/reviews/", "dispatcher", accept=JSON),
    S("patrol-stats", "/api/v1/patrol/stats/", "street_official", accept=JSON),
    S("api-dashboard", "/api/v1/dashboard/", "viewer", accept=JSON),
    S("reports", "/api/v1/reports/", "viewer", accept=JSON),
    S("report-detail", "/api/v1/reports/{report}/", "viewer", accept=JSON),
    S("api-docs", "/api/docs/", "anonymous"),
    S("api-redoc", "/api/redoc/", "anonymous"),
    # --- Open311 (anonymous: the GeoReport v2 reads need no key) ---------------------------
    S("open311:discovery", "/open311/v2/discovery.json", "anonymous", accept=JSON),
    S("open311:services", "/open311/v2/services.json", "anonymous", accept=JSON),
    S("open311:service", "/open311/v2/services/{service_code}.json", "anonymous", accept=JSON),
    S("open311:requests", "/open311/v2/requests.json", "anonymous", accept=JSON),
    S("open311:request", "/open311/v2/requests/{public}.json", "anonymous", accept=JSON),
    S("open311:token", "/open311/v2/tokens/{token}.json", "anonymous", accept=JSON),
    # --- files and feeds (their own figures) ---------------------------------------------
    S(
        "cases_public:feed",
        "/public/feed/{region_code}/",
        "anonymous",
        FILES,
        "application/rss+xml",
    ),
    S("assessment:boards_export", "/boards/{month}/scores.csv", "viewer", FILES, "text/csv"),
    S("assessment:boards_export", "/boards/{month}/scores.xlsx", "viewer", FILES, "*/*"),
    S(
        "assessment:unit_cases_export",
        "/boards/units/{scored_unit}/{month}/cases.csv",
        "viewer",
        FILES,
        "text/csv",
    ),
    S(
        "assessment:unit_trend_export",
        "/boards/units/{scored_unit}/trend.csv",
        "viewer",
        FILES,
        "text/csv",
    ),
    S("reports:pdf", "/reports/{report}/pdf/", "viewer", FILES, "application/pdf"),
    S("schema", "/api/schema/", "anonymous", FILES, "application/vnd.oai.openapi"),
    # --- the Django admin beyond its changelists (added by admin_surfaces()) ---------------
    S("admin:index", "/admin/", "admin", ADMIN),
    S("admin:app_list", "/admin/cases/", "admin", ADMIN),
    S("admin:cases_case_change", "/admin/cases/case/{case_pk}/change/", "admin", ADMIN),
]

# Routes not measured, each with its reason. Class-based views with no GET handler are
# excluded by the walk itself ("POST only"); these are the rest.
EXCLUDED: dict[str, str] = {
    "set_language": "POST only (the language switcher; answers with a redirect)",
    "logout": "POST only",
    "password_reset_confirm": "a one-time token link",
    "cases:filed": "shown once right after filing (reads the filing's session)",
    "cases:resident_revisit": "POST only",
    "cases:resident_reopen": "POST only",
    "cases:centre_action": "POST only",
    "cases:unit_action": "POST only",
    "cases:whistle-report": "POST only",
    "cases:whistle-log": "POST only",
    "cases:whistle-close": "POST only",
    "cases_public:me_too": "POST only",
    "cases_public:follow": "POST only",
    "cases_public:follow_area": "POST only",
    "cases_public:unsubscribe": "a one-time token link",
    "cases_public:moderate": "POST only",
    "assessment:run_compute": "POST only",
    "assessment:run_publish": "POST only",
    "themes:promote": "POST only (the promote form posts a hot topic)",
    "themes:suggestion_accept": "POST only",
    "themes:suggestion_decline": "POST only",
    "themes:activate": "POST only",
    "themes:close": "POST only",
    "themes:milestone_add": "POST only",
    "themes:milestone_done": "POST only",
    "knowledge:answer_on_spot": "POST only (errors re-render /console/)",
    "knowledge:draft_from_case": "POST only",
    "knowledge:action": "POST only",
    "callers:repeat": "POST only (a repeat call from the console form)",
    "merging:merge": "POST only (step 1 renders the confirmation page from the posted choice)",
    "merging:unmerge": "POST only (step 1 renders the confirmation page from the posted choice)",
    "reply_quality:check": "POST only JSON (the reply panel's draft check)",
    "reply_quality:verdict": "POST only",
    "patrol:check_in": "POST only",
    "reports:generate": "POST only",
    "reports:subscribe": "POST only",
    "^media/(?P<path>.*)$": "uploaded files, served by the web server (DEBUG only)",
    # The admin: every changelist is measured (admin_surfaces), with the index, one app page
    # and the case form; the other per-object admin pages are excluded by ADMIN_EXCLUDED.
    "^admin/cases/(?P<model>"
    "whistle|whistlesummons|whistlelogentry|residentwhistlerequest|open311client|"
    "serviceattribute|open311request|follow|metoo|publictext)/(?P<rest>.*)$": (
        "a redirect to the model's admin in its new app"
    ),
    "admin:login": "the admin's login form (administrators are logged in)",
    "admin:logout": "POST only",
    "admin:password_change": "a form (the site's own password_change is measured)",
    "admin:password_change_done": "a confirmation shown once",
    "admin:jsi18n": "a static script catalogue",
    "admin:autocomplete": "JSON for the admin's autocomplete widget, asked per keystroke",
    "admin:view_on_site": "a redirect to the object's page",
}
# Per-model admin pages other than the changelist, by the URL name's suffix.
ADMIN_EXCLUDED_SUFFIXES = {
    "_add": "an empty form for a new object",
    "_change": "one object's form (the case form is measured, the biggest table's)",
    "_delete": "a confirmation for one object",
    "_history": "one object's history",
}

# Shapes of the path arguments, for checking templates against the URLconf without data.
SHAPES = {
    "own": "20260101000001",
    "own_id": "1",
    "case": "20260101000002",
    "case_pk": "2",
    "unit_case": "20260101000003",
    "street_case": "20260101000004",
    "replied": "20260101000005",
    "public": "20260101000006",
    "whistle": "1",
    "whistle_request": "1",
    "meeting": "1",
    "planned": "2",
    "theme": "1",
    "article": "1",
    "report": "1",
    "run": "1",
    "scored_unit": "1",
    "suggestion": "1",
    "category": "1",
    "unit": "1",
    "month": "2026-01",
    "this_month": "2026-02",
    "region_code": "110101",
    "service_code": "C001",
    "token": "abc",
    "word": "停车",
    "phone": "13812345678",
    "lat": "39.9",
    "lng": "116.4",
}


# --- the URLconf ----------------------------------------------------------------------------


def _walk(patterns, prefix: str = "", namespace: str = ""):
    from django.urls.resolvers import URLResolver

    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        else:
            yield prefix + str(p.pattern), p, namespace


def _has_get(callback) -> bool | None:
    """True/False for class-based views and viewsets; None for functions (listed by hand)."""
    actions = getattr(callback, "actions", None)
    if actions is not None:
        return "get" in actions
    cls = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if cls is not None:
        return hasattr(cls, "get")
    return None


def route_key(name: str | None, namespace: str, route: str) -> str:
    if name:
        return f"{namespace}:{name}" if namespace else name
    return route


def reachable_routes() -> dict[str, str]:
    """{route key: route pattern} for every route that may answer a GET (POST-only class-based
    views left out), static files aside."""
    from django.urls import get_resolver

    found = {}
    for route, pattern, namespace in _walk(get_resolver().url_patterns):
        if route.startswith(("static/", "^static/")) or _has_get(pattern.callback) is False:
            continue
        found[route_key(pattern.name, namespace, route)] = route
    return found


def admin_surfaces() -> list[Surface]:
    """One changelist per registered ModelAdmin, as an administrator."""
    from django.contrib import admin

    out = []
    for model in sorted(admin.site._registry, key=lambda m: m._meta.label):
        label, name = model._meta.app_label, model._meta.model_name
        out.append(
            Surface(f"admin:{label}_{name}_changelist", f"/admin/{label}/{name}/", "admin", ADMIN)
        )
    return out


def all_surfaces() -> list[Surface]:
    return SURFACES + admin_surfaces()


def excluded_reason(key: str) -> str | None:
    if key in EXCLUDED:
        return EXCLUDED[key]
    if key.startswith("admin:"):
        for suffix, reason in ADMIN_EXCLUDED_SUFFIXES.items():
            if key.endswith(suffix) and key != "admin:cases_case_change":
                return reason
    if key.startswith(("admin/", "^admin/")):
        return "the admin's catch-all (redirects or 404)"
    return None


def missing_routes() -> list[str]:
    """Reachable routes neither measured nor excluded with a reason."""
    measured = {s.route for s in all_surfaces()}
    return sorted(
        key for key in reachable_routes() if key not in measured and excluded_reason(key) is None
    )


def unresolved_surfaces() -> list[str]:
    """Surfaces whose path (filled with SHAPES) does not resolve to the route they name."""
    from urllib.parse import urlsplit

    from django.urls import Resolver404, resolve

    wrong = []
    for s in all_surfaces():
        path = urlsplit(s.path.format(**SHAPES)).path
        try:
            match = resolve(path)
        except Resolver404:
            wrong.append(f"{s.route}: {path} resolves to nothing")
            continue
        key = match.view_name if match.url_name else match.route
        if key != s.route and not (s.route.startswith("admin:") and key.startswith("admin:")):
            wrong.append(f"{s.route}: {path} resolves to {key}")
    return wrong


# --- the data each surface needs -------------------------------------------------------------

BENCH_MARK = "基准测试"  # in the titles of what prepare() makes, to find it again


def _user(username: str, unit=None, role: str | None = None, **fields):
    from civic.models import Membership, User

    user, _ = User.objects.get_or_create(username=username, defaults=fields)
    if unit is not None and role is not None:
        Membership.objects.get_or_create(user=user, unit=unit, role=role)
    return user


def _busiest(kinds=None):
    from django.db.models import Count

    from cases.models import Assignment

    qs = Assignment.objects.filter(state="active", role="lead")
    if kinds:
        qs = qs.filter(unit__kind__in=kinds)
    row = qs.values("unit_id").annotate(n=Count("id")).order_by("-n").first()
    return row["unit_id"] if row else None


def prepare() -> tuple[dict, dict]:
    """Role users and the objects the surfaces need (made once, reused). Returns
    ({role: user or None}, {placeholder: value})."""
    from django.utils import timezone

    from cases.models import Assignment, Case
    from civic.models import Category, Membership, Unit
    from public.selectors import public_cases

    Role = Membership.Role
    centre = Unit.objects.filter(kind=Unit.Kind.CENTRE).order_by("id").first()
    unit = Unit.objects.get(pk=_busiest() or Unit.objects.filter(kind="street").first().pk)
    street_id = _busiest([Unit.Kind.STREET, Unit.Kind.TOWNSHIP])
    street = (
        Unit.objects.get(pk=street_id)
        if street_id
        else Unit.objects.filter(kind=Unit.Kind.STREET, jurisdiction__isnull=False)
        .order_by("id")
        .first()
    )
    community = (
        Unit.objects.filter(kind=Unit.Kind.COMMUNITY, jurisdiction__parent=street.jurisdiction)
        .order_by("id")
        .first()
    )
    district = street.jurisdiction.parent
    leaders = (
        Unit.objects.filter(kind=Unit.Kind.DISTRICT, jurisdiction=district).order_by("id").first()
    )
    department = Unit.objects.filter(kind=Unit.Kind.DEPARTMENT).exclude(pk=unit.pk).first()
    users = {
        "anonymous": None,
        "resident": _user("bench-resident", home_region=community.jurisdiction),
        "operator": _user("bench-operator", centre, Role.OPERATOR),
        "dispatcher": _user("bench-dispatcher", centre, Role.DISPATCHER),
        "handler": _user("bench-handler", unit, Role.HANDLER),
        "street_official": _user("bench-street", street, Role.STREET_OFFICIAL),
        "community_worker": _user("bench-community", community, Role.COMMUNITY_WORKER),
        "grid_worker": _user("bench-grid", community, Role.GRID_WORKER),
        "viewer": _user("bench-viewer", leaders, Role.VIEWER),
        "admin": _user("bench-admin", is_superuser=True, is_staff=True),
    }
    if not users["admin"].is_superuser:
        raise SystemExit("bench-admin exists but is no superuser")
    leaf = (
        Category.objects.filter(level=3, responsible_units=unit).first()
        or Category.objects.filter(level=3).order_by("id").first()
    )
    own = _own_case(users, unit, leaf, community.jurisdiction)
    unit_case = (
        Assignment.objects.filter(unit=unit, role="lead", state="active")
        .order_by("-case_id")
        .values_list("case__number", flat=True)
        .first()
    )
    street_case = (
        Assignment.objects.filter(unit=street, role="lead", state="active")
        .order_by("-case_id")
        .select_related("case")
        .first()
    )
    # These two file cases of their own: made before the latest case is picked.
    token = _open311_token(leaf, community.jurisdiction)
    _patrol(users, community.jurisdiction, leaf)
    replied = Case.objects.filter(status="replied").order_by("-id").first() or own
    # The newest case of the history (not one prepare() filed), as the centre opens it.
    latest = Case.objects.exclude(title__contains=BENCH_MARK).order_by("-id").first()
    public = public_cases().exclude(title__contains=BENCH_MARK).order_by("-id").first()
    month = _last_month()
    ctx = {
        "own": own.number,
        "own_id": own.pk,
        "case": latest.number,
        "case_pk": latest.pk,
        "unit_case": unit_case or own.number,
        "street_case": street_case.case.number if street_case else own.number,
        "replied": replied.number,
        "public": public.number if public else own.number,
        "category": leaf.pk,
        "unit": unit.pk,
        "month": month.strftime("%Y-%m"),
        "this_month": f"{timezone.localdate():%Y-%m}",
        "region_code": community.jurisdiction.code,
        "service_code": leaf.code,
        "word": "停车",
        "phone": own.reporter_phone,
        "lat": community.jurisdiction.center_lat or "39.9",
        "lng": community.jurisdiction.center_lng or "116.4",
    }
    ctx["whistle_request"] = _whistle_request(users, own)
    ctx["whistle"] = _whistle(users, street, department, street_case.case if street_case else own)
    ctx["meeting"], ctx["planned"] = _meetings(users, community.jurisdiction)
    ctx["theme"] = _theme(users, department or unit, month)
    ctx["article"] = _article(users, unit, leaf)
    ctx["report"] = _report(district, month)
    ctx["run"], ctx["scored_unit"] = _assessment(users, month)
    ctx["suggestion"] = _suggestion(users)
    ctx["token"] = token
    _warm_analyses(ctx["this_month"])
    return users, ctx


def _warm_analyses(month: str) -> None:
    """What the beat tasks keep warm between their runs (in this process's cache, which the
    in-process client reads, or in their tables): this month's hot topics, the map's counts per
    area, the knowledge statistics' monthly counts and the duplicates queue. Pages that read
    them answer from them; without them a page says "not ready" (hot topics: 202) or counts
    live (the knowledge statistics: 7 s at 10M cases)."""
    from knowledge.services import on_spot_months_count
    from merging.selectors import duplicate_groups_warm
    from public.services import area_counts_refresh
    from themes import hot_topics

    if hot_topics.stored(month) is None:
        hot_topics.warm(month)
    area_counts_refresh()
    on_spot_months_count()
    duplicate_groups_warm()


def _last_month() -> dt.date:
    from django.utils import timezone

    first = timezone.localdate().replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


def _own_case(users, unit, leaf, region):
    """The bench resident's own case, answered and found unresolved on revisit (so the resident
    may ask for a whistle on it)."""
    from cases import services
    from cases.models import Case, Channel, Kind, Reply, Revisit

    own = Case.objects.filter(reporter=users["resident"]).order_by("id").first()
    if own is not None:
        return own
    case = services.case_create(
        actor=users["resident"],
        channel=Channel.WEB,
        kind=Kind.COMPLAINT,
        category=leaf,
        title=f"小区门口道路塌陷（{BENCH_MARK}）",
        description="门口路面塌陷一个大坑，晚上很危险。",
        region=region,
        reporter_name="张三",
        reporter_phone="13812345678",
        address="12号3单元",
    ).case
    handler, operator = users["handler"], users["operator"]
    case = services.case_dispatch(actor=users["dispatcher"], case=case, lead_unit=unit)
    case = services.case_sign(actor=handler, case=case)
    case = services.case_contact(actor=handler, case=case, note="已电话联系")
    services.case_reply(actor=handler, case=case, text="已修复路面。", result=Reply.Result.RESOLVED)
    case.refresh_from_db()
    services.revisit_record(
        actor=operator,
        case=case,
        contacted=True,
        resolved=False,
        satisfaction=Revisit.Satisfaction.DISSATISFIED,
        method=Revisit.Method.PHONE,
    )
    case.refresh_from_db()
    return case


def _whistle_request(users, own) -> int:
    from whistles import services
    from whistles.models import ResidentWhistleRequest

    found = ResidentWhistleRequest.objects.filter(case=own).order_by("id").first()
    if found is None:
        found = services.resident_whistle_request(
            actor=users["resident"], case=own, reason="反复反映没有解决"
        )
    return found.pk


def _whistle(users, street, department, case) -> int:
    from whistles import services
    from whistles.models import Whistle

    found = Whistle.objects.filter(reason__contains=BENCH_MARK).order_by("id").first()
    if found is None:
        found = services.whistle_blow(
            actor=users["street_official"],
            units=[department],
            reason=f"路面塌陷（{BENCH_MARK}）",
            place="12号院",
            case=case,
            street=street,
        )
    return found.pk


def _meetings(users, community) -> tuple[int, int]:
    from django.utils import timezone

    from council import services
    from council.models import Meeting, Party

    worker = users["community_worker"]
    found = Meeting.objects.filter(community=community, title__contains=BENCH_MARK)

    def plan(title):
        meeting = services.meeting_plan(
            actor=worker,
            community=community,
            title=f"{title}（{BENCH_MARK}）",
            starts_at=timezone.now() + dt.timedelta(minutes=30),
            place="5号院",
            format=Meeting.Format.COURTYARD,
            notice="请各方代表准时参加。",
        )
        services.meeting_publish_notice(actor=worker, meeting=meeting)
        return meeting

    held = found.exclude(status=Meeting.Status.PLANNED).order_by("id").first()
    if held is None:
        held = plan("楼道堆物清理议事")
        people = [
            services.participant_invite(actor=worker, meeting=held, party=party, name=name)
            for party, name in ((Party.RESIDENTS_COMMITTEE, "王主任"), (Party.RESIDENTS, "张大爷"))
        ]
        services.meeting_hold(actor=worker, meeting=held)
        services.attendance_record(actor=worker, meeting=held, attended_ids=[p.id for p in people])
    planned = found.filter(status=Meeting.Status.PLANNED).order_by("id").first()
    if planned is None:
        planned = plan("停车难议事")
    return held.pk, planned.pk


def _theme(users, lead_unit, month) -> int:
    from themes import services
    from themes.models import Theme

    found = Theme.objects.filter(title__contains=BENCH_MARK).order_by("id").first()
    if found is None:
        found = services.theme_create(
            actor=users["dispatcher"],
            title=f"道路塌陷专项治理（{BENCH_MARK}）",
            month=month.strftime("%Y-%m"),
            lead_unit=lead_unit,
            milestones=[("摸排", month + dt.timedelta(days=20))],
        )
    return found.pk


def _article(users, unit, leaf) -> int:
    from knowledge import services
    from knowledge.models import Article

    found = Article.objects.filter(title__contains=BENCH_MARK).order_by("id").first()
    if found is None:
        found = services.article_create(
            actor=users["handler"],
            unit=unit,
            note="初稿",
            title=f"小区停车费收费标准是多少（{BENCH_MARK}）",
            answer="住宅小区停车费实行政府指导价。",
            category=leaf,
            public=True,
        )
        found = services.article_submit(actor=users["handler"], article=found)
        found = services.article_publish(actor=users["dispatcher"], article=found, note="审核通过")
    return found.pk


def _report(district, month) -> int:
    from reports import services
    from reports.models import MonthlyReport

    found = MonthlyReport.objects.filter(region=district).order_by("-id").first()
    if found is None:
        found = services.report_generate(month=month, region=district, notify=False)
    return found.pk


def _assessment(users, month) -> tuple[int, int]:
    """A published month: the unit page and the exports read it."""
    from assessment import services
    from assessment.models import AssessmentRun, UnitScore

    run = AssessmentRun.objects.filter(status=AssessmentRun.Status.PUBLISHED).order_by("-id")
    run = run.first()
    if run is None:
        run = services.assessment_compute(month=month, actor=users["dispatcher"])
        run = services.assessment_publish(run=run, actor=users["dispatcher"])
    score = UnitScore.objects.filter(run=run).order_by("id").first()
    return run.pk, score.unit_id if score else users["handler"].memberships.first().unit_id


def _suggestion(users) -> int | None:
    from django.utils import timezone

    from themes import services
    from themes.models import ProactiveSuggestion

    found = ProactiveSuggestion.objects.order_by("-id").first()
    if found is None:
        made = services.suggestions_generate(
            month=timezone.localdate().replace(day=1), actor=users["dispatcher"]
        )
        found = made[0] if made else None
    return found.pk if found else None


def _open311_token(leaf, region) -> str:
    """A request filed through Open311 (its POST is the only way a token is made)."""
    from django.test import Client

    from open311.models import Open311Request
    from open311.services import ensure_demo_client

    found = Open311Request.objects.exclude(token="").order_by("id").first()
    if found is not None:
        return found.token
    from open311.services import DEMO_KEY

    ensure_demo_client()
    lat = region.center_lat or "39.9"
    lng = region.center_lng or "116.4"
    response = Client().post(
        "/open311/v2/requests.json",
        {
            "api_key": DEMO_KEY,
            "service_code": leaf.code,
            "description": f"路灯不亮（{BENCH_MARK}）",
            "lat": lat,
            "long": lng,
        },
    )
    found = Open311Request.objects.exclude(token="").order_by("id").first()
    if found is None:
        raise SystemExit(f"Open311 POST made no token: {response.status_code} {response.content}")
    return found.token


def _patrol(users, community, leaf) -> None:
    from civic.models import Region
    from patrol import services
    from patrol.models import GridAssignment, PatrolReport

    grid = Region.objects.filter(level=Region.Level.GRID, parent=community).order_by("id").first()
    if grid is None:
        grid = Region.objects.create(
            code=f"{community.code}-G1",
            name=f"{community.name}第一网格",
            level=Region.Level.GRID,
            parent=community,
        )
    GridAssignment.objects.get_or_create(worker=users["grid_worker"], grid=grid)
    if not PatrolReport.objects.filter(grid=grid).exists():
        services.patrol_report_create(
            actor=users["grid_worker"],
            grid=grid,
            category=leaf,
            text=f"路边垃圾堆放（{BENCH_MARK}）",
            lat=community.center_lat or "39.9",
            lng=community.center_lng or "116.4",
        )


# --- measuring -----------------------------------------------------------------------------


def fill(surface: Surface, ctx: dict) -> str:
    return surface.path.format(**ctx)


def clients(users: dict) -> dict:
    from django.test import Client

    out = {}
    for role, user in users.items():
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user)
        out[role] = client
    return out


def _error_summary(response) -> str:
    exc = getattr(response, "exc_info", None)
    if not exc:
        return ""
    frames = traceback.extract_tb(exc[2])[-3:]
    where = " < ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(frames))
    return f"{exc[0].__name__}: {str(exc[1])[:200]} ({where})"


def request(client, path: str, accept: str):
    response = client.get(path, HTTP_ACCEPT=accept)
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)  # a file is only served once it is read
    return response


def measure(client, path: str, accept: str, n: int, seconds: float) -> dict:
    """A warm-up (n/10, 1 to 5 requests), then n requests or as many as fit in `seconds`
    (at least 3): slow surfaces are slow enough to show with fewer samples."""
    warm = max(1, min(5, n // 10))
    response = None
    for _ in range(warm):
        response = request(client, path, accept)
    samples = []
    stop_at = time.perf_counter() + seconds
    while len(samples) < n and (len(samples) < 3 or time.perf_counter() < stop_at):
        start = time.perf_counter()
        response = request(client, path, accept)
        samples.append(time.perf_counter() - start)
        if response.status_code >= 500:
            break
    return {
        "status": response.status_code,
        "error": _error_summary(response),
        **summary_ms(samples),
    }


def verdict(group: str, p95: float | None, ok: bool) -> str:
    target = TARGETS_MS[group]
    if not ok:
        return "error"
    if target is None:
        return "—"
    return "yes" if p95 is not None and p95 < target else "NO"


def write_markdown(rows: list[dict], total: int, started: str) -> None:
    lines = [
        "# Every surface (bench/surfaces_bench.py)",
        "",
        f"Generated {started} on {total:,} cases; p50/p95 in ms, in-process test client.",
        "Targets: pages and list endpoints p95 < 50 ms; admin changelists < 200 ms; "
        "exports, PDFs and feeds: no target.",
        "",
        "| group | route | URL | role | status | n | p50 ms | p95 ms | target | met? |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        target = TARGETS_MS[r["group"]]
        lines.append(
            f"| {r['group']} | {r['route']} | `{r['path']}` | {r['role']} | {r['status']} | "
            f"{r['n']} | {r['median_ms']} | {r['p95_ms']} | "
            f"{f'< {target:g}' if target else '—'} | {r['met']} |"
        )
    errors = [r for r in rows if r["error"] or r["status"] != r["expected"]]
    if errors:
        lines += ["", "## Errors", ""]
        lines += [
            f"- `{r['path']}` as {r['role']}: HTTP {r['status']} {r['error']}" for r in errors
        ]
    MARKDOWN.write_text("\n".join(lines) + "\n", encoding="utf-8")


def run(n: int, seconds: float, only: str = "") -> int:
    """Measure every surface; returns the exit status (1 when routes are missing)."""
    from cases.models import Case

    missing = missing_routes()
    users, ctx = prepare()
    by_role = clients(users)
    total = Case.objects.count()
    started = time.strftime("%Y-%m-%d %H:%M")
    rows = []
    for s in all_surfaces():
        if only and only not in s.route and only not in s.path:
            continue
        if "{suggestion}" in s.path and ctx.get("suggestion") is None:
            empty = {"n": 0, "median_ms": None, "p95_ms": None, "p99_ms": None}
            error = "no proactive suggestion could be made from this history"
            rows.append(
                {**s.__dict__, "expected": s.status, "status": "no data", "error": error, **empty}
                | {"met": "error"}
            )
            continue
        path = fill(s, ctx)
        r = measure(by_role[s.role], path, s.accept, n, seconds)
        ok = r["status"] == s.status
        met = verdict(s.group, r["p95_ms"], ok)
        rows.append({**s.__dict__, "path": path, "expected": s.status, **r, "met": met})
        print_row(
            f"{s.route} ({s.role})"[:34],
            f"p50 {r['median_ms']} p95 {r['p95_ms']} ms" if ok else f"HTTP {r['status']}",
            path[:30],
            met,
            f"p95 < {TARGETS_MS[s.group]:g} ms" if TARGETS_MS[s.group] else "own figure",
        )
    groups = {}
    for g in TARGETS_MS:
        mine = [r for r in rows if r["group"] == g]
        groups[g] = {
            "surfaces": len(mine),
            "met": sum(r["met"] in ("yes", "—") for r in mine),
            "errors": sum(r["met"] == "error" for r in mine),
        }
    for g, c in groups.items():
        print_row(g[:34], f"{c['met']}/{c['surfaces']} met, {c['errors']} errors", "", "", "")
    if missing:
        print_row("surfaces: routes not measured", ", ".join(missing)[:34], "", "", "FAIL")
        print("missing routes (measure them in SURFACES or exclude them with a reason):")
        for key in missing:
            print(f"  {key}")
    if only:  # a partial run is for looking, not for the record
        return 1 if missing else 0
    write_markdown(rows, total, started)
    record(
        "surfaces",
        {
            "cases": total,
            "requests": n,
            "groups": groups,
            "missing_routes": missing,
            "rows": [{k: v for k, v in r.items() if k != "accept"} for r in rows],
        },
    )
    return 1 if missing else 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=4.0, help="time bound per surface")
    parser.add_argument("--only", default="", help="only surfaces whose route or path holds this")
    args = parser.parse_args()
    # The bench asks thousands of times a minute from one address: the throttles (which would
    # answer 429) are lifted; their cache lookup per request is still paid.
    for scope in ("INTAKE", "TRACKING", "OPEN311", "ANON", "USER"):
        os.environ.setdefault(f"THROTTLE_{scope}", "1000000/min")
    setup_django()
    from django.conf import settings

    import civic.wsgi  # noqa: F401  start-up as in production (it freezes start-up objects)

    settings.ALLOWED_HOSTS = ["*"]
    sys.exit(run(args.requests, args.seconds, args.only))


if __name__ == "__main__":
    main()
