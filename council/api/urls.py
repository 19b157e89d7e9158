from django.urls import path

from . import views as v

# Mounted under /api/v1/ (civic/urls.py); names are global, hence the council- prefix.
urlpatterns = [
    path("council/meetings/", v.MeetingListApi.as_view(), name="council-meetings"),
    path("council/meetings/<int:pk>/", v.MeetingDetailApi.as_view(), name="council-meeting"),
    path("council/meetings/<int:pk>/notice/", v.MeetingNoticeApi.as_view(), name="council-notice"),
    path("council/meetings/<int:pk>/hold/", v.MeetingHoldApi.as_view(), name="council-hold"),
    path(
        "council/meetings/<int:pk>/participants/",
        v.ParticipantApi.as_view(),
        name="council-participants",
    ),
    path(
        "council/meetings/<int:pk>/attendance/",
        v.AttendanceApi.as_view(),
        name="council-attendance",
    ),
    path(
        "council/meetings/<int:pk>/agenda-items/",
        v.AgendaItemApi.as_view(),
        name="council-agenda-items",
    ),
    path(
        "council/agenda-items/<int:pk>/deliberations/",
        v.DeliberationApi.as_view(),
        name="council-deliberations",
    ),
    path(
        "council/agenda-items/<int:pk>/resolutions/",
        v.ResolutionApi.as_view(),
        name="council-resolutions",
    ),
    path(
        "council/meetings/<int:pk>/list-items/",
        v.ListItemApi.as_view(),
        name="council-list-items",
    ),
    path(
        "council/list-items/<int:pk>/links/",
        v.ProjectLinkApi.as_view(),
        name="council-project-links",
    ),
    path("council/meetings/<int:pk>/minutes/", v.MinutesApi.as_view(), name="council-minutes"),
    path(
        "council/meetings/<int:pk>/minutes/revise/",
        v.MinutesReviseApi.as_view(),
        name="council-minutes-revise",
    ),
    path(
        "council/meetings/<int:pk>/publish/", v.MeetingPublishApi.as_view(), name="council-publish"
    ),
    path("council/meetings/<int:pk>/close/", v.MeetingCloseApi.as_view(), name="council-close"),
    path("council/proposals/", v.ProposalListApi.as_view(), name="council-proposals"),
    path(
        "council/proposals/<int:pk>/accept/",
        v.ProposalAcceptApi.as_view(),
        name="council-proposal-accept",
    ),
    path(
        "council/proposals/<int:pk>/decline/",
        v.ProposalDeclineApi.as_view(),
        name="council-proposal-decline",
    ),
]
