"""REST API for the council: validate → one service or selector → render.

Objects are looked up through the visibility selectors first (404 when invisible); the
services then check the write permission (403) and the status flow (409).
"""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from civic.errors import DomainValidationError, NotFoundError
from civic.models import Region
from civic.pagination import KnownCountPagination
from council import selectors, services
from council.hooks import linked_case_statuses
from council.models import AgendaItem, ListItem
from council.rules import can_view_minutes

from . import serializers as s
from .filters import MeetingFilter, ProposalFilter


def _meeting(request, pk):
    return selectors.meeting_get_visible(request.user, pk)


def _detail(request, meeting, code=status.HTTP_200_OK):
    meeting = selectors.meeting_detail(meeting)
    show = can_view_minutes.test(request.user, meeting)
    numbers = [link.case_number for item in meeting.list_items.all() for link in item.links.all()]
    context = {
        "show_record": show,
        "case_statuses": linked_case_statuses(numbers),
        "attendance": selectors.attendance_summary(meeting) if show else None,
    }
    data = s.MeetingDetailOut(meeting, context=context).data
    return Response(data, status=code)


class MeetingListApi(generics.ListAPIView):
    # GET: the meetings visible to you, filtered (MeetingFilter) and paged; POST: plan one.
    serializer_class = s.MeetingOut
    filterset_class = MeetingFilter
    filter_backends = [DjangoFilterBackend]
    pagination_class = KnownCountPagination

    def get_queryset(self):
        return selectors.meetings_visible_to(self.request.user)

    @extend_schema(request=s.MeetingPlanIn, responses={201: s.MeetingDetailOut})
    def post(self, request):
        data = s.MeetingPlanIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        community = Region.objects.filter(pk=v.pop("community")).first()
        if community is None:
            raise DomainValidationError(_("Unknown community."))
        meeting = services.meeting_plan(actor=request.user, community=community, **v)
        return _detail(request, meeting, status.HTTP_201_CREATED)


class MeetingDetailApi(APIView):
    @extend_schema(responses=s.MeetingDetailOut)
    def get(self, request, pk):
        return _detail(request, _meeting(request, pk))

    @extend_schema(request=s.MeetingUpdateIn, responses=s.MeetingDetailOut)
    def patch(self, request, pk):
        meeting = _meeting(request, pk)
        data = s.MeetingUpdateIn(data=request.data)
        data.is_valid(raise_exception=True)
        services.meeting_update_plan(actor=request.user, meeting=meeting, **data.validated_data)
        return _detail(request, meeting)


class _MeetingAction(APIView):
    """POST with no body: one status transition."""

    service = None

    @extend_schema(request=None, responses=s.MeetingDetailOut)
    def post(self, request, pk):
        meeting = _meeting(request, pk)
        type(self).service(actor=request.user, meeting=meeting)
        return _detail(request, meeting)


class MeetingHoldApi(APIView):
    """POST {"confirm_early": true} to start a meeting more than an hour before its time."""

    @extend_schema(request=s.HoldIn, responses=s.MeetingDetailOut)
    def post(self, request, pk):
        meeting = _meeting(request, pk)
        data = s.HoldIn(data=request.data)
        data.is_valid(raise_exception=True)
        services.meeting_hold(actor=request.user, meeting=meeting, **data.validated_data)
        return _detail(request, meeting)


class MeetingPublishApi(_MeetingAction):
    service = staticmethod(services.meeting_publish)


class MeetingCloseApi(_MeetingAction):
    service = staticmethod(services.meeting_close)


class MeetingNoticeApi(APIView):
    @extend_schema(request=s.NoticeIn, responses=s.MeetingDetailOut)
    def post(self, request, pk):
        meeting = _meeting(request, pk)
        data = s.NoticeIn(data=request.data)
        data.is_valid(raise_exception=True)
        services.meeting_publish_notice(
            actor=request.user, meeting=meeting, notice=data.validated_data.get("notice")
        )
        return _detail(request, meeting)


class ParticipantApi(APIView):
    @extend_schema(request=s.ParticipantIn, responses={201: s.ParticipantOut})
    def post(self, request, pk):
        meeting = _meeting(request, pk)
        data = s.ParticipantIn(data=request.data)
        data.is_valid(raise_exception=True)
        p = services.participant_invite(actor=request.user, meeting=meeting, **data.validated_data)
        return Response(s.ParticipantOut(p).data, status=status.HTTP_201_CREATED)


class AttendanceApi(APIView):
    @extend_schema(request=s.AttendanceIn, responses=s.MeetingDetailOut)
    def post(self, request, pk):
        meeting = _meeting(request, pk)
        data = s.AttendanceIn(data=request.data)
        data.is_valid(raise_exception=True)
        services.attendance_record(
            actor=request.user, meeting=meeting, attended_ids=data.validated_data["attended"]
        )
        return _detail(request, meeting)


