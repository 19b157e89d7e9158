from django import forms
from django.utils.translation import gettext_lazy as _

from civic.errors import DomainValidationError

from . import selectors


class CallerLookupForm(forms.Form):
    phone = forms.CharField(
        label=_("Caller's phone number"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"]
        try:
            selectors.caller_phone_digits(phone)
        except DomainValidationError as exc:
            raise forms.ValidationError(exc.message) from exc
        return phone
