"""Reorder rules and the alerts they raise.

A rule says when to reorder a SKU for a warehouse; an alert is raised when projected stock falls
to the point in force. The tables keep the names they had inside the inventory app
(`inventory_reorderrule`, ...): the models moved here without moving data (migration 0001).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from inventory.models import Sku, Warehouse
from replenishment.seasons import seasons_from_json, threshold_on


class ReorderRule(models.Model):
    """When to reorder a SKU for a warehouse, and how much.

    Projected stock (available + incoming + units at the dock awaiting put-away) falling to or
    below the reorder point in force raises one ReplenishmentAlert. `seasonal` holds month-day
    ranges with their own point and quantity (validated by replenishment.seasons, in the
    API's shape). `armed` is the re-arm state: True while projected is above the point, so the
    next fall raises an alert; it is only changed by replenishment.triggers."""

    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="reorder_rules")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="reorder_rules")
    reorder_point = models.PositiveIntegerField(
        help_text="Raise an alert when projected stock falls to or below this."
    )
    reorder_quantity = models.PositiveIntegerField(help_text="The least quantity to order.")
    lead_time_days = models.PositiveIntegerField(
        default=0, help_text="Days from ordering to the goods arriving."
    )
    supplier = models.ForeignKey(
        "receiving.Supplier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reorder_rules",
        help_text="Preferred supplier: draft purchase orders go to it.",
    )
    pack_size = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Units per pack from the supplier; suggested quantities round up to it.",
    )
    seasonal = models.JSONField(default=list, blank=True)
    armed = models.BooleanField(
        default=True, help_text="Projected was above the point at the last check."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "inventory_reorderrule"
        ordering = ["sku__code", "warehouse__code"]
        constraints = [
            models.UniqueConstraint(fields=["sku", "warehouse"], name="reorderrule_unique"),
            models.CheckConstraint(
                condition=Q(reorder_quantity__gt=0), name="reorderrule_quantity_gt_0"
            ),
            models.CheckConstraint(
                condition=Q(pack_size__isnull=True) | Q(pack_size__gt=0),
                name="reorderrule_pack_size_gt_0",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id}@{self.warehouse_id}: point {self.reorder_point}"

    @property
    def seasons(self):
        return seasons_from_json(self.seasonal)

    def in_force(self, on=None):
        """The Threshold (point, quantity, season) in force on `on` (default: today, local)."""
        return threshold_on(
            reorder_point=self.reorder_point,
            reorder_quantity=self.reorder_quantity,
            seasons=self.seasons,
            on=on or timezone.localdate(),
        )


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    ORDERED = "ordered", "Ordered"
    DISMISSED = "dismissed", "Dismissed"


# Explicit transitions: an alert is closed once, by ordering or dismissing it.
ALERT_TRANSITIONS: dict[str, frozenset[str]] = {
    AlertStatus.OPEN: frozenset({AlertStatus.ORDERED, AlertStatus.DISMISSED}),
    AlertStatus.ORDERED: frozenset(),
    AlertStatus.DISMISSED: frozenset(),
}


class AlertDigest(models.Model):
    """One e-mail batch to the purchasing role: the alerts raised since the last batch."""

    created_at = models.DateTimeField(auto_now_add=True)
    alert_count = models.PositiveIntegerField()
    recipients = models.JSONField(default=list, help_text="The addresses it went to.")

    class Meta:
        db_table = "inventory_alertdigest"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"digest {self.pk}: {self.alert_count} alerts"


class ReplenishmentAlert(models.Model):
    """Projected stock of a SKU in a warehouse reached the reorder point in force. The figures
    are those of the moment it was raised. At most one open alert per SKU and warehouse (a
    partial unique constraint), so concurrent picks crossing the point together raise one."""

    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="replenishment_alerts")
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="replenishment_alerts"
    )
    rule = models.ForeignKey(
        ReorderRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts"
    )
    status = models.CharField(max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    available = models.IntegerField(help_text="On hand - reserved when raised.")
    incoming = models.IntegerField(help_text="Open purchase-order quantity when raised.")
    at_dock = models.IntegerField(default=0, help_text="Units awaiting put-away when raised.")
    projected = models.IntegerField(help_text="available + incoming + at_dock when raised.")
    reorder_point = models.PositiveIntegerField()
    reorder_quantity = models.PositiveIntegerField()
    season = models.CharField(max_length=40, blank=True, help_text="Empty: all-year figures.")
    suggested_quantity = models.PositiveIntegerField()
    purchase_order = models.ForeignKey(
        "receiving.PurchaseOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replenishment_alerts",
    )
    dismiss_reason = models.CharField(max_length=200, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(
        null=True, blank=True, help_text="When the purchasing digest e-mail included it."
    )
    digest = models.ForeignKey(
        AlertDigest, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "inventory_replenishmentalert"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sku", "warehouse"],
                condition=Q(status="open"),
                name="replenishmentalert_one_open",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "ordered", "dismissed"]),
                name="replenishmentalert_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="dismissed") | ~Q(dismiss_reason=""),
                name="replenishmentalert_dismissed_with_reason",
            ),
            models.CheckConstraint(
                condition=Q(suggested_quantity__gt=0), name="replenishmentalert_suggested_gt_0"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="alert_status_created_idx"),
            models.Index(fields=["status", "notified_at"], name="alert_status_notified_idx"),
        ]

    def __str__(self) -> str:
        return f"alert {self.sku_id}@{self.warehouse_id} ({self.status})"

    def can_become(self, status: str) -> bool:
        return status in ALERT_TRANSITIONS[self.status]
