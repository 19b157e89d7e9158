from rest_framework import serializers

from assessment.models import AssessmentRun, UnitScore


class RunSerializer(serializers.ModelSerializer):
    month = serializers.CharField(source="month_label", read_only=True)
    policy = serializers.SerializerMethodField()

    class Meta:
        model = AssessmentRun
        fields = ["id", "month", "revision", "status", "computed_at", "published_at", "policy"]

    def get_policy(self, run) -> dict:
        p = run.policy
        return {
            "effective_from": p.effective_from,
            "weight_response": str(p.weight_response),
            "weight_resolution": str(p.weight_resolution),
            "weight_satisfaction": str(p.weight_satisfaction),
            "basically_credit": str(p.basically_credit),
            "min_cases": p.min_cases,
            "board_size": p.board_size,
        }


class ScoreSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = UnitScore
        fields = [
            "unit",
            "unit_name",
            "peer_group",
            "cases",
            "exempt",
            "returned",
            "responded",
            "revisited",
            "resolved",
            "satisfied",
            "basically",
            "dissatisfied",
            "response_rate",
            "resolution_rate",
            "satisfaction_rate",
            "score",
            "ranked",
            "rank",
            "board",
            "whistle_on_time",
            "whistle_total",
        ]


class ComputeSerializer(serializers.Serializer):
    month = serializers.RegexField(r"^\d{4}-\d{2}$")
