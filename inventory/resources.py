"""Import kinds of the inventory app: SKUs, locations and opening stock (inventory.imports).

Each kind is checked and written set-based over its staging table; stock rows go through the
stock engine's bulk path (inventory.services.stock_bulk), so the ledger explains every unit.
"""

from django.db import connection
from django.utils import timezone

from inventory.filters import SkuFilter
from inventory.imports import TableImport, register_import
from inventory.imports.kind import text_column, yes_no_column
from inventory.models import BinStock, Sku

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
        updates = stage.count(f"EXISTS (SELECT 1 FROM {_table(Sku)} k WHERE k.code = {{stage}}.code)")
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
