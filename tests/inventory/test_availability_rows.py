"""GET /availability/ lists every SKU and warehouse with a stock row, units expected on an open
purchase order, or units at a receiving dock (API.md "Stock"): a buyer sees `incoming` for a
SKU before any unit of it is sellable, in one query per page. Receiving gives such a pair its
WarehouseStock row (nothing on hand) when the units are expected or arrive
(`stock_rows_ensure`), so the list stays one plain query over those rows."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from inventory.audit import stock_drift
from inventory.models import BinStock, LocationType, Sku, Warehouse, WarehouseStock
from inventory.selectors.stock import availability_list
from inventory.services import ReserveLine, location_create, stock_reserve
from receiving.models import PurchaseOrderStatus
from receiving.selectors import incoming_by_sku_warehouse
from receiving.services import (
    purchase_order_cancel,
    purchase_order_close,
    putaway_complete,
    supplier_create,
)
from tests import factories
from tests.api.contract import assert_list
from tests.receiving.builders import make_po, receive

URL = "/api/v1/availability/"


@pytest.fixture
def supplier(db):
    return supplier_create(code="ACME", name="Acme Supplies")


def _rows(api, **params) -> list[dict]:
    return assert_list(api.get(URL, params))


def _row(sku, warehouse, *, on_hand=0, reserved=0, incoming=0) -> dict:
    return {
        "sku": sku.code,
        "warehouse": warehouse.code,
        "on_hand": on_hand,
        "reserved": reserved,
        "available": on_hand - reserved,
        "incoming": incoming,
    }


def _dock_units(sku, warehouse) -> int:
    return sum(
        BinStock.objects.filter(
            sku=sku, location__warehouse=warehouse, location__type=LocationType.DOCK
        ).values_list("quantity", flat=True)
    )


def _agrees_with_the_books(rows: list[dict]) -> None:
    """Each row says what the rest of the system says: on_hand and reserved are the
    WarehouseStock row's (0 without one), incoming is receiving's open purchase-order quantity,
    and the cached balances match the ledger."""
    skus = dict(Sku.objects.values_list("code", "pk"))
    warehouses = dict(Warehouse.objects.values_list("code", "pk"))
    stock = {
        (s, w): (on_hand, reserved)
        for s, w, on_hand, reserved in WarehouseStock.objects.values_list(
            "sku_id", "warehouse_id", "on_hand", "reserved"
        )
    }
    incoming = incoming_by_sku_warehouse()
    for row in rows:
        key = (skus[row["sku"]], warehouses[row["warehouse"]])
        assert (row["on_hand"], row["reserved"]) == stock.get(key, (0, 0)), row
        assert row["available"] == row["on_hand"] - row["reserved"], row
        assert row["incoming"] == incoming.get(key, 0), row
    assert stock_drift() == []


# What a row shows ---------------------------------------------------------------------------


def test_a_sku_only_on_an_open_po_shows_incoming_with_nothing_on_hand(
    api, supplier, warehouse, places
):
    new = factories.sku("NEW-1")
    make_po(supplier, warehouse, (new, 12))
    make_po(supplier, warehouse, (new, 5))
    drafted = factories.sku("DRAFT-1")
    make_po(supplier, warehouse, (drafted, 40), status=PurchaseOrderStatus.DRAFT)

    rows = _rows(api)
    assert rows == [_row(new, warehouse, incoming=17)]  # a draft is not sent: nothing expected
    assert WarehouseStock.objects.filter(sku=new, on_hand=0, reserved=0).count() == 1
    assert not WarehouseStock.objects.filter(sku=drafted).exists()
    _agrees_with_the_books(rows)


def test_units_at_the_dock_show_the_sku_before_put_away(api, supplier, warehouse, places):
    new = factories.sku("NEW-2")
    po = make_po(supplier, warehouse, (new, 10))
    receive(po, (new, 4))
    assert _dock_units(new, warehouse) == 4
    # Received units left `incoming`; at the dock they are not sellable, so not on hand.
    assert _rows(api) == [_row(new, warehouse, incoming=6)]

    result = receive(po, (new, 6))
    po.refresh_from_db()
    assert po.status == PurchaseOrderStatus.RECEIVED
    rows = _rows(api)
    assert rows == [_row(new, warehouse)]  # all ten at the dock: still listed, nothing sellable
    _agrees_with_the_books(rows)

    putaway_complete(task=result.tasks[0])
    rows = _rows(api)
    assert rows == [_row(new, warehouse, on_hand=6)]  # the 4 of the first receipt still wait
    _agrees_with_the_books(rows)


def test_a_pair_is_one_row_however_many_lines_lots_or_docks_it_has(
    api, supplier, warehouse, places
):
    milk = factories.sku("MILK-2", lot_tracked=True)
    second_dock = location_create(warehouse=warehouse, code="DOCK-2", type=LocationType.DOCK)
    po = make_po(supplier, warehouse, (milk, 10))
    make_po(supplier, warehouse, (milk, 4))
    receive(po, (milk, 3, "L1"))
    receive(po, (milk, 2, "L2"), dock=second_dock)
    assert BinStock.objects.filter(sku=milk, quantity__gt=0).count() == 2
    rows = _rows(api)
    assert rows == [_row(milk, warehouse, incoming=9)]
    _agrees_with_the_books(rows)


def test_a_pair_whose_units_are_gone_stays_listed_like_a_sold_out_sku(
    api, supplier, warehouse, places
):
    written_off = factories.sku("BROKEN-1")
    po = make_po(supplier, warehouse, (written_off, 2))
    receive(po, (written_off, 2))
    factories.stock(written_off, places.dock, -2)  # found broken at the dock: written off
    assert BinStock.objects.get(sku=written_off).quantity == 0  # the row stays, empty
    assert _rows(api) == [_row(written_off, warehouse)]


def test_pairs_expected_before_the_upgrade_get_their_rows(supplier, warehouse, places):
    """The data migration gives the pairs of open purchase orders and dock units the rows that
    receiving now makes as it goes."""
    coming, docked = factories.sku("COMING-0"), factories.sku("DOCKED-0")
    make_po(supplier, warehouse, (coming, 3))
    receive(make_po(supplier, warehouse, (docked, 2)), (docked, 2))
    WarehouseStock.objects.all().delete()  # as a database from before the change had them
    backfill = importlib.import_module("receiving.migrations.0002_availability_rows")
    backfill.forwards(django_apps, None)
    backfill.forwards(django_apps, None)  # twice: nothing doubles
    assert sorted(WarehouseStock.objects.values_list("sku__code", "on_hand", "reserved")) == [
        ("COMING-0", 0, 0),
        ("DOCKED-0", 0, 0),
    ]


def test_dock_units_of_a_sku_with_stock_count_once(api, supplier, warehouse, places, sku):
    factories.stock(sku, places.bin1, 8)
    stock_reserve(lines=[ReserveLine(sku, warehouse, 3)], reference="order-1")
    po = make_po(supplier, warehouse, (sku, 20))
    receive(po, (sku, 5))
    rows = _rows(api)
    assert rows == [_row(sku, warehouse, on_hand=8, reserved=3, incoming=15)]
    _agrees_with_the_books(rows)


def test_a_received_closed_or_cancelled_po_stops_counting_as_incoming(
    api, supplier, warehouse, places
):
    received, closed, cancelled, over = (factories.sku(f"GONE-{i}") for i in range(4))
    full = make_po(supplier, warehouse, (received, 3))
    tasks = receive(full, (received, 3)).tasks
    for task in tasks:
        putaway_complete(task=task)
    short = make_po(supplier, warehouse, (closed, 9))
    purchase_order_close(purchase_order=short)
    purchase_order_cancel(purchase_order=make_po(supplier, warehouse, (cancelled, 4)))
    # An over-received line expects nothing more, and never a negative number.
    both = make_po(supplier, warehouse, (over, 2), (closed, 5))
    for task in receive(both, (over, 7)).tasks:
        putaway_complete(task=task)

    rows = _rows(api)
    assert rows == [  # in SKU code order; a pair stays listed once it had a row
        _row(received, warehouse, on_hand=3),
        _row(closed, warehouse, incoming=5),  # the second PO still expects 5
        _row(cancelled, warehouse),
        _row(over, warehouse, on_hand=7),
    ]
    _agrees_with_the_books(rows)

    purchase_order_close(purchase_order=both)
    assert _rows(api, sku=closed.code) == [_row(closed, warehouse)]


# Scope, filters, ordering, pagination ------------------------------------------------------


@pytest.fixture
def two_warehouses(db, supplier):
    wh1, wh2 = factories.warehouse("WH1"), factories.warehouse("WH2")
    places1, places2 = factories.places(wh1), factories.places(wh2)
    shelf, coming, docked = factories.sku("SHELF"), factories.sku("COMING"), factories.sku("DOCKED")
    factories.stock(shelf, places1.bin1, 5)
    factories.stock(shelf, places2.bin1, 6)
    make_po(supplier, wh1, (coming, 10))
    make_po(supplier, wh2, (coming, 20))
    receive(make_po(supplier, wh2, (docked, 3)), (docked, 3))
    return wh1, wh2


def _client_of(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.mark.parametrize("role", ["manager", "associate"])
def test_people_of_one_warehouse_never_see_another_warehouses_rows(two_warehouses, role):
    wh1, wh2 = two_warehouses
    person = factories.user(f"{role}-of-wh1", role=role)
    wh1.staff.add(person)
    rows = _rows(_client_of(person))
    assert [(r["sku"], r["warehouse"], r["incoming"]) for r in rows] == [
        ("COMING", "WH1", 10),
        ("SHELF", "WH1", 0),
    ]
    assert _rows(_client_of(person), warehouse="WH2") == []
    assert _rows(_client_of(person), sku="DOCKED") == []
    scoped = availability_list(warehouses=[wh2.pk])
    assert {(r.sku.code, r.warehouse.code) for r in scoped} == {
        ("COMING", "WH2"),
        ("DOCKED", "WH2"),
        ("SHELF", "WH2"),
    }


def test_filters_narrow_every_kind_of_row(api, two_warehouses):
    assert [(r["warehouse"], r["incoming"]) for r in _rows(api, sku="COMING")] == [
        ("WH1", 10),
        ("WH2", 20),
    ]
    assert [r["sku"] for r in _rows(api, warehouse="WH2")] == ["COMING", "DOCKED", "SHELF"]
    assert [r["warehouse"] for r in _rows(api, sku="DOCKED", warehouse="WH2")] == ["WH2"]
    assert _rows(api, sku="DOCKED", warehouse="WH1") == []
    assert _rows(api, sku="NOPE") == []
    assert [r["sku"] for r in _rows(api, q="dock")] == ["DOCKED"]  # SKU code or name
    # The SKU page reads the same rows for one SKU.
    coming = Sku.objects.get(code="COMING")
    assert [r.incoming for r in availability_list().filter(sku=coming)] == [10, 20]


@pytest.mark.parametrize(
    "ordering", ["available", "-available", "on_hand", "-reserved", "warehouse", "-sku"]
)
def test_ordering_pages_without_gaps_or_repeats(api, two_warehouses, ordering):
    """Rows of pairs with nothing on hand tie on every figure; the pk tie-break still orders
    them the same way on every page."""
    everything = _rows(api, ordering=ordering, page_size=100)
    assert len(everything) == 5
    paged, page = [], 1
    while True:
        body = api.get(URL, {"ordering": ordering, "page_size": 2, "page": page}).json()
        paged += body["results"]
        if not body["next"]:
            break
        page += 1
    assert paged == everything
    key = ordering.removeprefix("-")
    values = [r[key] for r in everything]
    assert values == sorted(values, reverse=ordering.startswith("-"))


# Queries -----------------------------------------------------------------------------------


def _world(n: int, supplier) -> None:
    """n SKUs in each of the three kinds of row: with sellable stock, only on an open PO, only
    at the dock."""
    wh = factories.warehouse()
    places = factories.places(wh)
    po = make_po(supplier, wh, *((factories.sku(f"PO-{i:03}"), 5) for i in range(n)))
    docked = [factories.sku(f"DOCK-{i:03}") for i in range(n)]
    receive(make_po(supplier, wh, *((s, 2) for s in docked)), *((s, 2) for s in docked))
    for i in range(n):
        factories.stock(factories.sku(f"BIN-{i:03}"), places.bin1, 3)
    assert po.lines.count() == n


def _queries(api, rows: int, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        body = api.get(URL, {"page_size": rows, **params}).json()
    assert len(body["results"]) == rows
    return len(ctx.captured_queries)


@pytest.mark.parametrize("params", [{}, {"ordering": "-available"}, {"q": "-0"}])
def test_one_query_per_page_whatever_its_length(api, supplier, params, django_assert_num_queries):
    _world(20, supplier)
    assert _queries(api, 3, **params) == _queries(api, 50, **params)
    # Token (with its user), the caller's roles, COUNT, and the page itself.
    with django_assert_num_queries(4):
        api.get(URL, {"page_size": 60, **params})


def test_the_selector_reads_a_page_in_one_query(supplier, django_assert_num_queries):
    _world(10, supplier)
    with django_assert_num_queries(1):
        rows = [
            (r.sku.code, r.warehouse.code, r.on_hand, r.available_units, r.incoming)
            for r in availability_list()[:30]
        ]
    assert len(rows) == 30
    assert len({(code, wh) for code, wh, *_ in rows}) == 30
