"""Receiving under real concurrency (threads against PostgreSQL): receipts of one PO line and
completions of one put-away task running at the same moment."""

import pytest

from inventory.audit import stock_drift
from inventory.errors import InvalidState
from inventory.models import BinStock, MovementKind, StockMovement, WarehouseStock
from receiving.models import Discrepancy, PurchaseOrder, PurchaseOrderLine, PutawayTask
from receiving.services import ReceiveLine, putaway_complete, receipt_create
from tests import factories
from tests.receiving.builders import make_po
from tests.threads import run_indexed

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_receipts_of_the_same_line_at_once_stay_consistent(supplier, warehouse, places):
    sku = factories.sku()
    po = make_po(supplier, warehouse, (sku, 10))
    workers = 8

    def receive(_i):
        return receipt_create(
            purchase_order=PurchaseOrder.objects.get(pk=po.pk),
            lines=[ReceiveLine(sku=sku, quantity=3)],
        )

    outcomes = run_indexed(workers, receive)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    line = PurchaseOrderLine.objects.get(purchase_order=po)
    assert line.quantity_received == 3 * workers  # no lost update
    assert BinStock.objects.get(sku=sku, location=places.dock).quantity == 3 * workers
    assert StockMovement.objects.filter(kind=MovementKind.RECEIVE).count() == workers
    # Received one after the other: 3, 6, 9 are within 10; 12 .. 24 are each flagged once.
    over = Discrepancy.objects.filter(code="over_receipt").order_by("received")
    assert [d.received for d in over] == [12, 15, 18, 21, 24]
    assert sum(d.quantity for d in over) == 3 * workers - 10
    assert PurchaseOrder.objects.get(pk=po.pk).status == "received"
    assert PutawayTask.objects.count() == workers
    assert stock_drift() == []


def test_putaway_completed_twice_at_once_moves_once(supplier, warehouse, places):
    sku = factories.sku()
    po = make_po(supplier, warehouse, (sku, 7))
    [task] = receipt_create(purchase_order=po, lines=[ReceiveLine(sku=sku, quantity=7)]).tasks

    def complete(_i):
        return putaway_complete(task=PutawayTask.objects.get(pk=task.pk))

    outcomes = run_indexed(4, complete)
    done = [o for o in outcomes if not isinstance(o, Exception)]
    refused = [o for o in outcomes if isinstance(o, InvalidState)]
    assert len(done) == 1, outcomes
    assert len(refused) == 3, outcomes
    assert StockMovement.objects.filter(kind=MovementKind.PUTAWAY).count() == 1
    assert BinStock.objects.get(sku=sku, location=places.bin1).quantity == 7
    assert BinStock.objects.get(sku=sku, location=places.dock).quantity == 0
    assert WarehouseStock.objects.get(sku=sku, warehouse=warehouse).on_hand == 7
    assert stock_drift() == []


def test_two_putaways_into_one_small_bin_never_overfill_it(supplier, warehouse, places):
    places.bin2.capacity = 10
    places.bin2.save()
    first, second = factories.sku(), factories.sku()
    po = make_po(supplier, warehouse, (first, 6), (second, 6))
    tasks = receipt_create(
        purchase_order=po,
        lines=[ReceiveLine(sku=first, quantity=6), ReceiveLine(sku=second, quantity=6)],
    ).tasks

    def complete(i):
        return putaway_complete(task=PutawayTask.objects.get(pk=tasks[i].pk), location=places.bin2)

    outcomes = run_indexed(2, complete)
    assert sum(1 for o in outcomes if isinstance(o, Exception)) == 1, outcomes
    held = sum(BinStock.objects.filter(location=places.bin2).values_list("quantity", flat=True))
    assert held == 6
    assert stock_drift() == []
