"""Receiving screens (thin: parse, call one service or selector, render), one module per screen
family: purchase orders, the dock, put-away, discrepancies."""

from receiving.views.discrepancies import discrepancy_list_view, discrepancy_resolve_view
from receiving.views.dock import dock_sku_lookup_view, dock_view, receive_view
from receiving.views.purchase_orders import (
    purchase_order_action_view,
    purchase_order_detail_view,
    purchase_order_list_view,
)
from receiving.views.putaway import putaway_queue_view, putaway_task_view

__all__ = [
    "discrepancy_list_view",
    "discrepancy_resolve_view",
    "dock_sku_lookup_view",
    "dock_view",
    "purchase_order_action_view",
    "purchase_order_detail_view",
    "purchase_order_list_view",
    "putaway_queue_view",
    "putaway_task_view",
    "receive_view",
]
