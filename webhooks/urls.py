"""``/api/v1/webhooks/``: mounted by config/urls.py beside the tasks API (webhooks reads tasks,
never the other way round)."""

from rest_framework.routers import SimpleRouter

from webhooks.api import SubscriptionViewSet

router = SimpleRouter()
router.register("webhooks", SubscriptionViewSet, basename="webhook")
urlpatterns = router.urls
