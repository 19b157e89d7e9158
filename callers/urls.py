from django.urls import path

from . import views

app_name = "callers"

urlpatterns = [
    path("callers/", views.history_page, name="history"),
    path("callers/history.json", views.history_json, name="history_json"),
    path("callers/repeat/<str:number>/", views.repeat_call, name="repeat"),
]
