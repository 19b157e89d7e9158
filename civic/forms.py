"""Form fields for row ids, shared by every app's forms.

Django's `ModelMultipleChoiceField` looks the submitted ids up with `pk__in`, which passes an
id past the database's integer range straight to the driver: `co_units=99999999999999999999`
was an OverflowError (SQLite) or a DataError (PostgreSQL), a 500, instead of a form error. Row
ids are 1 … 2**63 - 1 (bigint), so these fields refuse anything outside that before a query is
built; every form field that takes row ids uses them.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db import models
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from .errors import ApplicationError

MAX_ROW_ID = 2**63 - 1


def outside_row_ids(value) -> bool:
    """A whole number that cannot be a row id. Anything that is not a whole number is left to
    the field's own checks (which already answer it with a form error)."""
    if isinstance(value, models.Model):
        return False
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return False
    return not 1 <= number <= MAX_ROW_ID


def row_id(value) -> int | None:
    """A query-string value read as a row id (ASCII digits, 1 … MAX_ROW_ID), else None: for
    filters that ignore a value they cannot use rather than refuse the page."""
    text = str(value or "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ROW_ID else None


def _integer_keys(field) -> bool:
    # Only fields that look rows up by an integer primary key (not by `to_field_name`).
    if field.to_field_name is not None or field.queryset is None:
        return False
    return isinstance(field.queryset.model._meta.pk, models.IntegerField)


class RowIdField(forms.IntegerField):
    """A row id given as a number (a hidden input naming a row)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ROW_ID)
        super().__init__(**kwargs)


class ModelChoiceField(forms.ModelChoiceField):
    """Django's, with ids out of range an invalid choice before any query."""

    def to_python(self, value):
        if value not in self.empty_values and _integer_keys(self) and outside_row_ids(value):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return super().to_python(value)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's, with ids out of range an invalid choice before the `pk__in` query."""

    def _check_values(self, value):
        if _integer_keys(self):
            for pk in value:
                if outside_row_ids(pk):
                    raise forms.ValidationError(
                        self.error_messages["invalid_choice"],
                        code="invalid_choice",
                        params={"value": pk},
                    )
        return super()._check_values(value)


class ActionForm(forms.Form):
    """A form on a page that carries several forms with the same field names (a case page's
    note and reason, a meeting record's title and party): each form's element ids carry its own
    `id_prefix`, so every label points at its own field."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"id_{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


def show_error(request, exc: ApplicationError, form=None) -> int:
    """Show a domain error where it belongs — field messages on `form`'s fields (on top of the
    form for fields it does not show), else a message at the top of the page — and return
    the page's HTTP status (the error's: 400, 403, 404, 409)."""
    fields = exc.extra.get("fields") if isinstance(exc.extra, dict) else None
    if form is not None and fields:
        for field, errors in fields.items():
            shown = field in form.fields and not form.fields[field].widget.is_hidden
            for error in errors:
                form.add_error(field if shown else None, error)
    else:
        messages.error(request, exc.message)
    return exc.status_code


# --- long pickers -------------------------------------------------------------------------------


def _attrs_html(attrs: dict) -> str:
    # As django/forms/widgets/attrs.html: False leaves the attribute out, True writes its name.
    return "".join(
        f" {name}" if value is True else f' {name}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


class FastSelectMixin:
    """Writes the same markup as Django's select templates, in Python: through the template
    engine each option is an include of select_option.html (about 0.2 ms), so a picker of 800
    categories, communities or units took half of a page's time. Used by every long picker
    (filing, knowledge, themes); tests/cases/test_perf27_filing.py compares the markup with
    Django's own."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        out = [
            f'<select name="{conditional_escape(widget["name"])}"{_attrs_html(widget["attrs"])}>'
        ]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                out.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in options:
                out.append(
                    f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                    f"{_attrs_html(option['attrs'])}>{conditional_escape(option['label'])}"
                    "</option>\n"
                )
            if group_name:
                out.append("\n  </optgroup>")
        out.append("\n</select>")
        return mark_safe("".join(out))


class FastSelect(FastSelectMixin, forms.Select):
    pass


class FastSelectMultiple(FastSelectMixin, forms.SelectMultiple):
    pass


class NameChoiceIterator(forms.models.ModelChoiceIterator):
    """(id, name) pairs read with values_list: building hundreds of model instances only to
    print their names was most of what a category, region or unit picker cost."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.queryset.values_list("pk", "name")
