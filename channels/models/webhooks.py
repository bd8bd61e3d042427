"""Orders that storefronts hand the IMS by webhook (Shopify, WooCommerce): one row per shop order,
and a short log of the deliveries received.

`WebhookOrder` is what makes the webhooks safe to repeat and to receive out of order: every
delivery about one shop order locks its row first, so five copies of `orders/create` arriving at
once queue behind each other and the first one's order is what the others find; a cancellation
that arrives before its order is recorded here, so the late create is not taken. An order the
IMS can't take yet (unknown SKU, not enough stock) is `kept` with its reason and its lines, and
taken again by the retry schedule (channels.webhooks.retry) once it can be.
"""

from django.db import models
from django.db.models import Q

from channels.models.channels import SalesChannel
from channels.models.orders import Order


class WebhookOrderState(models.TextChoices):
    TAKEN = "taken", "Taken"  # an IMS order exists for it
    KEPT = "kept", "Kept"  # not taken yet (the reason says why): retried on a schedule
    CANCELLED = "cancelled", "Cancelled"  # cancelled on the shop: never taken after this
    IGNORED = "ignored", "Ignored"  # not the IMS's to take (unpaid, shipped by the shop, …)


class WebhookOrder(models.Model):
    """What the IMS knows of one shop order that reached it by webhook. `lines` (the shop's
    lines, as channels.webhooks.lines.ShopLine dicts) are kept only while the order is `kept`."""

    channel = models.ForeignKey(
        SalesChannel, on_delete=models.CASCADE, related_name="webhook_orders"
    )
    external_id = models.CharField(max_length=100)  # the shop's order id
    name = models.CharField(max_length=100, blank=True)  # what the shop shows (#1001)
    state = models.CharField(
        max_length=16, choices=WebhookOrderState.choices, default=WebhookOrderState.KEPT
    )
    shop_state = models.CharField(max_length=40, blank=True)  # the shop's own word for it
    reason = models.CharField(max_length=500, blank=True)
    lines = models.JSONField(default=list, blank=True)
    order = models.ForeignKey(
        Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    attempts = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["channel", "-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"], name="webhookorder_channel_external_id_unique"
            ),
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in WebhookOrderState]),
                name="webhookorder_state_valid",
            ),
        ]
        indexes = [
            models.Index(
                fields=["last_attempt_at"],
                condition=Q(state="kept"),
                name="webhookorder_kept_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}:{self.external_id} {self.state}"


class WebhookDelivery(models.Model):
    """One signed delivery a shop made: when, which topic, about which order, and what the IMS
    did with it (in words). Unsigned or wrongly signed requests leave no row. Insert-only (no
    row is shared, so concurrent deliveries never wait on each other here); old rows are pruned
    by the retry schedule."""

    channel = models.ForeignKey(
        SalesChannel, on_delete=models.CASCADE, related_name="webhook_deliveries"
    )
    received_at = models.DateTimeField(auto_now_add=True)
    topic = models.CharField(max_length=60)
    external_id = models.CharField(max_length=100, blank=True)
    outcome = models.CharField(max_length=16)  # taken, known, kept, cancelled, ignored, refused
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [models.Index(fields=["channel", "-received_at"], name="webhookdelivery_recent")]

    def __str__(self) -> str:
        return f"{self.channel_id} {self.topic} {self.outcome}"
