"""Import-export resources of the inventory app: SKUs, locations and opening stock.

Each is registered as an import kind (inventory.imports) and offered in the admin with its dry-run
preview. Rows are written through the services, never by saving models directly.
"""

import datetime
from dataclasses import dataclass

from import_export import resources
from import_export.fields import Field
from import_export.instance_loaders import BaseInstanceLoader

from inventory.imports import FormulaSafeExport, ImportResource, register_import
from inventory.imports.base import adopt
from inventory.imports.widgets import (
    ChoiceWidget,
    CodeWidget,
    DayWidget,
    TextWidget,
    WholeNumberWidget,
    YesNoWidget,
)
from inventory.models import BinStock, Location, LocationType, Lot, Sku, Warehouse
from inventory.services import location_create, sku_create, stock_adjust, stock_rows_lock
from inventory.services.catalog import sku_update

OPENING_STOCK_REASON = "opening stock"


class LocationWidget(CodeWidget):
    """A location named by its code within the row's warehouse (codes repeat across
    warehouses). With no known warehouse it stays silent: that column reports the problem."""

    def __init__(self, *, label: str = "location", **kwargs):
        super().__init__(Location, label=label, **kwargs)

    def clean(self, value, row=None, **kwargs):
        code = TextWidget().clean(value)
        warehouse = TextWidget().clean((row or {}).get("warehouse"))
        if not code or not warehouse:
            return None
        found = self.lookup(
            (warehouse, code), warehouse__code=warehouse, code=code, _select=("warehouse",)
        )
        if found is None:
            if not Warehouse.objects.filter(code=warehouse).exists():
                return None
            raise ValueError(f"Unknown {self.label} '{code}' in {warehouse}.")
        return found

    def lookup(self, key, _select=(), **filters):
        if key not in self._cache:
            found = self.model.objects.select_related(*_select).filter(**filters).first()
            if found is None:
                return None
            self._cache[key] = found
        return self._cache[key]


def _text(row, column: str) -> str:
    return TextWidget().clean(row.get(column))


@register_import("skus", label="SKUs")
class SkuResource(ImportResource, resources.ModelResource):
    """SKUs by code: a new code creates the SKU, a known one updates it (sku_update: lot
    tracking changes only while the SKU has no stock). Blank yes/no cells keep the current
    value (new SKUs: not lot-tracked, active)."""

    code = Field(attribute="code", column_name="code", widget=TextWidget())
    name = Field(attribute="name", column_name="name", widget=TextWidget())
    barcode = Field(attribute="barcode", column_name="barcode", widget=TextWidget())
    lot_tracked = Field(
        attribute="lot_tracked",
        column_name="lot_tracked",
        widget=YesNoWidget(),
        saves_null_values=False,
    )
    active = Field(
        attribute="active", column_name="active", widget=YesNoWidget(), saves_null_values=False
    )
    required_columns = ("code", "name")

    class Meta:
        model = Sku
        fields = ("code", "name", "barcode", "lot_tracked", "active")
        import_id_fields = ("code",)

    def before_import(self, dataset, **kwargs):
        self.seen: dict[str, int] = {}
        super().before_import(dataset, **kwargs)

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        code = _text(row, "code")
        if code in self.seen:
            self.add_error(
                self.row_errors,
                "code",
                f"SKU '{code}' appears more than once (first on row {self.seen[code]}).",
            )
        elif code:
            self.seen[code] = self.line

    def check_row(self, instance, errors):
        for column in ("code", "name"):
            if column not in errors and not getattr(instance, column):
                self.add_error(errors, column, "Required.")

    def do_instance_save(self, instance, is_create):
        values = {
            "name": instance.name,
            "barcode": instance.barcode,
            "lot_tracked": instance.lot_tracked,
            "active": instance.active,
        }
        if is_create:
            adopt(instance, self.apply(sku_create, code=instance.code, **values))
        else:
            self.apply(sku_update, sku=instance, conflict_column="lot_tracked", **values)


class ParentWidget(LocationWidget):
    def __init__(self):
        super().__init__(label="parent location")


