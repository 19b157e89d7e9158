from django.urls import include, path

app_name = "cases"
urlpatterns: list = [
    path("", include("cases.urls_whistle")),
]
