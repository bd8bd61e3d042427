"""Channel sync: the outbox, the per-channel delivery and pull state, the delivery log."""

from django.db import models
from django.db.models import Q

from channels.models.channels import SalesChannel
from inventory.models import Sku


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
