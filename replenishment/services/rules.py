"""Reorder rules: create, change, delete, import, and the daily sweep.

Invariants kept here:
- One rule per SKU and warehouse (a unique constraint; a second is refused naming the first).
- Seasons are stored cleaned (replenishment.seasons): MM-DD bounds, no overlaps.
- A rule written is decided at once in the same transaction: a point raised above projected
  stock raises its alert now, not at the next pick. Locks: WarehouseStock → ReorderRule.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.audit import AuditChange, audit_record, audit_record_many
from inventory.models import Sku, Warehouse, WarehouseStock
from receiving.models import Supplier
from receiving.services.imports import ANALYZE_AFTER, analyze
from replenishment.models import ReorderRule
from replenishment.projection import with_projection
from replenishment.seasons import MAX_UNITS, seasons_clean
from replenishment.triggers import keys_lock, reorder_recheck, rule_decide, rules_decide

MAX_LEAD_TIME_DAYS = 3650
IMPORT_BATCH = 2000
_UNSET = object()


def _whole(errors: dict, field: str, value, *, minimum: int, maximum: int = MAX_UNITS):
    if isinstance(value, bool) or not isinstance(value, int):
        errors[field] = "Must be a whole number."
    elif value < minimum:
        errors[field] = f"Must be at least {minimum}."
    elif value > maximum:
        errors[field] = f"Must be at most {maximum}."
    return value


def _clean(values: dict) -> dict:
    """Check the fields present in `values`; raise ValidationError naming every bad field."""
    errors: dict = {}
    if "reorder_point" in values:
        _whole(errors, "reorder_point", values["reorder_point"], minimum=0)
    if "reorder_quantity" in values:
        _whole(errors, "reorder_quantity", values["reorder_quantity"], minimum=1)
    if "lead_time_days" in values:
        if values["lead_time_days"] is None:
            values["lead_time_days"] = 0
        _whole(
            errors,
            "lead_time_days",
            values["lead_time_days"],
            minimum=0,
            maximum=MAX_LEAD_TIME_DAYS,
        )
    if values.get("pack_size") is not None:
        _whole(errors, "pack_size", values["pack_size"], minimum=1)
    supplier = values.get("supplier")
    if supplier is not None and (not isinstance(supplier, Supplier) or supplier.pk is None):
        errors["supplier"] = "Unknown supplier."
    if "seasonal" in values:
        try:
            values["seasonal"] = [s.as_dict() for s in seasons_clean(values["seasonal"])]
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return values


def _decide_now(rule: ReorderRule) -> None:
    fresh = with_projection(ReorderRule.objects.filter(pk=rule.pk)).get()
    rule_decide(fresh, on=timezone.localdate())
    rule.armed = fresh.armed


@transaction.atomic
def reorder_rule_create(
    *,
    sku: Sku,
    warehouse: Warehouse,
    reorder_point: int,
    reorder_quantity: int,
    lead_time_days: int = 0,
    supplier: Supplier | None = None,
    pack_size: int | None = None,
    seasonal: list | None = None,
    actor=None,
) -> ReorderRule:
    """A new rule for `sku` in `warehouse`, decided at once (an alert is raised now when
    projected stock is already at or below the point in force)."""
    if not isinstance(sku, Sku) or sku.pk is None:
        raise ValidationError({"sku": "Unknown SKU."})
    if not isinstance(warehouse, Warehouse) or warehouse.pk is None:
        raise ValidationError({"warehouse": "Unknown warehouse."})
    values = _clean(
        {
            "reorder_point": reorder_point,
            "reorder_quantity": reorder_quantity,
            "lead_time_days": lead_time_days,
            "supplier": supplier,
            "pack_size": pack_size,
            "seasonal": seasonal or [],
        }
    )
    keys_lock([(sku.pk, warehouse.pk)])
    _refuse_duplicate(sku, warehouse)
    try:
        with transaction.atomic():
            rule = ReorderRule.objects.create(sku=sku, warehouse=warehouse, **values)
    except IntegrityError:  # a concurrent creation of the same rule won
        _refuse_duplicate(sku, warehouse)
        raise
    _audit(rule, "create", actor, after=_snapshot(rule))
    _decide_now(rule)
    return rule


def _snapshot(rule: ReorderRule) -> dict:
    return {
        "reorder_point": rule.reorder_point,
        "reorder_quantity": rule.reorder_quantity,
        "lead_time_days": rule.lead_time_days,
        "supplier": rule.supplier.code if rule.supplier_id else None,
        "pack_size": rule.pack_size,
        "seasonal": rule.seasonal,
    }


def _audit(rule: ReorderRule, action: str, actor, before=None, after=None) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="reorder_rule",
        obj=rule,
        object_repr=f"{rule.sku.code} in {rule.warehouse.code}",
        before=before,
        after=after,
    )


def _refuse_duplicate(sku: Sku, warehouse: Warehouse) -> None:
    existing = ReorderRule.objects.filter(sku=sku, warehouse=warehouse).values_list("pk", flat=True)
    for pk in existing:
        raise ValidationError(
            {
                "sku": f"{sku.code} already has a reorder rule for {warehouse.code} (rule {pk}); "
                "change that one."
            }
        )


@transaction.atomic
def reorder_rule_update(
    *,
    rule: ReorderRule,
    reorder_point=_UNSET,
    reorder_quantity=_UNSET,
    lead_time_days=_UNSET,
    supplier=_UNSET,
    pack_size=_UNSET,
    seasonal=_UNSET,
    actor=None,
) -> ReorderRule:
    """Change a rule's figures, supplier or seasons (the SKU and warehouse never change) and
    decide again at once: a point raised to projected stock raises its alert now, a point
    lowered below it re-arms the rule."""
    changes = {
        name: value
        for name, value in {
            "reorder_point": reorder_point,
            "reorder_quantity": reorder_quantity,
            "lead_time_days": lead_time_days,
            "supplier": supplier,
            "pack_size": pack_size,
            "seasonal": seasonal,
        }.items()
        if value is not _UNSET
    }
    if "seasonal" in changes and changes["seasonal"] is None:
        changes["seasonal"] = []
    changes = _clean(changes)
    keys_lock([(rule.sku_id, rule.warehouse_id)])
    locked = (
        ReorderRule.objects.select_for_update(of=("self",))
        .select_related("sku", "warehouse", "supplier")
        .filter(pk=rule.pk)
        .first()
    )
    if locked is None:
        raise ValidationError({"rule": f"Reorder rule {rule.pk} no longer exists."})
    before = _snapshot(locked)
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.save(update_fields=[*changes, "updated_at"])
    _audit(locked, "update", actor, before=before, after=_snapshot(locked))
    _decide_now(locked)
    return locked


@transaction.atomic
def reorder_rule_delete(*, rule: ReorderRule, actor=None) -> None:
    """Remove a rule. Its alerts stay (history); an open one can still be ordered or dismissed."""
    _audit(rule, "delete", actor, before=_snapshot(rule))
    ReorderRule.objects.filter(pk=rule.pk).delete()


def reorder_rules_import(*, stage, actor=None) -> None:
    """The rules of an import (replenishment.resources), from its staging table: one row per
    SKU and warehouse (`sku_id`, `warehouse_id`, `reorder_point`, `reorder_quantity`,
    `lead_time_days`, `supplier_id`, `pack_size`, and `seasonal` as the JSON of cleaned
    seasons, NULL to keep the stored ones), each the whole rule: a known pair's figures are
    replaced (empty cells clear), a new pair gets its rule. What reorder_rule_create and
    reorder_rule_update do besides the row happens in bulk: an audit entry per rule created or
    changed, and the decision (alerts raised now for rules at or below their point).

    Locks in the services' order, WarehouseStock → ReorderRule, each in primary-key order."""
    rules = _rules_table()
    pair = "r.sku_id = s.sku_id AND r.warehouse_id = s.warehouse_id"
    stored = f"SELECT r.id FROM {rules} r JOIN {stage.name} s ON {pair}"
    _lock_pairs(stage)
    before = _snapshots(ReorderRule.objects.filter(pk__in=RawSQL(stored, [])))
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    seasons = _json("COALESCE(s.seasonal, '[]')")
    stage.execute(
        f"UPDATE {rules} AS r SET reorder_point = s.reorder_point, "
        "reorder_quantity = s.reorder_quantity, lead_time_days = COALESCE(s.lead_time_days, 0), "
        "supplier_id = s.supplier_id, pack_size = s.pack_size, "
        f"seasonal = COALESCE({_json('s.seasonal')}, r.seasonal), updated_at = %s "
        f"FROM {{stage}} s WHERE {pair}",
        [now],
    )
    stage.execute(
        f"INSERT INTO {rules} (sku_id, warehouse_id, reorder_point, reorder_quantity, "
        "lead_time_days, supplier_id, pack_size, seasonal, armed, created_at, updated_at) "
        "SELECT s.sku_id, s.warehouse_id, s.reorder_point, s.reorder_quantity, "
        "COALESCE(s.lead_time_days, 0), s.supplier_id, s.pack_size, "
        f"{seasons}, TRUE, %s, %s FROM {{stage}} s "
        f"WHERE NOT EXISTS (SELECT 1 FROM {rules} r WHERE {pair}) ORDER BY s.line",
        [now, now],
    )
    if stage.count() >= ANALYZE_AFTER:
        analyze(rules)
    on = timezone.localdate()
    for batch in _imported_rules(stored):
        audit_record_many(actor=actor, changes=(_change(rule, before) for rule in batch))
        rules_decide(batch, on=on)


