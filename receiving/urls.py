"""Receiving screens, under /receiving/."""

from django.urls import path

from receiving import views

urlpatterns = [
    path("", views.dock_view, name="receiving-dock"),
    path("purchase-orders/", views.purchase_order_list_view, name="po-list"),
    path("purchase-orders/<str:number>/", views.purchase_order_detail_view, name="po-detail"),
    path(
        "purchase-orders/<str:number>/<str:action>/",
        views.purchase_order_action_view,
        name="po-action",
    ),
    path("dock/<str:number>/", views.receive_view, name="receiving-receive"),
    path("dock/<str:number>/sku/", views.dock_sku_lookup_view, name="receiving-sku-lookup"),
    path("putaway/", views.putaway_queue_view, name="putaway-queue"),
    path("putaway/<int:pk>/", views.putaway_task_view, name="putaway-task"),
    path("discrepancies/", views.discrepancy_list_view, name="discrepancy-list"),
    path(
        "discrepancies/<int:pk>/resolve/",
        views.discrepancy_resolve_view,
        name="discrepancy-resolve",
    ),
]
