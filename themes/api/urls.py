from rest_framework.routers import SimpleRouter

from .views import HotTopicViewSet, SuggestionViewSet, ThemeViewSet

router = SimpleRouter()
router.register("hot-topics", HotTopicViewSet, basename="hot-topic")
router.register("themes", ThemeViewSet, basename="theme")
router.register("proactive-suggestions", SuggestionViewSet, basename="proactive-suggestion")

urlpatterns = router.urls
