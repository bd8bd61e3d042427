"""Catalog, places and stock: the stock engine's tables.

Quantities are never changed here: every write goes through `inventory.services`, which keeps the
invariants of DESIGN.md (CHECK constraints below, conditional UPDATEs, a ledger row per change).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class Sku(models.Model):
    code = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    barcode = models.CharField(max_length=64, unique=True, null=True, blank=True)
    lot_tracked = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "SKU"
        verbose_name_plural = "SKUs"

    def __str__(self) -> str:
        return self.code


class Warehouse(models.Model):
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="warehouses",
        help_text="People who work here; associates among them receive put-away and pick tasks.",
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class LocationType(models.TextChoices):
    ZONE = "zone", "Zone / aisle / shelf"
    BIN = "bin", "Bin (pickable)"
    DOCK = "dock", "Receiving dock"
    QUARANTINE = "quarantine", "Quarantine"
    PACKING = "packing", "Packing station"


# Only bins hold sellable stock; zones only group other locations and never hold stock.
SELLABLE_TYPES = frozenset({LocationType.BIN})
CONTAINER_TYPES = frozenset({LocationType.ZONE})


class Location(models.Model):
    """A place in a warehouse tree. Zones (and aisles, shelves: type zone) group; leaves hold stock.

    `path` is materialised ("/A/A-01/A-01-03/") so a subtree is one `path__startswith` query;
    it is written once at creation (codes are immutable), so concurrent writes cannot corrupt it.
    """

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="locations")
    code = models.CharField(max_length=64)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    type = models.CharField(max_length=16, choices=LocationType.choices, default=LocationType.BIN)
    path = models.CharField(max_length=512, editable=False, db_index=True)
    travel_cost = models.PositiveIntegerField(
        default=0, help_text="Walking cost from the packing stations; pick routes follow it."
    )
    capacity = models.PositiveIntegerField(
        null=True, blank=True, help_text="Most units the bin holds; empty means unlimited."
    )

    class Meta:
        ordering = ["warehouse__code", "path"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "code"], name="location_code_unique"),
            models.CheckConstraint(
                condition=Q(type__in=[t.value for t in LocationType]), name="location_type_valid"
            ),
        ]
        indexes = [models.Index(fields=["warehouse", "type", "travel_cost"])]

    def __str__(self) -> str:
        return f"{self.warehouse.code}:{self.code}" if self.warehouse_id else self.code

    @property
    def sellable(self) -> bool:
        return self.type in SELLABLE_TYPES

    @property
    def holds_stock(self) -> bool:
        return self.type not in CONTAINER_TYPES


class Lot(models.Model):
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="lots")
    lot_number = models.CharField(max_length=64)
    expiry = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sku__code", "expiry", "lot_number"]
        constraints = [
            models.UniqueConstraint(fields=["sku", "lot_number"], name="lot_number_unique"),
        ]

    def __str__(self) -> str:
        return self.lot_number


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


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class ImportJob(models.Model):
    """One uploaded CSV/XLSX file and what became of it. The file's bytes are kept here (not on
    disk) so a worker on another machine can run it; a file with any bad row applies nothing,
    and `errors` lists every bad row as {row, column, message}."""

    kind = models.CharField(max_length=64)
    status = models.CharField(
        max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    dry_run = models.BooleanField(default=False)
    file_name = models.CharField(max_length=255, blank=True)
    file_format = models.CharField(max_length=8)
    content = models.BinaryField(editable=False)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    rows_valid = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in ImportStatus]),
                name="importjob_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(rows_valid__lte=F("rows_total")), name="importjob_valid_lte_total"
            ),
        ]

    def __str__(self) -> str:
        return f"import #{self.pk} ({self.kind}, {self.status})"


class CountTaskStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class CountTask(models.Model):
    """A request to count one SKU in one bin, e.g. after a short pick found the bin emptier than
    the books said. At most one open request per bin and SKU: asking again adds nothing."""

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="count_tasks")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="count_tasks")
    reason = models.CharField(max_length=200)
    reference = models.CharField(max_length=100, blank=True)
    status = models.CharField(
        max_length=16, choices=CountTaskStatus.choices, default=CountTaskStatus.OPEN
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["location", "sku"],
                condition=Q(status="open"),
                name="counttask_one_open_per_bin_sku",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "done", "cancelled"]),
                name="counttask_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"count {self.sku_id} @ {self.location_id} ({self.status})"


class AbcClass(models.TextChoices):
    A = "A", "A (top movers)"
    B = "B", "B"
    C = "C", "C (slow or never picked)"


class SkuVelocity(models.Model):
    """How fast a SKU moves in a warehouse: picks (ledger `pick` rows) and units over the last
    30 and 90 days, and its ABC class by picks; recomputed nightly and on demand
    (inventory.services.velocity), so reads are cheap."""

    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="velocity")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="velocity")
    picks_30d = models.PositiveIntegerField(default=0)
    units_30d = models.PositiveIntegerField(default=0)
    picks_90d = models.PositiveIntegerField(default=0)
    units_90d = models.PositiveIntegerField(default=0)
    abc = models.CharField(max_length=1, choices=AbcClass.choices, default=AbcClass.C)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "SKU velocity"
        constraints = [
            models.UniqueConstraint(fields=["sku", "warehouse"], name="skuvelocity_unique"),
            models.CheckConstraint(
                condition=Q(abc__in=["A", "B", "C"]), name="skuvelocity_abc_valid"
            ),
        ]
        indexes = [models.Index(fields=["warehouse", "abc"], name="velocity_warehouse_abc_idx")]

    def __str__(self) -> str:
        return f"{self.sku_id}@{self.warehouse_id}: {self.abc} ({self.picks_90d} picks / 90 d)"
