"""Admin banner: the working calendar lacks this year or the next, or holds only provisional
days for it (same rules as civic.W001 and civic.W002)."""

from django import template
from django.core.cache import cache
from django.db import DatabaseError

from civic.calendar import missing_years, package_last_year, provisional_years

register = template.Library()

# Admin pages are few and cheap, but every page renders the banner: cache the answer briefly.
_CACHE_KEY = "civic:calendar-warning-years"


@register.inclusion_tag("admin/civic_calendar_warning.html")
def calendar_warning():
    years = cache.get(_CACHE_KEY)
    if years is None:
        try:
            years = {"missing": missing_years(), "provisional": provisional_years()}
        except DatabaseError:
            years = {"missing": [], "provisional": []}
        cache.set(_CACHE_KEY, years, 60)
    return {
        "missing_years": years["missing"],
        "provisional_years": years["provisional"],
        "computed_after": package_last_year(),
    }
