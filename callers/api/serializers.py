from rest_framework import serializers

from callers import selectors
from cases.api.serializers import CaseCreateInput
from civic.errors import DomainValidationError


class CallerHistoryInputSerializer(serializers.Serializer):
    phone = serializers.CharField(
        max_length=32, help_text="The caller's number, any spelling (+86, spaces, dashes)."
    )

    def validate_phone(self, value: str) -> str:
        try:
            selectors.caller_phone_digits(value)
        except DomainValidationError as exc:
            raise serializers.ValidationError(exc.message) from exc
        return value


class CallerCaseSerializer(serializers.Serializer):
    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    open = serializers.BooleanField()
    lead_unit = serializers.CharField(allow_blank=True)
    handle_due_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField()
    received_at = serializers.DateTimeField()


class CallerHistoryOutputSerializer(serializers.Serializer):
    phone = serializers.CharField(help_text="The number, masked.")
    frequent = serializers.BooleanField()
    frequent_threshold = serializers.IntegerField()
    frequent_window_days = serializers.IntegerField()
    count_30_days = serializers.IntegerField()
    count_90_days = serializers.IntegerField()
    open = CallerCaseSerializer(many=True)
    closed = CallerCaseSerializer(many=True)


class RepeatCallInputSerializer(CaseCreateInput):
    """The call as the console records it, plus the open case it repeats."""

    duplicate_of = serializers.RegexField(
        r"^\d{8,20}$", max_length=20, help_text="The number of the open case this call repeats."
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class CaseProgressSerializer(serializers.Serializer):
    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    unit = serializers.CharField(allow_blank=True)
    handle_due_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField()
    latest_step = serializers.CharField(allow_blank=True)
    latest_step_at = serializers.DateTimeField(allow_null=True)


class RepeatCallOutputSerializer(serializers.Serializer):
    number = serializers.CharField(help_text="The new case, closed as a repeat request.")
    duplicate_of = serializers.CharField()
    progress = CaseProgressSerializer(help_text="What to tell the caller about the open case.")
