"""Orders from the channels, their lines (each with its reservation) and pick tasks."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from channels.models.channels import SalesChannel
from inventory.models import Location, Lot, Reservation, Sku, Warehouse


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
