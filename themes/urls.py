from django.urls import path

from . import views

app_name = "themes"

urlpatterns = [
    path("", views.theme_list, name="list"),
    path("hot-topics/", views.hot_topic_list, name="hot_topics"),
    path("hot-topics/promote/", views.hot_topic_promote, name="promote"),
    path("proactive/", views.suggestion_list, name="suggestions"),
    path("proactive/<int:pk>/accept/", views.suggestion_accept, name="suggestion_accept"),
    path("proactive/<int:pk>/decline/", views.suggestion_decline, name="suggestion_decline"),
    path("<int:pk>/", views.theme_detail, name="detail"),
    path("<int:pk>/edit/", views.theme_edit, name="edit"),
    path("<int:pk>/activate/", views.theme_activate, name="activate"),
    path("<int:pk>/close/", views.theme_close, name="close"),
    path("<int:pk>/milestones/add/", views.milestone_add, name="milestone_add"),
    path("<int:pk>/milestones/<int:mid>/done/", views.milestone_done, name="milestone_done"),
]
