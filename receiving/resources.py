"""Import-export resources of receiving: suppliers and purchase orders from CSV or XLSX.

Both are registered import kinds (POST /api/v1/imports/ with kind `suppliers` or
`purchase_orders`) and offered in the admin with the dry-run preview. A file with any bad row
applies nothing and reports every bad row with its column (inventory.imports.ImportResource).
Rows are written through receiving.services.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from import_export import resources
from import_export.fields import Field
from import_export.instance_loaders import BaseInstanceLoader
from import_export.widgets import Widget

from ims.kits.roles import Role
from inventory.imports import FormulaSafeExport, ImportResource, register_import
from inventory.imports.base import adopt
from inventory.imports.widgets import (
    ChoiceWidget,
    CodeWidget,
    DayWidget,
    TextWidget,
    WholeNumberWidget,
)
from inventory.models import Sku, Warehouse
from receiving.models import PurchaseOrder, PurchaseOrderLine, PurchaseOrderStatus, Supplier
from receiving.services import purchase_order_import_line, supplier_import_row

PURCHASING_ROLES = (Role.ADMIN, Role.MANAGER, Role.PURCHASING)


class MoneyWidget(Widget):
    """A unit cost: a plain decimal number, zero or more, at most 4 decimal places."""

    def clean(self, value, row=None, **kwargs):
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, bool):
            raise ValueError(f"'{value}' is not a number.")
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"'{value}' is not a number (write it like 12.50).") from None
        if not amount.is_finite() or amount < 0:
            raise ValueError(f"'{value}' is not an amount of zero or more.")
        if amount != amount.quantize(Decimal("0.0001")) or amount >= 10**8:
            raise ValueError(
                f"'{value}' has too many digits (at most 8 before the point, 4 after)."
            )
        return amount

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


@register_import("suppliers", label="Suppliers", roles=PURCHASING_ROLES)
class SupplierResource(ImportResource, resources.ModelResource):
    """Suppliers by code: a new code creates one, a known code updates its name and e-mail."""

    code = Field(attribute="code", column_name="code", widget=TextWidget())
    name = Field(attribute="name", column_name="name", widget=TextWidget())
    email = Field(attribute="email", column_name="email", widget=TextWidget())
    required_columns = ("code", "name")

    class Meta:
        model = Supplier
        fields = ("code", "name", "email")
        import_id_fields = ("code",)

    def before_import(self, dataset, **kwargs):
        self.seen: dict[str, int] = {}
        super().before_import(dataset, **kwargs)

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        code = TextWidget().clean(row.get("code"))
        if code in self.seen:
            self.add_error(
                self.row_errors,
                "code",
                f"Supplier '{code}' appears more than once (first on row {self.seen[code]}).",
            )
        elif code:
            self.seen[code] = self.line

    def check_row(self, instance, errors):
        for column in ("code", "name"):
            if column not in errors and not getattr(instance, column):
                self.add_error(errors, column, "Required.")

    def do_instance_save(self, instance, is_create):
        supplier, _created = self.apply(
            supplier_import_row,
            code=instance.code,
            name=instance.name,
            email=instance.email or "",
        )
        adopt(instance, supplier)


@dataclass
class PurchaseOrderRow:
    po_number: str = ""
    supplier: Supplier | None = None
    warehouse: Warehouse | None = None
    expected_date: datetime.date | None = None
    sku: Sku | None = None
    quantity: int | None = None
    unit_cost: Decimal | None = None
    status: str = PurchaseOrderStatus.OPEN
    pk: int | None = None

    def __str__(self) -> str:
        return f"{self.po_number}: {self.quantity} x {self.sku}"


HEADER_COLUMNS = ("supplier", "warehouse", "expected_date", "status")


@register_import("purchase_orders", label="Purchase orders", roles=PURCHASING_ROLES)
class PurchaseOrderResource(ImportResource, resources.Resource):
    """One row per PO line: po_number, supplier, warehouse, expected_date, sku, quantity,
    unit_cost (and optionally status: open, the default, or draft). Rows sharing a po_number
    make one purchase order and must agree on supplier, warehouse, date and status. Only new
    purchase orders are imported: a number already in the database is an error, as is a second
    row for the same PO and SKU (a duplicate line)."""

    po_number = Field(attribute="po_number", column_name="po_number", widget=TextWidget())
    supplier = Field(attribute="supplier", column_name="supplier", widget=CodeWidget(Supplier))
    warehouse = Field(attribute="warehouse", column_name="warehouse", widget=CodeWidget(Warehouse))
    expected_date = Field(
        attribute="expected_date", column_name="expected_date", widget=DayWidget()
    )
    sku = Field(attribute="sku", column_name="sku", widget=CodeWidget(Sku, label="SKU"))
    quantity = Field(
        attribute="quantity", column_name="quantity", widget=WholeNumberWidget(minimum=1)
    )
    unit_cost = Field(attribute="unit_cost", column_name="unit_cost", widget=MoneyWidget())
    status = Field(
        attribute="status",
        column_name="status",
        widget=ChoiceWidget(
            [PurchaseOrderStatus.OPEN, PurchaseOrderStatus.DRAFT],
            default=PurchaseOrderStatus.OPEN,
        ),
    )
    required_columns = ("po_number", "supplier", "warehouse", "sku", "quantity")
    error_columns = {"number": "po_number", "quantity_ordered": "quantity", "lines": "quantity"}

    class Meta:
        force_init_instance = True  # every row is a new line
        instance_loader_class = BaseInstanceLoader
        name = "Purchase orders (one row per line)"

    def init_instance(self, row=None):
        return PurchaseOrderRow()

    def before_import(self, dataset, **kwargs):
        self.first_row: dict[str, tuple[int, dict]] = {}  # po_number → (row, header cells)
        self.lines_seen: dict[tuple[str, str], int] = {}
        self.existing: set[str] = set()
        super().before_import(dataset, **kwargs)

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        number = TextWidget().clean(row.get("po_number"))
        sku = TextWidget().clean(row.get("sku"))
        if not number:
            return
        header = {column: TextWidget().clean(row.get(column)) for column in HEADER_COLUMNS}
        header["status"] = header["status"].lower() or PurchaseOrderStatus.OPEN
        if number in self.existing or (
            number not in self.first_row and PurchaseOrder.objects.filter(number=number).exists()
        ):
            self.existing.add(number)
            self.add_error(
                self.row_errors,
                "po_number",
                f"Purchase order {number} already exists; import new orders only.",
            )
            return
        if number not in self.first_row:
            self.first_row[number] = (self.line, header)
        else:
            first_line, first = self.first_row[number]
            for column in HEADER_COLUMNS:
                if header[column] != first[column]:
                    self.add_error(
                        self.row_errors,
                        column,
                        f"{number} has {column} '{first[column]}' on row {first_line}; "
                        "every row of a purchase order must agree.",
                    )
        if sku and (number, sku) in self.lines_seen:
            self.add_error(
                self.row_errors,
                "sku",
                f"{sku} is already on {number} (row {self.lines_seen[(number, sku)]}): "
                "one line per SKU (duplicate line).",
            )
        elif sku:
            self.lines_seen[(number, sku)] = self.line

    def check_row(self, row, errors):
        for column in ("po_number", "supplier", "warehouse", "sku", "quantity"):
            if column not in errors and not getattr(row, column):
                self.add_error(errors, column, "Required.")
        if row.po_number and len(row.po_number) > 32 and "po_number" not in errors:
            self.add_error(errors, "po_number", "At most 32 characters.")

    def do_instance_save(self, row, is_create):
        line = self.apply(
            purchase_order_import_line,
            number=row.po_number,
            supplier=row.supplier,
            warehouse=row.warehouse,
            expected_date=row.expected_date,
            sku=row.sku,
            quantity_ordered=row.quantity,
            unit_cost=row.unit_cost if row.unit_cost is not None else Decimal("0"),
            status=row.status,
            allow_existing=True,  # before_import_row refused numbers that predate the file
        )
        row.pk = line.pk


class PurchaseOrderLineExportResource(FormulaSafeExport, resources.ModelResource):
    """Purchase-order lines in the import's columns (plus what was received), so an export
    imports back as new open purchase orders."""

    po_number = Field(attribute="purchase_order__number", column_name="po_number")
    supplier = Field(attribute="purchase_order__supplier__code", column_name="supplier")
    warehouse = Field(attribute="purchase_order__warehouse__code", column_name="warehouse")
    expected_date = Field(
        attribute="purchase_order__expected_date", column_name="expected_date", widget=DayWidget()
    )
    sku = Field(attribute="sku__code", column_name="sku")
    quantity = Field(attribute="quantity_ordered", column_name="quantity")
    unit_cost = Field(attribute="unit_cost", column_name="unit_cost", widget=MoneyWidget())
    quantity_received = Field(attribute="quantity_received", column_name="quantity_received")

    class Meta:
        model = PurchaseOrderLine
        fields = (
            "po_number",
            "supplier",
            "warehouse",
            "expected_date",
            "sku",
            "quantity",
            "unit_cost",
            "quantity_received",
        )
        name = "Purchase-order lines"

    def get_queryset(self):
        return self._meta.model.objects.select_related(
            "purchase_order__supplier", "purchase_order__warehouse", "sku"
        ).order_by("purchase_order__number", "pk")


__all__ = [
    "PurchaseOrderLineExportResource",
    "PurchaseOrderResource",
    "SupplierResource",
]
