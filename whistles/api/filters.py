"""Query parameters of the whistle lists (`/api/v1/whistles/`, `…/whistles/requests/`)."""

import django_filters

from ..models import ResidentWhistleRequest, Whistle


class WhistleFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Whistle.Status.choices)

    class Meta:
        model = Whistle
        fields = ["status"]


class ResidentRequestFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=ResidentWhistleRequest.State.choices)

    class Meta:
        model = ResidentWhistleRequest
        fields = ["state"]
