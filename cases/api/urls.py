from django.urls import path

from .router import RouterSuggestApi

urlpatterns: list = [
    path("router/suggest", RouterSuggestApi.as_view(), name="router-suggest"),
]