@register_import("locations", label="Locations")
class LocationResource(ImportResource, resources.ModelResource):
    """New locations (codes never change once made, so a known code is an error). Parents may
    be earlier in the database or anywhere in the file: rows are applied parents first."""

    warehouse = Field(attribute="warehouse", column_name="warehouse", widget=CodeWidget(Warehouse))
    code = Field(attribute="code", column_name="code", widget=TextWidget())
    parent = Field(attribute="parent", column_name="parent", widget=ParentWidget())
    type = Field(
        attribute="type",
        column_name="type",
        widget=ChoiceWidget(LocationType.values, default=LocationType.BIN),
    )
    travel_cost = Field(
        attribute="travel_cost",
        column_name="travel_cost",
        widget=WholeNumberWidget(minimum=0),
        saves_null_values=False,
    )
    capacity = Field(
        attribute="capacity", column_name="capacity", widget=WholeNumberWidget(minimum=1)
    )
    required_columns = ("warehouse", "code")
    error_columns = {"path": "code"}

    class Meta:
        model = Location
        fields = ("warehouse", "code", "parent", "type", "travel_cost", "capacity")
        force_init_instance = True

    def get_queryset(self):
        return Location.objects.select_related("warehouse", "parent")

    def order_rows(self, headers, numbered):
        """Parents before children (stable otherwise); rows whose parent never appears keep
        their place and are reported as naming an unknown parent."""
        if "parent" not in headers or "code" not in headers or "warehouse" not in headers:
            return numbered
        at = {name: headers.index(name) for name in ("warehouse", "code", "parent")}

        def key(cells, column):
            return (
                TextWidget().clean(cells[at["warehouse"]]),
                TextWidget().clean(cells[at[column]]),
            )

        in_file = {key(cells, "code") for _, cells in numbered}
        placed: set = set()
        ordered, pending = [], list(numbered)
        while pending:
            ready = [
                item
                for item in pending
                if not key(item[1], "parent")[1]
                or key(item[1], "parent") not in in_file
                or key(item[1], "parent") in placed
            ]
            if not ready:  # a cycle: leave the rest as they are
                ordered += pending
                break
            ready_lines = {line for line, _ in ready}
            ordered += ready
            placed |= {key(cells, "code") for _, cells in ready}
            pending = [item for item in pending if item[0] not in ready_lines]
        return ordered

    def before_import(self, dataset, **kwargs):
        self.seen: dict[tuple, int] = {}
        super().before_import(dataset, **kwargs)

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        warehouse, code = _text(row, "warehouse"), _text(row, "code")
        if not code:
            return
        if (warehouse, code) in self.seen:
            first = self.seen[(warehouse, code)]
            message = f"Location '{code}' appears more than once (first on row {first})."
        elif Location.objects.filter(warehouse__code=warehouse, code=code).exists():
            message = f"Location '{code}' already exists in {warehouse}."
        else:
            self.seen[(warehouse, code)] = self.line
            return
        self.add_error(self.row_errors, "code", message)

    def check_row(self, instance, errors):
        if "warehouse" not in errors and instance.warehouse_id is None:
            self.add_error(errors, "warehouse", "Required.")
        if "code" not in errors and not instance.code:
            self.add_error(errors, "code", "Required.")

    def do_instance_save(self, instance, is_create):
        saved = self.apply(
            location_create,
            warehouse=instance.warehouse,
            code=instance.code,
            type=instance.type,
            parent=instance.parent,
            travel_cost=instance.travel_cost,
            capacity=instance.capacity,
        )
        adopt(instance, saved)


@dataclass
class OpeningStockLine:
    sku: Sku | None = None
    warehouse: Warehouse | None = None
    location: Location | None = None
    lot: str = ""
    expiry: datetime.date | None = None
    quantity: int | None = None

    def __str__(self) -> str:
        lot = f" lot {self.lot}" if self.lot else ""
        where = getattr(self.location, "code", "")
        return f"{self.quantity} x {self.sku}{lot} at {self.warehouse}:{where}"


