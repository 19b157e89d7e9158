from django.contrib import admin

from civic.admin import ReadOnlyAdmin

from .models import MonthlyReport, ReportSubscription


@admin.register(MonthlyReport)
class MonthlyReportAdmin(ReadOnlyAdmin):
    list_display = ["month", "region", "revision", "generated_at", "generated_by"]
    exclude = ["figures"]


@admin.register(ReportSubscription)
class ReportSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "region", "created_at"]
    raw_id_fields = ["user", "region"]
