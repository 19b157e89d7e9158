from django.urls import path

from . import views as v

urlpatterns = [
    path("whistles/", v.WhistleListView.as_view(), name="api-whistles"),
    path("whistles/requests/", v.ResidentRequestListView.as_view(), name="api-whistle-requests"),
    path("whistles/requests/<str:pk>/accept/", v.ResidentRequestAcceptView.as_view()),
    path("whistles/requests/<str:pk>/decline/", v.ResidentRequestDeclineView.as_view()),
    path("whistles/<str:pk>/", v.WhistleDetailView.as_view(), name="api-whistle"),
    path("whistles/<str:pk>/report/", v.WhistleReportView.as_view()),
    path("whistles/<str:pk>/log/", v.WhistleLogView.as_view()),
    path("whistles/<str:pk>/close/", v.WhistleCloseView.as_view()),
]
