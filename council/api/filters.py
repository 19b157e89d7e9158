"""Query parameters of the council lists (`/api/v1/council/meetings/`, `…/proposals/`)."""

import django_filters

from civic.api.filters import IdFilter
from council.models import Meeting, Proposal


class MeetingFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Meeting.Status.choices)
    community = IdFilter(field_name="community_id")

    class Meta:
        model = Meeting
        fields = ["status", "community"]


class ProposalFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Proposal.Status.choices)

    class Meta:
        model = Proposal
        fields = ["status"]
