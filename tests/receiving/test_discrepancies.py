"""Resolving discrepancies, and releasing units held in quarantine."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from inventory.errors import InvalidState
from inventory.models import BinStock, MovementKind, StockMovement, WarehouseStock
from inventory.services import stock_move
from receiving.models import Discrepancy, PutawayTask
from receiving.selectors import open_discrepancies_count, receiving_figures
from receiving.services import discrepancy_resolve, putaway_complete
from tests import factories
from tests.receiving.builders import make_po, receive


def on_hand(sku, warehouse):
    row = WarehouseStock.objects.filter(sku=sku, warehouse=warehouse).first()
    return row.on_hand if row else 0


def test_a_manager_resolves_with_a_note(supplier, warehouse, places, sku, user):
    po = make_po(supplier, warehouse, (sku, 2))
    [flag] = receive(po, (sku, 3)).discrepancies
    assert open_discrepancies_count() == 1
    with pytest.raises(ValidationError) as error:
        discrepancy_resolve(discrepancy=flag, note="  ", actor=user)
    assert "note" in error.value.message_dict
    resolved, task = discrepancy_resolve(discrepancy=flag, note="Supplier credits 1", actor=user)
    assert task is None
    resolved.refresh_from_db()
    assert resolved.resolved
    assert resolved.resolved_by == user
    assert resolved.resolved_at
    assert resolved.resolution_note == "Supplier credits 1"
    with pytest.raises(InvalidState, match="already resolved"):
        discrepancy_resolve(discrepancy=flag, note="again", actor=user)
    assert open_discrepancies_count() == 0
    [later] = receive(po, (sku, 1)).discrepancies
    with pytest.raises(ValidationError) as error:  # an over-receipt holds nothing back
        discrepancy_resolve(discrepancy=later, note="keep", release=True, actor=user)
    assert "release" in error.value.message_dict


def test_unexpected_units_released_to_the_shelves(supplier, warehouse, places, sku, user):
    stranger = factories.sku()
    po = make_po(supplier, warehouse, (sku, 2))
    [flag] = receive(po, (stranger, 4)).discrepancies
    _flag, task = discrepancy_resolve(
        discrepancy=flag, note="Buyer accepts them", release=True, actor=user
    )
    assert (task.from_location, task.quantity, task.discrepancy) == (places.quarantine, 4, flag)
    putaway_complete(task=task, actor=user)
    assert on_hand(stranger, warehouse) == 4


def test_missing_lot_relabelled_then_released(supplier, warehouse, places, lot_sku, user):
    po = make_po(supplier, warehouse, (lot_sku, 6))
    result = receive(po, (lot_sku, 6, None, 1))
    missing = next(d for d in result.discrepancies if d.code == "missing_lot")
    damaged = next(d for d in result.discrepancies if d.code == "damaged")
    with pytest.raises(ValidationError, match="lot number first"):
        discrepancy_resolve(discrepancy=damaged, note="fine after all", release=True, actor=user)
    with pytest.raises(ValidationError):  # release needs the lot
        discrepancy_resolve(discrepancy=missing, note="found it", release=True, actor=user)
    expiry = datetime.date(2027, 6, 1)
    _flag, task = discrepancy_resolve(
        discrepancy=missing,
        note="Lot printed on the invoice",
        release=True,
        lot_number="L-77",
        expiry=expiry,
        actor=user,
    )
    assert (task.lot.lot_number, task.lot.expiry, task.quantity) == ("L-77", expiry, 5)
    assert BinStock.objects.get(location=places.quarantine, lot=task.lot).quantity == 6
    placeholder = BinStock.objects.get(
        location=places.quarantine, lot__lot_number__startswith="NOLOT"
    )
    assert placeholder.quantity == 0
    adjusts = StockMovement.objects.filter(kind=MovementKind.ADJUST, reference=po.number)
    assert adjusts.count() == 2
    damaged.refresh_from_db()
    assert damaged.lot == task.lot  # the sibling flag follows the relabel
    putaway_complete(task=task, actor=user)
    assert on_hand(lot_sku, warehouse) == 5
    # The damaged unit stays in quarantine unless released on its own.
    _flag, task2 = discrepancy_resolve(
        discrepancy=damaged, note="Box dented only", release=True, actor=user
    )
    assert task2.quantity == 1


def test_held_units_are_released_once(supplier, warehouse, places, lot_sku, user):
    po = make_po(supplier, warehouse, (factories.sku(), 1))
    # Not on the PO and without a lot: two flags for one held batch.
    result = receive(po, (lot_sku, 2))
    missing = next(d for d in result.discrepancies if d.code == "missing_lot")
    unexpected = next(d for d in result.discrepancies if d.code == "unexpected_sku")
    _flag, task = discrepancy_resolve(
        discrepancy=missing, note="lot known", release=True, lot_number="L-2", actor=user
    )
    assert task.quantity == 2
    with pytest.raises(InvalidState, match="already been released"):
        discrepancy_resolve(discrepancy=unexpected, note="keep", release=True, actor=user)
    discrepancy_resolve(discrepancy=unexpected, note="Buyer accepts them", actor=user)
    assert PutawayTask.objects.filter(receipt_line=missing.receipt_line).count() == 1


def test_release_refused_when_the_units_moved(supplier, warehouse, places, sku, user):
    stranger = factories.sku()
    po = make_po(supplier, warehouse, (sku, 1))
    [flag] = receive(po, (stranger, 2)).discrepancies
    stock_move(sku=stranger, from_location=places.quarantine, to_location=places.dock, quantity=2)
    with pytest.raises(InvalidState, match="were moved"):
        discrepancy_resolve(discrepancy=flag, note="keep", release=True, actor=user)
    assert not Discrepancy.objects.filter(resolved_at__isnull=False).exists()


def test_dashboard_figures(supplier, warehouse, places, sku):
    po = make_po(supplier, warehouse, (sku, 2), expected_date=datetime.date(2020, 1, 1))
    receive(po, (sku, 1, None, 1))
    figures = receiving_figures()
    assert figures == {
        "open_discrepancies": 1,
        "open_putaway_tasks": 0,
        "units_awaiting_putaway": 0,
        "purchase_orders_expected": 1,
        "purchase_orders_overdue": 1,
    }
    receive(po, (sku, 3))
    figures = receiving_figures(warehouse_ids=[warehouse.pk])
    assert (figures["open_putaway_tasks"], figures["units_awaiting_putaway"]) == (1, 3)
    assert receiving_figures(warehouse_ids=[])["open_discrepancies"] == 0
