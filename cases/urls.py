from django.urls import path

from . import views

# Mounted in the "cases" namespace by civic/urls.py (shared with the whistle pages).

urlpatterns = [
    path("cases/new/", views.file_case, name="file"),
    path("cases/filed/", views.filed, name="filed"),
    path("cases/track/", views.track, name="track"),
    path("cases/mine/", views.my_cases, name="mine"),
    path("cases/<str:number>/", views.resident_case, name="tracked"),
    path("cases/<str:number>/revisit/", views.resident_revisit, name="resident_revisit"),
    path("cases/<str:number>/reopen/", views.resident_reopen, name="resident_reopen"),
    path("console/", views.console, name="console"),
    path("dispatch/", views.queues, name="queues"),
    path("dispatch/case/<str:number>/", views.centre_case, name="centre_case"),
    path("dispatch/case/<str:number>/<slug:action>/", views.centre_action, name="centre_action"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<str:number>/", views.unit_case, name="unit_case"),
    path("inbox/<str:number>/<slug:action>/", views.unit_action, name="unit_action"),
    path("reply-templates/<str:number>.json", views.reply_templates, name="reply_templates"),
]
