"""Catalog and places: SKUs, warehouses and the location tree."""

from django.core.exceptions import ValidationError
from django.db import transaction

from inventory.errors import InvalidState
from inventory.models import BinStock, Location, LocationType, Sku, Warehouse


@transaction.atomic
def sku_create(
    *,
    code: str,
    name: str,
    barcode: str | None = None,
    lot_tracked: bool = False,
    active: bool = True,
) -> Sku:
    sku = Sku(
        code=code.strip(),
        name=name.strip(),
        barcode=(barcode or "").strip() or None,
        lot_tracked=lot_tracked,
        active=active,
    )
    sku.full_clean()
    sku.save()
    return sku


@transaction.atomic
def warehouse_create(*, code: str, name: str) -> Warehouse:
    warehouse = Warehouse(code=code.strip(), name=name.strip())
    warehouse.full_clean()
    warehouse.save()
    return warehouse


def location_path(*, code: str, parent: Location | None) -> str:
    return f"{parent.path if parent else '/'}{code}/"


@transaction.atomic
def location_create(
    *,
    warehouse: Warehouse,
    code: str,
    type: str = LocationType.BIN,
    parent: Location | None = None,
    travel_cost: int = 0,
    capacity: int | None = None,
) -> Location:
    """Add a place to a warehouse's tree. Only zones have children, so stock always sits in
    leaves; the materialised path is written once here."""
    code = (code or "").strip()
    if "/" in code:
        raise ValidationError({"code": "A location code cannot contain '/'."})
    if parent is not None:
        if parent.warehouse_id != warehouse.pk:
            raise ValidationError({"parent": f"{parent.code} is in another warehouse."})
        if parent.type != LocationType.ZONE:
            raise ValidationError(
                {"parent": f"{parent.code} is a {parent.type}: only zones contain locations."}
            )
    location = Location(
        warehouse=warehouse,
        code=code,
        type=type,
        parent=parent,
        travel_cost=travel_cost,
        capacity=capacity,
        path=location_path(code=code, parent=parent),
    )
    location.full_clean()
    location.save()
    return location


_UNSET = object()


@transaction.atomic
def sku_update(
    *,
    sku: Sku,
    name: str | object = _UNSET,
    barcode: str | object | None = _UNSET,
    active: bool | object = _UNSET,
    lot_tracked: bool | object = _UNSET,
) -> Sku:
    """Change a SKU's descriptive fields; the code is its natural key and never changes.

    `lot_tracked` may change only while no units of the SKU are anywhere: stock already on the
    shelves would otherwise be lot-less in a lot-tracked SKU (or carry lots nobody asks for).
    """
    sku = Sku.objects.select_for_update().get(pk=sku.pk)
    if lot_tracked is not _UNSET and lot_tracked != sku.lot_tracked:
        if BinStock.objects.filter(sku=sku, quantity__gt=0).exists():
            raise InvalidState(
                f"{sku.code} has stock: lot tracking can change only when none is left."
            )
        sku.lot_tracked = lot_tracked
    if name is not _UNSET:
        sku.name = (name or "").strip()
    if barcode is not _UNSET:
        sku.barcode = (barcode or "").strip() or None
    if active is not _UNSET:
        sku.active = active
    sku.full_clean()
    sku.save()
    return sku


@transaction.atomic
def warehouse_update(*, warehouse: Warehouse, name: str | object = _UNSET) -> Warehouse:
    """Rename a warehouse; its code is its natural key and never changes."""
    warehouse = Warehouse.objects.select_for_update().get(pk=warehouse.pk)
    if name is not _UNSET:
        warehouse.name = (name or "").strip()
    warehouse.full_clean()
    warehouse.save()
    return warehouse
