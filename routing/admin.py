from django.contrib import admin

from civic.admin import LargeTableAdmin, ReadOnlyAdmin

from .models import DispatchFeedback


@admin.register(DispatchFeedback)
class DispatchFeedbackAdmin(ReadOnlyAdmin, LargeTableAdmin):
    """Read-only: each row is written by the dispatch itself (routing/receivers.py)."""

    list_display = [
        "case",
        "dispatched_at",
        "suggested_category",
        "confidence",
        "shown",
        "taken",
        "chosen_category",
        "chosen_unit",
        "model_version",
    ]
    list_filter = ["shown", "taken"]
    list_select_related = ["case", "suggested_category", "chosen_category", "chosen_unit"]
    search_fields = ["case__number__exact"]
