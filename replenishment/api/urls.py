from rest_framework.routers import SimpleRouter

from replenishment.api import views

router = SimpleRouter()
router.register("reorder-rules", views.ReorderRuleViewSet, basename="reorder-rule")
router.register(
    "replenishment-alerts", views.ReplenishmentAlertViewSet, basename="replenishment-alert"
)

urlpatterns = router.urls