@register_import("stock", label="Opening stock")
class OpeningStockResource(ImportResource, resources.Resource):
    """Units found on the shelves when the system starts: each row is a stock adjustment with
    reason "opening stock", so the ledger explains every unit from day one."""

    sku = Field(attribute="sku", column_name="sku", widget=CodeWidget(Sku, label="SKU"))
    warehouse = Field(attribute="warehouse", column_name="warehouse", widget=CodeWidget(Warehouse))
    location = Field(attribute="location", column_name="location", widget=LocationWidget())
    lot = Field(attribute="lot", column_name="lot", widget=TextWidget())
    expiry = Field(attribute="expiry", column_name="expiry", widget=DayWidget())
    quantity = Field(
        attribute="quantity", column_name="quantity", widget=WholeNumberWidget(minimum=1)
    )
    required_columns = ("sku", "warehouse", "location", "quantity")
    error_columns = {"lot_number": "lot", "from_location": "location", "to_location": "location"}

    class Meta:
        force_init_instance = True  # every row is a new adjustment, never an update
        instance_loader_class = BaseInstanceLoader
        name = "Opening stock"

    def init_instance(self, row=None):
        return OpeningStockLine()

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self._lock_rows(dataset)

    @staticmethod
    def _lock_rows(dataset) -> None:
        """Take every stock row the file will change before the first row changes any, in key
        order (`stock_rows_lock`), so two imports, or an import and a receipt, that touch the
        same bins in another order wait for each other instead of deadlocking. Three queries
        resolve the codes; a row naming unknown codes is left to its row error, and a lot not
        on the books yet has no bin row to lock (its warehouse row is locked)."""
        cells = [
            tuple(
                str(row.get(column) or "").strip()
                for column in ("sku", "warehouse", "location", "lot")
            )
            for row in dataset.dict
        ]
        skus = dict(Sku.objects.filter(code__in={c[0] for c in cells}).values_list("code", "pk"))
        places = {
            (warehouse, code): (pk, warehouse_id)
            for pk, warehouse_id, warehouse, code in Location.objects.filter(
                warehouse__code__in={c[1] for c in cells}, code__in={c[2] for c in cells}
            ).values_list("pk", "warehouse_id", "warehouse__code", "code")
        }
        lots = {
            (sku_id, number): pk
            for pk, sku_id, number in Lot.objects.filter(
                sku_id__in=skus.values(), lot_number__in={c[3] for c in cells if c[3]}
            ).values_list("pk", "sku_id", "lot_number")
        }
        bins, warehouses = set(), set()
        for sku_code, warehouse, location, lot in cells:
            sku_id, place = skus.get(sku_code), places.get((warehouse, location))
            if sku_id is None or place is None:
                continue
            warehouses.add((sku_id, place[1]))
            lot_id = lots.get((sku_id, lot)) if lot else None
            if not lot or lot_id is not None:
                bins.add((sku_id, place[0], lot_id))
        stock_rows_lock(bins=bins, warehouses=warehouses)

    def check_row(self, line, errors):
        for column in ("sku", "warehouse", "quantity"):
            if column not in errors and getattr(line, column) is None:
                self.add_error(errors, column, "Required.")
        if line.warehouse is not None and "location" not in errors and line.location is None:
            self.add_error(errors, "location", "Required.")
        if line.sku is None:
            return
        if line.sku.lot_tracked and not line.lot and "lot" not in errors:
            self.add_error(
                errors, "lot", f"{line.sku.code} is lot-tracked: a lot number is required."
            )
        if not line.sku.lot_tracked and line.expiry and "expiry" not in errors:
            self.add_error(
                errors, "expiry", f"{line.sku.code} is not lot-tracked; leave the expiry empty."
            )

    def do_instance_save(self, line, is_create):
        stock_adjust_kwargs = {
            "sku": line.sku,
            "location": line.location,
            "quantity": line.quantity,
            "reason": OPENING_STOCK_REASON,
            "lot_number": line.lot or None,
            "expiry": line.expiry,
            "actor": self.actor,
            "reference": self.reference,
        }
        self.apply(stock_adjust, **stock_adjust_kwargs)


class BinStockExportResource(FormulaSafeExport, resources.ModelResource):
    """Stock on the shelves in the opening-stock columns, so an export imports back."""

    sku = Field(attribute="sku__code", column_name="sku")
    warehouse = Field(attribute="location__warehouse__code", column_name="warehouse")
    location = Field(attribute="location__code", column_name="location")
    lot = Field(attribute="lot__lot_number", column_name="lot")
    expiry = Field(attribute="lot__expiry", column_name="expiry", widget=DayWidget())
    quantity = Field(attribute="quantity", column_name="quantity")

    class Meta:
        model = BinStock
        fields = ("sku", "warehouse", "location", "lot", "expiry", "quantity")
        name = "Stock on hand (opening-stock columns)"

    def get_queryset(self):
        return (
            BinStock.objects.filter(quantity__gt=0)
            .select_related("sku", "location__warehouse", "lot")
            .order_by("location__warehouse__code", "location__path", "sku__code")
        )


__all__ = [
    "OPENING_STOCK_REASON",
    "BinStockExportResource",
    "LocationResource",
    "OpeningStockResource",
    "SkuResource",
]
