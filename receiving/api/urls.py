from rest_framework.routers import SimpleRouter

from receiving.api import views

router = SimpleRouter()
router.register("suppliers", views.SupplierViewSet, basename="supplier")
router.register("purchase-orders", views.PurchaseOrderViewSet, basename="purchase-order")
router.register("discrepancies", views.DiscrepancyViewSet, basename="discrepancy")
router.register("putaway-tasks", views.PutawayTaskViewSet, basename="putaway-task")

urlpatterns = router.urls
