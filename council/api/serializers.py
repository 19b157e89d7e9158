"""Input serializers validate shape only; output serializers render. No save() logic here."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from council.hooks import linked_case_status, linked_case_statuses
from council.models import (
    AgendaItem,
    Deliberation,
    ListItem,
    Meeting,
    MinutesVersion,
    Participant,
    Party,
    ProjectLink,
    Proposal,
    Resolution,
)


def named_enum(choices_cls, component_name: str):
    """A ChoiceField documented as its own named component. Field names like `status`, `kind`
    and `outcome` are used by the cases API too with other values; drf-spectacular's enum
    naming by field name would collide (and the schema test fails on warnings)."""

    @extend_schema_field(
        {"type": "string", "enum": list(choices_cls.values)}, component_name=component_name
    )
    class InlineChoiceField(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=choices_cls.choices, **kwargs)

    return InlineChoiceField


MeetingStatusField = named_enum(Meeting.Status, "CouncilMeetingStatus")
MeetingFormatField = named_enum(Meeting.Format, "CouncilMeetingFormat")
PartyField = named_enum(Party, "CouncilParty")
ListKindField = named_enum(ListItem.Kind, "CouncilListKind")
OutcomeField = named_enum(Resolution.Outcome, "CouncilVoteOutcome")
ProposalStatusField = named_enum(Proposal.Status, "CouncilProposalStatus")

# --- input ----------------------------------------------------------------------------------


class MeetingPlanIn(serializers.Serializer):
    community = serializers.IntegerField()
    title = serializers.CharField(max_length=200)
    starts_at = serializers.DateTimeField()
    place = serializers.CharField(max_length=200)
    format = MeetingFormatField()
    notice = serializers.CharField(required=False, allow_blank=True, default="")


class MeetingUpdateIn(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    starts_at = serializers.DateTimeField(required=False)
    place = serializers.CharField(max_length=200, required=False)
    format = MeetingFormatField(required=False)


class NoticeIn(serializers.Serializer):
    notice = serializers.CharField(required=False, allow_blank=True)


class HoldIn(serializers.Serializer):
    # Required (true) only when the meeting is planned more than an hour from now.
    confirm_early = serializers.BooleanField(required=False, default=False)


class ParticipantIn(serializers.Serializer):
    party = PartyField()
    name = serializers.CharField(max_length=100)
    organisation = serializers.CharField(max_length=200, required=False, default="")


class AttendanceIn(serializers.Serializer):
    attended = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)


class AgendaItemIn(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")


class DeliberationIn(serializers.Serializer):
    party = PartyField()
    speaker = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    summary = serializers.CharField()


class ResolutionIn(serializers.Serializer):
    text = serializers.CharField()
    votes_for = serializers.IntegerField(min_value=0)
    votes_against = serializers.IntegerField(min_value=0)
    votes_abstain = serializers.IntegerField(min_value=0)


class ListItemIn(serializers.Serializer):
    kind = ListKindField()
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    party = PartyField(required=False, allow_blank=True, default="")
    agenda_item = serializers.IntegerField(required=False, allow_null=True, default=None)


class ProjectLinkIn(serializers.Serializer):
    case_number = serializers.CharField(max_length=32)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class MinutesIn(serializers.Serializer):
    text = serializers.CharField()


class MinutesReviseIn(serializers.Serializer):
    text = serializers.CharField()
    reason = serializers.CharField(max_length=300)


class ProposalIn(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField()
    community = serializers.IntegerField(
        required=False, help_text="Defaults to the resident's home community."
    )


class ProposalAcceptIn(serializers.Serializer):
    meeting = serializers.IntegerField()


class ProposalDeclineIn(serializers.Serializer):
    reason = serializers.CharField()


# --- output ---------------------------------------------------------------------------------


class ParticipantOut(serializers.ModelSerializer):
    party = PartyField(read_only=True)

    class Meta:
        model = Participant
        fields = ["id", "party", "name", "organisation", "attended"]


class DeliberationOut(serializers.ModelSerializer):
    party = PartyField(read_only=True)

    class Meta:
        model = Deliberation
        fields = ["id", "party", "speaker", "summary", "recorded_at"]


class ResolutionOut(serializers.ModelSerializer):
    outcome = OutcomeField(read_only=True)

    class Meta:
        model = Resolution
        fields = [
            "id",
            "text",
            "votes_for",
            "votes_against",
            "votes_abstain",
            "invited",
            "attending",
            "quorum_fraction",
            "pass_fraction",
            "outcome",
            "recorded_at",
        ]


class AgendaItemOut(serializers.ModelSerializer):
    class Meta:
        model = AgendaItem
        fields = ["id", "position", "title", "description"]


class AgendaItemRecordOut(AgendaItemOut):
    deliberations = DeliberationOut(many=True, read_only=True)
    resolutions = ResolutionOut(many=True, read_only=True)

    class Meta(AgendaItemOut.Meta):
        fields = [*AgendaItemOut.Meta.fields, "deliberations", "resolutions"]


class ProjectLinkOut(serializers.ModelSerializer):
    case_status = serializers.SerializerMethodField()

    class Meta:
        model = ProjectLink
        fields = ["id", "case_number", "note", "case_status"]

    def get_case_status(self, obj) -> str | None:
        statuses = self.context.get("case_statuses")
        if statuses is not None and obj.case_number in statuses:
            return statuses[obj.case_number]
        return linked_case_status(obj.case_number)


class ListItemOut(serializers.ModelSerializer):
    kind = ListKindField(read_only=True)
    party = PartyField(read_only=True)
    links = ProjectLinkOut(many=True, read_only=True)

    class Meta:
        model = ListItem
        fields = ["id", "kind", "title", "description", "party", "agenda_item", "links"]


class MinutesVersionOut(serializers.ModelSerializer):
    author = serializers.CharField(source="author.__str__", read_only=True)

    class Meta:
        model = MinutesVersion
        fields = ["number", "text", "reason", "author", "created_at", "after_publication"]


class AttendancePartyOut(serializers.Serializer):
    party = serializers.CharField(
        allow_null=True, help_text="One of the five parties; null for any other party."
    )
    label = serializers.CharField()
    invited = serializers.IntegerField(help_text="应到: participants of the party invited.")
    attending = serializers.IntegerField(help_text="实到: those of them who attended.")


class AttendanceOut(serializers.Serializer):
    """The attendance table of the minutes; the totals are the sums of `parties`."""

    invited = serializers.IntegerField()
    attending = serializers.IntegerField()
    parties = AttendancePartyOut(many=True)


class MeetingOut(serializers.ModelSerializer):
    status = MeetingStatusField(read_only=True)
    format = MeetingFormatField(read_only=True)
    community_name = serializers.CharField(source="community.name", read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "community",
            "community_name",
            "title",
            "starts_at",
            "place",
            "format",
            "status",
            "notice",
            "notice_published_at",
            "held_at",
            "published_at",
            "closed_at",
        ]


class MeetingDetailOut(MeetingOut):
    """`record` (participants, attendance per party, deliberations, votes, lists, minutes) is
    null for a reader who may not see the minutes yet (a resident before publication)."""

    agenda = AgendaItemOut(source="agenda_items", many=True, read_only=True)
    record = serializers.SerializerMethodField()

    class Meta(MeetingOut.Meta):
        fields = [*MeetingOut.Meta.fields, "agenda", "record"]

    def get_record(self, obj) -> dict | None:
        if not self.context.get("show_record"):
            return None
        minutes = list(obj.minutes.all())
        numbers = [link.case_number for i in obj.list_items.all() for link in i.links.all()]
        lists_context = {"case_statuses": linked_case_statuses(numbers)}
        return {
            "participants": ParticipantOut(obj.participants.all(), many=True).data,
            "attendance": AttendanceOut(self.context["attendance"]).data,
            "agenda": AgendaItemRecordOut(obj.agenda_items.all(), many=True).data,
            "lists": ListItemOut(obj.list_items.all(), many=True, context=lists_context).data,
            "minutes": MinutesVersionOut(minutes[0]).data if minutes else None,
            "minutes_versions": MinutesVersionOut(minutes, many=True).data,
        }


class ProposalOut(serializers.ModelSerializer):
    status = ProposalStatusField(read_only=True)
    meeting = serializers.IntegerField(source="agenda_item.meeting_id", default=None)

    class Meta:
        model = Proposal
        fields = [
            "id",
            "community",
            "title",
            "description",
            "status",
            "decline_reason",
            "meeting",
            "created_at",
            "decided_at",
        ]
