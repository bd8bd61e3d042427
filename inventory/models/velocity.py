"""How fast each SKU moves in each warehouse."""

from django.db import models
from django.db.models import Q

from inventory.models.catalog import Sku, Warehouse


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
