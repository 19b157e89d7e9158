from django.urls import path

from .views import ReplyCheckApi, ReviewListApi, ReviewVerdictApi

urlpatterns = [
    path("replies/check/", ReplyCheckApi.as_view(), name="reply-quality-check"),
    path("quality/reviews/", ReviewListApi.as_view(), name="reply-quality-reviews"),
    path(
        "quality/reviews/<int:pk>/verdict/",
        ReviewVerdictApi.as_view(),
        name="reply-quality-verdict",
    ),
]
