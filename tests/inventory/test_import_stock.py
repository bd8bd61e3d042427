"""The opening-stock import kind and the stock engine's bulk path under it
(inventory.services.stock_bulk): every row a ledger adjustment, the balances and listeners as
`stock_adjust` leaves them, every bad row named and nothing applied, a constant number of
queries, exports that import back."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from channels.models import Listing, OutboxEntry
from inventory.audit import stock_drift
from inventory.imports import import_kind
from inventory.imports.engine import import_run
from inventory.imports.exports import export_bytes
from inventory.imports.mapping import mapping_suggest
from inventory.imports.staging import staged
from inventory.models import (
    BinStock,
    Lot,
    MovementKind,
    StockMovement,
    WarehouseStock,
)
from inventory.resources import OPENING_STOCK_REASON
from inventory.services import stock_adjust
from inventory.services.stock_bulk import stock_adjust_bulk
from replenishment.models import ReorderRule
from tests import factories
from tests.channels.helpers import make_channel
from tests.replenishment.helpers import alerts, rule

pytestmark = pytest.mark.django_db

HEAD = "sku,warehouse,location,lot,expiry,quantity\n"


def run(text: str | bytes, *, file_format: str = "csv", **kwargs):
    content = text.encode() if isinstance(text, str) else text
    kwargs.setdefault("reference", "test")
    outcome = import_run(kind="stock", content=content, file_format=file_format, **kwargs)
    return outcome.errors, outcome


def xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def held() -> set[tuple]:
    """Every bin with units, as an opening-stock row names it."""
    return set(
        BinStock.objects.filter(quantity__gt=0).values_list(
            "sku__code",
            "location__warehouse__code",
            "location__code",
            "lot__lot_number",
            "lot__expiry",
            "quantity",
        )
    )


def test_each_row_is_an_opening_stock_adjustment_and_the_books_balance(
    warehouse, places, sku, lot_sku, user
):
    wh = warehouse.code
    errors, outcome = run(
        HEAD + f"{sku.code},{wh},A-01,,,10\n"
        f"{lot_sku.code},{wh},A-02,L1,2030-01-31,4\n"
        f"{lot_sku.code},{wh},A-02,L2,31/12/2030,6\n"
        f"{sku.code},{wh},QUAR,,,2\n"
        f"{sku.code},{wh},A-01,,,5\n",  # the same bin again: the rows add up
        actor=user,
    )
    assert errors == []
    assert (outcome.rows_total, outcome.rows_create, outcome.rows_update) == (5, 4, 1)
    assert WarehouseStock.objects.get(sku=sku).on_hand == 15  # quarantine is not sellable
    assert WarehouseStock.objects.get(sku=lot_sku).on_hand == 10
    assert BinStock.objects.get(sku=sku, location=places.bin1).quantity == 15
    assert BinStock.objects.get(sku=sku, location=places.quarantine).quantity == 2
    assert Lot.objects.get(lot_number="L2").expiry == datetime.date(2030, 12, 31)
    movements = StockMovement.objects.order_by("pk")
    assert [(m.sku.code, m.to_location.code, m.quantity) for m in movements] == [
        (sku.code, "A-01", 10),
        (lot_sku.code, "A-02", 4),
        (lot_sku.code, "A-02", 6),
        (sku.code, "QUAR", 2),
        (sku.code, "A-01", 5),
    ]
    assert {
        (m.kind, m.reason, m.actor_id, m.reference, m.from_location_id, m.warehouse_id)
        for m in movements
    } == {(MovementKind.ADJUST, OPENING_STOCK_REASON, user.pk, "test", None, warehouse.pk)}
    assert [m.lot.lot_number if m.lot else None for m in movements] == [
        None,
        "L1",
        "L2",
        None,
        None,
    ]
    assert stock_drift() == []


def test_bad_rows_apply_nothing_and_name_their_columns(warehouse, places, sku, lot_sku):
    wh = warehouse.code
    errors, outcome = run(
        HEAD + f"{sku.code},{wh},A-01,,,10\n"  # 2: fine
        f"NOPE,{wh},A-01,,,1\n"  # 3: unknown SKU
        f"{sku.code},WHX,A-01,,,1\n"  # 4: unknown warehouse
        f"{sku.code},{wh},Z-99,,,1\n"  # 5: unknown location
        f"{sku.code},{wh},A-01,,,ten\n"  # 6: not a number
        f"{sku.code},{wh},A-01,,,1.5\n"  # 7: not whole
        f"{lot_sku.code},{wh},A-01,,,1\n"  # 8: no lot for a lot-tracked SKU
        f"{sku.code},{wh},A-01,L9,2031-01-01,1\n"  # 9: lot and expiry on an untracked SKU
        f"{sku.code},{wh},A,,,1\n"  # 10: a zone holds no stock
        f"{lot_sku.code},{wh},A-01,L1,soon,1\n"  # 11: not a date
        f"{sku.code},{wh},A-01,,,0\n"  # 12: zero
        f"{sku.code},{wh},,,,3\n"  # 13: no location
    )
    messages = {(e["row"], e["column"]): e["message"] for e in errors}
    assert set(messages) == {
        (3, "sku"),
        (4, "warehouse"),
        (5, "location"),
        (6, "quantity"),
        (7, "quantity"),
        (8, "lot"),
        (9, "lot"),
        (9, "expiry"),
        (10, "location"),
        (11, "expiry"),
        (12, "quantity"),
        (13, "location"),
    }
    assert messages[(3, "sku")] == "Unknown SKU 'NOPE'."
    assert messages[(4, "warehouse")] == "Unknown warehouse 'WHX'."
    assert messages[(5, "location")] == f"Unknown location 'Z-99' in {wh}."
    assert "ten" in messages[(6, "quantity")]
    assert messages[(8, "lot")] == "MILK-1L is lot-tracked: a lot number is required."
    assert messages[(9, "lot")] == f"{sku.code} is not lot-tracked; leave the lot empty."
    assert messages[(9, "expiry")] == f"{sku.code} is not lot-tracked; leave the expiry empty."
    assert messages[(10, "location")] == (
        "A is a zone / aisle / shelf: only bins, docks, quarantine and packing locations hold "
        "stock."
    )
    assert messages[(12, "quantity")] == "Must be at least 1, not 0."
    assert messages[(13, "location")] == "Required."
    assert (outcome.applied, outcome.rows_valid) == (False, 1)
    assert not StockMovement.objects.exists()
    assert not BinStock.objects.filter(quantity__gt=0).exists()
    assert not Lot.objects.exists()


def test_expiries_must_agree_with_the_stored_lot_and_within_the_file(warehouse, places, lot_sku):
    factories.stock(lot_sku, places.bin1, 1, lot_number="OLD", expiry=datetime.date(2030, 1, 1))
    wh, code = warehouse.code, lot_sku.code
    errors, _ = run(
        HEAD + f"{code},{wh},A-01,OLD,2030-01-01,1\n"  # 2: agrees
        f"{code},{wh},A-01,OLD,2030-02-01,1\n"  # 3: the stored lot expires 2030-01-01
        f"{code},{wh},A-02,NEW,,1\n"  # 4: no expiry: fine
        f"{code},{wh},A-02,NEW,2031-05-01,1\n"  # 5: the first expiry of NEW
        f"{code},{wh},A-01,NEW,2031-06-01,1\n"  # 6: disagrees with row 5
    )
    assert errors == [
        {
            "row": 3,
            "column": "expiry",
            "message": f"Lot OLD of {code} expires 2030-01-01, not 2030-02-01.",
        },
        {
            "row": 6,
            "column": "expiry",
            "message": f"Lot NEW of {code} expires 2031-05-01 on row 5, not 2031-06-01.",
        },
    ]
    assert StockMovement.objects.count() == 1


def test_a_stored_lot_without_expiry_takes_the_files(warehouse, places, lot_sku):
    factories.stock(lot_sku, places.bin1, 1, lot_number="L1")
    errors, outcome = run(
        HEAD + f"{lot_sku.code},{warehouse.code},A-01,L1,2032-03-04,2\n"
        f"{lot_sku.code},{warehouse.code},A-02,L1,,3\n"
    )
    assert errors == []
    assert (outcome.rows_create, outcome.rows_update) == (1, 1)
    assert Lot.objects.get().expiry == datetime.date(2032, 3, 4)
    assert BinStock.objects.get(location=places.bin1).quantity == 3


def test_missing_required_column_is_reported_on_the_header_row(warehouse, places, sku):
    errors, _ = run(f"sku,warehouse,quantity\n{sku.code},{warehouse.code},1\n")
    assert errors == [
        {"row": 1, "column": "location", "message": "The file has no 'location' column."}
    ]


def test_a_bad_row_at_the_end_of_a_long_file_is_named_and_nothing_applies(warehouse, places, sku):
    good = "".join(f"{sku.code},{warehouse.code},A-0{1 + n % 2},,,{n}\n" for n in range(1, 1999))
    errors, outcome = run(HEAD + good + f"{sku.code},{warehouse.code},A,,,1\n")
    assert [(e["row"], e["column"]) for e in errors] == [(2000, "location")]
    assert (outcome.rows_total, outcome.rows_valid, outcome.applied) == (1999, 1998, False)
    assert not StockMovement.objects.exists()
    assert not BinStock.objects.exists()


def test_dry_run_applies_nothing_but_counts_creates_and_updates(warehouse, places, sku):
    factories.stock(sku, places.bin1, 1)
    wh = warehouse.code
    errors, outcome = run(
        HEAD + f"{sku.code},{wh},A-01,,,5\n{sku.code},{wh},A-02,,,1\n{sku.code},{wh},A-02,,,1\n",
        dry_run=True,
    )
    assert errors == []
    # A-01 has its bin row already (update); A-02's first row makes one, its second adds to it.
    assert (outcome.rows_create, outcome.rows_update, outcome.applied) == (1, 2, False)
    assert StockMovement.objects.count() == 1
    assert not BinStock.objects.filter(location=places.bin2).exists()


def test_a_manager_imports_only_into_their_own_warehouses(warehouse, places, sku):
    other = factories.warehouse()
    factories.places(other)
    manager = factories.user("boss", role="manager")
    warehouse.staff.add(manager)
    errors, _ = run(
        HEAD + f"{sku.code},{warehouse.code},A-01,,,1\n{sku.code},{other.code},A-01,,,1\n",
        actor=manager,
    )
    assert errors == [
        {
            "row": 3,
            "column": "warehouse",
            "message": f"Warehouse {other.code} is not one of your warehouses.",
        }
    ]


def test_xlsx_files_are_read_with_numbers_and_dates(warehouse, places, lot_sku):
    content = xlsx(
        [
            ["SKU", "Warehouse", "Location", "Lot", "Expiry", "Quantity"],
            [lot_sku.code, warehouse.code, "A-01", 4711, datetime.datetime(2031, 5, 1), 7],
            [None, None, None, None, None, None],
        ]
    )
    errors, _ = run(content, file_format="xlsx")
    assert errors == []
    row = BinStock.objects.get(sku=lot_sku)
    assert (row.quantity, row.lot.lot_number, row.lot.expiry) == (
        7,
        "4711",
        datetime.date(2031, 5, 1),
    )


def test_a_foreign_files_columns_are_suggested_by_their_aliases():
    table = import_kind("stock").table
    headers = ["Item Code", "Site", "Bin Location", "Batch", "Best Before", "Qty"]
    assert mapping_suggest(table, headers) == dict(
        zip(headers, ["sku", "warehouse", "location", "lot", "expiry", "quantity"], strict=True)
    )


# --- the listeners ---------------------------------------------------------------------------


def _listened(warehouse, *skus) -> None:
    """A channel selling from `warehouse` lists every SKU, and each has a reorder rule at 10 not
    checked yet (armed, as stored): the next stock change that leaves projected stock at or
    below 10 raises an alert. (A rule made by reorder_rule_create is checked at once and, with
    no stock, raises its alert then: a rise of stock could only re-arm it.)"""
    shop = make_channel("SHOP", warehouse)
    Listing.objects.bulk_create(
        Listing(channel=shop, sku=sku, external_id=sku.code) for sku in skus
    )
    for sku in skus:
        ReorderRule.objects.create(
            sku=sku, warehouse=warehouse, reorder_point=10, reorder_quantity=5
        )


def _effects(sku, warehouse) -> tuple:
    (found,) = ReorderRule.objects.filter(sku=sku, warehouse=warehouse)
    return (
        found.armed,
        [(a.available, a.projected, a.status) for a in alerts(sku, warehouse)],
        OutboxEntry.objects.filter(sku=sku).count(),
    )


def test_listeners_hear_the_import_as_they_hear_stock_adjust(warehouse, places):
    by_import, by_service, quiet, far = (factories.sku(f"L-{n}") for n in range(4))
    _listened(warehouse, by_import, by_service, quiet)
    far_rule = rule(far, warehouse, point=1)  # checked at 0: alert, disarmed; re-armed at 5
    OutboxEntry.objects.all().delete()
    stock_adjust(sku=by_service, location=places.bin1, quantity=4, reason=OPENING_STOCK_REASON)
    errors, _ = run(
        HEAD + f"{by_import.code},{warehouse.code},A-01,,,4\n"
        f"{quiet.code},{warehouse.code},QUAR,,,4\n"  # not sellable: nobody hears it
        f"{far.code},{warehouse.code},A-02,,,5\n"
    )
    assert errors == []
    assert _effects(by_import, warehouse) == _effects(by_service, warehouse)
    assert _effects(by_import, warehouse) == (False, [(4, 4, "open")], 1)
    assert _effects(quiet, warehouse)[1:] == ([], 0)
    far_rule.refresh_from_db()
    assert far_rule.armed
    assert stock_drift() == []


# --- queries ---------------------------------------------------------------------------------


def test_the_queries_of_an_import_do_not_grow_with_its_rows(warehouse, places, lot_sku):
    skus = [factories.sku() for _ in range(4)]
    counts = []
    for size in (10, 200):
        rows = "".join(
            f"{skus[n % 4].code},{warehouse.code},A-0{1 + n % 2},,,{n + 1}\n"
            f"{lot_sku.code},{warehouse.code},DOCK,LOT-{size}-{n},2030-01-01,1\n"
            for n in range(size // 2)
        )
        with CaptureQueriesContext(connection) as queries:
            errors, outcome = run(HEAD + rows)
        assert (errors, outcome.rows_total) == ([], size)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert StockMovement.objects.count() == 210


# --- the bulk service on its own -------------------------------------------------------------


def test_the_bulk_service_refuses_rows_nobody_checked(warehouse, places, sku):
    columns = [
        ("sku_id", "integer"),
        ("location_id", "integer"),
        ("lot", "text"),
        ("expiry", "date"),
        ("quantity", "integer"),
    ]
    with transaction.atomic(), staged("bulk_test", columns) as rows:
        rows.load([(7, sku.pk, places.zone.pk, "", None, 3)])
        with pytest.raises(ValidationError) as caught:
            stock_adjust_bulk(rows=rows.name, reason="found")
    assert caught.value.message_dict == {
        "location": [
            "Row 7: A is a zone / aisle / shelf: only bins, docks, quarantine and packing "
            "locations hold stock."
        ]
    }
    with pytest.raises(ValidationError, match="Say why"):
        stock_adjust_bulk(rows="unused", reason=" ")
    assert not StockMovement.objects.exists()


# --- exports ---------------------------------------------------------------------------------


def _stocked(warehouse, places, sku, lot_sku):
    factories.stock(sku, places.bin1, 5)
    factories.stock(sku, places.bin2, 3)
    factories.stock(sku, places.quarantine, 2)
    factories.stock(lot_sku, places.bin1, 4, lot_number="0042", expiry=datetime.date(2030, 1, 31))
    factories.stock(lot_sku, places.dock, 6, lot_number="=L2")
    emptied = factories.sku("EMPTIED")
    factories.stock(emptied, places.bin2, 1)
    stock_adjust(sku=emptied, location=places.bin2, quantity=-1, reason="lost")  # not exported


def _retarget(content: bytes, file_format: str, warehouse: str) -> bytes:
    """The file with every row's warehouse cell naming `warehouse`."""
    if file_format == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(content))
        for row in book.active.iter_rows(min_row=2):
            row[1].value = warehouse
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    text = io.StringIO()
    csv.writer(text).writerows([rows[0], *([r[0], warehouse, *r[2:]] for r in rows[1:])])
    return text.getvalue().encode()


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_export_imports_back_into_an_empty_copy(
    warehouse, places, sku, lot_sku, user, file_format
):
    """The ledger never forgets, so the empty copy is a fresh warehouse with the same tree."""
    _stocked(warehouse, places, sku, lot_sku)
    copy = factories.warehouse()
    factories.places(copy)
    table = import_kind("stock").table
    content = export_bytes(table, table.export_rows(user=user, params={}), file_format)
    errors, outcome = run(_retarget(content, file_format, copy.code), file_format=file_format)
    assert errors == []
    assert outcome.rows_create == 5
    source = {(s, copy.code, *rest) for s, w, *rest in held() if w == warehouse.code}
    assert {row for row in held() if row[1] == copy.code} == source
    on_hand = WarehouseStock.objects.filter(on_hand__gt=0).values_list("sku", "on_hand")
    assert set(on_hand.filter(warehouse=copy)) == set(on_hand.filter(warehouse=warehouse))
    assert StockMovement.objects.filter(warehouse=copy, reason=OPENING_STOCK_REASON).count() == 5
    assert stock_drift() == []


def test_exports_hold_the_users_warehouses_in_order_and_the_lists_filter(
    warehouse, places, sku, lot_sku, user
):
    _stocked(warehouse, places, sku, lot_sku)
    other = factories.warehouse()
    factories.stock(sku, factories.places(other).bin1, 9)
    manager = factories.user("boss", role="manager")
    warehouse.staff.add(manager)
    table = import_kind("stock").table
    own = list(table.export_rows(user=manager, params={}))
    assert [(row[1], row[2], row[0], row[3]) for row in own] == [
        (warehouse.code, "A-01", lot_sku.code, "0042"),  # /A/A-01/
        (warehouse.code, "A-01", sku.code, None),
        (warehouse.code, "A-02", sku.code, None),
        (warehouse.code, "DOCK", lot_sku.code, "=L2"),
        (warehouse.code, "QUAR", sku.code, None),
    ]
    everywhere = list(table.export_rows(user=user, params={"sku": sku.code, "sellable": "true"}))
    assert [(row[1], row[2], row[5]) for row in everywhere] == [
        (warehouse.code, "A-01", 5),
        (warehouse.code, "A-02", 3),
        (other.code, "A-01", 9),
    ]
