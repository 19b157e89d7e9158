from django.urls import path

from . import views

app_name = "patrol"

urlpatterns = [
    path("patrol/", views.patrol, name="report"),
    path("patrol/check-in/", views.check_in, name="check_in"),
    path("patrol/stats/", views.stats, name="stats"),
]
