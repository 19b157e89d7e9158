"""Admin banner: the working calendar lacks this year or the next (same rule as civic.W001)."""

from django import template
from django.core.cache import cache
from django.db import DatabaseError

from civic.calendar import missing_years

register = template.Library()

# Admin pages are few and cheap, but every page renders the banner: cache the answer briefly.
_CACHE_KEY = "civic:calendar-missing-years"


@register.inclusion_tag("admin/civic_calendar_warning.html")
def calendar_warning():
    years = cache.get(_CACHE_KEY)
    if years is None:
        try:
            years = missing_years()
        except DatabaseError:
            years = []
        cache.set(_CACHE_KEY, years, 60)
    return {"missing_years": years}
