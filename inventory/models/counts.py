"""Cycle counts: a blind count of some bins and SKUs, its lines, and what it posted.

A count is created open with one line per (bin, SKU, lot) to count and the books' quantity at
that moment (`snapshot`). It is blind: nothing shows `snapshot`, `expected` or `variance` while
it is open. On submit each line's `expected` is the snapshot plus every movement of that bin,
SKU and lot since (the books at submit, read under the bin row's lock), so a pick confirmed
while the count is open is neither erased nor counted twice.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from inventory.models.catalog import Location, Lot, Sku, Warehouse


class CountStatus(models.TextChoices):
    OPEN = "open", "Open"
    PENDING_APPROVAL = "pending_approval", "Waiting for approval"
    POSTED = "posted", "Posted"
    CANCELLED = "cancelled", "Cancelled"


class CountOrigin(models.TextChoices):
    SCHEDULE = "schedule", "Schedule (ABC class)"
    SHORT_PICK = "short_pick", "Short pick"
    MANUAL = "manual", "By hand"
    RECOUNT = "recount", "Recount"


class CountLineStatus(models.TextChoices):
    OPEN = "open", "To count"
    POSTED = "posted", "Posted"
    HELD = "held", "Held for approval"
    CANCELLED = "cancelled", "Cancelled"


# A bin, SKU and lot is in at most one count at a time: lines in these states.
LINE_BUSY = ("open", "held")


class CycleCount(models.Model):
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="counts")
    status = models.CharField(max_length=20, choices=CountStatus.choices, default=CountStatus.OPEN)
    origin = models.CharField(max_length=16, choices=CountOrigin.choices)
    reason = models.CharField(max_length=200, blank=True)
    reference = models.CharField(max_length=100, blank=True)
    # What was asked for (any may be empty): one bin, one SKU across its bins, a zone's bins.
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    zone = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cycle_counts",
    )
    recount_of = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="recount"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in CountStatus]), name="count_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(origin__in=[o.value for o in CountOrigin]), name="count_origin_valid"
            ),
        ]
        indexes = [models.Index(fields=["warehouse", "status"], name="count_warehouse_status_idx")]

    def __str__(self) -> str:
        return f"count #{self.pk} ({self.status})"

    @property
    def blind(self) -> bool:
        return self.status == CountStatus.OPEN

    @property
    def reference_text(self) -> str:
        """What the count's ledger rows carry as their reference."""
        return f"count #{self.pk}"


class CycleCountLine(models.Model):
    count = models.ForeignKey(CycleCount, on_delete=models.CASCADE, related_name="lines")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="count_lines")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="count_lines")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    status = models.CharField(
        max_length=16, choices=CountLineStatus.choices, default=CountLineStatus.OPEN
    )
    snapshot = models.IntegerField(help_text="The books when the count started (never shown open).")
    found = models.BooleanField(
        default=False, help_text="Added on submit: units no line expected (another SKU or lot)."
    )
    counted = models.IntegerField(null=True, blank=True)
    expected = models.IntegerField(null=True, blank=True)
    variance = models.IntegerField(null=True, blank=True)
    unit_cost = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    posted = models.IntegerField(
        default=0, help_text="Units posted as count movements (signed); the rest is held."
    )
    note = models.CharField(max_length=200, blank=True)
    counted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["count_id", "location__path", "sku__code", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in CountLineStatus]),
                name="countline_status_valid",
            ),
            models.CheckConstraint(condition=Q(counted__gte=0), name="countline_counted_gte_0"),
            models.UniqueConstraint(
                fields=["location", "sku", "lot"],
                condition=Q(status__in=LINE_BUSY, lot__isnull=False),
                name="countline_one_busy_per_bin_sku_lot",
            ),
            models.UniqueConstraint(
                fields=["location", "sku"],
                condition=Q(status__in=LINE_BUSY, lot__isnull=True),
                name="countline_one_busy_per_bin_sku",
            ),
        ]
        indexes = [
            models.Index(fields=["warehouse", "sku", "-counted_at"], name="countline_sku_idx")
        ]

    def __str__(self) -> str:
        return f"count #{self.count_id}: {self.sku_id}@{self.location_id}"
