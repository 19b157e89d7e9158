"""Display helpers for the boards: rates as percentages."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def percent(value, empty: str = "—") -> str:
    """A stored rate (0.8182) as a percentage with one decimal ("81.8 %"); `empty` when there
    is no rate (no denominator)."""
    if value is None or value == "":
        return empty
    try:
        pct = (Decimal(value) * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError):
        return empty
    return f"{pct} %"


@register.filter
def plain_number(value) -> str:
    """A policy figure without trailing zeros: 0.500 → "0.5", 0.450 → "0.45"."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(value).normalize()
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    return f"{number:f}"
