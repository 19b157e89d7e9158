"""A serializer's `to_representation` for many rows, with the per-field decisions made once.

DRF builds a ModelSerializer's fields anew for every response (introspecting the model: 5 ms
for a case and its nested category, region and unit on this box), then asks every field of
every row the same questions again: which attribute, is it callable, is it a PK-only
relation, which time zone, which output format. On the API case list (50 cases × 40 fields)
that was most of the response time. Here a serializer class's fields are read once per process
into a plan, and each field becomes a function from the row to its value:

- model scalars (char, choice, boolean, integer) and PK-only relations read the attribute and
  convert it as DRF does;
- date-times are converted to the current time zone (looked up once per response, not per
  value) and rendered in ISO 8601 with `Z` for UTC, as `DateTimeField.to_representation` does;
- nested serializers get a plan of their own; within a response their output is remembered
  per primary key (categories, regions and units repeat from row to row);
- method fields call their method on the response's own serializer (so `self.context` is the
  request's).

A serializer with any other field (a custom `get_attribute`, a source through a method, a
list, a hyperlink that needs the request) is not planned: it renders through DRF as before.
`tests/civic/test_api_representation.py` compares the output with DRF's.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from rest_framework import fields as f
from rest_framework import relations, serializers
from rest_framework.settings import api_settings

Convert = Callable[[Any], Any]


class _Unplannable(Exception):
    pass


def _concrete(serializer_class, names: list[str]):
    """The concrete model field that `names` reads on the serializer's model, or None."""
    model = getattr(getattr(serializer_class, "Meta", None), "model", None)
    if model is None or len(names) != 1:
        return None
    try:
        field = model._meta.get_field(names[0])
    except FieldDoesNotExist:
        return None
    return field if getattr(field, "concrete", False) else None


def _choice(field: f.ChoiceField) -> Convert:
    choices = field.choice_strings_to_values

    def convert(value):
        if value in ("", None):
            return value
        return choices.get(str(value), value)

    return convert


@functools.cache
def _plan(serializer_class) -> tuple | None:
    """(name, kind, attribute, detail) per readable field, or None when a field cannot be
    planned (then DRF renders the class, as without this module)."""
    try:
        return _steps(serializer_class)
    except _Unplannable:
        return None


def _steps(serializer_class) -> tuple:
    prototype = serializer_class()
    steps = []
    for field in prototype._readable_fields:
        name = field.field_name
        if isinstance(field, serializers.SerializerMethodField):
            steps.append((name, "method", None, field.method_name))
            continue
        target = _concrete(serializer_class, field.source_attrs) if field.source != "*" else None
        plain = type(field).get_attribute is f.Field.get_attribute
        if target is None:
            raise _Unplannable(name)
        attname = target.attname
        if isinstance(field, serializers.ModelSerializer) and plain:
            steps.append((name, "nested", target.name, type(field)))
        elif (
            type(field) is relations.PrimaryKeyRelatedField
            and field.pk_field is None
            and field.use_pk_only_optimization()
        ):
            # As RelatedField.get_attribute: the key from the row (`<fk>_id`), not the object.
            steps.append((name, "value", attname, None))
        elif not plain or isinstance(field, serializers.BaseSerializer):
            raise _Unplannable(name)
        elif type(field) is f.CharField:
            steps.append((name, "convert", attname, str))
        elif type(field) is f.IntegerField:
            steps.append((name, "convert", attname, int))
        elif type(field) is f.ChoiceField:
            steps.append((name, "convert", attname, _choice(field)))
        elif type(field) is f.DateTimeField and _plain_iso(field):
            steps.append((name, "datetime", attname, field))
        else:
            # Context-free fields (booleans, decimals, …): their own conversion.
            steps.append((name, "convert", attname, field.to_representation))
    return tuple(steps)


def _plain_iso(field: f.DateTimeField) -> bool:
    output = getattr(field, "format", api_settings.DATETIME_FORMAT)
    return (
        output is not None
        and output.lower() == f.ISO_8601
        and settings.USE_TZ
        and not hasattr(field, "timezone")
    )


def _datetime(field: f.DateTimeField, zone) -> Convert:
    def render(value):
        if not value:
            return None
        if not isinstance(value, dt.datetime) or timezone.is_naive(value):
            return field.to_representation(value)
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return render


METHOD = object()  # a step whose value is its serializer method's result


class Representation:
    """`serializer.to_representation(row)` for each row of one response (see the module)."""

    def __init__(self, serializer: serializers.Serializer, *, zone=None):
        zone = zone or timezone.get_current_timezone()
        self.memo: dict[Any, dict] | None = None
        self.steps: list[tuple[str, str, Any]] = []
        plan = _plan(type(serializer))
        if plan is None:
            raise ValueError(f"{type(serializer).__name__} has fields DRF must render itself")
        for name, kind, attribute, detail in plan:
            if kind == "method":
                self.steps.append((name, METHOD, getattr(serializer, detail)))
            elif kind == "nested":
                nested = Representation(detail(context=serializer.context), zone=zone)
                nested.memo = {}
                self.steps.append((name, attribute, nested.one))
            elif kind == "value":
                self.steps.append((name, attribute, None))
            elif kind == "datetime":
                self.steps.append((name, attribute, _datetime(detail, zone)))
            else:
                self.steps.append((name, attribute, detail))

    def one(self, instance) -> dict | None:
        if instance is None:
            return None
        memo = self.memo
        key = None
        if memo is not None:
            key = instance.pk
            if key in memo:
                return memo[key]
        out = {}
        for name, attribute, convert in self.steps:
            if attribute is METHOD:
                out[name] = convert(instance)
                continue
            value = getattr(instance, attribute)
            if value is not None and convert is not None:
                value = convert(value)
            out[name] = value
        if key is not None:
            memo[key] = out
        return out

    def many(self, instances: Iterable) -> list[dict]:
        return [self.one(instance) for instance in instances]


class FastListSerializer(serializers.ListSerializer):
    """`many=True` through a `Representation` when the child serializer can be planned (set
    `list_serializer_class` to it in the serializer's Meta); DRF's own loop otherwise. The
    output is DRF's: a ReturnList of the same dicts."""

    def to_representation(self, data):
        if _plan(type(self.child)) is None:
            return super().to_representation(data)
        rows = data.all() if hasattr(data, "all") else data
        return Representation(self.child).many(rows)
