from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("reports/", views.index, name="index"),
    path("reports/generate/", views.generate, name="generate"),
    path("reports/subscribe/", views.subscribe, name="subscribe"),
    path("reports/<int:pk>/", views.detail, name="detail"),
    path("reports/<int:pk>/pdf/", views.pdf, name="pdf"),
]
