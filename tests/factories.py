"""Test data built through the services, so the ledger is always complete."""

import itertools
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from inventory.models import LocationType
from inventory.services import location_create, sku_create, stock_adjust, warehouse_create

_seq = itertools.count(1)


def warehouse(code: str | None = None):
    code = code or f"WH{next(_seq)}"
    return warehouse_create(code=code, name=f"Warehouse {code}")


def sku(code: str | None = None, *, lot_tracked: bool = False, barcode: str | None = None):
    code = code or f"SKU-{next(_seq)}"
    return sku_create(code=code, name=f"Item {code}", lot_tracked=lot_tracked, barcode=barcode)


def places(wh):
    zone = location_create(warehouse=wh, code="A", type=LocationType.ZONE)
    return SimpleNamespace(
        zone=zone,
        bin1=location_create(warehouse=wh, code="A-01", parent=zone, travel_cost=1),
        bin2=location_create(warehouse=wh, code="A-02", parent=zone, travel_cost=5),
        dock=location_create(warehouse=wh, code="DOCK", type=LocationType.DOCK),
        quarantine=location_create(warehouse=wh, code="QUAR", type=LocationType.QUARANTINE),
        packing=location_create(warehouse=wh, code="PACK", type=LocationType.PACKING),
    )


def stock(sku, location, quantity: int, lot_number: str | None = None, expiry=None):
    return stock_adjust(
        sku=sku,
        location=location,
        quantity=quantity,
        lot_number=lot_number,
        expiry=expiry,
        reason="opening stock",
    )


def user(username: str, *, role: str | None = None, password: str = "pass-1234!", **extra):
    account = get_user_model().objects.create_user(username=username, password=password, **extra)
    if role:
        account.groups.add(Group.objects.get_or_create(name=role)[0])
    return account
