from django.urls import path

from . import views

app_name = "merging"

urlpatterns = [
    path("merging/", views.queue, name="queue"),
    path("merging/case/<str:number>/merge/", views.merge, name="merge"),
    path("merging/case/<str:number>/unmerge/", views.unmerge, name="unmerge"),
]
