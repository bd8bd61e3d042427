"""The stock engine's bulk path: many units-found adjustments (an opening-stock import) applied
set-based in the caller's transaction, with what one `stock_adjust` per row would leave behind:
the lots, the bin and warehouse balances, one ledger row per adjustment, the listeners heard.

The adjustments are rows of a table the caller fills (the import's staging table):

    line (ledger order), sku_id, location_id, lot (text; '' or NULL: none), expiry (date or
    NULL), quantity (whole, at least 1)

`adjustments_check` names every row `stock_adjust` would refuse; `stock_adjust_bulk` writes
them, one statement per step whatever the number of rows. Locks follow the engine's one order
(DESIGN.md invariants; `_balances.stock_rows_lock`): lots, then bin rows, then WarehouseStock
rows; missing rows are inserted in key order and every group is locked in primary-key order, so
two bulk changes, or a bulk change and a receipt, wait for each other instead of deadlocking.
"""

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from ims.kits.inputs import acting_user
from inventory.events import availability_changed_bulk
from inventory.models import (
    CONTAINER_TYPES,
    SELLABLE_TYPES,
    BinStock,
    Location,
    LocationType,
    Lot,
    MovementKind,
    Sku,
    StockMovement,
    WarehouseStock,
)

Refusal = tuple[int, str, str]  # (line, column, message)
_BINS = "stock_bulk_bins"  # the connection's own temporary table: one row per bin changed


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _types(types) -> str:
    return ", ".join(f"'{t.value}'" for t in sorted(types))


def _lot_of() -> str:
    """The join from an adjustment `r` to its lot `t` (none for a row without a lot number)."""
    return f"LEFT JOIN {_t(Lot)} t ON t.sku_id = r.sku_id AND t.lot_number = r.lot AND r.lot <> ''"


