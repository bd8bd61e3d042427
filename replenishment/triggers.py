"""The reorder check: raise a replenishment alert the moment projected stock reaches the point.

`reorder_check` runs inside every transaction that changes on-hand or reserved (called from
inventory.events.availability_changed); `reorder_recheck` runs where projected changes
without touching stock rows: purchase orders opened, cancelled, closed or received, rules
created or changed, and the daily sweep (a new season starts).

The decision, per reorder rule (SKU x warehouse), on the point in force today:
- projected ≤ point and the rule is armed → disarm it and raise one alert;
- projected > point → (re-)arm it: the next fall to or below the point raises a new alert;
- otherwise nothing. An open alert stays open until it is ordered or dismissed; while one is
  open no second one can exist (partial unique constraint; the insert is ON CONFLICT DO NOTHING).

Serialisation: every decision for a SKU x warehouse is taken while holding that pair's
WarehouseStock row lock (the stock services hold it already; `reorder_recheck` takes it), then
the rule's; the figures are read after the locks are held, so the last decision always sees
every committed change. Lock order: WarehouseStock → ReorderRule → ReplenishmentAlert.
"""

import datetime
import functools
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from inventory.events import AvailabilityListener
from inventory.models import Sku, Warehouse, WarehouseStock
from replenishment.formula import suggested_quantity
from replenishment.models import ReorderRule, ReplenishmentAlert
from replenishment.projection import with_projection
from replenishment.seasons import Threshold

# The rule of a SKU (first parameter) in a warehouse (second) as (sku_id, warehouse_id, rule id);
# at most one (unique constraint). SQL by hand because it runs on every stock change;
# inventory.events folds it into the one query that finds every listener.
RULE_SQL = (
    f"SELECT sku_id, warehouse_id, id FROM {ReorderRule._meta.db_table}"
    " WHERE sku_id = %s AND warehouse_id = %s"
)


def _on_availability(*, sku: Sku, warehouse: Warehouse, ids: list[int]) -> None:
    reorder_decide(sku=sku, warehouse=warehouse)


# Registered by ReplenishmentConfig.ready(): the pair's rule decides on every stock change.
REORDER_RULES = AvailabilityListener(name="rule", sql=RULE_SQL, handle=_on_availability)


def reorder_check(*, sku: Sku, warehouse: Warehouse) -> None:
    """The hook of availability_changed (inside the caller's transaction, with the SKU's
    WarehouseStock row already locked by the change). Most SKUs have no rule in a warehouse, so
    the common path is one small query; with a rule, a second one reads the projected figures."""
    with connection.cursor() as cursor:
        cursor.execute(RULE_SQL, [sku.pk, warehouse.pk])
        has_rule = cursor.fetchone() is not None
    if has_rule:
        reorder_decide(sku=sku, warehouse=warehouse)


def reorder_decide(*, sku: Sku, warehouse: Warehouse) -> None:
    """The second half of reorder_check, for a caller that has found a rule already (under the
    same lock): read the projected figures and decide."""
    sql, params = _pair_projection_sql(connection.alias)
    params = [
        sku.pk if value == _SKU else warehouse.pk if value == _WAREHOUSE else value
        for value in params
    ]
    for rule in ReorderRule.objects.raw(sql, params):
        rule.projected = rule.available + rule.incoming + rule.at_dock
        rule_decide(rule, on=timezone.localdate())


# Stand-ins for the SKU and warehouse ids while the projection query is compiled, found again in
# its parameters by value: no id is negative, and no other parameter is an id.
_SKU, _WAREHOUSE = -7_000_001, -7_000_002


@functools.cache
def _pair_projection_sql(alias: str) -> tuple[str, tuple]:
    """The SQL and parameters of `with_projection` on one pair's rules, compiled once per
    process: building and compiling its three subqueries costs several milliseconds of CPU, on
    every stock change of a SKU with a rule, for a statement whose text never changes. Only the
    SKU and warehouse ids differ between calls: the stand-ins mark where they go."""
    rules = ReorderRule.objects.using(alias).filter(sku_id=_SKU, warehouse_id=_WAREHOUSE)
    sql, params = with_projection(rules, total=False).order_by().query.sql_with_params()
    if [value for value in params if value in (_SKU, _WAREHOUSE)] != [_SKU, _WAREHOUSE]:
        raise RuntimeError("the projection query no longer takes the pair as two parameters")
    return sql, params


