"""Import kinds of the inventory app: SKUs, locations and opening stock (inventory.imports).

Each kind is checked and written set-based over its staging table; stock rows go through the
stock engine's bulk path (inventory.services.stock_bulk), so the ledger explains every unit.
"""

from django.db import connection
from django.utils import timezone

from ims.kits import roles
from inventory.filters import LocationFilter, SkuFilter, StockFilter
from inventory.imports import TableImport, cells, register_import
from inventory.imports.exports import filtered
from inventory.imports.kind import (
    Column,
    Reference,
    choice_column,
    day_column,
    refuse_other_warehouses,
    sku_column,
    text_column,
    warehouse_column,
    whole_column,
    yes_no_column,
)
from inventory.models import BinStock, Location, LocationType, Lot, Sku, Warehouse
from inventory.services.stock_bulk import adjustments_check, stock_adjust_bulk

OPENING_STOCK_REASON = "opening stock"


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@register_import("skus", label="SKUs")
class SkuImport(TableImport):
    """SKUs by code: a new code creates the SKU, a known one updates it. A blank name, yes/no
    cell, or a missing barcode column keeps the stored value; an empty barcode cell clears it.
    Lot tracking changes only while the SKU has no stock. New SKUs: not lot-tracked, active."""

    columns = (
        text_column(
            "code",
            max_length=64,
            required=True,
            not_blank=True,
            aliases=("sku", "variant sku", "sku code", "item code", "product code", "item number"),
            example="TEE-BLK-M",
        ),
        text_column(
            "name",
            max_length=200,
            required=True,
            aliases=("title", "product name", "item name", "description"),
            example="Tee, black, M",
        ),
        text_column(
            "barcode",
            max_length=64,
            aliases=("variant barcode", "ean", "gtin", "upc", "ean13"),
            example="5012345678900",
        ),
        yes_no_column("lot_tracked", aliases=("lot tracked", "batch tracked"), example="false"),
        yes_no_column("active", aliases=("enabled",), example="true"),
    )
    key = ("code",)
    duplicate_message = "SKU '{value}' appears more than once (first on row {first})."

    def check(self, stage, problems, context):
        sku, bins = _table(Sku), _table(BinStock)
        for line, code in stage.fetch(
            f"SELECT s.line, s.code FROM {{stage}} s WHERE s.name = '' AND NOT EXISTS "
            f"(SELECT 1 FROM {sku} k WHERE k.code = s.code)"
        ):
            problems.add(line, "name", f"Required: {code} is a new SKU.")
        for line, barcode, owner in stage.fetch(
            f"SELECT s.line, s.barcode, k.code FROM {{stage}} s JOIN {sku} k "
            "ON k.barcode = s.barcode WHERE s.barcode <> '' AND k.code <> s.code"
        ):
            problems.add(line, "barcode", f"Barcode {barcode} belongs to SKU {owner}.")
        for line, first, barcode in stage.fetch(
            "SELECT s.line, d.first, s.barcode FROM {stage} s JOIN (SELECT barcode, "
            "MIN(line) AS first FROM {stage} WHERE barcode <> '' GROUP BY barcode "
            "HAVING COUNT(*) > 1) d ON d.barcode = s.barcode WHERE s.line > d.first"
        ):
            problems.add(line, "barcode", f"Barcode {barcode} is on row {first} too.")
        for line, code in stage.fetch(
            f"SELECT s.line, s.code FROM {{stage}} s JOIN {sku} k ON k.code = s.code "
            "WHERE s.lot_tracked IS NOT NULL AND s.lot_tracked <> k.lot_tracked AND EXISTS "
            f"(SELECT 1 FROM {bins} b WHERE b.sku_id = k.id AND b.quantity > 0)"
        ):
            problems.add(
                line,
                "lot_tracked",
                f"{code} has stock: lot tracking can change only when none is left.",
            )

    def plan(self, stage):
        updates = stage.count(
            f"EXISTS (SELECT 1 FROM {_table(Sku)} k WHERE k.code = {{stage}}.code)"
        )
        return stage.count() - updates, updates

    def write(self, stage, context):
        sku = _table(Sku)
        barcode = "CASE WHEN s.barcode IS NULL THEN k.barcode ELSE NULLIF(s.barcode, '') END"
        stage.execute(
            f"UPDATE {sku} AS k SET "
            "name = CASE WHEN s.name <> '' THEN s.name ELSE k.name END, "
            f"barcode = {barcode}, "
            "lot_tracked = COALESCE(s.lot_tracked, k.lot_tracked), "
            "active = COALESCE(s.active, k.active) "
            "FROM {stage} s WHERE k.code = s.code"
        )
        stage.execute(
            f"INSERT INTO {sku} (code, name, barcode, lot_tracked, active, created_at) "
            "SELECT s.code, s.name, NULLIF(s.barcode, ''), COALESCE(s.lot_tracked, FALSE), "
            "COALESCE(s.active, TRUE), %s FROM {stage} s "
            f"WHERE NOT EXISTS (SELECT 1 FROM {sku} k WHERE k.code = s.code) ORDER BY s.line",
            [connection.ops.adapt_datetimefield_value(timezone.now())],
        )

    def export_rows(self, *, user, params):
        skus = SkuFilter(params, queryset=Sku.objects.order_by("code")).qs
        yield from skus.values_list("code", "name", "barcode", "lot_tracked", "active").iterator(
            chunk_size=2000
        )


