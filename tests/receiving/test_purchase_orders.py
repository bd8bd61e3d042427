"""Purchase orders: creation, the allowed transitions, cancel rules, closing short, incoming."""

import pytest
from django.core.exceptions import ValidationError
from django.db.models import OuterRef

from inventory.errors import InvalidState
from inventory.models import WarehouseStock
from receiving.models import Discrepancy, PurchaseOrderStatus
from receiving.selectors import incoming_by_sku_warehouse, incoming_subquery
from receiving.services import (
    PurchaseLineRequest,
    purchase_order_cancel,
    purchase_order_close,
    purchase_order_create,
    purchase_order_open,
)
from tests import factories
from tests.receiving.builders import make_po, receive


def test_create_numbers_and_validates(supplier, warehouse, sku):
    po = make_po(supplier, warehouse, (sku, 3), status=PurchaseOrderStatus.DRAFT)
    assert po.number == f"PO-{po.pk:06d}"
    assert po.status == "draft"
    assert po.opened_at is None
    named = make_po(supplier, warehouse, (sku, 3), number="PO-7")
    assert (named.number, named.status) == ("PO-7", "open")
    assert named.opened_at
    with pytest.raises(ValidationError) as error:
        make_po(supplier, warehouse, (sku, 3), number="PO-7")
    assert "number" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        make_po(supplier, warehouse, (sku, 3), (sku, 2), (factories.sku(), 0))
    messages = error.value.message_dict["lines"]
    assert any("already on the order" in m for m in messages)
    assert any("above zero" in m for m in messages)
    with pytest.raises(ValidationError):
        purchase_order_create(supplier=supplier, warehouse=warehouse, lines=[])
    with pytest.raises(ValidationError):
        purchase_order_create(
            supplier=supplier,
            warehouse=warehouse,
            lines=[PurchaseLineRequest(sku=sku, quantity_ordered=1)],
            status=PurchaseOrderStatus.RECEIVED,
        )


def test_open_then_no_reopening(supplier, warehouse, sku):
    po = make_po(supplier, warehouse, (sku, 3), status=PurchaseOrderStatus.DRAFT)
    po = purchase_order_open(purchase_order=po)
    assert po.status == "open"
    assert po.opened_at
    with pytest.raises(InvalidState, match="cannot be opened"):
        purchase_order_open(purchase_order=po)


def test_cancel_rules(supplier, warehouse, places, sku):
    draft = make_po(supplier, warehouse, (sku, 3), status=PurchaseOrderStatus.DRAFT)
    assert purchase_order_cancel(purchase_order=draft).status == "cancelled"
    with pytest.raises(InvalidState):  # nothing leaves cancelled
        purchase_order_open(purchase_order=draft)
    with pytest.raises(InvalidState):
        purchase_order_close(purchase_order=draft)

    open_po = make_po(supplier, warehouse, (sku, 3))
    assert purchase_order_cancel(purchase_order=open_po).status == "cancelled"

    received = make_po(supplier, warehouse, (sku, 3))
    receive(received, (sku, 1))
    with pytest.raises(InvalidState, match="cannot be cancelled"):
        purchase_order_cancel(purchase_order=received)

    # Units of a SKU not on the PO arrived: the PO has a receipt, so it is closed, not cancelled.
    stranger_only = make_po(supplier, warehouse, (sku, 3))
    receive(stranger_only, (factories.sku(), 1))
    stranger_only.refresh_from_db()
    assert stranger_only.status == "open"
    with pytest.raises(InvalidState, match="close it instead"):
        purchase_order_cancel(purchase_order=stranger_only)


def test_closing_short_flags_every_line_below_its_quantity(supplier, warehouse, places, sku):
    full, part, none = sku, factories.sku(), factories.sku()
    po = make_po(supplier, warehouse, (full, 5), (part, 5), (none, 2))
    receive(po, (full, 5), (part, 3))
    po, flags = purchase_order_close(purchase_order=po)
    assert po.status == "closed"
    assert po.closed_at
    assert sorted(
        (d.code, d.sku.code, d.expected, d.received, d.quantity) for d in flags
    ) == sorted([("short", part.code, 5, 3, 2), ("short", none.code, 2, 0, 2)])
    assert Discrepancy.objects.filter(code="short").count() == 2
    with pytest.raises(InvalidState):
        purchase_order_close(purchase_order=po)


def test_closing_a_fully_received_po_flags_nothing(supplier, warehouse, places, sku):
    po = make_po(supplier, warehouse, (sku, 5))
    receive(po, (sku, 6))
    _po, flags = purchase_order_close(purchase_order=po)
    assert flags == []


def test_incoming_counts_open_quantity_of_open_orders(supplier, warehouse, places, sku):
    other_wh = factories.warehouse()
    second = factories.sku()
    po = make_po(supplier, warehouse, (sku, 10), (second, 4))
    make_po(supplier, warehouse, (sku, 5))
    make_po(supplier, other_wh, (sku, 7))
    make_po(supplier, warehouse, (sku, 100), status=PurchaseOrderStatus.DRAFT)  # not sent yet
    cancelled = make_po(supplier, warehouse, (sku, 100))
    purchase_order_cancel(purchase_order=cancelled)
    receive(po, (sku, 3), (second, 6))  # the over-received line must not offset the other
    assert incoming_by_sku_warehouse() == {
        (sku.pk, warehouse.pk): 7 + 5,
        (sku.pk, other_wh.pk): 7,
    }
    assert incoming_by_sku_warehouse(warehouse_ids=[other_wh.pk]) == {(sku.pk, other_wh.pk): 7}
    assert incoming_by_sku_warehouse(sku_ids=[second.pk]) == {}

    factories.stock(sku, places.bin1, 1)
    factories.stock(second, places.bin1, 1)
    rows = WarehouseStock.objects.annotate(incoming=incoming_subquery()).values_list(
        "sku_id", "warehouse_id", "incoming"
    )
    assert set(rows) == {
        (sku.pk, warehouse.pk, 12),
        (second.pk, warehouse.pk, 0),
        (sku.pk, other_wh.pk, 7),
    }
    explicit = WarehouseStock.objects.annotate(
        incoming=incoming_subquery(sku=OuterRef("sku_id"), warehouse=OuterRef("warehouse_id"))
    )
    assert explicit.get(sku=sku, warehouse=warehouse).incoming == 12

    _po, _flags = purchase_order_close(purchase_order=po)
    assert incoming_by_sku_warehouse(warehouse_ids=[warehouse.pk]) == {(sku.pk, warehouse.pk): 5}
