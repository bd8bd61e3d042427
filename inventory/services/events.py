"""The one place that hears of every change to a SKU's sellable quantity in a warehouse.

Every service that changes on-hand or reserved calls `availability_changed` inside its
transaction. Channel sync writes its outbox rows here and reorder triggers check thresholds here,
so they commit (or roll back) together with the stock change.
"""

from channels.sync.outbox import outbox_record
from inventory.models import Sku, Warehouse
from inventory.replenishment.triggers import reorder_check


def availability_changed(*, sku: Sku, warehouse: Warehouse) -> None:
    """Called inside the transaction that changed `sku`'s on-hand or reserved in `warehouse`."""
    reorder_check(sku=sku, warehouse=warehouse)
    outbox_record(sku_id=sku.pk, warehouse_id=warehouse.pk)
