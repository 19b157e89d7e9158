from django.urls import path

from . import views

app_name = "reply_quality"

urlpatterns = [
    path("quality/", views.queue, name="queue"),
    path("quality/check/", views.check_draft, name="check"),
    path("quality/reviews/<int:pk>/verdict/", views.verdict, name="verdict"),
    path("quality/units/", views.units, name="units"),
]