def _prepare(stage, *indexes: str) -> None:
    """Index the staging table for the checks' self-joins and, on PostgreSQL, give the planner
    its figures (autovacuum never analyses a temporary table)."""
    bare = stage.name.strip('"')
    for number, columns in enumerate(indexes):
        stage.execute(f'CREATE INDEX "{bare}_{number}" ON {{stage}} ({columns})')
    if connection.vendor == "postgresql":
        stage.execute("ANALYZE {stage}")


def _scope(queryset, user, field: str):
    """`queryset` narrowed to the warehouses `user` may export from."""
    return roles.in_scope(queryset, roles.warehouse_scope(user, roles.EXPORTS), field)


# -- locations ----------------------------------------------------------------------------------

MAX_DEPTH = 256  # a path of 512 characters holds at most 255 levels ("/a/b/.../")


def _location_code(value) -> str:
    code = cells.text(value, max_length=64)
    if "/" in code:
        raise ValueError("A location code cannot contain '/'.")
    return code


@register_import("locations", label="Locations")
class LocationImport(TableImport):
    """New locations: codes never change once made, so a code already stored in the warehouse
    is an error. A parent may be stored or anywhere in the file (in any order) and must be a
    zone of the same warehouse. Rows are written parents first, one INSERT per level of the
    tree; the path is the one `location_create` writes. Blank type: a bin; travel cost: 0."""

    columns = (
        warehouse_column(),
        Column(
            "code",
            _location_code,
            required=True,
            not_blank=True,
            aliases=("location", "location code", "bin", "bin code", "bin location"),
            example="A-01-01",
        ),
        text_column(
            "parent",
            max_length=64,
            aliases=("parent code", "parent location", "zone", "parent zone"),
            example="A-01",
        ),
        choice_column(
            "type",
            choices=LocationType.values,
            default=LocationType.BIN.value,
            aliases=("location type", "bin type"),
            example="bin",
        ),
        whole_column(
            "travel_cost",
            minimum=0,
            aliases=("travel cost", "pick sequence", "walk sequence", "distance"),
            example=12,
        ),
        whole_column(
            "capacity",
            minimum=1,
            aliases=("max units", "max quantity", "bin capacity"),
            example=200,
        ),
    )
    key = ("warehouse", "code")
    references = (Reference("warehouse", Warehouse._meta.db_table, "warehouse"),)
    stage_extra = (
        ("parent_id", "integer"),  # a stored parent
        ("parent_line", "integer"),  # the file's row that makes the parent
        ("depth", "integer"),  # 0: its parent is stored, or it has none
        ("path", "text"),
    )

    def duplicate_text(self, values, first):
        return f"Location '{values[-1]}' appears more than once (first on row {first})."

    def check(self, stage, problems, context):
        _prepare(stage, "warehouse_id, code", "line")
        refuse_other_warehouses(stage, problems, context.actor, roles.CATALOG)
        location = _table(Location)
        for line, code, warehouse in stage.fetch(
            f"SELECT s.line, s.code, s.warehouse FROM {{stage}} s WHERE EXISTS (SELECT 1 FROM "
            f"{location} l WHERE l.warehouse_id = s.warehouse_id AND l.code = s.code)"
        ):
            problems.add(line, "code", f"Location '{code}' already exists in {warehouse}.")
        self._parents(stage, problems)
        self._levels(stage, problems)
        for line, path in stage.fetch("SELECT line, path FROM {stage} WHERE LENGTH(path) > 512"):
            problems.add(line, "code", f"Its path would be {len(path)} characters (at most 512).")

    def _parents(self, stage, problems) -> None:
        """Each parent found stored or in the file, and a zone; else the row's `parent` error."""
        location = _table(Location)
        named = "parent <> '' AND warehouse_id IS NOT NULL"
        stage.execute(
            f"UPDATE {{stage}} SET parent_id = (SELECT l.id FROM {location} l WHERE "
            f"l.warehouse_id = {{stage}}.warehouse_id AND l.code = {{stage}}.parent) WHERE {named}"
        )
        stage.execute(
            "UPDATE {stage} SET parent_line = (SELECT MIN(p.line) FROM {stage} p WHERE "
            "p.warehouse_id = {stage}.warehouse_id AND p.code = {stage}.parent) "
            f"WHERE {named} AND parent_id IS NULL"
        )
        for line, parent, warehouse in stage.fetch(
            "SELECT line, parent, warehouse FROM {stage} "
            f"WHERE {named} AND parent_id IS NULL AND parent_line IS NULL"
        ):
            problems.add(line, "parent", f"Unknown parent location '{parent}' in {warehouse}.")
        for line, parent, kind in stage.fetch(
            f"SELECT s.line, l.code, l.type FROM {{stage}} s JOIN {location} l "
            "ON l.id = s.parent_id WHERE l.type <> 'zone' UNION ALL "
            "SELECT s.line, p.code, COALESCE(p.type, 'bin') FROM {stage} s JOIN {stage} p "
            "ON p.line = s.parent_line WHERE COALESCE(p.type, 'bin') <> 'zone'"
        ):
            problems.add(line, "parent", f"{parent} is a {kind}: only zones contain locations.")

    def _levels(self, stage, problems) -> None:
        """Depth and path of every row, level by level from the rows whose parent is stored (or
        who have none); rows never reached have parents that form a cycle."""
        stage.execute(
            f"UPDATE {{stage}} SET depth = 0, path = COALESCE((SELECT l.path FROM "
            f"{_table(Location)} l WHERE l.id = {{stage}}.parent_id), '/') || code || '/' "
            "WHERE parent_line IS NULL"
        )
        level = 0
        while level < MAX_DEPTH and stage.execute(
            "UPDATE {stage} SET depth = %s, path = (SELECT p.path FROM {stage} p "
            "WHERE p.line = {stage}.parent_line) || code || '/' WHERE depth IS NULL "
            "AND parent_line IN (SELECT line FROM {stage} WHERE depth = %s)",
            [level + 1, level],
        ):
            level += 1
        for line, code in stage.fetch("SELECT line, code FROM {stage} WHERE depth IS NULL"):
            problems.add(
                line,
                "parent",
                f"The parents of '{code}' form a cycle: none of them is top-level or stored."
                if level < MAX_DEPTH
                else f"'{code}' lies more than {MAX_DEPTH} levels deep.",
            )

    def plan(self, stage):
        return stage.count(), 0

    def write(self, stage, context):
        location = _table(Location)
        deepest = stage.fetch("SELECT MAX(depth) FROM {stage}")[0][0] or 0
        for level in range(deepest + 1):  # each level's parents are stored by now
            stage.execute(
                f"INSERT INTO {location} "
                "(warehouse_id, code, parent_id, type, path, travel_cost, capacity) "
                "SELECT s.warehouse_id, s.code, COALESCE(s.parent_id, p.id), "
                "COALESCE(s.type, 'bin'), s.path, COALESCE(s.travel_cost, 0), s.capacity "
                f"FROM {{stage}} s LEFT JOIN {location} p ON s.parent_line IS NOT NULL "
                "AND p.warehouse_id = s.warehouse_id AND p.code = s.parent "
                "WHERE s.depth = %s ORDER BY s.line",
                [level],
            )

    def export_rows(self, *, user, params):
        """The user's warehouses' locations, parents before children."""
        places = _scope(Location.objects.all(), user, "warehouse")
        places = filtered(LocationFilter, params, places).order_by("warehouse__code", "path")
        yield from places.values_list(
            "warehouse__code", "code", "parent__code", "type", "travel_cost", "capacity"
        ).iterator(chunk_size=2000)