def _fetch(sql: str, params=None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _execute(sql: str, params=None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _lock(select: str, *, of: str) -> None:
    """Lock the rows of table alias `of` that `select` (ordered by primary key) returns, in that
    order. PostgreSQL only: on SQLite the transaction holds the database's one write lock."""
    if connection.vendor == "postgresql":
        _fetch(f"SELECT COUNT(*) FROM ({select} FOR NO KEY UPDATE OF {of}) AS locked")


# -- the rules ---------------------------------------------------------------------------------


def adjustments_check(*, rows: str) -> list[Refusal]:
    """Every row of `rows` that `stock_adjust` would refuse, as (line, column, message): lot
    rules, a location that holds no stock, an expiry that disagrees with the stored lot's or
    with another row's of the same lot. Rows naming no known SKU or location are left out (the
    caller names those); four queries in all."""
    return [*_lot_refusals(rows), *_place_refusals(rows), *_expiry_refusals(rows)]


def _lot_refusals(rows: str) -> list[Refusal]:
    found: list[Refusal] = []
    for line, code, tracked, number, expiry in _fetch(
        f"SELECT r.line, k.code, k.lot_tracked, COALESCE(r.lot, ''), r.expiry FROM {rows} r "
        f"JOIN {_t(Sku)} k ON k.id = r.sku_id WHERE r.location_id IS NOT NULL AND CASE "
        "WHEN k.lot_tracked THEN COALESCE(r.lot, '') = '' "
        "ELSE COALESCE(r.lot, '') <> '' OR r.expiry IS NOT NULL END"
    ):
        if tracked:
            found.append((line, "lot", f"{code} is lot-tracked: a lot number is required."))
            continue
        if number:
            found.append((line, "lot", f"{code} is not lot-tracked; leave the lot empty."))
        if expiry is not None:
            found.append((line, "expiry", f"{code} is not lot-tracked; leave the expiry empty."))
    return found


def _place_refusals(rows: str) -> list[Refusal]:
    labels = dict(LocationType.choices)
    return [
        (
            line,
            "location",
            f"{code} is a {labels[kind].lower()}: "
            "only bins, docks, quarantine and packing locations hold stock.",
        )
        for line, code, kind in _fetch(
            f"SELECT r.line, l.code, l.type FROM {rows} r JOIN {_t(Location)} l "
            f"ON l.id = r.location_id WHERE r.sku_id IS NOT NULL "
            f"AND l.type IN ({_types(CONTAINER_TYPES)})"
        )
    ]


def _expiry_refusals(rows: str) -> list[Refusal]:
    """A row's expiry must be its stored lot's; rows of a lot stored without one must agree
    with the first row that gives one."""
    lot = _t(Lot)
    dated = (
        f"{rows} r JOIN {_t(Sku)} k ON k.id = r.sku_id AND k.lot_tracked "
        "AND r.location_id IS NOT NULL AND r.lot <> '' AND r.expiry IS NOT NULL"
    )
    found: list[Refusal] = [
        (line, "expiry", f"Lot {number} of {code} expires {stored}, not {expiry}.")
        for line, code, number, expiry, stored in _fetch(
            f"SELECT r.line, k.code, r.lot, r.expiry, t.expiry FROM {dated} "
            f"JOIN {lot} t ON t.sku_id = r.sku_id AND t.lot_number = r.lot "
            "WHERE t.expiry IS NOT NULL AND t.expiry <> r.expiry"
        )
    ]
    for line, code, number, expiry, first, agreed in _fetch(
        f"SELECT r.line, k.code, r.lot, r.expiry, f.line, f.expiry FROM {dated} "
        f"JOIN (SELECT sku_id, lot, MIN(line) AS line FROM {rows} WHERE expiry IS NOT NULL "
        "AND lot <> '' GROUP BY sku_id, lot HAVING COUNT(DISTINCT expiry) > 1) g "
        f"ON g.sku_id = r.sku_id AND g.lot = r.lot JOIN {rows} f ON f.line = g.line "
        f"WHERE r.expiry <> f.expiry AND NOT EXISTS (SELECT 1 FROM {lot} t "
        "WHERE t.sku_id = r.sku_id AND t.lot_number = r.lot AND t.expiry IS NOT NULL)"
    ):
        message = f"Lot {number} of {code} expires {agreed} on row {first}, not {expiry}."
        found.append((line, "expiry", message))
    return found


def _refuse_unchecked(rows: str) -> None:
    """The guard of a caller that has not run adjustments_check: the first refusal, in words."""
    unknown_sku, unknown_location, no_units = _fetch(
        "SELECT MIN(CASE WHEN sku_id IS NULL THEN line END), "
        "MIN(CASE WHEN location_id IS NULL THEN line END), "
        f"MIN(CASE WHEN quantity IS NULL OR quantity < 1 THEN line END) FROM {rows}"
    )[0]
    for line, column, message in (
        (unknown_sku, "sku", "Unknown SKU."),
        (unknown_location, "location", "Unknown location."),
        (no_units, "quantity", "Must be greater than zero."),
    ):
        if line is not None:
            raise ValidationError({column: f"Row {line}: {message}"})
    refusals = sorted(adjustments_check(rows=rows))
    if refusals:
        line, column, message = refusals[0]
        raise ValidationError({column: f"Row {line}: {message}"})


# -- the write ---------------------------------------------------------------------------------


def stock_adjust_bulk(
    *, rows: str, reason: str, actor=None, reference: str = "", checked: bool = False
) -> int:
    """Add every adjustment of `rows` (a table name, never user input; columns in the module
    docstring) to the books, in the caller's transaction; returns the ledger rows written.

    As `stock_adjust` does for each row: a new lot is created (with the row's expiry; a stored
    lot without one takes it), the bin row is created when missing and increased, on-hand rises
    for sellable locations (the WarehouseStock row is created when missing), one `adjust` ledger
    row is written per adjustment, and every (SKU, warehouse) pair whose sellable stock changed
    is heard by its availability listeners (once per pair). `checked=True`: the caller has run
    `adjustments_check` on these rows in this transaction and found nothing."""
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the stock changes."})
    if not checked:
        _refuse_unchecked(rows)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    # A savepoint: on any error the temporary table goes with the rest of the change (PostgreSQL
    # runs no statement, not even a DROP, in a transaction that has failed).
    with transaction.atomic():
        _lots_ensure(rows, now)
        _bins_stage(rows)
        _bins_apply(now)
        _warehouse_apply(now)
        written = _ledger_write(rows, now, reason=reason, actor=actor, reference=reference)
        availability_changed_bulk(
            pairs=f"(SELECT DISTINCT sku_id, warehouse_id FROM {_BINS} WHERE sellable)"
        )
        _execute(f"DROP TABLE {_BINS}")
    return written


def _lots_ensure(rows: str, now) -> None:
    """New lots in (sku, lot number) order, each with its rows' expiry; a stored lot without an
    expiry takes the file's (locked first, in primary-key order)."""
    lot = _t(Lot)
    _execute(
        f"INSERT INTO {lot} (sku_id, lot_number, expiry, created_at) "
        f"SELECT r.sku_id, r.lot, MAX(r.expiry), %s FROM {rows} r WHERE r.lot <> '' "
        "GROUP BY r.sku_id, r.lot ORDER BY r.sku_id, r.lot ON CONFLICT DO NOTHING",
        [now],
    )
    dated = (
        f"(SELECT sku_id, lot, MAX(expiry) AS expiry FROM {rows} WHERE lot <> '' "
        "AND expiry IS NOT NULL GROUP BY sku_id, lot) f"
    )
    undated = "t.sku_id = f.sku_id AND t.lot_number = f.lot AND t.expiry IS NULL"
    _lock(f"SELECT t.id FROM {lot} t JOIN {dated} ON {undated} ORDER BY t.id", of="t")
    _execute(f"UPDATE {lot} AS t SET expiry = f.expiry FROM {dated} WHERE {undated}")


def _bins_stage(rows: str) -> None:
    """One row per bin changed, with its lot, warehouse, sellability and units added."""
    _execute(f"DROP TABLE IF EXISTS {_BINS}")
    _execute(
        f"CREATE TEMPORARY TABLE {_BINS} (sku_id bigint, location_id bigint, lot_id bigint, "
        "warehouse_id bigint, sellable boolean, quantity bigint, bin_id bigint)"
    )
    _execute(
        f"INSERT INTO {_BINS} (sku_id, location_id, lot_id, warehouse_id, sellable, quantity) "
        f"SELECT r.sku_id, r.location_id, t.id, l.warehouse_id, "
        f"l.type IN ({_types(SELLABLE_TYPES)}), SUM(r.quantity) FROM {rows} r "
        f"JOIN {_t(Location)} l ON l.id = r.location_id {_lot_of()} "
        "GROUP BY r.sku_id, r.location_id, t.id, l.warehouse_id, l.type"
    )


def _bins_apply(now) -> None:
    """Missing bin rows inserted in (sku, location, lot) order, every bin row locked in
    primary-key order, then increased: three statements and the lock."""
    bins = _t(BinStock)
    same_bin = (
        "s.sku_id = b.sku_id AND s.location_id = b.location_id "
        "AND (s.lot_id = b.lot_id OR (s.lot_id IS NULL AND b.lot_id IS NULL))"
    )
    # BinStock's uniqueness is two partial constraints (with and without a lot): no conflict
    # target names both, so DO NOTHING takes any (a concurrent insert of the same bin).
    _execute(
        f"INSERT INTO {bins} (sku_id, location_id, lot_id, quantity, updated_at) "
        f"SELECT b.sku_id, b.location_id, b.lot_id, 0, %s FROM {_BINS} b "
        f"WHERE NOT EXISTS (SELECT 1 FROM {bins} s WHERE {same_bin}) "
        "ORDER BY b.sku_id, b.location_id, COALESCE(b.lot_id, 0) ON CONFLICT DO NOTHING",
        [now],
    )
    _execute(f"UPDATE {_BINS} AS b SET bin_id = s.id FROM {bins} s WHERE {same_bin}")
    _lock(
        f"SELECT s.id FROM {bins} s WHERE s.id IN (SELECT bin_id FROM {_BINS}) ORDER BY s.id",
        of="s",
    )
    _execute(
        f"UPDATE {bins} AS s SET quantity = s.quantity + b.quantity, updated_at = %s "
        f"FROM {_BINS} b WHERE s.id = b.bin_id",
        [now],
    )


def _warehouse_apply(now) -> None:
    """On-hand of every (SKU, warehouse) pair with units in sellable bins: missing rows inserted
    in key order (as stock_rows_ensure does), all locked in primary-key order, then increased."""
    stock = _t(WarehouseStock)
    pairs = (
        f"(SELECT sku_id, warehouse_id, SUM(quantity) AS quantity FROM {_BINS} "
        "WHERE sellable GROUP BY sku_id, warehouse_id) p"
    )
    same_pair = "w.sku_id = p.sku_id AND w.warehouse_id = p.warehouse_id"
    _execute(
        f"INSERT INTO {stock} (sku_id, warehouse_id, on_hand, reserved, updated_at) "
        f"SELECT p.sku_id, p.warehouse_id, 0, 0, %s FROM {pairs} "
        f"WHERE NOT EXISTS (SELECT 1 FROM {stock} w WHERE {same_pair}) "
        "ORDER BY p.sku_id, p.warehouse_id ON CONFLICT DO NOTHING",
        [now],
    )
    _lock(f"SELECT w.id FROM {stock} w JOIN {pairs} ON {same_pair} ORDER BY w.id", of="w")
    _execute(
        f"UPDATE {stock} AS w SET on_hand = w.on_hand + p.quantity, updated_at = %s "
        f"FROM {pairs} WHERE {same_pair}",
        [now],
    )


def _ledger_write(rows: str, now, *, reason: str, actor, reference: str) -> int:
    """One `adjust` movement into its location per adjustment, in `line` order."""
    person = acting_user(actor)
    return _execute(
        f"INSERT INTO {_t(StockMovement)} (sku_id, warehouse_id, lot_id, quantity, "
        "from_location_id, to_location_id, kind, reference, actor_id, reason, created_at) "
        "SELECT r.sku_id, l.warehouse_id, t.id, r.quantity, NULL, r.location_id, "
        f"%s, %s, {'NULL' if person is None else '%s'}, %s, %s "
        f"FROM {rows} r JOIN {_t(Location)} l ON l.id = r.location_id {_lot_of()} "
        "ORDER BY r.line",
        [
            MovementKind.ADJUST.value,
            (reference or "")[:100],
            *([] if person is None else [person.pk]),
            reason.strip()[:200],
            now,
        ],
    )
