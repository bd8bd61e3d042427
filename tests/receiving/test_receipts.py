"""Receipts against purchase orders: partial shipments, every discrepancy, lots, damage."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from inventory.errors import InvalidState
from inventory.models import BinStock, LocationType, MovementKind, StockMovement, WarehouseStock
from inventory.services import location_create
from receiving.errors import LocationMissing
from receiving.models import Discrepancy, PurchaseOrderStatus, PutawayTask
from receiving.services import ReceiveLine, receipt_line_add
from tests import factories
from tests.receiving.builders import make_po, receive


def units(sku, location, lot=None):
    row = BinStock.objects.filter(sku=sku, location=location, lot=lot).first()
    return row.quantity if row else 0


def on_hand(sku, warehouse):
    row = WarehouseStock.objects.filter(sku=sku, warehouse=warehouse).first()
    return row.on_hand if row else 0


def codes(result):
    return sorted(d.code for d in result.discrepancies)


def test_partial_receipts_over_several_shipments(supplier, warehouse, places, sku):
    other = factories.sku()
    po = make_po(supplier, warehouse, (sku, 10), (other, 4))

    first = receive(po, (sku, 6))
    po.refresh_from_db()
    assert po.status == PurchaseOrderStatus.PARTIALLY_RECEIVED
    assert codes(first) == []
    assert units(sku, places.dock) == 6
    assert on_hand(sku, warehouse) == 0  # at the dock: not sellable
    [task] = first.tasks
    assert (task.quantity, task.from_location, task.sku) == (6, places.dock, sku)

    receive(po, (sku, 4), (other, 2))
    po.refresh_from_db()
    assert po.status == PurchaseOrderStatus.PARTIALLY_RECEIVED
    receive(po, (other, 2))
    po.refresh_from_db()
    assert po.status == PurchaseOrderStatus.RECEIVED
    received = dict(po.lines.values_list("sku__code", "quantity_received"))
    assert received == {sku.code: 10, other.code: 4}
    assert units(sku, places.dock) == 10
    assert not Discrepancy.objects.exists()
    assert PutawayTask.objects.count() == 4  # one per received line
    moves = StockMovement.objects.filter(kind=MovementKind.RECEIVE, reference=po.number)
    assert sum(moves.values_list("quantity", flat=True)) == 14
    call_command("stock_audit")  # exits non-zero on drift


def test_over_receipt_is_accepted_at_the_dock_and_flagged(supplier, warehouse, places, sku):
    po = make_po(supplier, warehouse, (sku, 10))
    result = receive(po, (sku, 12))
    [flag] = result.discrepancies
    assert (flag.code, flag.expected, flag.received, flag.quantity) == ("over_receipt", 10, 12, 2)
    assert flag.location == places.dock
    assert units(sku, places.dock) == 12  # never silently dropped, never silently added
    assert result.tasks[0].quantity == 12
    # A later shipment on a fully received PO is flagged again, for its own units.
    again = receive(po, (sku, 3))
    assert [(d.code, d.received, d.quantity) for d in again.discrepancies] == [
        ("over_receipt", 15, 3)
    ]


def test_over_receipt_tolerance_is_a_setting(supplier, warehouse, places, sku, settings):
    settings.RECEIVING_OVER_RECEIPT_TOLERANCE_PERCENT = 10
    po = make_po(supplier, warehouse, (sku, 20))
    assert codes(receive(po, (sku, 22))) == []  # 22 <= 20 + 10%
    assert codes(receive(po, (sku, 1))) == ["over_receipt"]  # 23 > 22
    flag = Discrepancy.objects.get()
    assert (flag.expected, flag.received, flag.quantity) == (20, 23, 1)


def test_default_tolerance_is_zero(supplier, warehouse, places, sku):
    po = make_po(supplier, warehouse, (sku, 5))
    assert codes(receive(po, (sku, 5))) == []
    assert codes(receive(po, (sku, 1))) == ["over_receipt"]


def test_sku_not_on_the_po_is_held_in_quarantine(supplier, warehouse, places, sku):
    stranger = factories.sku()
    po = make_po(supplier, warehouse, (sku, 5))
    result = receive(po, (stranger, 3), (sku, 5))
    [flag] = result.discrepancies
    assert (flag.code, flag.sku, flag.expected, flag.received, flag.quantity) == (
        "unexpected_sku",
        stranger,
        0,
        3,
        3,
    )
    assert units(stranger, places.quarantine) == 3
    assert units(stranger, places.dock) == 0
    assert [t.sku for t in result.tasks] == [sku]  # held units get no put-away task
    assert result.lines[0].held
    assert result.lines[0].po_line is None


def test_lot_tracked_sku_received_with_its_lot_and_expiry(supplier, warehouse, places, lot_sku):
    po = make_po(supplier, warehouse, (lot_sku, 10))
    expiry = datetime.date(2027, 3, 1)
    result = receive(po, ReceiveLine(sku=lot_sku, quantity=10, lot_number="L-1", expiry=expiry))
    assert codes(result) == []
    line = result.lines[0]
    assert (line.lot.lot_number, line.lot.expiry) == ("L-1", expiry)
    assert units(lot_sku, places.dock, line.lot) == 10
    assert result.tasks[0].lot == line.lot


def test_missing_lot_is_received_into_quarantine_and_flagged(supplier, warehouse, places, lot_sku):
    po = make_po(supplier, warehouse, (lot_sku, 10))
    result = receive(po, (lot_sku, 10))
    [flag] = result.discrepancies
    assert (flag.code, flag.quantity, flag.location) == ("missing_lot", 10, places.quarantine)
    assert flag.lot.lot_number == f"NOLOT-{po.number}"
    assert units(lot_sku, places.quarantine, flag.lot) == 10
    assert units(lot_sku, places.dock, flag.lot) == 0
    assert result.tasks == []
    po.refresh_from_db()
    assert po.status == PurchaseOrderStatus.RECEIVED  # the supplier did deliver them


def test_lot_rules_refuse_bad_lines_and_write_nothing(supplier, warehouse, places, sku, lot_sku):
    po = make_po(supplier, warehouse, (sku, 5), (lot_sku, 5))
    with pytest.raises(ValidationError) as error:
        receive(po, (sku, 5), (sku, 2, "L-9"))
    assert error.value.message_dict["lot"] == [
        f"Line 2 ({sku.code}): {sku.code} is not lot-tracked; leave the lot empty."
    ]
    with pytest.raises(ValidationError) as error:
        receive(po, ReceiveLine(sku=lot_sku, quantity=1, lot_number="NOLOT-X"))
    assert "reserved" in error.value.message_dict["lot"][0]
    receive(
        po, ReceiveLine(sku=lot_sku, quantity=1, lot_number="L-1", expiry=datetime.date(2027, 1, 1))
    )
    with pytest.raises(ValidationError) as error:  # a lot has one expiry
        receive(
            po,
            ReceiveLine(
                sku=lot_sku, quantity=1, lot_number="L-1", expiry=datetime.date(2028, 1, 1)
            ),
        )
    assert "expires 2027-01-01" in error.value.message_dict["expiry"][0]
    assert units(sku, places.dock) == 0
    assert po.lines.get(sku=lot_sku).quantity_received == 1
    assert po.receipts.count() == 1


def test_damaged_units_go_to_quarantine(supplier, warehouse, places, sku):
    po = make_po(supplier, warehouse, (sku, 10))
    result = receive(po, (sku, 10, None, 3))
    [flag] = result.discrepancies
    assert (flag.code, flag.expected, flag.received, flag.quantity) == ("damaged", 10, 10, 3)
    assert units(sku, places.dock) == 7
    assert units(sku, places.quarantine) == 3
    assert result.tasks[0].quantity == 7
    reasons = set(
        StockMovement.objects.filter(kind=MovementKind.RECEIVE).values_list("reason", flat=True)
    )
    assert any("damaged" in reason for reason in reasons)


def test_all_damaged_line_makes_no_putaway_task(supplier, warehouse, places, sku):
    po = make_po(supplier, warehouse, (sku, 4))
    result = receive(po, (sku, 4, None, 4))
    assert result.tasks == []
    assert codes(result) == ["damaged"]
    assert units(sku, places.quarantine) == 4


def test_damaged_cannot_exceed_the_quantity(supplier, warehouse, places, sku):
    po = make_po(supplier, warehouse, (sku, 4))
    with pytest.raises(ValidationError) as error:
        receive(po, (sku, 2, None, 3))
    assert "damaged" in error.value.message_dict


def test_no_receiving_on_draft_cancelled_or_closed(supplier, warehouse, places, sku):
    draft = make_po(supplier, warehouse, (sku, 4), status=PurchaseOrderStatus.DRAFT)
    with pytest.raises(InvalidState, match="draft: open it"):
        receive(draft, (sku, 1))
    from receiving.services import purchase_order_cancel, purchase_order_close

    cancelled = purchase_order_cancel(purchase_order=make_po(supplier, warehouse, (sku, 4)))
    with pytest.raises(InvalidState, match="cancelled"):
        receive(cancelled, (sku, 1))
    closed, _ = purchase_order_close(purchase_order=make_po(supplier, warehouse, (sku, 4)))
    with pytest.raises(InvalidState, match="closed"):
        receive(closed, (sku, 1))
    assert not BinStock.objects.exists()


def test_a_warehouse_without_a_dock_cannot_receive(supplier, sku):
    bare = factories.warehouse()
    po = make_po(supplier, bare, (sku, 4))
    with pytest.raises(LocationMissing) as error:
        receive(po, (sku, 4))
    assert error.value.code == "location_missing"
    assert "has no receiving dock" in error.value.detail
    location_create(warehouse=bare, code="D1", type=LocationType.DOCK)
    receive(po, (sku, 4))  # sound units need only the dock
    with pytest.raises(LocationMissing, match="quarantine"):
        receive(po, (sku, 1, None, 1))


def test_a_second_dock_can_be_named(supplier, warehouse, places, sku):
    dock2 = location_create(warehouse=warehouse, code="DOCK-2", type=LocationType.DOCK)
    po = make_po(supplier, warehouse, (sku, 4))
    receive(po, (sku, 4), dock=dock2)
    assert units(sku, dock2) == 4
    with pytest.raises(ValidationError):
        receive(po, (sku, 1), dock=places.bin1)


def test_dock_screen_adds_lines_to_one_receipt(supplier, warehouse, places, sku, lot_sku):
    po = make_po(supplier, warehouse, (sku, 4), (lot_sku, 2))
    first = receive(po, (sku, 2))
    more = receipt_line_add(receipt=first.receipt, line=ReceiveLine(sku=lot_sku, quantity=2))
    assert more.receipt == first.receipt
    assert [d.code for d in more.discrepancies] == ["missing_lot"]
    assert first.receipt.lines.count() == 2


def test_a_failing_line_rolls_back_the_whole_receipt(supplier, sku):
    bare = factories.warehouse()
    location_create(warehouse=bare, code="D1", type=LocationType.DOCK)
    po = make_po(supplier, bare, (sku, 4))
    with pytest.raises(LocationMissing):  # line 2 needs a quarantine the warehouse lacks
        receive(po, (sku, 2), (sku, 2, None, 1))
    assert po.lines.get().quantity_received == 0
    assert not po.receipts.exists()
    assert not StockMovement.objects.exists()
