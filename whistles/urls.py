from django.urls import path

from . import views as v

urlpatterns = [
    path("whistles/", v.board, name="whistles"),
    path("whistles/new/", v.blow, name="whistle-new"),
    path("whistles/requests/new/", v.resident_request_new, name="whistle-request-new"),
    path("whistles/requests/<str:pk>/", v.resident_request_detail, name="whistle-request"),
    path("whistles/<str:pk>/", v.detail, name="whistle-detail"),
    path("whistles/<str:pk>/report/", v.report, name="whistle-report"),
    path("whistles/<str:pk>/log/", v.log_add, name="whistle-log"),
    path("whistles/<str:pk>/close/", v.close, name="whistle-close"),
]
