from django.contrib import admin

from civic.admin import ReadOnlyAdmin

from .models import GridAssignment, PatrolCheckIn, PatrolReport


@admin.register(GridAssignment)
class GridAssignmentAdmin(admin.ModelAdmin):
    """Administrators attach grid workers to their grids."""

    list_display = ["worker", "grid", "active", "since"]
    list_filter = ["active"]
    autocomplete_fields = ["worker"]
    raw_id_fields = ["grid"]


@admin.register(PatrolReport)
class PatrolReportAdmin(ReadOnlyAdmin):
    list_display = ["case", "worker", "grid", "at"]


@admin.register(PatrolCheckIn)
class PatrolCheckInAdmin(ReadOnlyAdmin):
    list_display = ["worker", "grid", "at"]