def _snapshots(rules) -> dict[int, dict]:
    """`_snapshot` of many rules, read as values (no model objects): {rule id: snapshot}."""
    fields = ("reorder_point", "reorder_quantity", "lead_time_days", "supplier__code")
    rows = rules.values_list("pk", *fields, "pack_size", "seasonal").iterator(chunk_size=2000)
    names = ("reorder_point", "reorder_quantity", "lead_time_days", "supplier", "pack_size")
    return {pk: dict(zip((*names, "seasonal"), values, strict=True)) for pk, *values in rows}


def _json(text_sql: str) -> str:
    """SQL turning JSON text into the `seasonal` column's type (PostgreSQL: jsonb)."""
    return f"CAST({text_sql} AS jsonb)" if connection.vendor == "postgresql" else text_sql


def _rules_table() -> str:
    return connection.ops.quote_name(ReorderRule._meta.db_table)


def _lock_pairs(stage) -> None:
    """The imported pairs' WarehouseStock rows, then their stored rules, each locked in
    primary-key order (as keys_lock and reorder_recheck take them). SQLite has no row locks:
    its one writer at a time serialises the import with every decision."""
    if connection.vendor != "postgresql":
        return
    stock = connection.ops.quote_name(WarehouseStock._meta.db_table)
    for table, alias in ((stock, "w"), (_rules_table(), "r")):
        stage.execute(
            f"SELECT COUNT(*) FROM (SELECT {alias}.id FROM {table} {alias} WHERE EXISTS "
            f"(SELECT 1 FROM {{stage}} s WHERE s.sku_id = {alias}.sku_id "
            f"AND s.warehouse_id = {alias}.warehouse_id) ORDER BY {alias}.id FOR UPDATE) locked"
        )


