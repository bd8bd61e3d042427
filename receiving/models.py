"""Receiving: suppliers, purchase orders, receipts at the dock, discrepancies and put-away tasks.

Nothing here changes stock or a quantity: every write goes through `receiving.services`, which
moves units with the inventory services (one ledger row per change) and updates received
quantities with F() expressions under a lock on the purchase order.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from inventory.models import Location, Lot, Sku, Warehouse


class Supplier(models.Model):
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class PurchaseOrderStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    PARTIALLY_RECEIVED = "partially_received", "Partially received"
    RECEIVED = "received", "Received"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


# The allowed transitions (DESIGN.md: statuses are enums with explicit transitions). Receipts move
# open → partially_received → received on their own; people open, cancel and close.
PO_TRANSITIONS: dict[str, frozenset[str]] = {
    PurchaseOrderStatus.DRAFT: frozenset({PurchaseOrderStatus.OPEN, PurchaseOrderStatus.CANCELLED}),
    PurchaseOrderStatus.OPEN: frozenset(
        {
            PurchaseOrderStatus.PARTIALLY_RECEIVED,
            PurchaseOrderStatus.RECEIVED,
            PurchaseOrderStatus.CLOSED,
            PurchaseOrderStatus.CANCELLED,
        }
    ),
    PurchaseOrderStatus.PARTIALLY_RECEIVED: frozenset(
        {PurchaseOrderStatus.RECEIVED, PurchaseOrderStatus.CLOSED}
    ),
    PurchaseOrderStatus.RECEIVED: frozenset({PurchaseOrderStatus.CLOSED}),
    PurchaseOrderStatus.CLOSED: frozenset(),
    PurchaseOrderStatus.CANCELLED: frozenset(),
}
# Statuses whose unreceived quantity is still expected (`incoming`), and that accept receipts.
INCOMING_STATUSES = (PurchaseOrderStatus.OPEN, PurchaseOrderStatus.PARTIALLY_RECEIVED)
RECEIVABLE_STATUSES = (*INCOMING_STATUSES, PurchaseOrderStatus.RECEIVED)


class PurchaseOrder(models.Model):
    number = models.CharField(max_length=32, unique=True)
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="purchase_orders")
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="purchase_orders"
    )
    status = models.CharField(
        max_length=24, choices=PurchaseOrderStatus.choices, default=PurchaseOrderStatus.DRAFT
    )
    expected_date = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "purchase order"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PurchaseOrderStatus.values), name="po_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expected_date"]),
            models.Index(fields=["warehouse", "status"]),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def receivable(self) -> bool:
        return self.status in RECEIVABLE_STATUSES

    def can_become(self, status: str) -> bool:
        return status in PO_TRANSITIONS[self.status]


class PurchaseOrderLine(models.Model):
    purchase_order = models.ForeignKey(
        PurchaseOrder, on_delete=models.CASCADE, related_name="lines"
    )
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="purchase_order_lines")
    quantity_ordered = models.PositiveIntegerField()
    # Changed only by F() updates in receiving.services.receipts, under the PO row lock.
    quantity_received = models.PositiveIntegerField(default=0)
    unit_cost = models.DecimalField(max_digits=12, decimal_places=4, default=0)

    class Meta:
        ordering = ["purchase_order_id", "id"]
        verbose_name = "purchase order line"
        constraints = [
            models.UniqueConstraint(fields=["purchase_order", "sku"], name="po_line_sku_unique"),
            models.CheckConstraint(
                condition=Q(quantity_ordered__gt=0), name="po_line_ordered_gt_0"
            ),
            models.CheckConstraint(
                condition=Q(quantity_received__gte=0), name="po_line_received_gte_0"
            ),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="po_line_cost_gte_0"),
        ]
        indexes = [models.Index(fields=["sku", "purchase_order"])]

    def __str__(self) -> str:
        return f"{self.purchase_order_id}: {self.quantity_ordered} x {self.sku_id}"

    @property
    def quantity_open(self) -> int:
        return max(self.quantity_ordered - self.quantity_received, 0)


class Receipt(models.Model):
    """One shipment recorded at the dock against a purchase order."""

    purchase_order = models.ForeignKey(
        PurchaseOrder, on_delete=models.PROTECT, related_name="receipts"
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Receipt {self.pk} of {self.purchase_order_id}"


class ReceiptLine(models.Model):
    """`quantity` units of a SKU counted off the truck, `damaged` of them damaged. Sound units
    land at `location` (the dock, or quarantine when held); damaged ones at `damaged_location`."""

    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="lines")
    po_line = models.ForeignKey(
        PurchaseOrderLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="receipt_lines",
        help_text="Empty when the SKU is not on the purchase order.",
    )
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    quantity = models.PositiveIntegerField()
    damaged = models.PositiveIntegerField(default=0)
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    damaged_location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    held = models.BooleanField(
        default=False, help_text="Sound units held in quarantine until a manager decides."
    )

    class Meta:
        ordering = ["receipt_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="receipt_line_quantity_gt_0"),
            models.CheckConstraint(
                condition=Q(damaged__gte=0) & Q(damaged__lte=F("quantity")),
                name="receipt_line_damaged_within_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku_id}"

    @property
    def sound(self) -> int:
        return self.quantity - self.damaged


class DiscrepancyCode(models.TextChoices):
    OVER_RECEIPT = "over_receipt", "Over-receipt"
    UNEXPECTED_SKU = "unexpected_sku", "SKU not on the PO"
    MISSING_LOT = "missing_lot", "Missing lot"
    DAMAGED = "damaged", "Damaged"
    SHORT = "short", "Short delivery"


class Discrepancy(models.Model):
    """A difference between what was ordered and what arrived, flagged when it happens.

    `expected` and `received` always describe the SKU's line on the PO (ordered, received so far;
    0 ordered for a SKU not on it); `quantity` is how many units this discrepancy concerns and
    `location` where they are now (quarantine for held or damaged units)."""

    purchase_order = models.ForeignKey(
        PurchaseOrder, on_delete=models.PROTECT, related_name="discrepancies"
    )
    receipt = models.ForeignKey(
        Receipt, on_delete=models.PROTECT, null=True, blank=True, related_name="discrepancies"
    )
    receipt_line = models.ForeignKey(
        ReceiptLine, on_delete=models.PROTECT, null=True, blank=True, related_name="discrepancies"
    )
    po_line = models.ForeignKey(
        PurchaseOrderLine, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    code = models.CharField(max_length=16, choices=DiscrepancyCode.choices)
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    expected = models.PositiveIntegerField()
    received = models.PositiveIntegerField()
    quantity = models.PositiveIntegerField()
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    detail = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolution_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "discrepancies"
        constraints = [
            models.CheckConstraint(
                condition=Q(code__in=DiscrepancyCode.values), name="discrepancy_code_valid"
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | ~Q(resolution_note=""),
                name="discrepancy_resolved_with_note",
            ),
        ]
        indexes = [models.Index(fields=["resolved_at", "code"])]

    def __str__(self) -> str:
        return f"{self.code} {self.sku_id} on {self.purchase_order_id}"

    @property
    def resolved(self) -> bool:
        return self.resolved_at is not None


class PutawayStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class PutawayTask(models.Model):
    """Units waiting at the dock (or released from quarantine) to go into a sellable bin.

    `suggested_location` is chosen when the task is created (receiving.services.putaway);
    `location` is where the associate actually put them. Completing part of a task closes it for
    the part moved and opens a new task for the rest (`remainder_of`)."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="putaway_tasks")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    quantity = models.PositiveIntegerField()
    from_location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    suggested_location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=16, choices=PutawayStatus.choices, default=PutawayStatus.OPEN
    )
    purchase_order = models.ForeignKey(
        PurchaseOrder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="putaway_tasks",
    )
    receipt_line = models.ForeignKey(
        ReceiptLine, on_delete=models.PROTECT, null=True, blank=True, related_name="putaway_tasks"
    )
    discrepancy = models.ForeignKey(
        Discrepancy, on_delete=models.PROTECT, null=True, blank=True, related_name="putaway_tasks"
    )
    remainder_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "put-away task"
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="putaway_quantity_gt_0"),
            models.CheckConstraint(
                condition=Q(status__in=PutawayStatus.values), name="putaway_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["warehouse", "status"])]

    def __str__(self) -> str:
        return f"Put-away {self.pk}: {self.quantity} x {self.sku_id}"
