"""Import kinds of receiving: suppliers and purchase orders (inventory.imports).

Checked set-based over the staging table (one statement per rule) and written by
receiving.services.imports (one statement per table). Exports write the columns the import
reads, so an export imports back: suppliers as they are, purchase orders as new orders (an
import only creates purchase orders, under numbers not yet used).
"""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection

from ims.kits.roles import BUYING, EXPORTS, in_scope, warehouse_scope
from inventory.imports import TableImport, cells, register_import
from inventory.imports.kind import (
    Column,
    Reference,
    amount_column,
    day_column,
    refuse_other_warehouses,
    sku_column,
    text_column,
    warehouse_column,
)
from inventory.models import Sku, Warehouse
from receiving.filters import PurchaseOrderFilter, SupplierFilter
from receiving.models import PurchaseOrder, PurchaseOrderLine, PurchaseOrderStatus, Supplier
from receiving.services import purchase_orders_import, suppliers_import
from receiving.services.purchase_orders import MAX_UNITS

NEW_PO_STATUSES = (PurchaseOrderStatus.OPEN.value, PurchaseOrderStatus.DRAFT.value)
PO_HEADER = ("supplier", "warehouse", "expected_date", "status")


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


# --- suppliers ---------------------------------------------------------------------------------


def read_email(value) -> str:
    address = cells.text(value, max_length=254)
    if address:
        try:
            validate_email(address)
        except ValidationError:
            raise ValueError(f"'{address}' is not an e-mail address.") from None
    return address


@register_import("suppliers", label="Suppliers", roles=BUYING)
class SupplierImport(TableImport):
    """Suppliers by code: a new code creates one (its name required), a known code updates its
    name (a blank cell keeps it) and e-mail (an empty cell clears it; a file without the
    column keeps it)."""

    columns = (
        text_column(
            "code",
            max_length=32,
            required=True,
            not_blank=True,
            aliases=("supplier", "supplier code", "vendor", "vendor code", "supplier id"),
            example="ACME",
        ),
        text_column(
            "name",
            max_length=200,
            required=True,
            aliases=("supplier name", "vendor name", "company", "company name"),
            example="Acme Supplies",
        ),
        Column(
            "email",
            read_email,
            aliases=("e-mail", "email address", "contact email", "orders email"),
            example="orders@acme.example",
        ),
    )
    key = ("code",)
    duplicate_message = "Supplier '{value}' appears more than once (first on row {first})."

    def check(self, stage, problems, context):
        for line, code in stage.fetch(
            "SELECT s.line, s.code FROM {stage} s WHERE COALESCE(s.name, '') = '' AND NOT EXISTS "
            f"(SELECT 1 FROM {_table(Supplier)} k WHERE k.code = s.code)"
        ):
            problems.add(line, "name", f"Required: {code} is a new supplier.")

    def plan(self, stage):
        known = f"EXISTS (SELECT 1 FROM {_table(Supplier)} k WHERE k.code = {{stage}}.code)"
        updates = stage.count(known)
        return stage.count() - updates, updates

    def write(self, stage, context):
        suppliers_import(stage=stage)

    def export_rows(self, *, user, params):
        suppliers = SupplierFilter(params, queryset=Supplier.objects.order_by("code")).qs
        yield from suppliers.values_list("code", "name", "email").iterator(chunk_size=2000)


# --- purchase orders ---------------------------------------------------------------------------


def read_po_number(value) -> str:
    number = cells.text(value, max_length=32)
    if "/" in number or any(ch.isspace() for ch in number):
        raise ValueError(f"'{number}' cannot be a PO number: it may not contain '/' or spaces.")
    return number


def read_quantity(value) -> int | None:
    quantity = cells.whole(value, minimum=1)
    if quantity is not None and quantity > MAX_UNITS:
        raise ValueError(f"At most {MAX_UNITS} units per line, not {quantity}.")
    return quantity


def read_status(value) -> str | None:
    word = cells.text(value).lower()
    if not word:
        return PurchaseOrderStatus.OPEN.value
    if word in NEW_PO_STATUSES:
        return word
    if word in PurchaseOrderStatus.values:
        raise ValueError(
            f"'{value}': an import creates new purchase orders, which are open or draft."
        )
    raise ValueError(f"'{value}' is not one of: {', '.join(NEW_PO_STATUSES)}.")


