from django.urls import path
from rest_framework.routers import SimpleRouter

from inventory.api import counts, slotting, views

# SimpleRouter: no API root view and no format suffixes (other apps include at "" too).
router = SimpleRouter()
router.register("skus", views.SkuViewSet, basename="sku")
router.register("warehouses", views.WarehouseViewSet, basename="warehouse")
router.register("movements", views.MovementViewSet, basename="movement")

urlpatterns = [
    path("locations/", views.LocationListView.as_view(), name="location-list"),
    path(
        "locations/<str:warehouse>/<str:code>/",
        views.LocationDetailView.as_view(),
        name="location-detail",
    ),
    path("stock/", views.StockListView.as_view(), name="stock-list"),
    path("stock/adjust/", views.StockAdjustView.as_view(), name="stock-adjust"),
    path("stock/move/", views.StockMoveView.as_view(), name="stock-move"),
    path("availability/", views.AvailabilityListView.as_view(), name="availability-list"),
    path("velocity/", views.VelocityListView.as_view(), name="velocity-list"),
    path("velocity/recompute/", views.VelocityRecomputeView.as_view(), name="velocity-recompute"),
    *counts.urlpatterns,
    *slotting.urlpatterns,
    *router.urls,
]
