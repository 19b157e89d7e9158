"""Shared django-filter building blocks for the API's FilterSets (each app's `api/filters.py`).

Every query parameter of a list goes through a FilterSet: an invalid value is a 400 in the API's
error shape (`{"message": …, "extra": {"fields": {<param>: [...]}}}`), never a database error.
ViewSets and generic views get this from `DjangoFilterBackend` (`filterset_class`); a plain view
that only needs the validated values uses `valid_filterset`.
"""

from __future__ import annotations

import datetime as dt
import re

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from django_filters.utils import translate_validation
from drf_spectacular.utils import extend_schema_field

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


class BoundedIsoDateTimeField(IsoDateTimeField):
    """ISO datetimes PostgreSQL can store: years 1970–2100, offsets within ±14 h."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None:
            return None
        offset = parsed.utcoffset() if parsed.tzinfo else None
        if not 1970 <= parsed.year <= 2100 or (
            offset is not None and abs(offset) > dt.timedelta(hours=14)
        ):
            raise forms.ValidationError("Date out of range.", code="invalid")
        return parsed


class BoundedIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = BoundedIsoDateTimeField


class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number a bigint column can hold (a decimal or 1e30 is a 400, not a
    database overflow)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class MonthField(forms.CharField):
    """`YYYY-MM` → the first day of that month (how month columns are stored)."""

    default_error_messages = {"invalid": _("Give the month as YYYY-MM.")}

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        if not re.fullmatch(MONTH_PATTERN, value):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        year, month = value.split("-")
        try:
            return dt.date(int(year), int(month), 1)
        except ValueError as exc:  # year 0000
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc


@extend_schema_field({"type": "string", "pattern": MONTH_PATTERN, "description": "YYYY-MM"})
class MonthFilter(django_filters.Filter):
    """A month (`YYYY-MM`) matched against a date column holding the month's first day."""

    field_class = MonthField


def valid_filterset(filterset_class, request, queryset):
    """The FilterSet of `request`'s query parameters, validated as `DjangoFilterBackend` does
    (the same 400 body), for a view that is not a generic list."""
    filterset = filterset_class(request.query_params, queryset=queryset, request=request)
    if not filterset.is_valid():
        raise translate_validation(filterset.errors)
    return filterset


class ListFiltersOnlyMixin:
    # The list's filters are for the list: an object's own URL (and its actions) finds it
    # whatever the query string holds (DRF's `get_object` would apply them too). A comment,
    # not a docstring: drf-spectacular would show a docstring on every operation of the view.

    def filter_queryset(self, queryset):
        if getattr(self, "action", "list") != "list":
            return queryset
        return super().filter_queryset(queryset)
