"""Slotting: moves that bring fast movers nearer packing, and the move tasks that do them."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from inventory.models.catalog import Location, Lot, Sku, Warehouse


class RecommendationStatus(models.TextChoices):
    OPEN = "open", "Open"
    APPLIED = "applied", "Applied"
    SUPERSEDED = "superseded", "Superseded"


class SlottingRecommendation(models.Model):
    """Move `sku` (all its units in `from_location`) to the nearer `to_location`; when
    `swap_sku` is set, that SKU's units in `to_location` go the other way. Recomputed with
    velocity; `walk_saved_per_week` is in travel-cost units (picks per week x cost difference,
    less what the swapped SKU now walks)."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="+")
    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    quantity = models.PositiveIntegerField()
    from_location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    to_location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    swap_sku = models.ForeignKey(
        Sku, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    swap_lot = models.ForeignKey(
        Lot, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    swap_quantity = models.PositiveIntegerField(default=0)
    walk_saved_per_week = models.DecimalField(max_digits=14, decimal_places=2)
    status = models.CharField(
        max_length=16, choices=RecommendationStatus.choices, default=RecommendationStatus.OPEN
    )
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["-walk_saved_per_week", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in RecommendationStatus]),
                name="slotting_status_valid",
            ),
        ]
        indexes = [
            models.Index(
                fields=["warehouse", "status", "-walk_saved_per_week"], name="slotting_open_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sku_id}: {self.from_location_id} -> {self.to_location_id}"


class MoveTaskStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class MoveTask(models.Model):
    """Move units of one SKU (and lot) from one bin to another, for an associate. `after` is a
    task that must be done first (the half of a swap that makes room)."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="move_tasks")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="move_tasks")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    quantity = models.PositiveIntegerField()
    from_location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    to_location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="move_tasks",
    )
    status = models.CharField(
        max_length=16, choices=MoveTaskStatus.choices, default=MoveTaskStatus.OPEN
    )
    reason = models.CharField(max_length=200, blank=True)
    recommendation = models.ForeignKey(
        SlottingRecommendation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="move_tasks",
    )
    after = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="then"
    )
    moved = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="movetask_quantity_gt_0"),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in MoveTaskStatus]),
                name="movetask_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(from_location=models.F("to_location")), name="movetask_two_places"
            ),
        ]
        indexes = [models.Index(fields=["warehouse", "status"], name="movetask_open_idx")]

    def __str__(self) -> str:
        return f"move #{self.pk}: {self.sku_id} {self.from_location_id} -> {self.to_location_id}"