def _imported_rules(stored: str):
    """The imported rules with their projected figures, in batches by primary key: the ids
    once (one query), then each batch read whole before it is decided (no cursor stays open
    over rows being written, and no batch joins the whole file again)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM ({stored}) imported ORDER BY id")
        ids = [pk for (pk,) in cursor.fetchall()]
    for start in range(0, len(ids), IMPORT_BATCH):
        yield list(
            with_projection(ReorderRule.objects.filter(pk__in=ids[start : start + IMPORT_BATCH]))
            .select_related("supplier")  # codes, not whole SKUs and warehouses: fewer objects
            .annotate(sku_code=F("sku__code"), warehouse_code=F("warehouse__code"))
            .order_by("pk")
        )


def _change(rule: ReorderRule, before: dict) -> AuditChange:
    return AuditChange(
        action="update" if rule.pk in before else "create",
        object_type="reorder_rule",
        object_id=rule.pk,
        object_repr=f"{rule.sku_code} in {rule.warehouse_code}",
        before=before.get(rule.pk),
        after=_snapshot(rule),
    )


@dataclass(frozen=True)
class SweepResult:
    checked: int
    changed: int
    raised: int


def reorder_sweep(*, on: datetime.date | None = None, batch: int = 500) -> SweepResult:
    """Decide again for every rule whose state disagrees with its figures on `on` (default:
    today): a season that began or ended, a rule changed outside the services, stock moved at
    the dock. Figures are read in batches (one query each); only the rules that need a change
    are locked and decided, each in its own short transaction."""
    on = on or timezone.localdate()
    checked = changed = raised = 0
    last_pk = 0
    while True:
        rules = list(
            with_projection(ReorderRule.objects.filter(pk__gt=last_pk)).order_by("pk")[:batch]
        )
        if not rules:
            break
        last_pk = rules[-1].pk
        for rule in rules:
            checked += 1
            above = rule.projected > rule.in_force(on).reorder_point
            if above == rule.armed:
                continue  # armed and above, or disarmed and still at or below: nothing to do
            changed += 1
            raised += len(reorder_recheck(keys=[(rule.sku_id, rule.warehouse_id)], on=on))
    return SweepResult(checked=checked, changed=changed, raised=raised)
