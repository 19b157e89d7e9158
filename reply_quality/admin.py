from django.contrib import admin

from civic.admin import ReadOnlyAdmin

from .models import QualityReview, ReplyCheck


@admin.register(ReplyCheck)
class ReplyCheckAdmin(ReadOnlyAdmin):
    list_display = [
        "reply",
        "unit",
        "replied_at",
        "relevance",
        "completeness",
        "explanation",
        "originality",
        "flagged",
    ]
    list_filter = ["flagged"]


@admin.register(QualityReview)
class QualityReviewAdmin(ReadOnlyAdmin):
    list_display = ["reply_check", "reason", "queued_at", "verdict", "reviewed_by", "reviewed_at"]
    list_filter = ["reason", "verdict"]
