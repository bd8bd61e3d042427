"""Every receiving write (DESIGN.md, "Where logic lives"): one module per topic."""

from receiving.services.discrepancies import discrepancy_resolve
from receiving.services.imports import purchase_orders_import, suppliers_import
from receiving.services.purchase_orders import (
    PurchaseLineRequest,
    purchase_order_cancel,
    purchase_order_close,
    purchase_order_create,
    purchase_order_open,
    supplier_create,
    supplier_update,
)
from receiving.services.putaway import putaway_cancel, putaway_complete, putaway_task_create
from receiving.services.receipts import (
    ReceiptResult,
    ReceiveLine,
    check_receive_line,
    receipt_create,
    receipt_line_add,
    warehouse_place,
)

__all__ = [
    "PurchaseLineRequest",
    "ReceiptResult",
    "ReceiveLine",
    "check_receive_line",
    "discrepancy_resolve",
    "purchase_order_cancel",
    "purchase_order_close",
    "purchase_order_create",
    "purchase_order_open",
    "purchase_orders_import",
    "putaway_cancel",
    "putaway_complete",
    "putaway_task_create",
    "receipt_create",
    "receipt_line_add",
    "supplier_create",
    "supplier_update",
    "suppliers_import",
    "warehouse_place",
]
