"""Sales channels, the warehouses they sell from, their API keys and listings."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from inventory.models import Sku, Warehouse


class Connector(models.TextChoices):
    WEBHOOK = "webhook", "Webhook"
    SHOPIFY = "shopify", "Shopify"
    WOOCOMMERCE = "woocommerce", "WooCommerce"
    VENDURE = "vendure", "Vendure"


# Connector settings that are credentials: accepted on write, never shown again.
SECRET_SETTINGS = frozenset(
    {"access_token", "consumer_key", "consumer_secret", "password", "webhook_secret"}
)


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
