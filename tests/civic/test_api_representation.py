"""civic.api.representation renders a list exactly as DRF would, field by field."""

import datetime as dt

import pytest
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from cases.api.serializers import CaseSerializer
from cases.models import Case
from civic import catalogue
from civic.api import representation
from tests.cases.factories import case_in, file_case

pytestmark = pytest.mark.django_db


def _drf(cases, context):
    """DRF's own rendering: the child serializer's to_representation, row by row."""
    child = CaseSerializer(context=context)
    return [child.to_representation(case) for case in cases]


def _context(user):
    request = APIRequestFactory().get("/api/v1/cases/")
    request.user = user
    return {"request": request}


def test_case_lists_render_as_drf_renders_them(world):
    cases = [
        case_in(world, "received"),  # no lead unit, no deadlines
        case_in(world, "in_progress"),  # deadlines, a lead unit
        case_in(world, "closed"),
        file_case(world, anonymous=True, reporter_name="", reporter_phone="")[0],
        file_case(world, by=world.operator, lat="39.904200", lng="116.407400")[0],
    ]
    Case.objects.filter(pk=cases[1].pk).update(is_overdue=True, reopen_count=2)
    rows = list(Case.objects.filter(pk__in=[c.pk for c in cases]).order_by("pk"))
    catalogue.attach(rows, "category", "region", "lead_unit")
    for user in (world.dispatcher, world.resident, world.handler):
        context = _context(user)
        fast = CaseSerializer(rows, many=True, context=context).data
        assert isinstance(CaseSerializer(many=True), representation.FastListSerializer)
        assert [dict(r) for r in fast] == _drf(rows, context)
    # The resident's own cases are shown in full, others masked: as the serializer decides.
    own = CaseSerializer(rows, many=True, context=_context(world.resident)).data
    assert own[0]["reporter"]["phone"] == "13812345678"
    assert (
        CaseSerializer(rows, many=True, context=_context(world.handler)).data[0]["reporter"][
            "phone"
        ]
        != "13812345678"
    )


def test_time_zone_and_utc_suffix_follow_drf(world, settings):
    case = case_in(world, "dispatched")
    Case.objects.filter(pk=case.pk).update(
        received_at=dt.datetime(2026, 3, 1, 0, 0, tzinfo=dt.UTC),
        dispatched_at=dt.datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=dt.UTC),
    )
    rows = list(Case.objects.filter(pk=case.pk))
    for zone in ("Asia/Shanghai", "UTC"):
        settings.TIME_ZONE = zone
        context = _context(world.dispatcher)
        fast = CaseSerializer(rows, many=True, context=context).data[0]
        assert fast == _drf(rows, context)[0]
    assert fast["received_at"] == "2026-03-01T00:00:00Z"


def test_a_serializer_with_fields_it_cannot_plan_renders_through_drf(world):
    class WithSource(serializers.ModelSerializer):
        label = serializers.CharField(source="get_status_display")  # a model method

        class Meta:
            model = Case
            fields = ["number", "label"]
            list_serializer_class = representation.FastListSerializer

    case = case_in(world, "received")
    data = WithSource([case], many=True).data
    assert data == [{"number": case.number, "label": str(case.get_status_display())}]
    with pytest.raises(ValueError, match="DRF must render"):
        representation.Representation(WithSource())
