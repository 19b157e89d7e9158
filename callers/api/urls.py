from django.urls import path

from .views import CallerHistoryApi, RepeatCallApi

urlpatterns = [
    path("callers/history/", CallerHistoryApi.as_view(), name="callers-history"),
    path("callers/repeat/", RepeatCallApi.as_view(), name="callers-repeat"),
]
