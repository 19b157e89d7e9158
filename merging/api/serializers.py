from rest_framework import serializers

from cases.api.serializers import ErrorSerializer  # noqa: F401  (one error shape everywhere)

from ..services import MAX_MERGED, NOTE_MAX


class MergeInput(serializers.Serializer):
    cases = serializers.ListField(
        child=serializers.CharField(max_length=20),
        min_length=1,
        max_length=MAX_MERGED,
        help_text="Numbers of the cases to merge into this one.",
    )
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True, default="")


class UnmergeInput(serializers.Serializer):
    cases = serializers.ListField(
        child=serializers.CharField(max_length=20),
        required=False,
        max_length=MAX_MERGED,
        help_text="Numbers of the merged cases to release; all of them when left out.",
    )
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True, default="")


class MergedCaseSerializer(serializers.Serializer):
    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    merged_into = serializers.SerializerMethodField()

    def get_merged_into(self, case) -> str | None:
        return case.merged_into.number if case.merged_into_id else None


class MergeGroupSerializer(serializers.Serializer):
    number = serializers.CharField(source="main.number")
    status = serializers.CharField(source="main.status")
    merged = MergedCaseSerializer(many=True)


class UnmergeResultSerializer(serializers.Serializer):
    number = serializers.CharField(source="main.number")
    released = MergedCaseSerializer(many=True)


class CandidateSerializer(serializers.Serializer):
    number = serializers.CharField(source="case.number")
    title = serializers.CharField(source="case.title")
    status = serializers.CharField(source="case.status")
    category = serializers.CharField(source="case.category.name")
    region = serializers.CharField(source="case.region.name")
    received_at = serializers.DateTimeField(source="case.received_at")
    score = serializers.FloatField()
    text_similarity = serializers.FloatField()
    distance_m = serializers.IntegerField(allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField())
