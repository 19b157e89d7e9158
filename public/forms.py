"""Forms of the public side: the map's view (its bounding box and zoom)."""

from __future__ import annotations

import math

from django import forms
from django.utils.translation import gettext_lazy as _

DEFAULT_ZOOM = 11


class MapViewForm(forms.Form):
    """What the map asks for: `bbox=west,south,east,north` (degrees) and `zoom` (Leaflet's)."""

    bbox = forms.CharField(label=_("map area"), required=False, max_length=120)
    zoom = forms.IntegerField(label=_("zoom"), required=False, min_value=0, max_value=22)

    def clean_bbox(self) -> tuple[float, float, float, float] | None:
        raw = self.cleaned_data["bbox"].strip()
        if not raw:
            return None
        parts = raw.split(",")
        try:
            west, south, east, north = (float(p) for p in parts)
        except ValueError:
            raise forms.ValidationError(
                _("Give the map area as four numbers: west, south, east, north.")
            ) from None
        if not all(math.isfinite(v) for v in (west, south, east, north)):
            raise forms.ValidationError(_("The map area must be finite numbers."))
        if not (-90 <= south <= north <= 90) or not (-180 <= west <= east <= 180):
            raise forms.ValidationError(
                _(
                    "The map area must lie within longitudes -180 to 180 and latitudes -90 to "
                    "90, west before east and south before north."
                )
            )
        return west, south, east, north

    def clean_zoom(self) -> int:
        zoom = self.cleaned_data["zoom"]
        return DEFAULT_ZOOM if zoom is None else zoom
