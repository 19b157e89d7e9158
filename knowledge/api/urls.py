from django.urls import path

from . import views as v

urlpatterns = [
    path("knowledge/articles/", v.ArticleListView.as_view(), name="api-knowledge-articles"),
    path("knowledge/search/", v.ArticleSearchView.as_view(), name="api-knowledge-search"),
    path(
        "knowledge/articles/<int:pk>/", v.ArticleDetailView.as_view(), name="api-knowledge-article"
    ),
    path("knowledge/articles/<int:pk>/versions/", v.ArticleVersionsView.as_view()),
    path(
        "knowledge/articles/<int:pk>/submit/", v.ArticleWorkflowView.as_view(action_name="submit")
    ),
    path(
        "knowledge/articles/<int:pk>/publish/", v.ArticleWorkflowView.as_view(action_name="publish")
    ),
    path(
        "knowledge/articles/<int:pk>/send-back/",
        v.ArticleWorkflowView.as_view(action_name="send_back"),
    ),
    path(
        "knowledge/articles/<int:pk>/retire/", v.ArticleWorkflowView.as_view(action_name="retire")
    ),
]
