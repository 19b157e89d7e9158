"""Query parameters of the assessment API: the runs list and the boards' month."""

import django_filters

from assessment.models import AssessmentRun
from civic.api.filters import MonthFilter


class RunFilter(django_filters.FilterSet):
    month = MonthFilter()

    class Meta:
        model = AssessmentRun
        fields = ["month"]


class BoardFilter(django_filters.FilterSet):
    """`?month=YYYY-MM` of the boards (default: the latest published month)."""

    month = MonthFilter()

    class Meta:
        model = AssessmentRun
        fields = ["month"]