@register_import("purchase_orders", label="Purchase orders", roles=BUYING)
class PurchaseOrderImport(TableImport):
    """One row per PO line. Rows sharing a po_number make one purchase order and must agree on
    supplier, warehouse, date and status (open, the default, or draft). Only new purchase
    orders: a number already stored is an error, as is a second row for the same PO and SKU
    (a duplicate line). A manager imports only into their own warehouses."""

    columns = (
        Column(
            "po_number",
            read_po_number,
            required=True,
            not_blank=True,
            aliases=("po", "po number", "order number", "purchase order", "po no", "number"),
            example="PO-1001",
        ),
        text_column(
            "supplier",
            max_length=32,
            required=True,
            not_blank=True,
            aliases=("vendor", "supplier code", "vendor code"),
            example="ACME",
        ),
        warehouse_column(extra_aliases=("ship to", "destination")),
        day_column(
            "expected_date",
            aliases=("expected", "expected on", "due date", "delivery date", "eta"),
            example="2027-03-01",
        ),
        sku_column(),
        Column(
            "quantity",
            read_quantity,
            "integer",
            required=True,
            not_blank=True,
            aliases=("qty", "quantity ordered", "ordered", "units"),
            example=24,
        ),
        amount_column(
            "unit_cost",
            aliases=("cost", "price", "unit price", "cost price"),
            example="2.50",
        ),
        Column("status", read_status, aliases=("po status",), example="open"),
    )
    key = ("po_number", "sku")
    references = (
        Reference("supplier", Supplier._meta.db_table, "supplier"),
        Reference("warehouse", Warehouse._meta.db_table, "warehouse"),
        Reference("sku", Sku._meta.db_table, "SKU"),
    )

    def duplicate_text(self, values, first):
        number, sku = values
        return f"{sku} is already on {number} (row {first}): one line per SKU (duplicate line)."

    def check(self, stage, problems, context):
        orders = _table(PurchaseOrder)
        known = f"EXISTS (SELECT 1 FROM {orders} p WHERE p.number = s.po_number)"
        for line, number in stage.fetch(
            f"SELECT s.line, s.po_number FROM {{stage}} s WHERE {known}"
        ):
            message = f"Purchase order {number} already exists; import new orders only."
            problems.add(line, "po_number", message)
        self._check_rows_agree(stage, problems, known)
        refuse_other_warehouses(stage, problems, context.actor, BUYING)

    def _check_rows_agree(self, stage, problems, known: str) -> None:
        """Each row of a PO against its first row: the header cells must be the same."""
        reported = {(error.row, error.column) for error in problems.found}
        differ = " OR ".join(f"s.{c} IS DISTINCT FROM f.{c}" for c in PO_HEADER)
        header = ", ".join(f"s.{c}, f.{c}" for c in PO_HEADER)
        for line, number, first, *values in stage.fetch(
            f"SELECT s.line, s.po_number, f.line, {header} FROM {{stage}} s "
            "JOIN (SELECT po_number, MIN(line) AS first FROM {stage} GROUP BY po_number) m "
            "ON m.po_number = s.po_number AND s.line > m.first "
            f"JOIN {{stage}} f ON f.line = m.first WHERE ({differ}) AND NOT {known}"
        ):
            for index, column in enumerate(PO_HEADER):
                ours, theirs = values[2 * index], values[2 * index + 1]
                if ours == theirs or (line, column) in reported:
                    continue  # a cell that could not be read is reported already
                stated = f"{column} {theirs}" if theirs not in (None, "") else f"no {column}"
                problems.add(
                    line,
                    column,
                    f"{number} has {stated} on row {first}; "
                    "every row of a purchase order must agree.",
                )

    def plan(self, stage):
        return stage.count(), 0  # every row is a new line of a new purchase order

    def write(self, stage, context):
        purchase_orders_import(stage=stage, actor=context.actor)

    def export_rows(self, *, user, params):
        scope = warehouse_scope(user, EXPORTS)
        orders = in_scope(PurchaseOrder.objects.all(), scope)
        orders = PurchaseOrderFilter(params, queryset=orders).qs
        lines = PurchaseOrderLine.objects.filter(purchase_order__in=orders.values("pk"))
        yield from (
            lines.order_by("purchase_order__number", "pk")
            .values_list(
                "purchase_order__number",
                "purchase_order__supplier__code",
                "purchase_order__warehouse__code",
                "purchase_order__expected_date",
                "sku__code",
                "quantity_ordered",
                "unit_cost",
                "purchase_order__status",
            )
            .iterator(chunk_size=2000)
        )
