import django_filters
from django.db.models import Q
from django.utils import timezone

from civic.api.filters import BoundedIsoDateTimeFilter, IdFilter

from ..models import Case, Channel, Status, Urgency
from ..selectors import case_search


class CaseFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    urgency = django_filters.ChoiceFilter(choices=Urgency.choices)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    category = IdFilter(method="filter_category")
    region = IdFilter(method="filter_region")
    lead_unit = IdFilter(field_name="lead_unit_id")
    received_after = BoundedIsoDateTimeFilter(field_name="received_at", lookup_expr="gte")
    received_before = BoundedIsoDateTimeFilter(field_name="received_at", lookup_expr="lt")
    overdue = django_filters.BooleanFilter(method="filter_overdue")
    search = django_filters.CharFilter(method="filter_search", max_length=100)

    class Meta:
        model = Case
        fields = ["status", "urgency", "channel", "category", "region", "lead_unit"]

    def filter_category(self, qs, name, value):
        from civic.models import Category

        node = Category.objects.filter(pk=value).first()
        return qs.filter(category__path__startswith=node.path) if node else qs.none()

    def filter_region(self, qs, name, value):
        from civic.models import Region

        node = Region.objects.filter(pk=value).first()
        return qs.filter(region__path__startswith=node.path) if node else qs.none()

    def filter_overdue(self, qs, name, value):
        condition = Q(is_overdue=True) | Q(
            handle_due_at__lt=timezone.now(), status__in=["dispatched", "signed", "in_progress"]
        )
        return qs.filter(condition) if value else qs.exclude(condition)

    # Set by the list's capped count (cases.api.views): the search in its form for counting.
    counting = False

    def filter_search(self, qs, name, value):
        value = value.replace("\x00", "").strip()
        return qs.filter(case_search(value, counting=self.counting)) if value else qs
