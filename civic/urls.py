from csp.decorators import csp_update
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

from . import views
from .api.schema import SchemaView

# Swagger UI and ReDoc set inline styles (ReDoc injects <style>, and searches in a blob: worker).
# Only these two pages relax style-src; scripts stay 'self' everywhere (the split Swagger view
# serves its start-up script as a file).
docs_csp = csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["'self'", "blob:"]})

# The "cases" URL namespace: the life cycle's pages and the whistle pages, which kept the names
# they had before whistles became an app of their own (cases:whistles, cases:whistle-new …).
cases_namespace = [path("", include("cases.urls")), path("", include("whistles.urls"))]

api_v1 = [
    path("", include("cases.api.urls")),
    path("", include("whistles.api.urls")),
    path("", include("routing.api.urls")),
    path("", include("assessment.api.urls")),
    path("", include("council.api.urls")),
    path("", include("themes.api.urls")),
    path("", include("knowledge.api.urls")),
    path("", include("callers.api.urls")),
    path("", include("merging.api.urls")),
    path("", include("reply_quality.api.urls")),
    path("", include("patrol.api.urls")),
    path("", include("dashboard.api.urls")),
    path("", include("reports.api.urls")),
]

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("notifications/", views.NotificationsView.as_view(), name="notifications"),
    path("accounts/", include("django.contrib.auth.urls")),
    re_path(
        rf"^admin/cases/(?P<model>{'|'.join(views.ADMIN_MOVED_MODELS)})/(?P<rest>.*)$",
        views.admin_moved_model,
    ),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("open311/v2/", include("open311.urls")),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path(
        "api/docs/",
        docs_csp(SpectacularSwaggerSplitView.as_view(url_name="schema")),
        name="api-docs",
    ),
    path("api/redoc/", docs_csp(SpectacularRedocView.as_view(url_name="schema")), name="api-redoc"),
    path("", include((cases_namespace, "cases"))),
    path("", include("public.urls")),
    path("", include("assessment.urls")),
    path("", include("council.urls")),
    path("themes/", include("themes.urls")),
    path("router/", include("routing.urls")),
    # Each of these apps names its own paths (knowledge/…, faq/…, callers/…, merging/…, quality/…).
    path("", include("knowledge.urls")),
    path("", include("callers.urls")),
    path("", include("merging.urls")),
    path("", include("reply_quality.urls")),
    path("", include("patrol.urls")),
    path("", include("dashboard.urls")),
    path("", include("reports.urls")),
]
handler500 = "civic.unavailable.server_error"

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
