from django.contrib import admin

from .models import AssessmentPolicy, AssessmentRun, UnitScore


@admin.register(AssessmentPolicy)
class AssessmentPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "effective_from",
        "weight_response",
        "weight_resolution",
        "weight_satisfaction",
        "basically_credit",
        "min_cases",
        "board_size",
    ]


@admin.register(AssessmentRun)
class AssessmentRunAdmin(admin.ModelAdmin):
    list_display = ["month", "revision", "status", "computed_at", "published_at"]
    list_filter = ["status"]


@admin.register(UnitScore)
class UnitScoreAdmin(admin.ModelAdmin):
    list_display = ["run", "unit", "peer_group", "cases", "score", "rank", "board"]
    list_filter = ["peer_group", "board"]