class AgendaItemApi(APIView):
    @extend_schema(request=s.AgendaItemIn, responses={201: s.AgendaItemOut})
    def post(self, request, pk):
        meeting = _meeting(request, pk)
        data = s.AgendaItemIn(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.agenda_item_add(actor=request.user, meeting=meeting, **data.validated_data)
        return Response(s.AgendaItemOut(item).data, status=status.HTTP_201_CREATED)


def _agenda_item(request, pk) -> AgendaItem:
    visible = selectors.meetings_visible_to(request.user)
    return get_object_or_404(
        AgendaItem.objects.select_related("meeting"), pk=pk, meeting__in=visible
    )


class DeliberationApi(APIView):
    @extend_schema(request=s.DeliberationIn, responses={201: s.DeliberationOut})
    def post(self, request, pk):
        item = _agenda_item(request, pk)
        data = s.DeliberationIn(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.deliberation_record(
            actor=request.user, agenda_item=item, **data.validated_data
        )
        return Response(s.DeliberationOut(entry).data, status=status.HTTP_201_CREATED)


class ResolutionApi(APIView):
    @extend_schema(request=s.ResolutionIn, responses={201: s.ResolutionOut})
    def post(self, request, pk):
        item = _agenda_item(request, pk)
        data = s.ResolutionIn(data=request.data)
        data.is_valid(raise_exception=True)
        r = services.resolution_vote(actor=request.user, agenda_item=item, **data.validated_data)
        return Response(s.ResolutionOut(r).data, status=status.HTTP_201_CREATED)


class ListItemApi(APIView):
    @extend_schema(request=s.ListItemIn, responses={201: s.ListItemOut})
    def post(self, request, pk):
        meeting = _meeting(request, pk)
        data = s.ListItemIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        agenda_id = v.pop("agenda_item")
        agenda_item = None
        if agenda_id is not None:
            agenda_item = meeting.agenda_items.filter(pk=agenda_id).first()
            if agenda_item is None:
                raise DomainValidationError(_("The agenda item belongs to another meeting."))
        item = services.list_item_add(
            actor=request.user, meeting=meeting, agenda_item=agenda_item, **v
        )
        return Response(s.ListItemOut(item).data, status=status.HTTP_201_CREATED)


class ProjectLinkApi(APIView):
    @extend_schema(request=s.ProjectLinkIn, responses={201: s.ProjectLinkOut})
    def post(self, request, pk):
        visible = selectors.meetings_visible_to(request.user)
        project = get_object_or_404(ListItem, pk=pk, meeting__in=visible)
        data = s.ProjectLinkIn(data=request.data)
        data.is_valid(raise_exception=True)
        link = services.project_link_add(actor=request.user, project=project, **data.validated_data)
        return Response(s.ProjectLinkOut(link).data, status=status.HTTP_201_CREATED)


class MinutesApi(APIView):
    @extend_schema(responses=s.MinutesVersionOut(many=True))
    def get(self, request, pk):
        meeting = _meeting(request, pk)
        if not can_view_minutes.test(request.user, meeting):
            raise NotFoundError(_("The minutes are not published yet."))
        return Response(s.MinutesVersionOut(meeting.minutes.all(), many=True).data)

    @extend_schema(request=s.MinutesIn, responses={201: s.MinutesVersionOut})
    def post(self, request, pk):
        meeting = _meeting(request, pk)
        data = s.MinutesIn(data=request.data)
        data.is_valid(raise_exception=True)
        version = services.meeting_minute(
            actor=request.user, meeting=meeting, text=data.validated_data["text"]
        )
        return Response(s.MinutesVersionOut(version).data, status=status.HTTP_201_CREATED)


class MinutesReviseApi(APIView):
    @extend_schema(request=s.MinutesReviseIn, responses={201: s.MinutesVersionOut})
    def post(self, request, pk):
        meeting = _meeting(request, pk)
        data = s.MinutesReviseIn(data=request.data)
        data.is_valid(raise_exception=True)
        version = services.minutes_revise(
            actor=request.user, meeting=meeting, **data.validated_data
        )
        return Response(s.MinutesVersionOut(version).data, status=status.HTTP_201_CREATED)


class ProposalListApi(generics.ListAPIView):
    # GET: the proposals visible to you, filtered (ProposalFilter) and paged; POST: submit one.
    serializer_class = s.ProposalOut
    filterset_class = ProposalFilter
    filter_backends = [DjangoFilterBackend]
    pagination_class = KnownCountPagination

    def get_queryset(self):
        return selectors.proposals_visible_to(self.request.user)

    @extend_schema(request=s.ProposalIn, responses={201: s.ProposalOut})
    def post(self, request):
        data = s.ProposalIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        community_id = v.pop("community", None) or request.user.home_region_id
        community = Region.objects.filter(pk=community_id).first()
        if community is None:
            raise DomainValidationError(_("Set your home community first."))
        proposal = services.proposal_submit(actor=request.user, community=community, **v)
        return Response(s.ProposalOut(proposal).data, status=status.HTTP_201_CREATED)


def _proposal(request, pk):
    proposal = selectors.proposals_visible_to(request.user).filter(pk=pk).first()
    if proposal is None:
        raise NotFoundError(_("Proposal not found."))
    return proposal


class ProposalAcceptApi(APIView):
    @extend_schema(request=s.ProposalAcceptIn, responses=s.ProposalOut)
    def post(self, request, pk):
        proposal = _proposal(request, pk)
        data = s.ProposalAcceptIn(data=request.data)
        data.is_valid(raise_exception=True)
        meeting = _meeting(request, data.validated_data["meeting"])
        services.proposal_accept(actor=request.user, proposal=proposal, meeting=meeting)
        return Response(s.ProposalOut(_proposal(request, pk)).data)


class ProposalDeclineApi(APIView):
    @extend_schema(request=s.ProposalDeclineIn, responses=s.ProposalOut)
    def post(self, request, pk):
        proposal = _proposal(request, pk)
        data = s.ProposalDeclineIn(data=request.data)
        data.is_valid(raise_exception=True)
        proposal = services.proposal_decline(
            actor=request.user, proposal=proposal, reason=data.validated_data["reason"]
        )
        return Response(s.ProposalOut(proposal).data)
