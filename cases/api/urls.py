from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(trailing_slash=True)
router.register("cases", views.CaseViewSet, basename="case")
router.register("categories", views.CategoryViewSet, basename="category")
router.register("units", views.UnitViewSet, basename="unit")

urlpatterns = [
    path("track/", views.TrackView.as_view(), name="api-track"),
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    *router.urls,
]
