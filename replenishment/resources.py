"""Reorder rules from CSV or XLSX: import kind `reorder_rules` (POST /api/v1/imports/ and the
admin's import screen), all-or-nothing with every bad row reported by column.

Columns: sku, warehouse, reorder_point, reorder_quantity (required); lead_time_days, supplier,
pack_size, seasonal (optional). A row states the whole rule of its SKU and warehouse: a new
pair creates the rule, a known one replaces its figures (an empty optional cell clears it).
`seasonal` is written "MM-DD..MM-DD=point/quantity", seasons separated by ";" (e.g.
"11-15..01-31=60/200; 06-01..08-31=10/40"); when the file has no seasonal column, existing
seasons are kept. Rows are written through replenishment.services.
"""

from dataclasses import dataclass

from import_export import resources
from import_export.fields import Field
from import_export.instance_loaders import BaseInstanceLoader
from import_export.widgets import Widget

from ims.kits.roles import Role
from inventory.imports import FormulaSafeExport, ImportResource, register_import
from inventory.imports.widgets import CodeWidget, TextWidget, WholeNumberWidget
from inventory.models import Sku, Warehouse
from receiving.models import Supplier
from replenishment.models import ReorderRule
from replenishment.seasons import seasons_from_text, seasons_to_text
from replenishment.services import reorder_rule_import_row

PURCHASING_ROLES = (Role.ADMIN, Role.MANAGER, Role.PURCHASING)
_ABSENT = object()


class SeasonsWidget(Widget):
    def clean(self, value, row=None, **kwargs):
        return seasons_from_text(TextWidget().clean(value))

    def render(self, value, obj=None, **kwargs):
        return seasons_to_text(value)


@dataclass
class ReorderRuleRow:
    sku: Sku | None = None
    warehouse: Warehouse | None = None
    reorder_point: int | None = None
    reorder_quantity: int | None = None
    lead_time_days: int | None = None
    supplier: Supplier | None = None
    pack_size: int | None = None
    seasonal: list | None = None
    pk: int | None = None

    def __str__(self) -> str:
        return f"{self.sku} in {self.warehouse}"


@register_import("reorder_rules", label="Reorder rules", roles=PURCHASING_ROLES)
class ReorderRuleResource(ImportResource, resources.Resource):
    """One row per SKU and warehouse (see the module docstring for the columns)."""

    sku = Field(attribute="sku", column_name="sku", widget=CodeWidget(Sku, label="SKU"))
    warehouse = Field(attribute="warehouse", column_name="warehouse", widget=CodeWidget(Warehouse))
    reorder_point = Field(
        attribute="reorder_point", column_name="reorder_point", widget=WholeNumberWidget(minimum=0)
    )
    reorder_quantity = Field(
        attribute="reorder_quantity",
        column_name="reorder_quantity",
        widget=WholeNumberWidget(minimum=1),
    )
    lead_time_days = Field(
        attribute="lead_time_days",
        column_name="lead_time_days",
        widget=WholeNumberWidget(minimum=0),
    )
    supplier = Field(attribute="supplier", column_name="supplier", widget=CodeWidget(Supplier))
    pack_size = Field(
        attribute="pack_size", column_name="pack_size", widget=WholeNumberWidget(minimum=1)
    )
    seasonal = Field(attribute="seasonal", column_name="seasonal", widget=SeasonsWidget())
    required_columns = ("sku", "warehouse", "reorder_point", "reorder_quantity")

    class Meta:
        force_init_instance = True
        instance_loader_class = BaseInstanceLoader
        name = "Reorder rules"

    def init_instance(self, row=None):
        return ReorderRuleRow()

    def before_import(self, dataset, **kwargs):
        self.seen: dict[tuple[str, str], int] = {}
        super().before_import(dataset, **kwargs)
        self.has_seasonal = "seasonal" in (dataset.headers or [])

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        key = (TextWidget().clean(row.get("sku")), TextWidget().clean(row.get("warehouse")))
        if all(key) and key in self.seen:
            self.add_error(
                self.row_errors,
                "sku",
                f"{key[0]} in {key[1]} appears more than once (first on row {self.seen[key]}): "
                "one rule per SKU and warehouse.",
            )
        elif all(key):
            self.seen[key] = self.line

    def check_row(self, row, errors):
        for column in ("sku", "warehouse", "reorder_point", "reorder_quantity"):
            if column not in errors and getattr(row, column) is None:
                self.add_error(errors, column, "Required.")

    def do_instance_save(self, row, is_create):
        rule, _created = self.apply(
            reorder_rule_import_row,
            sku=row.sku,
            warehouse=row.warehouse,
            reorder_point=row.reorder_point,
            reorder_quantity=row.reorder_quantity,
            lead_time_days=row.lead_time_days,
            supplier=row.supplier,
            pack_size=row.pack_size,
            **({"seasonal": row.seasonal or []} if self.has_seasonal else {}),
        )
        row.pk = rule.pk


class ReorderRuleExportResource(FormulaSafeExport, resources.ModelResource):
    """Rules in the import's columns, so an export imports back unchanged."""

    sku = Field(attribute="sku__code", column_name="sku")
    warehouse = Field(attribute="warehouse__code", column_name="warehouse")
    reorder_point = Field(attribute="reorder_point", column_name="reorder_point")
    reorder_quantity = Field(attribute="reorder_quantity", column_name="reorder_quantity")
    lead_time_days = Field(attribute="lead_time_days", column_name="lead_time_days")
    supplier = Field(attribute="supplier__code", column_name="supplier")
    pack_size = Field(attribute="pack_size", column_name="pack_size")
    seasonal = Field(attribute="seasonal", column_name="seasonal", widget=SeasonsWidget())

    class Meta:
        model = ReorderRule
        fields = (
            "sku",
            "warehouse",
            "reorder_point",
            "reorder_quantity",
            "lead_time_days",
            "supplier",
            "pack_size",
            "seasonal",
        )
        name = "Reorder rules"

    def get_queryset(self):
        return ReorderRule.objects.select_related("sku", "warehouse", "supplier").order_by(
            "sku__code", "warehouse__code"
        )


__all__ = ["ReorderRuleExportResource", "ReorderRuleResource"]
