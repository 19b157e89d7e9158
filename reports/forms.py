from django import forms
from django.utils.translation import gettext_lazy as _

from civic.forms import ModelChoiceField
from civic.models import Region


class GenerateForm(forms.Form):
    month = forms.DateField(
        label=_("Month"),
        input_formats=["%Y-%m"],
        widget=forms.DateInput(
            format="%Y-%m", attrs={"placeholder": "2026-11", "inputmode": "numeric"}
        ),
        error_messages={"invalid": _("Use the form YYYY-MM.")},
    )
    region = ModelChoiceField(label=_("Region"), queryset=Region.objects.none())

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions if regions is not None else Region.objects.none()


class SubscribeForm(forms.Form):
    region = ModelChoiceField(label=_("Region"), queryset=Region.objects.none())
    subscribed = forms.BooleanField(required=False)

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions if regions is not None else Region.objects.none()
