from django.contrib import admin

from .models import Milestone, ProactiveSuggestion, Theme, ThemeEvent


class MilestoneInline(admin.TabularInline):
    """Read-only: milestones are added and marked done through the services (audited)."""

    model = Milestone
    extra = 0
    can_delete = False
    readonly_fields = ["title", "due_date", "done_at", "done_by", "note"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    """Read-mostly: themes change through the pages and the API (services write the audit)."""

    list_display = ["title", "month", "status", "lead_unit"]
    list_filter = ["status", "month"]
    search_fields = ["title", "keywords"]
    inlines = [MilestoneInline]
    readonly_fields = [f.name for f in Theme._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ProactiveSuggestion)
class ProactiveSuggestionAdmin(admin.ModelAdmin):
    list_display = ["month", "category", "region", "suggested_unit", "status", "score"]
    list_select_related = ["category", "region", "suggested_unit"]
    list_filter = ["status", "month"]
    readonly_fields = [f.name for f in ProactiveSuggestion._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ThemeEvent)
class ThemeEventAdmin(admin.ModelAdmin):
    list_display = ["at", "action", "theme", "suggestion", "actor"]
    # One query for the page: a suggestion's name is its month, category and region.
    list_select_related = ["theme", "suggestion__category", "suggestion__region", "actor"]
    readonly_fields = [f.name for f in ThemeEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
