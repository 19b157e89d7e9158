from django.urls import path

from .views import RouterSuggestApi

urlpatterns = [
    path("router/suggest", RouterSuggestApi.as_view(), name="router-suggest"),
]
