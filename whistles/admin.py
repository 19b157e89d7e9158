"""吹哨报到 in the admin: whistles with their summonses, residents' whistle requests."""

from django.contrib import admin

from .models import ResidentWhistleRequest, Whistle, WhistleSummons


class WhistleSummonsInline(admin.TabularInline):
    model = WhistleSummons
    extra = 0
    readonly_fields = ["unit", "state", "summoned_at", "reported_at", "reporters", "missed_at"]


@admin.register(Whistle)
class WhistleAdmin(admin.ModelAdmin):
    list_display = ["id", "street", "place", "status", "blown_at", "report_due_at"]
    list_filter = ["status"]
    raw_id_fields = ["case", "extra_cases", "blown_by", "closed_by"]
    inlines = [WhistleSummonsInline]


@admin.register(ResidentWhistleRequest)
class ResidentWhistleRequestAdmin(admin.ModelAdmin):
    list_display = ["id", "case", "street", "state", "requested_at"]
    list_filter = ["state"]
    raw_id_fields = ["case", "resident", "decided_by", "whistle"]
