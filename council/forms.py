"""HTML forms: validate shape only; the views hand cleaned data to the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from civic.forms import ActionForm, ModelChoiceField, RowIdField
from civic.models import Region

from .models import ListItem, Meeting, Party


class MeetingPlanForm(forms.Form):
    community = ModelChoiceField(queryset=Region.objects.none(), label=_("Community"))
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("Time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    place = forms.CharField(label=_("Place"), max_length=200)
    format = forms.ChoiceField(label=_("Format"), choices=Meeting.Format.choices)
    notice = forms.CharField(
        label=_("Notice to residents (一书)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = (
            communities if communities is not None else Region.objects.none()
        )
        if communities is not None and communities.count() == 1:
            self.fields["community"].initial = communities.first()


class NoticeForm(forms.Form):
    notice = forms.CharField(
        label=_("Notice to residents (一书)"), widget=forms.Textarea(attrs={"rows": 4})
    )


class HoldForm(forms.Form):
    confirm_early = forms.BooleanField(
        label=_("Yes, the meeting is starting now, earlier than planned"), required=False
    )


class ParticipantForm(ActionForm):
    id_prefix = "participant"

    party = forms.ChoiceField(label=_("Party"), choices=Party.choices)
    name = forms.CharField(label=_("Name"), max_length=100)
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)


class AttendanceForm(ActionForm):
    id_prefix = "attendance"

    attended = forms.MultipleChoiceField(
        label=_("Attended"), widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args, meeting=None, **kwargs):
        super().__init__(*args, **kwargs)
        participants = list(meeting.participants.all()) if meeting else []
        self.fields["attended"].choices = [
            (str(p.id), f"{p.name} · {p.get_party_display()}") for p in participants
        ]
        self.fields["attended"].initial = [str(p.id) for p in participants if p.attended]


class AgendaItemForm(ActionForm):
    id_prefix = "agenda"

    title = forms.CharField(label=_("Agenda item"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class DeliberationForm(ActionForm):
    id_prefix = "deliberation"

    agenda_item = RowIdField(widget=forms.HiddenInput)
    party = forms.ChoiceField(label=_("Speaker's party"), choices=Party.choices)
    speaker = forms.CharField(label=_("Speaker"), max_length=100, required=False)
    summary = forms.CharField(
        label=_("Summary of position"), widget=forms.Textarea(attrs={"rows": 2})
    )


class ResolutionForm(ActionForm):
    id_prefix = "resolution"

    agenda_item = RowIdField(widget=forms.HiddenInput)
    text = forms.CharField(label=_("Motion"), widget=forms.Textarea(attrs={"rows": 2}))
    votes_for = forms.IntegerField(label=_("For"), min_value=0, initial=0)
    votes_against = forms.IntegerField(label=_("Against"), min_value=0, initial=0)
    votes_abstain = forms.IntegerField(label=_("Abstain"), min_value=0, initial=0)


class ListItemForm(ActionForm):
    id_prefix = "list_item"

    kind = forms.ChoiceField(label=_("List"), choices=ListItem.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    party = forms.ChoiceField(
        label=_("Responsible party"), choices=[("", "—"), *Party.choices], required=False
    )


class ProjectLinkForm(ActionForm):
    id_prefix = "project_link"

    project = RowIdField(widget=forms.HiddenInput)
    case_number = forms.CharField(label=_("Case or task number"), max_length=32)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class MinutesForm(forms.Form):
    text = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 18}))
    reason = forms.CharField(
        label=_("Reason for change"),
        max_length=300,
        required=False,
        help_text=_("Required when changing published minutes."),
    )


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Topic"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}))


class ProposalAcceptForm(forms.Form):
    meeting = ModelChoiceField(queryset=Meeting.objects.none(), label=_("Meeting"))

    def __init__(self, *args, meetings=None, **kwargs):
        super().__init__(*args, **kwargs)
        if meetings is not None:
            self.fields["meeting"].queryset = meetings


class ProposalDeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for declining"), widget=forms.Textarea(attrs={"rows": 2})
    )
