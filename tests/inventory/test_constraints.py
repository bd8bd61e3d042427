"""The invariants are guarded by the database, not by the services alone: a raw write that would
break one is refused with IntegrityError, and the ledger cannot be rewritten."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from inventory.models import (
    BinStock,
    Location,
    Reservation,
    StockMovement,
    WarehouseStock,
)
from inventory.services import ReserveLine, stock_reserve
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def stocked(sku, warehouse, places):
    """5 units in bin 1, 2 of them reserved."""
    factories.stock(sku, places.bin1, 5)
    [reservation] = stock_reserve(lines=[ReserveLine(sku, warehouse, 2)], reference="o1")
    return reservation


def refused_by_the_database(queryset, **changes) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        queryset.update(**changes)


def test_bin_quantity_never_goes_negative(stocked):
    refused_by_the_database(BinStock.objects.all(), quantity=F("quantity") - 6)
    assert BinStock.objects.get().quantity == 5


@pytest.mark.parametrize(
    "changes",
    [
        {"reserved": F("on_hand") + 1},  # more promised than there is
        {"on_hand": F("reserved") - 1},
        {"reserved": F("reserved") - 3},  # negative reserved
        {"on_hand": -1, "reserved": -1},
    ],
)
def test_reserved_stays_between_zero_and_on_hand(stocked, changes):
    refused_by_the_database(WarehouseStock.objects.all(), **changes)
    row = WarehouseStock.objects.get()
    assert (row.on_hand, row.reserved) == (5, 2)


@pytest.mark.parametrize(
    "changes",
    [
        {"quantity": F("quantity") - 3},
        {"quantity": F("original_quantity") + 1},
        {"status": "lost"},
    ],
)
def test_reservation_quantity_and_status_are_checked(stocked, changes):
    refused_by_the_database(Reservation.objects.all(), **changes)


def test_movement_rows_are_checked(sku, warehouse, places):
    good = {"sku": sku, "warehouse": warehouse, "kind": "adjust", "quantity": 1}
    for bad in (
        {"to_location": places.bin1, "quantity": 0},
        {},  # neither from nor to
        {"to_location": places.bin1, "kind": "teleport"},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            StockMovement.objects.create(**{**good, **bad})
    assert not StockMovement.objects.exists()


def test_one_bin_row_per_sku_location_and_lot(sku, lot_sku, places):
    factories.stock(sku, places.bin1, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        BinStock.objects.create(sku=sku, location=places.bin1, lot=None)  # NULL lot too
    factories.stock(lot_sku, places.bin1, 1, lot_number="L1")
    lot = lot_sku.lots.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        BinStock.objects.create(sku=lot_sku, location=places.bin1, lot=lot)


def test_location_type_and_code_are_checked(warehouse, places):
    refused_by_the_database(Location.objects.filter(pk=places.bin1.pk), type="cellar")
    refused_by_the_database(Location.objects.filter(pk=places.bin1.pk), code="A-02")


def test_full_clean_enforces_the_same_constraints(sku, warehouse):
    with pytest.raises(ValidationError):
        WarehouseStock(sku=sku, warehouse=warehouse, on_hand=1, reserved=2).full_clean()


def test_the_ledger_is_append_only_in_python(stocked):
    movement = StockMovement.objects.first()
    movement.reason = "rewritten"
    with pytest.raises(TypeError, match="append-only"):
        movement.save()
    with pytest.raises(TypeError, match="append-only"):
        movement.delete()
    assert StockMovement.objects.get().reason == "opening stock"


@pytest.mark.postgres
def test_the_ledger_refuses_raw_update_and_delete_on_postgresql(stocked):
    table = StockMovement._meta.db_table
    for sql in (
        f"UPDATE {table} SET quantity = quantity + 1",
        f"DELETE FROM {table}",
    ):
        with (
            pytest.raises(IntegrityError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockMovement.objects.update(reason="rewritten")
    with pytest.raises(IntegrityError), transaction.atomic():
        StockMovement.objects.all().delete()
    assert list(StockMovement.objects.values_list("quantity", "reason")) == [(5, "opening stock")]
