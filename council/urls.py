from django.urls import path

from . import views

app_name = "council"
urlpatterns = [
    path("council/", views.IndexView.as_view(), name="index"),
    path("council/meetings/new/", views.MeetingPlanView.as_view(), name="plan"),
    path("council/meetings/<int:pk>/", views.MeetingDetailView.as_view(), name="meeting"),
    path("council/meetings/<int:pk>/edit/", views.MeetingEditView.as_view(), name="edit"),
    path("council/meetings/<int:pk>/record/", views.RecordView.as_view(), name="record"),
    path("council/meetings/<int:pk>/minutes/", views.MinutesView.as_view(), name="minutes"),
    path(
        "council/meetings/<int:pk>/minutes/edit/",
        views.MinutesEditView.as_view(),
        name="minutes_edit",
    ),
    path(
        "council/meetings/<int:pk>/<str:action>/",
        views.MeetingActionView.as_view(),
        name="action",
    ),
    path("council/proposals/", views.ProposalsView.as_view(), name="proposals"),
    path(
        "council/proposals/<int:pk>/<str:decision>/",
        views.ProposalDecideView.as_view(),
        name="decide",
    ),
]
