from rest_framework.routers import SimpleRouter

from .views import BoardViewSet, RunViewSet

router = SimpleRouter()
router.register("assessment/runs", RunViewSet, basename="assessment-run")
router.register("assessment/boards", BoardViewSet, basename="assessment-board")

urlpatterns = router.urls
