from django.urls import path

from .views import RouterFeedbackApi, RouterSuggestApi, RouterVersionsApi

urlpatterns = [
    path("router/suggest", RouterSuggestApi.as_view(), name="router-suggest"),
    path("router/feedback", RouterFeedbackApi.as_view(), name="router-feedback"),
    path("router/versions", RouterVersionsApi.as_view(), name="router-versions"),
]
