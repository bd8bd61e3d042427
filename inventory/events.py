"""The availability listener registry: the one place that hears of every change to a SKU's
sellable quantity in a warehouse, and of every change to what is coming in.

The stock engine imports no app above it. Apps that react to a change of availability register
here from their `AppConfig.ready()`, in INSTALLED_APPS order (replenishment, then channels):

- an `AvailabilityListener` is a handler plus the SQL fragment that finds its rows for one
  (sku_id, warehouse_id) pair. Every service that changes on-hand or reserved calls
  `availability_changed` inside its transaction, so what a listener writes (a reorder alert,
  an outbox row) commits or rolls back with the stock change. Who listens to a pair is read by
  one query for every listener, after the change has locked the pair's WarehouseStock row, so the
  answer includes every rule and listing committed before it. Most pairs have no listener and
  this runs on every stock change, so that query is the whole cost of the common path; the
  reservation carries it in its own statement (`listeners_sql`) and passes what it found.
- an incoming handler hears that open purchase-order quantities changed for some pairs
  (`incoming_changed`, called by receiving), which moves projected stock without a stock change;
- the incoming source (receiving's) says how many units are expected for a pair, as an
  expression, so the stock engine's availability list shows `incoming` in its one query;
- the unit-cost source (receiving's: the last purchase-order unit cost) values count variances
  and shrinkage, also as an expression.

This is not a signal: handlers run in the caller's transaction, in a known order, pinned by
tests/inventory/test_events.py.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import DecimalField, Value
from django.db.models.expressions import Expression

from inventory.models import Sku, Warehouse

Key = tuple[int, int]  # (sku_id, warehouse_id)
Listeners = list[tuple[str, int]]  # (listener name, id of the row that listens: rule, channel)


@dataclass(frozen=True)
class AvailabilityListener:
    name: str
    # SELECT (sku_id, warehouse_id, listener row id) for the pair given as two parameters,
    # sku_id then warehouse_id.
    sql: str
    # Called with the SKU, the warehouse and the ids the SQL found (only when it found some).
    handle: Callable[..., None]


_availability: list[AvailabilityListener] = []
_pair_sql = ""  # every availability listener's rows for one pair, built once per registration
_incoming: list[Callable[..., object]] = []
_incoming_source: list[Callable[[], Expression]] = []
_unit_cost_source: list[Callable[[Expression], Expression]] = []


def availability_listen(listener: AvailabilityListener) -> None:
    """Register (once per name; from AppConfig.ready())."""
    global _pair_sql
    if all(known.name != listener.name for known in _availability):
        _availability.append(listener)
        _pair_sql = " UNION ALL ".join(
            f"SELECT '{known.name}', found.* FROM ({known.sql}) AS found" for known in _availability
        )


def incoming_listen(handler: Callable[..., object]) -> None:
    """Register `handler(keys=[(sku_id, warehouse_id), ...])` (once; from AppConfig.ready())."""
    if handler not in _incoming:
        _incoming.append(handler)


def incoming_source(expression: Callable[[], Expression]) -> None:
    """Register the function giving the units expected for the outer row's pair
    (OuterRef("sku"), OuterRef("warehouse")): one source (receiving's)."""
    _incoming_source[:] = [expression]


def incoming_quantity() -> Expression:
    """Units expected for the outer row's SKU and warehouse; 0 when nothing is registered."""
    return _incoming_source[0]() if _incoming_source else Value(0)


def unit_cost_source(expression: Callable[[Expression], Expression]) -> None:
    """Register the function giving a SKU's unit cost for `sku` (an expression naming the SKU's
    id, e.g. OuterRef("sku_id")), NULL where unknown: one source (receiving's)."""
    _unit_cost_source[:] = [expression]


def unit_cost(sku: Expression) -> Expression:
    """The unit cost of the SKU that `sku` names; NULL when unknown or nothing is registered."""
    return _unit_cost_source[0](sku) if _unit_cost_source else Value(None, DecimalField())


def availability_listeners() -> list[str]:
    return [listener.name for listener in _availability]


def listeners_sql(keys: list[Key]) -> tuple[str, list[int]]:
    """A SELECT of (listener name, sku_id, warehouse_id, listener id) rows for every listener of
    `keys`, and its parameters; `listeners_by_key` groups its rows."""
    if not _availability:
        return "SELECT '', 0, 0, 0 WHERE 1 = 0", []
    sql = " UNION ALL ".join([_pair_sql] * len(keys))
    per_pair = len(_availability)
    params = [value for key in keys for value in key * per_pair]
    return sql, params


def listeners_by_key(rows) -> dict[Key, Listeners]:
    found: dict[Key, Listeners] = defaultdict(list)
    for name, sku_id, warehouse_id, listener_id in rows:
        found[(sku_id, warehouse_id)].append((name, listener_id))
    return found


def availability_changed(
    *, sku: Sku, warehouse: Warehouse, listeners: Listeners | None = None
) -> None:
    """Called inside the transaction that changed `sku`'s on-hand or reserved in `warehouse`.
    `listeners`: what `listeners_sql` found for the pair, when the caller has read it after the
    change; otherwise they are read here."""
    if listeners is None:
        sql, params = listeners_sql([(sku.pk, warehouse.pk)])
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            listeners = listeners_by_key(cursor.fetchall())[(sku.pk, warehouse.pk)]
    for listener in _availability:
        ids = [pk for name, pk in listeners if name == listener.name]
        if ids:
            listener.handle(sku=sku, warehouse=warehouse, ids=ids)


def availability_changed_bulk(*, pairs: str, chunk: int = 200) -> int:
    """`availability_changed` for every (sku_id, warehouse_id) row of `pairs` (a table or a
    parenthesised subquery with those columns) that some listener listens to, in key order: one
    query finds those pairs, however many there are (each listener's SQL is correlated to the
    pair through its two parameters), then the usual per-pair work for the few listened ones.
    Returns how many pairs were heard."""
    listened = " OR ".join(
        f"EXISTS ({known.sql % ('changed.sku_id', 'changed.warehouse_id')})"
        for known in _availability
    )
    if not listened:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT changed.sku_id, changed.warehouse_id FROM {pairs} changed WHERE {listened}"
        )
        keys = sorted(set(cursor.fetchall()))
    if not keys:
        return 0
    skus = Sku.objects.in_bulk({sku_id for sku_id, _ in keys})
    warehouses = Warehouse.objects.in_bulk({warehouse_id for _, warehouse_id in keys})
    for start in range(0, len(keys), chunk):
        some = keys[start : start + chunk]
        sql, params = listeners_sql(some)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = listeners_by_key(cursor.fetchall())
        for key in some:
            sku, warehouse = skus[key[0]], warehouses[key[1]]
            availability_changed(sku=sku, warehouse=warehouse, listeners=found[key])
    return len(keys)


def incoming_changed(*, keys: Iterable[Key]) -> None:
    """Open purchase-order quantities changed for these pairs (inside the caller's
    transaction): every incoming handler hears it, in registration order."""
    keys = list(keys)
    if keys:
        for handler in _incoming:
            handler(keys=keys)
