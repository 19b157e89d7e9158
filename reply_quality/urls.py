from django.urls import path  # noqa: F401

app_name = "reply_quality"

urlpatterns: list = []
