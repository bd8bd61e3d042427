"""The catalogue and places: SKUs, warehouses, their location trees, lots."""

from django.conf import settings
from django.db import models
from django.db.models import Q


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
