from rest_framework import serializers

from cases.models import Reply
from reply_quality.models import QualityReview


class ReplyCheckInputSerializer(serializers.Serializer):
    case = serializers.CharField(max_length=32, help_text="The case number.")
    text = serializers.CharField(max_length=5000)
    result = serializers.ChoiceField(choices=Reply.Result.choices)


class ScoresSerializer(serializers.Serializer):
    relevance = serializers.FloatField()
    completeness = serializers.FloatField()
    explanation = serializers.FloatField(
        allow_null=True, help_text="Null unless the result is 'explained'."
    )
    originality = serializers.FloatField(help_text="1 − similarity to boilerplate.")


class WarningSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class ReplyCheckOutputSerializer(serializers.Serializer):
    scores = ScoresSerializer()
    combined = serializers.FloatField()
    warnings = WarningSerializer(many=True)
    flagged = serializers.BooleanField()


class ReviewSerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="reply_check.reply.case.number")
    case_title = serializers.CharField(source="reply_check.reply.case.title")
    complaint = serializers.CharField(source="reply_check.reply.case.description")
    unit = serializers.CharField(source="reply_check.unit.name")
    reply = serializers.CharField(source="reply_check.reply.text")
    result = serializers.CharField(source="reply_check.reply.result")
    replied_at = serializers.DateTimeField(source="reply_check.replied_at")
    scores = serializers.SerializerMethodField()
    warnings = serializers.ListField(source="reply_check.warnings", child=serializers.CharField())
    flagged = serializers.BooleanField(source="reply_check.flagged")
    reviewed_by = serializers.CharField(
        source="reviewed_by.username", allow_null=True, default=None
    )

    class Meta:
        model = QualityReview
        fields = [
            "id",
            "case",
            "case_title",
            "complaint",
            "unit",
            "reply",
            "result",
            "replied_at",
            "scores",
            "warnings",
            "flagged",
            "reason",
            "queued_at",
            "verdict",
            "note",
            "reviewed_by",
            "reviewed_at",
        ]

    def get_scores(self, review) -> dict:
        c = review.reply_check
        return {
            "relevance": c.relevance,
            "completeness": c.completeness,
            "explanation": c.explanation,
            "originality": c.originality,
        }


class VerdictInputSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=QualityReview.Verdict.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
