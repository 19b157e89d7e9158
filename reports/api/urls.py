from django.urls import path

from .views import ReportDetailApi, ReportListApi

urlpatterns = [
    path("reports/", ReportListApi.as_view(), name="reports"),
    path("reports/<int:pk>/", ReportDetailApi.as_view(), name="report-detail"),
]
