from django.urls import path

from . import views

# Beside the cases API's own detail actions (cases/api/urls.py: a router with explicit
# actions only); none of these names is one of them.
urlpatterns = [
    path(
        "cases/<str:number>/merge-candidates/",
        views.MergeCandidatesApi.as_view(),
        name="case-merge-candidates",
    ),
    path("cases/<str:number>/merge/", views.MergeApi.as_view(), name="case-merge"),
    path("cases/<str:number>/unmerge/", views.UnmergeApi.as_view(), name="case-unmerge"),
]