# -- opening stock ------------------------------------------------------------------------------


@register_import("stock", label="Opening stock")
class OpeningStockImport(TableImport):
    """Units found on the shelves when the system starts: each row is a stock adjustment with
    reason "opening stock" (the stock engine's bulk path, inventory.services.stock_bulk), so
    the ledger explains every unit from day one. Rows for the same bin and lot add up. A
    lot-tracked SKU needs a lot (created when new; its expiry must agree with the stored one);
    other SKUs take neither lot nor expiry. The location must hold stock (not a zone)."""

    columns = (
        sku_column(),
        warehouse_column(),
        text_column(
            "location",
            max_length=64,
            required=True,
            not_blank=True,
            aliases=("bin", "bin location", "location code", "bin code"),
            example="A-01-01",
        ),
        text_column(
            "lot",
            max_length=64,
            aliases=("batch", "lot number", "batch number", "lot no"),
            example="",
            help="Lot-tracked SKUs only.",
        ),
        day_column(
            "expiry",
            aliases=("expiry date", "best before", "expiration date", "use by"),
            example="",
            help="Lot-tracked SKUs only; YYYY-MM-DD.",
        ),
        whole_column(
            "quantity",
            minimum=1,
            required=True,
            not_blank=True,
            aliases=("qty", "on hand", "quantity on hand", "units", "count"),
            example=24,
        ),
    )
    references = (
        Reference("sku", Sku._meta.db_table, "SKU"),
        Reference("warehouse", Warehouse._meta.db_table, "warehouse"),
        Reference(
            "location",
            Location._meta.db_table,
            "location",
            scope=(("warehouse_id", "warehouse_id"),),
        ),
    )

    def check(self, stage, problems, context):
        _prepare(stage)
        refuse_other_warehouses(stage, problems, context.actor, roles.HANDLE_STOCK)
        for line, column, message in adjustments_check(rows=stage.name):
            problems.add(line, column, message)

    def plan(self, stage):
        """Rows that create a bin row (the first row into a bin, and lot, with none stored yet)
        and rows that add to one (the rest)."""
        bins, lots = _table(BinStock), _table(Lot)
        (created,) = stage.fetch(
            "SELECT COUNT(*) FROM (SELECT sku_id, location_id, COALESCE(lot, '') AS lot "
            "FROM {stage} GROUP BY sku_id, location_id, COALESCE(lot, '')) g "
            f"WHERE NOT EXISTS (SELECT 1 FROM {bins} b WHERE b.sku_id = g.sku_id "
            "AND b.location_id = g.location_id AND CASE WHEN g.lot = '' THEN b.lot_id IS NULL "
            f"ELSE b.lot_id = (SELECT t.id FROM {lots} t WHERE t.sku_id = g.sku_id "
            "AND t.lot_number = g.lot) END)"
        )[0]
        return created, stage.count() - created

    def write(self, stage, context):
        stock_adjust_bulk(
            rows=stage.name,
            reason=OPENING_STOCK_REASON,
            actor=context.actor,
            reference=context.reference,
            checked=True,
        )

    def export_rows(self, *, user, params):
        """Stock on the shelves of the user's warehouses, in the columns this kind imports."""
        held = _scope(BinStock.objects.filter(quantity__gt=0), user, "location__warehouse")
        held = filtered(StockFilter, params, held).order_by(
            "location__warehouse__code", "location__path", "sku__code", "lot__lot_number"
        )
        yield from held.values_list(
            "sku__code",
            "location__warehouse__code",
            "location__code",
            "lot__lot_number",
            "lot__expiry",
            "quantity",
        ).iterator(chunk_size=2000)
