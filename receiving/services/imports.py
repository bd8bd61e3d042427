"""Writes behind the imports of suppliers and purchase orders (receiving.resources).

Each takes the import's staging table (inventory.imports.staging), already checked row by row
and as a whole by the import kind, and writes it set-based: one statement per table, whatever
the number of rows, inside the import's one transaction (all or nothing).
"""

from django.db import connection
from django.utils import timezone

from ims.kits.inputs import acting_user
from receiving.models import PurchaseOrder, PurchaseOrderLine, PurchaseOrderStatus, Supplier
from receiving.services.purchase_orders import incoming_moved

#: rows from which an import refreshes the planner's statistics of the tables it filled
ANALYZE_AFTER = 1000


def analyze(*tables: str) -> None:
    """PostgreSQL plans from statistics that autovacuum refreshes only after the commit: right
    after a bulk insert it takes the new rows for a handful and picks nested loops over them
    (the incoming figure of 10,000 new PO lines took 40 s instead of a second). ANALYZE runs
    inside the transaction and sees its rows."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"ANALYZE {table}")


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _now() -> str:
    return connection.ops.adapt_datetimefield_value(timezone.now())


def suppliers_import(*, stage) -> None:
    """Suppliers by code from staged `code`, `name`, `email`: a known code gets the name (a
    blank one keeps the stored name) and the e-mail (NULL, the file has no such column: kept;
    "" clears it); a new code is created. The kind has checked that new codes have a name."""
    supplier = _table(Supplier)
    stage.execute(
        f"UPDATE {supplier} AS k SET "
        "name = CASE WHEN s.name <> '' THEN s.name ELSE k.name END, "
        "email = COALESCE(s.email, k.email) "
        "FROM {stage} s WHERE k.code = s.code"
    )
    stage.execute(
        f"INSERT INTO {supplier} (code, name, email, created_at) "
        "SELECT s.code, s.name, COALESCE(s.email, ''), %s FROM {stage} s "
        f"WHERE NOT EXISTS (SELECT 1 FROM {supplier} k WHERE k.code = s.code) ORDER BY s.line",
        [_now()],
    )


def purchase_orders_import(*, stage, actor=None) -> None:
    """New purchase orders from staged lines (`po_number`, `supplier_id`, `warehouse_id`,
    `expected_date`, `status`, `sku_id`, `quantity`, `unit_cost`), one PO per number: what
    `purchase_order_create` does for each, in bulk. The kind has checked what that service
    checks: numbers new and well-formed, every row of a PO agreeing on its header, one line
    per SKU, quantities and costs in range, the status draft or open.

    The orders (one INSERT), their lines (one INSERT), then for the open ones what opening
    does: every (SKU, warehouse) pair gets its availability row and the incoming listeners
    (reorder rules) hear of every pair, in one call."""
    orders, lines = _table(PurchaseOrder), _table(PurchaseOrderLine)
    now = _now()
    creator = getattr(acting_user(actor), "pk", None)
    opened = PurchaseOrderStatus.OPEN.value
    status = f"COALESCE(status, '{opened}')"  # a file without the column: open
    # Every row of a number agrees on its header (checked), so MIN() is that header.
    stage.execute(
        f"INSERT INTO {orders} (number, supplier_id, warehouse_id, status, expected_date, note, "
        "created_by_id, created_at, updated_at, opened_at) "
        f"SELECT po_number, MIN(supplier_id), MIN(warehouse_id), MIN({status}), "
        "MIN(expected_date), '', CAST(%s AS integer), %s, %s, "
        f"CASE WHEN MIN({status}) = '{opened}' THEN %s END "
        "FROM {stage} GROUP BY po_number ORDER BY MIN(line)",
        [creator, now, now, now],
    )
    stage.execute(
        f"INSERT INTO {lines} (purchase_order_id, sku_id, quantity_ordered, quantity_received, "
        "unit_cost) "
        "SELECT p.id, s.sku_id, s.quantity, 0, COALESCE(s.unit_cost, 0) "
        f"FROM {{stage}} s JOIN {orders} p ON p.number = s.po_number ORDER BY s.line"
    )
    if stage.count() >= ANALYZE_AFTER:
        analyze(orders, lines)
    keys = stage.fetch(
        f"SELECT DISTINCT sku_id, warehouse_id FROM {{stage}} WHERE {status} = '{opened}'"
    )
    if keys:  # incoming rose: reorder rules may re-arm
        incoming_moved(keys=[tuple(key) for key in keys])
