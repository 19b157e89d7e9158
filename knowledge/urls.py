from django.urls import path

from . import views

app_name = "knowledge"

urlpatterns = [
    path("knowledge/", views.article_list, name="list"),
    path("knowledge/new/", views.article_create, name="create"),
    path("knowledge/review/", views.review_queue, name="review"),
    path("knowledge/stats/", views.stats, name="stats"),
    path("knowledge/search.json", views.console_search, name="console_search"),
    path("knowledge/answer-on-spot/", views.answer_on_spot, name="answer_on_spot"),
    path("knowledge/from-case/<str:number>/", views.draft_from_case, name="draft_from_case"),
    path("knowledge/<int:pk>/", views.article_detail, name="detail"),
    path("knowledge/<int:pk>/edit/", views.article_edit, name="edit"),
    path(
        "knowledge/<int:pk>/<str:action>/",
        views.article_action,
        name="action",
    ),
    path("faq/", views.faq_list, name="faq"),
    path("faq/suggest.json", views.faq_suggest, name="faq_suggest"),
    path("faq/<int:pk>/", views.faq_detail, name="faq_detail"),
]
