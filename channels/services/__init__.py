"""Every write of channels and orders goes through these services (DESIGN.md, "Where logic
lives"); stock changes go on through `inventory.services`, which write the ledger and call
`inventory.events.availability_changed` for every change of available quantity."""

from channels.services.channels import (
    channel_create,
    channel_key_create,
    channel_key_revoke,
    channel_update,
    listing_create,
)
from channels.services.intake import OrderLineRequest, order_create
from channels.services.orders import (
    order_cancel,
    order_confirm,
    order_expire,
    order_put_back,
    order_ship,
    orders_expire,
    pick_task_put_back,
)
from channels.services.picking import pick_task_assign, pick_task_confirm

__all__ = [
    "OrderLineRequest",
    "channel_create",
    "channel_key_create",
    "channel_key_revoke",
    "channel_update",
    "listing_create",
    "order_cancel",
    "order_confirm",
    "order_create",
    "order_expire",
    "order_put_back",
    "order_ship",
    "orders_expire",
    "pick_task_assign",
    "pick_task_confirm",
    "pick_task_put_back",
]
