"""Patrol forms: shapes only; the services check the grid, the position and the text."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms import CategoryChoiceField
from civic.forms import ModelChoiceField
from civic.models import Region

from .services import TEXT_MAX


class _GridForm(forms.Form):
    grid = ModelChoiceField(label=_("Grid"), queryset=Region.objects.none())
    # Filled by the page from the phone's location (static/patrol/patrol.js).
    lat = forms.DecimalField(
        required=False, widget=forms.HiddenInput, max_digits=12, decimal_places=8
    )
    lng = forms.DecimalField(
        required=False, widget=forms.HiddenInput, max_digits=12, decimal_places=8
    )

    def __init__(self, *args, grids=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["grid"]
        field.queryset = grids if grids is not None else Region.objects.none()
        if grids is not None and len(grids) == 1:
            field.initial = grids[0].pk
            field.empty_label = None
        if grids is not None:
            # The options from the grids the page already loaded: a ModelChoiceField would read
            # its queryset again each time the widget looks at its choices (twice per form,
            # two forms a page). A submitted grid is still checked against the queryset.
            empty = [("", field.empty_label)] if field.empty_label is not None else []
            field.choices = [*empty, *((g.pk, field.label_from_instance(g)) for g in grids)]


class PatrolReportForm(_GridForm):
    category = CategoryChoiceField(label=_("Category"))
    text = forms.CharField(
        label=_("What you found"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": TEXT_MAX}),
    )
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        help_text=_("JPEG, PNG, GIF or WebP, at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    accuracy_m = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=0)


class CheckInForm(_GridForm):
    pass
