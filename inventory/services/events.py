"""The one place that hears of every change to a SKU's sellable quantity in a warehouse.

Every service that changes on-hand or reserved calls `availability_changed` inside its
transaction. Channel sync writes its outbox rows here and reorder triggers check thresholds here,
so they commit (or roll back) together with the stock change.

Who listens to a SKU x warehouse (its reorder rule, the channels that sell it from there) is read
by one query for both, after the change has locked the pair's WarehouseStock row, so the answer
includes every rule and listing committed before the change. Most pairs have no listener and
this runs on every stock change, so that query is the whole cost of the common path; a service
that sends a statement right after the change may carry it along (`listeners_sql`) and pass what
it found to `availability_changed`.
"""

from collections import defaultdict

from django.db import connection

from channels.sync.outbox import LISTENING_CHANNELS_SQL, outbox_write
from inventory.models import Sku, Warehouse
from replenishment.triggers import RULE_SQL, reorder_decide

Key = tuple[int, int]  # (sku_id, warehouse_id)
Listeners = list[tuple[str, int]]  # ("rule", rule id) and ("channel", channel id)

_PAIR_LISTENERS_SQL = (
    f"SELECT 'rule', sku_id, warehouse_id, id FROM ({RULE_SQL}) AS rules"
    " UNION ALL SELECT 'channel', sku_id, warehouse_id, channel_id"
    f" FROM ({LISTENING_CHANNELS_SQL}) AS channels"
)


def listeners_sql(keys: list[Key]) -> tuple[str, list[int]]:
    """A SELECT of (kind, sku_id, warehouse_id, listener id) rows for every listener of `keys`,
    and its parameters; `listeners_by_key` groups its rows."""
    sql = " UNION ALL ".join([_PAIR_LISTENERS_SQL] * len(keys))
    params = [value for sku_id, warehouse_id in keys for value in (sku_id, warehouse_id) * 2]
    return sql, params


def listeners_by_key(rows) -> dict[Key, Listeners]:
    found: dict[Key, Listeners] = defaultdict(list)
    for kind, sku_id, warehouse_id, listener_id in rows:
        found[(sku_id, warehouse_id)].append((kind, listener_id))
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
    if any(kind == "rule" for kind, _ in listeners):
        reorder_decide(sku=sku, warehouse=warehouse)
    outbox_write(sku_id=sku.pk, channel_ids=[pk for kind, pk in listeners if kind == "channel"])
