from django.urls import path, re_path

from .api import views

app_name = "open311"

FMT = r"(?P<fmt>json|xml)"
urlpatterns = [
    re_path(rf"^discovery\.{FMT}$", views.DiscoveryView.as_view(), name="discovery"),
    re_path(rf"^services\.{FMT}$", views.ServiceListView.as_view(), name="services"),
    re_path(
        rf"^services/(?P<service_code>[^/]{{1,64}})\.{FMT}$",
        views.ServiceDefinitionView.as_view(),
        name="service",
    ),
    re_path(rf"^requests\.{FMT}$", views.csrf_exempt_requests.as_view(), name="requests"),
    re_path(
        rf"^requests/(?P<service_request_id>[^/]{{1,64}})\.{FMT}$",
        views.RequestDetailView.as_view(),
        name="request",
    ),
    re_path(rf"^tokens/(?P<token>[^/]{{1,64}})\.{FMT}$", views.TokenView.as_view(), name="token"),
]
__all__ = ["path"]
