from django.urls import path, re_path

from . import views

app_name = "assessment"
MONTH = r"(?P<month>\d{4}-\d{2})"
FMT = r"(?P<fmt>csv|xlsx)"

urlpatterns = [
    path("boards/", views.boards, name="boards"),
    re_path(rf"^boards/{MONTH}/scores\.{FMT}$", views.boards_export, name="boards_export"),
    path("boards/units/<int:pk>/", views.unit_detail, name="unit"),
    re_path(
        rf"^boards/units/(?P<pk>\d+)/{MONTH}/cases\.{FMT}$",
        views.unit_cases_export,
        name="unit_cases_export",
    ),
    re_path(
        rf"^boards/units/(?P<pk>\d+)/trend\.{FMT}$",
        views.unit_trend_export,
        name="unit_trend_export",
    ),
    path("boards/runs/", views.runs, name="runs"),
    path("boards/runs/compute/", views.run_compute, name="run_compute"),
    path("boards/runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("boards/runs/<int:pk>/publish/", views.run_publish, name="run_publish"),
]
