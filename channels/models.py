"""Sales channels, their API keys and listings; orders, their lines and pick tasks.

Quantities are never changed here: every write goes through `channels.services`, which reserves,
picks and releases stock through `inventory.services` (one transaction per change, ledger rows
written there). Statuses are TextChoices; the allowed transitions live in the services.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from inventory.models import Location, Lot, Reservation, Sku, Warehouse


class Connector(models.TextChoices):
    WEBHOOK = "webhook", "Webhook"
    SHOPIFY = "shopify", "Shopify"
    WOOCOMMERCE = "woocommerce", "WooCommerce"
    VENDURE = "vendure", "Vendure"


# Connector settings that are credentials: accepted on write, never shown again.
SECRET_SETTINGS = frozenset({"access_token", "consumer_key", "consumer_secret", "password"})


class SalesChannel(models.Model):
    """A storefront, marketplace or 3PL that sells from our stock."""

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    connector = models.CharField(
        max_length=16, choices=Connector.choices, default=Connector.WEBHOOK
    )
    endpoint_url = models.URLField(max_length=500, blank=True)
    secret = models.CharField(
        max_length=200, blank=True, help_text="Signs outgoing pushes; never shown again."
    )
    settings = models.JSONField(default=dict, blank=True)
    buffer = models.PositiveIntegerField(
        default=0, help_text="Units held back from what this channel is told it may sell."
    )
    warehouses = models.ManyToManyField(
        Warehouse, through="ChannelWarehouse", related_name="sales_channels", blank=True
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "sales channel"
        constraints = [
            models.CheckConstraint(
                condition=Q(connector__in=[c.value for c in Connector]),
                name="channel_connector_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class ChannelWarehouse(models.Model):
    """A warehouse a channel sells from; orders draw from the lowest `priority` first."""

    channel = models.ForeignKey(SalesChannel, on_delete=models.CASCADE, related_name="sources")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    priority = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["channel", "priority", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "warehouse"], name="channelwarehouse_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}→{self.warehouse_id} #{self.priority}"


class ChannelKey(models.Model):
    """An API key acting for one channel. Only a SHA-256 of the key is stored; `prefix` (also
    part of the key) finds the row without scanning. Shown once, when created."""

    channel = models.ForeignKey(SalesChannel, on_delete=models.CASCADE, related_name="keys")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["channel", "-created_at"]
        verbose_name = "channel API key"

    def __str__(self) -> str:
        return f"{self.channel_id}: {self.prefix}…"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class SyncStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SYNCED = "synced", "Synced"
    FAILED = "failed", "Failed"


class Listing(models.Model):
    """A SKU a channel sells, under the channel's own id for it. Channel sync (outbox) fills the
    `last_pushed_*` fields and `sync_status`."""

    channel = models.ForeignKey(SalesChannel, on_delete=models.CASCADE, related_name="listings")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="listings")
    external_id = models.CharField(max_length=100, blank=True)
    last_pushed_available = models.IntegerField(null=True, blank=True)
    last_pushed_at = models.DateTimeField(null=True, blank=True)
    sync_status = models.CharField(
        max_length=16, choices=SyncStatus.choices, default=SyncStatus.PENDING
    )
    # Channel sync: `version` grows by one per push of this listing (F() update, under the
    # channel's lease), so a receiver keeps the highest it has seen.
    version = models.PositiveBigIntegerField(default=0)
    last_pushed_version = models.PositiveBigIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["channel", "sku__code"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "sku"], name="listing_channel_sku_unique"),
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=~Q(external_id=""),
                name="listing_channel_external_id_unique",
            ),
            models.CheckConstraint(
                condition=Q(sync_status__in=[s.value for s in SyncStatus]),
                name="listing_sync_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}:{self.sku_id}"


class OrderStatus(models.TextChoices):
    RESERVED = "reserved", "Reserved"
    PICKING = "picking", "Picking"
    PICKED = "picked", "Picked"
    SHIPPED = "shipped", "Shipped"
    CANCELLED = "cancelled", "Cancelled"


# Orders whose units are still promised or being picked: cancel and expiry apply to these.
OPEN_ORDER_STATUSES = (OrderStatus.RESERVED, OrderStatus.PICKING, OrderStatus.PICKED)


class Order(models.Model):
    """An order from one channel. Intake reserves every line or none (channels.services.intake);
    (channel, external_id) is unique, so a retried order returns the first one."""

    channel = models.ForeignKey(SalesChannel, on_delete=models.PROTECT, related_name="orders")
    external_id = models.CharField(max_length=100)
    status = models.CharField(
        max_length=16, choices=OrderStatus.choices, default=OrderStatus.RESERVED
    )
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="An unpaid hold: released when this passes."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"], name="order_channel_external_id_unique"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in OrderStatus]), name="order_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"]),
            models.Index(fields=["channel", "-created_at"]),
            models.Index(
                fields=["expires_at"],
                condition=Q(expires_at__isnull=False),
                name="order_hold_expiry_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"order {self.pk} ({self.channel_id}/{self.external_id})"

    @property
    def reference(self) -> str:
        """What reservations and ledger rows of this order carry in `reference`."""
        return order_reference(self.pk)


def order_reference(order_id: int) -> str:
    return f"order {order_id}"


class OrderLine(models.Model):
    """Units of one SKU reserved from one warehouse for an order. A requested line that no
    single warehouse could fill is split into one OrderLine per warehouse."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    reservation = models.OneToOneField(
        Reservation, on_delete=models.PROTECT, related_name="order_line"
    )
    quantity_picked = models.PositiveIntegerField(default=0)
    quantity_short = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="orderline_quantity_gt_0"),
            models.CheckConstraint(
                condition=Q(quantity__gte=F("quantity_picked") + F("quantity_short")),
                name="orderline_picked_short_lte_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku_id} from {self.warehouse_id}"

    @property
    def short(self) -> bool:
        return self.quantity_short > 0


class PickTaskStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    SHORT = "short", "Short"
    CANCELLED = "cancelled", "Cancelled"


class PickTask(models.Model):
    """Take `quantity` units of a SKU (and lot) from one bin for one order line. Tasks of an
    order in one warehouse go to one associate; `sequence` is the walking order (by the bins'
    travel cost) among the order's tasks there."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="pick_tasks")
    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="pick_tasks")
    reservation = models.ForeignKey(Reservation, on_delete=models.PROTECT, related_name="+")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="pick_tasks")
    quantity = models.PositiveIntegerField()
    quantity_picked = models.PositiveIntegerField(default=0)
    to_location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Where picked units went (the packing station); empty: they left stock.",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pick_tasks",
    )
    status = models.CharField(
        max_length=16, choices=PickTaskStatus.choices, default=PickTaskStatus.OPEN
    )
    sequence = models.PositiveIntegerField(default=1)
    rerouted_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    put_back_at = models.DateTimeField(
        null=True, blank=True, help_text="When picked units of a cancelled order went back."
    )

    class Meta:
        ordering = ["order", "sequence", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="picktask_quantity_gt_0"),
            models.CheckConstraint(
                condition=Q(quantity_picked__lte=F("quantity")),
                name="picktask_picked_lte_quantity",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in PickTaskStatus]),
                name="picktask_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["assignee", "status"]),
            models.Index(fields=["sku", "location", "status"]),
        ]

    def __str__(self) -> str:
        return f"pick {self.pk}: {self.quantity} x {self.sku_id} @ {self.location_id}"


# --- Channel sync (outbox) -------------------------------------------------------------------


class OutboxState(models.TextChoices):
    PENDING = "pending", "Pending"
    FAILED = "failed", "Failed"  # retries exhausted; parked until a newer change or a resync


class OutboxEntry(models.Model):
    """ "Tell `channel` the current availability of `sku`": written in the transaction that
    changed the SKU's stock (inventory.events). The value is read at delivery time, so
    many entries of one (channel, SKU) coalesce into one pushed item. Deleted once acknowledged."""

    channel = models.ForeignKey(SalesChannel, on_delete=models.CASCADE, related_name="outbox")
    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(
        max_length=16, choices=OutboxState.choices, default=OutboxState.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "outbox entry"
        verbose_name_plural = "outbox entries"
        indexes = [models.Index(fields=["channel", "state"], name="outbox_channel_state")]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in OutboxState]), name="outbox_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}:{self.sku_id} {self.state}"


class ChannelSyncState(models.Model):
    """Per-channel delivery state: a lease (one deliverer per channel at a time, so versions
    reach the storefront in order) and the retry backoff after failed pushes."""

    channel = models.OneToOneField(
        SalesChannel, on_delete=models.CASCADE, primary_key=True, related_name="sync_state"
    )
    lease_holder = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"sync {self.channel_id}"


class SyncDelivery(models.Model):
    """One push attempt to a channel: how many items, whether it was acknowledged, and the lag
    (acknowledged minus the oldest change it carried) for the sync-lag chart."""

    channel = models.ForeignKey(SalesChannel, on_delete=models.CASCADE, related_name="deliveries")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(db_index=True)
    items = models.PositiveIntegerField()
    ok = models.BooleanField()
    lag_ms = models.PositiveIntegerField(default=0)
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-finished_at", "-id"]
        verbose_name_plural = "sync deliveries"

    def __str__(self) -> str:
        return f"{self.channel_id} {self.finished_at:%H:%M:%S} {'ok' if self.ok else 'failed'}"


class ChannelPullState(models.Model):
    """Per-channel state of pulling a storefront's own orders (connectors that can): how far the
    pull has read (the storefront's clock), a lease (one pull per channel at a time), and the
    orders it could not take, retried on every pull until taken or cancelled."""

    channel = models.OneToOneField(
        SalesChannel, on_delete=models.CASCADE, primary_key=True, related_name="pull_state"
    )
    cursor = models.DateTimeField(null=True, blank=True)
    lease_holder = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_pulled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    orders_taken = models.PositiveIntegerField(default=0)
    orders_cancelled = models.PositiveIntegerField(default=0)
    # storefront order code -> why the IMS could not take it (e.g. not enough stock)
    refused = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"pull {self.channel_id}"
