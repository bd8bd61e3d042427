"""Stock balances, the ledger and reservations.

Quantities are never changed here: every write goes through `inventory.services`, which keeps the
invariants of DESIGN.md (CHECK constraints below, conditional UPDATEs, a ledger row per change).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from inventory.models.catalog import Location, Lot, Sku, Warehouse


class BinStock(models.Model):
    """Physical units of one SKU (and lot) in one leaf location."""

    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="bin_stock")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="bin_stock")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, null=True, blank=True)
    quantity = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "bin stock"
        verbose_name_plural = "bin stock"
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=0), name="binstock_quantity_gte_0"),
            # (sku, location, lot) is unique; NULL lots are made unique by the partial constraint.
            models.UniqueConstraint(
                fields=["sku", "location", "lot"],
                condition=Q(lot__isnull=False),
                name="binstock_sku_location_lot_unique",
            ),
            models.UniqueConstraint(
                fields=["sku", "location"],
                condition=Q(lot__isnull=True),
                name="binstock_sku_location_nolot_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id}@{self.location_id}: {self.quantity}"


class WarehouseStock(models.Model):
    """Sellable units (in pickable bins) and units promised to orders: the reservation guard."""

    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="warehouse_stock")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stock")
    on_hand = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "warehouse stock"
        verbose_name_plural = "warehouse stock"
        constraints = [
            models.UniqueConstraint(fields=["sku", "warehouse"], name="warehousestock_unique"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="reserved_gte_0"),
            models.CheckConstraint(
                condition=Q(on_hand__gte=F("reserved")), name="reserved_lte_on_hand"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id}@{self.warehouse_id}: {self.on_hand}/{self.reserved}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class MovementKind(models.TextChoices):
    RECEIVE = "receive", "Receive"
    PUTAWAY = "putaway", "Put-away"
    MOVE = "move", "Move"
    PICK = "pick", "Pick"
    ADJUST = "adjust", "Adjust"
    COUNT = "count", "Count"
    SHIP = "ship", "Ship"
    RETURN = "return", "Return"


class StockMovement(models.Model):
    """The append-only ledger. `quantity` is positive; direction is from_location → to_location
    (a receipt or positive adjustment has no from_location, a pick or negative adjustment no
    to_location). Balances are sums of movements; rows are never updated or deleted."""

    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="movements")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="movements")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, null=True, blank=True)
    quantity = models.PositiveIntegerField()
    from_location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=MovementKind.choices)
    reference = models.CharField(max_length=100, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="movement_quantity_gt_0"),
            models.CheckConstraint(
                condition=Q(from_location__isnull=False) | Q(to_location__isnull=False),
                name="movement_has_a_location",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in MovementKind]), name="movement_kind_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["sku", "-created_at"]),
            models.Index(fields=["warehouse", "kind", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity} {self.sku_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise TypeError("The stock ledger is append-only: movements are never updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The stock ledger is append-only: movements are never deleted.")


class ReservationStatus(models.TextChoices):
    OPEN = "open", "Open"
    FULFILLED = "fulfilled", "Fulfilled"
    RELEASED = "released", "Released"
    EXPIRED = "expired", "Expired"


class Reservation(models.Model):
    """Units of one SKU promised from one warehouse. `quantity` is what is still reserved;
    the sum over open reservations equals `WarehouseStock.reserved` (checked by stock_audit)."""

    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="reservations")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="reservations")
    quantity = models.IntegerField()
    original_quantity = models.PositiveIntegerField()
    reference = models.CharField(max_length=100, db_index=True)
    status = models.CharField(
        max_length=16, choices=ReservationStatus.choices, default=ReservationStatus.OPEN
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=0), name="reservation_quantity_gte_0"),
            models.CheckConstraint(
                condition=Q(quantity__lte=F("original_quantity")),
                name="reservation_quantity_lte_original",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in ReservationStatus]),
                name="reservation_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["status", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.reference}: {self.quantity} x {self.sku_id}"
