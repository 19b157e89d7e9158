from django.urls import include, path

urlpatterns: list = [
    path("", include("cases.api.urls_whistle")),
]
