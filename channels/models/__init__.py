"""Sales channels, their API keys and listings (`channels`); orders, their lines and pick tasks
(`orders`); the sync outbox and delivery state (`sync`); orders received by webhook (`webhooks`).

Quantities are never changed here: every write goes through `channels.services`, which reserves,
picks and releases stock through `inventory.services` (one transaction per change, ledger rows
written there). Statuses are TextChoices; the allowed transitions live in the services.
"""

from channels.models.channels import (
    SECRET_SETTINGS,
    ChannelKey,
    ChannelWarehouse,
    Connector,
    Listing,
    SalesChannel,
    SyncStatus,
)
from channels.models.orders import (
    OPEN_ORDER_STATUSES,
    Order,
    OrderLine,
    OrderStatus,
    PickTask,
    PickTaskStatus,
    order_reference,
)
from channels.models.sync import (
    ChannelPullState,
    ChannelSyncState,
    OutboxEntry,
    OutboxState,
    SyncDelivery,
)
from channels.models.webhooks import WebhookDelivery, WebhookOrder, WebhookOrderState

__all__ = [
    "OPEN_ORDER_STATUSES",
    "SECRET_SETTINGS",
    "ChannelKey",
    "ChannelPullState",
    "ChannelSyncState",
    "ChannelWarehouse",
    "Connector",
    "Listing",
    "Order",
    "OrderLine",
    "OrderStatus",
    "OutboxEntry",
    "OutboxState",
    "PickTask",
    "PickTaskStatus",
    "SalesChannel",
    "SyncDelivery",
    "SyncStatus",
    "WebhookDelivery",
    "WebhookOrder",
    "WebhookOrderState",
    "order_reference",
]