def rule_decide(rule: ReorderRule, *, on: datetime.date) -> ReplenishmentAlert | None:
    """Apply the decision above to `rule`, annotated by `with_projection` (see the module
    docstring for the locks its caller must hold). Returns the alert raised, if any."""
    threshold = rule.in_force(on)
    if rule.projected > threshold.reorder_point:
        if not rule.armed:
            ReorderRule.objects.filter(pk=rule.pk, armed=False).update(armed=True)
            rule.armed = True
        return None
    if not rule.armed:
        return None
    # The conditional UPDATE is the guard: of two deciders that both read `armed`, only the one
    # that disarms the rule raises the alert.
    disarmed = ReorderRule.objects.filter(pk=rule.pk, armed=True).update(armed=False)
    rule.armed = False
    if not disarmed:
        return None
    alert = _alert_for(rule, threshold)
    # ON CONFLICT DO NOTHING: an alert still open from an earlier fall stays the one open alert.
    ReplenishmentAlert.objects.bulk_create([alert], ignore_conflicts=True)
    return alert


def rules_decide(rules: Iterable[ReorderRule], *, on: datetime.date) -> list[ReplenishmentAlert]:
    """`rule_decide` for many rules at once (an import's), each annotated by `with_projection`:
    the same decisions, written with one UPDATE re-arming, one disarming and one INSERT of the
    alerts. The caller holds the locks of every pair and rule (module docstring), so no other
    decider can interleave and the disarming UPDATE needs no per-rule guard."""
    to_arm, to_disarm, alerts = [], [], []
    for rule in rules:
        threshold = rule.in_force(on)
        if rule.projected > threshold.reorder_point:
            if not rule.armed:
                to_arm.append(rule.pk)
                rule.armed = True
        elif rule.armed:
            to_disarm.append(rule.pk)
            rule.armed = False
            alerts.append(_alert_for(rule, threshold))
    if to_arm:
        ReorderRule.objects.filter(pk__in=to_arm).update(armed=True)
    if to_disarm:
        ReorderRule.objects.filter(pk__in=to_disarm).update(armed=False)
    ReplenishmentAlert.objects.bulk_create(alerts, ignore_conflicts=True)
    return alerts


def _alert_for(rule: ReorderRule, threshold: Threshold) -> ReplenishmentAlert:
    return ReplenishmentAlert(
        sku_id=rule.sku_id,
        warehouse_id=rule.warehouse_id,
        rule=rule,
        available=rule.available,
        incoming=rule.incoming,
        at_dock=rule.at_dock,
        projected=rule.projected,
        reorder_point=threshold.reorder_point,
        reorder_quantity=threshold.reorder_quantity,
        season=threshold.season.label if threshold.season else "",
        suggested_quantity=suggested_quantity(
            projected=rule.projected,
            reorder_point=threshold.reorder_point,
            reorder_quantity=threshold.reorder_quantity,
            pack_size=rule.pack_size,
        ),
    )


def _key_condition(keys: Iterable[tuple[int, int]]) -> Q:
    by_warehouse: dict[int, set[int]] = defaultdict(set)
    for sku_id, warehouse_id in keys:
        by_warehouse[warehouse_id].add(sku_id)
    condition = Q(pk__in=[])
    for warehouse_id, sku_ids in by_warehouse.items():
        condition |= Q(warehouse_id=warehouse_id, sku_id__in=sorted(sku_ids))
    return condition


def keys_lock(keys: Iterable[tuple[int, int]]) -> None:
    """Lock the WarehouseStock rows of (sku_id, warehouse_id) pairs in primary-key order, the
    order every stock service takes them. Pairs without a row have nothing to lock."""
    keys = set(keys)
    if keys:
        list(
            WarehouseStock.objects.select_for_update()
            .filter(_key_condition(keys))
            .order_by("pk")
            .values_list("pk", flat=True)
        )


@transaction.atomic
def reorder_recheck(
    *, keys: Iterable[tuple[int, int]], on: datetime.date | None = None
) -> list[ReplenishmentAlert]:
    """Decide again for the rules of these (sku_id, warehouse_id) pairs, after a change of
    projected that did not go through the stock services (incoming, a rule, the season).
    Returns the alerts raised. One query when none of the pairs has a rule."""
    keys = set(keys)
    if not keys:
        return []
    rule_ids = list(
        ReorderRule.objects.filter(_key_condition(keys)).order_by("pk").values_list("pk", flat=True)
    )
    if not rule_ids:
        return []
    keys_lock(keys)
    list(
        ReorderRule.objects.select_for_update()
        .filter(pk__in=rule_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    on = on or timezone.localdate()
    # The locks are held: the decisions are written in bulk (a PO of many lines, an import).
    rules = with_projection(ReorderRule.objects.filter(pk__in=rule_ids)).order_by("pk")
    return rules_decide(rules, on=on)
