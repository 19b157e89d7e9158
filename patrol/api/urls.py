from django.urls import path

from .views import PatrolCheckInApi, PatrolReportApi, PatrolStatsApi

urlpatterns = [
    path("patrol/reports/", PatrolReportApi.as_view(), name="patrol-reports"),
    path("patrol/check-ins/", PatrolCheckInApi.as_view(), name="patrol-check-ins"),
    path("patrol/stats/", PatrolStatsApi.as_view(), name="patrol-stats"),
]
