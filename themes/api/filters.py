"""Query parameters of the proactive-suggestion list (`/api/v1/proactive-suggestions/`)."""

import django_filters

from civic.api.filters import MonthFilter
from themes.models import ProactiveSuggestion


class SuggestionFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ProactiveSuggestion.Status.choices)
    month = MonthFilter()

    class Meta:
        model = ProactiveSuggestion
        fields = ["status", "month"]
