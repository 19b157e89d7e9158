"""The dashboard page: figures rendered once, then kept fresh by static/dashboard/dashboard.js
polling the API."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _

from civic.errors import DomainValidationError, PermissionDeniedError
from patrol.selectors import may_see_stats as may_see_patrol_stats

from . import selectors

POLL_SECONDS = 30


@login_required
def dashboard(request):
    try:
        scope = selectors.dashboard_scope(request.user)
    except PermissionDeniedError as exc:
        raise PermissionDenied(str(exc)) from exc
    status, error = 200, ""
    region_param = request.GET.get("region", "")
    try:
        narrowed = selectors.narrow_scope(scope, region_param)
    except PermissionDeniedError as exc:
        raise PermissionDenied(str(exc)) from exc
    except DomainValidationError as exc:
        narrowed, status, error, region_param = scope, 400, str(exc), ""
    figures = selectors.dashboard_figures(narrowed)
    tables = {
        name: {**spec, "rows": _rows(figures, spec["path"])} for name, spec in table_specs().items()
    }
    return render(
        request,
        "dashboard/dashboard.html",
        {
            "f": figures,
            "tables": tables,
            "regions": selectors.region_choices(scope),
            "region_param": region_param,
            "error": error,
            "poll_seconds": POLL_SECONDS,
            "heat_w": selectors.HEAT_W,
            "heat_h": selectors.HEAT_H,
            "show_patrol_link": may_see_patrol_stats(request.user),
        },
        status=status,
    )


def _rows(figures: dict, path: str) -> list:
    value = figures
    for part in path.split("."):
        value = value.get(part, {}) if isinstance(value, dict) else {}
    return value if isinstance(value, list) else []


def table_specs() -> dict:
    """Each chart's data table: the API path of its rows and its columns (field, header,
    format). The page's script rebuilds the same tables from the API with these columns."""
    growth = _("Growth on last month, prorated")
    return {
        "intake": {
            "caption": _("Intake by channel"),
            "path": "intake",
            "cols": [
                ("label", _("Channel"), ""),
                ("today", _("Today"), ""),
                ("month", _("This month"), ""),
            ],
        },
        "trend": {
            "caption": _("Twelve months"),
            "path": "trend",
            "cols": [
                ("month", _("Month"), ""),
                ("received", _("Received"), ""),
                ("response", _("Response rate"), "pct"),
                ("resolution", _("Resolution rate"), "pct"),
                ("satisfaction", _("Satisfaction rate"), "pct"),
            ],
        },
        "categories_first": {
            "caption": _("Top first-level categories this month"),
            "path": "top_categories.first",
            "cols": [
                ("name", _("Category"), ""),
                ("count", _("This month"), ""),
                ("previous", _("Last month, prorated to the days elapsed"), ""),
                ("growth", growth, "pct"),
            ],
        },
        "categories_second": {
            "caption": _("Top second-level categories this month"),
            "path": "top_categories.second",
            "cols": [
                ("name", _("Category"), ""),
                ("count", _("This month"), ""),
                ("previous", _("Last month, prorated to the days elapsed"), ""),
                ("growth", growth, "pct"),
            ],
        },
        "heat": {
            "caption": _("Cases this month by community"),
            "path": "heat",
            "cols": [("name", _("Community"), ""), ("count", _("Cases"), "")],
        },
        "hot_topics": {
            "caption": _("Hot topics"),
            "path": "hot_topics",
            "cols": [
                ("title", _("Topic"), ""),
                ("count", _("Cases"), ""),
                ("growth", _("Growth on last month"), "pct"),
            ],
        },
        "themes": {
            "caption": _("Themes in progress"),
            "path": "themes",
            "cols": [
                ("title", _("Theme"), ""),
                ("percent", _("Milestones done"), "pct"),
                ("cases_closed", _("Cases closed"), ""),
                ("cases_total", _("Linked cases"), ""),
            ],
        },
    }
