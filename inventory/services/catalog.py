"""Catalog and places: SKUs, warehouses and the location tree."""

from django.core.exceptions import ValidationError
from django.db import transaction

from inventory.models import Location, LocationType, Sku, Warehouse


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
