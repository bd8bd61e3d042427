"""Replenishment reads, shaped once: every list is a constant number of queries whatever its
length (projected figures are subqueries, relations are joined)."""

import datetime
from dataclasses import dataclass

from django.db.models import IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from ims.kits.roles import in_scope
from inventory.models import MovementKind, StockMovement
from replenishment.charts import ProjectionChart, projection_chart
from replenishment.models import AlertStatus, ReorderRule, ReplenishmentAlert
from replenishment.projection import with_projection
from replenishment.seasons import Threshold


def rule_list(*, warehouses=None) -> QuerySet[ReorderRule]:
    """Rules with SKU, warehouse and supplier joined, today's projected figures (`available`,
    `incoming`, `at_dock`, `projected`) and the id of the open alert, if any (`open_alert_id`)."""
    open_alert = ReplenishmentAlert.objects.filter(
        sku=OuterRef("sku"), warehouse=OuterRef("warehouse"), status=AlertStatus.OPEN
    ).values("pk")[:1]
    rules = in_scope(ReorderRule.objects.select_related("sku", "warehouse", "supplier"), warehouses)
    return with_projection(rules).annotate(
        open_alert_id=Subquery(open_alert, output_field=IntegerField())
    )


def alert_list(*, warehouses=None) -> QuerySet[ReplenishmentAlert]:
    """Alerts with what their lists show joined (SKU, warehouse, the rule's supplier, the PO,
    who closed it) and the projected figures now (`current_available`, `current_incoming`,
    `current_at_dock`, `current_projected`) beside those of the moment they were raised."""
    alerts = ReplenishmentAlert.objects.select_related(
        "sku", "warehouse", "rule__supplier", "purchase_order", "closed_by"
    )
    return with_projection(
        in_scope(alerts, warehouses),
        prefix="current_",
    ).order_by("-created_at", "-id")


def open_alert_count(*, warehouses=None) -> int:
    """For the navigation badge: open alerts of `warehouses` (ids; None: all). One COUNT."""
    alerts = ReplenishmentAlert.objects.filter(status=AlertStatus.OPEN)
    return in_scope(alerts, warehouses).count()


# The SKU page's panel -------------------------------------------------------------------------

DEMAND_DAYS = 30


@dataclass(frozen=True)
class RulePanel:
    rule: ReorderRule  # annotated by rule_list(): projected figures, open_alert_id
    threshold: Threshold
    daily_demand: float
    chart: ProjectionChart


def sku_replenishment(*, sku, on: datetime.date | None = None, warehouses=None) -> list[RulePanel]:
    """The rule in force for each warehouse that has one, with today's projected figures, the
    units picked over the last 30 days and the chart of projected stock against the point. One
    query whatever the number of warehouses."""
    on = on or timezone.localdate()
    since = timezone.now() - datetime.timedelta(days=DEMAND_DAYS)
    picked = (
        StockMovement.objects.filter(
            sku=OuterRef("sku"),
            warehouse=OuterRef("warehouse"),
            kind=MovementKind.PICK,
            created_at__gte=since,
        )
        .values("sku")
        .annotate(units=Sum("quantity"))
        .values("units")
    )
    rules = (
        rule_list(warehouses=warehouses)
        .filter(sku=sku)
        .annotate(picked=Coalesce(Subquery(picked, output_field=IntegerField()), Value(0)))
        .order_by("warehouse__code")
    )
    panels = []
    for rule in rules:
        demand = rule.picked / DEMAND_DAYS
        panels.append(
            RulePanel(
                rule=rule,
                threshold=rule.in_force(on),
                daily_demand=demand,
                chart=projection_chart(
                    rule=rule, projected=rule.projected, daily_demand=demand, today=on
                ),
            )
        )
    return panels
