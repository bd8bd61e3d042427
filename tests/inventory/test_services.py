"""The stock services: what each one writes, and every bad input refused with nothing written."""

import contextlib
import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from inventory.audit import stock_drift
from inventory.errors import InsufficientStock, InvalidState
from inventory.models import (
    BinStock,
    Location,
    Lot,
    MovementKind,
    Reservation,
    ReservationStatus,
    Sku,
    StockMovement,
    Warehouse,
    WarehouseStock,
)
from inventory.services import (
    ReserveLine,
    reservation_release,
    reservations_expire,
    sku_create,
    stock_adjust,
    stock_move,
    stock_pick,
    stock_receive,
    stock_reserve,
    stock_return,
    stock_ship,
)
from tests import factories

pytestmark = pytest.mark.django_db

BAD_QUANTITIES = [0, -1, 1.5, Decimal("2"), "3", True, None]


def books() -> tuple:
    """Every row the stock services may write, to prove a refusal wrote nothing."""
    return (
        list(StockMovement.objects.order_by("pk").values_list()),
        list(BinStock.objects.order_by("pk").values_list()),
        list(WarehouseStock.objects.order_by("pk").values_list()),
        list(Lot.objects.order_by("pk").values_list()),
        list(Reservation.objects.order_by("pk").values_list()),
    )


@contextlib.contextmanager
def refused(error: type[Exception], field: str | None = None):
    """The block raises `error` (a ValidationError naming `field`) and leaves the books as they
    were."""
    before = books()
    with pytest.raises(error) as caught:
        yield caught
    if field is not None:
        assert field in caught.value.message_dict, caught.value.message_dict
    assert books() == before


def balance(sku, warehouse) -> tuple[int, int]:
    row = WarehouseStock.objects.filter(sku=sku, warehouse=warehouse).first()
    return (row.on_hand, row.reserved) if row else (0, 0)


def in_bin(sku, location, lot=None) -> int:
    row = BinStock.objects.filter(sku=sku, location=location, lot=lot).first()
    return row.quantity if row else 0


@pytest.fixture
def other(db):
    """A second warehouse with the same tree."""
    wh = factories.warehouse("WH-OTHER")
    return factories.places(wh)


# --- receive -------------------------------------------------------------------------------


def test_receive_into_a_bin_is_sellable_and_into_the_dock_is_not(sku, warehouse, places, user):
    movement = stock_receive(sku=sku, location=places.bin1, quantity=5, actor=user, reference="P1")
    stock_receive(sku=sku, location=places.dock, quantity=7)
    assert (movement.kind, movement.quantity, movement.to_location, movement.from_location) == (
        MovementKind.RECEIVE,
        5,
        places.bin1,
        None,
    )
    assert (movement.actor, movement.reference, movement.warehouse) == (user, "P1", warehouse)
    assert (in_bin(sku, places.bin1), in_bin(sku, places.dock)) == (5, 7)
    assert balance(sku, warehouse) == (5, 0)
    assert stock_drift() == []


def test_receive_a_lot_creates_it_once_with_its_expiry(lot_sku, places):
    expiry = datetime.date(2030, 1, 31)
    stock_receive(sku=lot_sku, location=places.dock, quantity=3, lot_number="L1", expiry=expiry)
    stock_receive(sku=lot_sku, location=places.dock, quantity=2, lot_number=" L1 ")
    lot = Lot.objects.get()
    assert (lot.lot_number, lot.expiry) == ("L1", expiry)
    assert in_bin(lot_sku, places.dock, lot) == 5


@pytest.mark.parametrize("quantity", BAD_QUANTITIES)
def test_receive_refuses_a_bad_quantity(sku, places, quantity):
    with refused(ValidationError, "quantity"):
        stock_receive(sku=sku, location=places.bin1, quantity=quantity)


def test_receive_refuses_a_zone(sku, places):
    with refused(ValidationError, "location"):
        stock_receive(sku=sku, location=places.zone, quantity=1)


def test_receive_refuses_an_unknown_sku_or_location(sku, warehouse, places):
    with refused(ValidationError, "sku"):
        stock_receive(sku=Sku(code="GHOST", name="Ghost"), location=places.bin1, quantity=1)
    with refused(ValidationError, "location"):
        stock_receive(sku=sku, location=Location(warehouse=warehouse, code="NOWHERE"), quantity=1)
    with refused(ValidationError, "sku"):
        stock_receive(sku="SKU-1", location=places.bin1, quantity=1)


def test_receive_of_a_lot_tracked_sku_needs_a_lot(lot_sku, places):
    for lot_number in (None, "", "   "):
        with refused(ValidationError, "lot"):
            stock_receive(sku=lot_sku, location=places.dock, quantity=1, lot_number=lot_number)


def test_receive_refuses_a_lot_for_a_sku_without_lots(sku, places):
    with refused(ValidationError, "lot"):
        stock_receive(sku=sku, location=places.dock, quantity=1, lot_number="L1")


def test_receive_refuses_a_second_expiry_for_a_lot(lot_sku, places):
    stock_receive(
        sku=lot_sku,
        location=places.dock,
        quantity=1,
        lot_number="L1",
        expiry=datetime.date(2030, 1, 1),
    )
    with refused(ValidationError, "expiry"):
        stock_receive(
            sku=lot_sku,
            location=places.dock,
            quantity=1,
            lot_number="L1",
            expiry=datetime.date(2031, 1, 1),
        )


def test_receive_refuses_an_unknown_movement_kind(sku, places):
    with refused(ValidationError, "kind"):
        stock_receive(sku=sku, location=places.dock, quantity=1, kind="teleport")


# --- adjust --------------------------------------------------------------------------------


def test_adjust_is_a_signed_change_with_a_reason(sku, warehouse, places):
    stock_adjust(sku=sku, location=places.bin1, quantity=10, reason="found")
    movement = stock_adjust(sku=sku, location=places.bin1, quantity=-4, reason="damaged")
    assert (movement.quantity, movement.from_location, movement.to_location) == (
        4,
        places.bin1,
        None,
    )
    assert (movement.kind, movement.reason) == (MovementKind.ADJUST, "damaged")
    stock_adjust(sku=sku, location=places.quarantine, quantity=3, reason="found")
    assert balance(sku, warehouse) == (6, 0)
    assert (in_bin(sku, places.bin1), in_bin(sku, places.quarantine)) == (6, 3)
    assert stock_drift() == []


@pytest.mark.parametrize("quantity", [0, 1.5, Decimal("-2"), "-3", True, None])
def test_adjust_refuses_a_bad_quantity(sku, places, quantity):
    with refused(ValidationError, "quantity"):
        stock_adjust(sku=sku, location=places.bin1, quantity=quantity, reason="x")


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_adjust_needs_a_reason(sku, places, reason):
    with refused(ValidationError, "reason"):
        stock_adjust(sku=sku, location=places.bin1, quantity=1, reason=reason)


def test_adjust_refuses_a_zone_and_unknown_places(sku, warehouse, places):
    with refused(ValidationError, "location"):
        stock_adjust(sku=sku, location=places.zone, quantity=1, reason="x")
    with refused(ValidationError, "location"):
        stock_adjust(sku=sku, location=Location(warehouse=warehouse), quantity=1, reason="x")
    with refused(ValidationError, "sku"):
        stock_adjust(sku=Sku(code="GHOST"), location=places.bin1, quantity=1, reason="x")


def test_adjust_cannot_take_more_than_is_there(sku, places):
    factories.stock(sku, places.bin1, 3)
    with refused(InsufficientStock) as caught:
        stock_adjust(sku=sku, location=places.bin1, quantity=-4, reason="lost")
    assert caught.value.lines == [{"sku": sku.code, "requested": 4, "available": 3}]
    with refused(InsufficientStock):
        stock_adjust(sku=sku, location=places.bin2, quantity=-1, reason="lost")


def test_adjust_cannot_take_units_promised_to_orders(sku, warehouse, places):
    factories.stock(sku, places.bin1, 5)
    stock_reserve(lines=[ReserveLine(sku, warehouse, 4)], reference="o1")
    with refused(InsufficientStock) as caught:
        stock_adjust(sku=sku, location=places.bin1, quantity=-2, reason="damaged")
    assert caught.value.lines[0]["available"] == 1


def test_adjust_of_lots(lot_sku, sku, places):
    with refused(ValidationError, "lot"):
        stock_adjust(sku=lot_sku, location=places.bin1, quantity=1, reason="found")
    with refused(ValidationError, "lot"):  # a decrease never invents a lot
        stock_adjust(sku=lot_sku, location=places.bin1, quantity=-1, reason="x", lot_number="NEW")
    with refused(ValidationError, "lot"):
        stock_adjust(sku=sku, location=places.bin1, quantity=1, reason="found", lot_number="L1")


# --- move ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "target", "on_hand_after"),
    [
        ("bin1", "bin2", 10),  # sellable to sellable: on-hand unchanged
        ("bin1", "quarantine", 6),  # leaving the sellable bins lowers on-hand
        ("bin1", "packing", 6),
        ("dock", "bin1", 14),  # put-away raises it
        ("quarantine", "bin2", 14),
        ("dock", "quarantine", 10),  # between non-sellable places: unchanged
    ],
)
def test_move_changes_on_hand_only_across_the_sellable_line(
    sku, warehouse, places, source, target, on_hand_after
):
    factories.stock(sku, places.bin1, 10)
    factories.stock(sku, places.dock, 10)
    factories.stock(sku, places.quarantine, 10)
    src, dst = getattr(places, source), getattr(places, target)
    before = (in_bin(sku, src), in_bin(sku, dst))
    movement = stock_move(sku=sku, from_location=src, to_location=dst, quantity=4, reason="tidy")
    assert (movement.kind, movement.from_location, movement.to_location) == (
        MovementKind.MOVE,
        src,
        dst,
    )
    assert (in_bin(sku, src), in_bin(sku, dst)) == (before[0] - 4, before[1] + 4)
    assert balance(sku, warehouse) == (on_hand_after, 0)
    assert stock_drift() == []


def test_ship_takes_units_out_as_a_ship_row(sku, warehouse, places):
    factories.stock(sku, places.packing, 5)
    movement = stock_ship(sku=sku, location=places.packing, quantity=3, reason="Shipped o-1")
    assert (movement.kind, movement.quantity, movement.from_location) == (
        MovementKind.SHIP,
        3,
        places.packing,
    )
    assert in_bin(sku, places.packing) == 2
    with pytest.raises(ValidationError):
        stock_ship(sku=sku, location=places.packing, quantity=-1, reason="a negative shipment")
    assert stock_drift() == []


def test_return_moves_back_from_packing_or_comes_back_into_the_books(sku, warehouse, places):
    factories.stock(sku, places.packing, 2)
    moved = stock_return(
        sku=sku, from_location=places.packing, to_location=places.bin1, quantity=2, reason="back"
    )
    received = stock_return(sku=sku, to_location=places.bin1, quantity=1, reason="back in")
    assert [moved.kind, received.kind] == [MovementKind.RETURN, MovementKind.RETURN]
    assert (in_bin(sku, places.packing), in_bin(sku, places.bin1)) == (0, 3)
    assert balance(sku, warehouse) == (3, 0)  # sellable again
    assert stock_drift() == []


@pytest.mark.parametrize("quantity", BAD_QUANTITIES)
def test_move_refuses_a_bad_quantity(sku, places, quantity):
    factories.stock(sku, places.bin1, 5)
    with refused(ValidationError, "quantity"):
        stock_move(sku=sku, from_location=places.bin1, to_location=places.bin2, quantity=quantity)


def test_move_refuses_bad_places(sku, warehouse, places, other):
    factories.stock(sku, places.bin1, 5)
    factories.stock(sku, other.bin1, 5)
    cases = [
        (places.bin1, places.bin1, "to_location"),  # already there
        (places.bin1, other.bin2, "to_location"),  # across warehouses
        (other.bin1, places.bin2, "to_location"),
        (places.zone, places.bin2, "from_location"),  # zones hold nothing
        (places.bin1, places.zone, "to_location"),
        (Location(warehouse=warehouse, code="X"), places.bin2, "from_location"),
        (places.bin1, Location(warehouse=warehouse, code="X"), "to_location"),
    ]
    for source, target, field in cases:
        with refused(ValidationError, field):
            stock_move(sku=sku, from_location=source, to_location=target, quantity=1)


def test_move_cannot_take_more_than_the_bin_holds(sku, places):
    factories.stock(sku, places.bin1, 2)
    with refused(InsufficientStock) as caught:
        stock_move(sku=sku, from_location=places.bin1, to_location=places.bin2, quantity=3)
    assert caught.value.lines == [{"sku": sku.code, "requested": 3, "available": 2}]


def test_move_to_quarantine_cannot_take_reserved_units(sku, warehouse, places):
    factories.stock(sku, places.bin1, 5)
    stock_reserve(lines=[ReserveLine(sku, warehouse, 3)], reference="o1")
    with refused(InsufficientStock):
        stock_move(sku=sku, from_location=places.bin1, to_location=places.quarantine, quantity=3)
    # Between bins the promise still holds: the units stay sellable.
    stock_move(sku=sku, from_location=places.bin1, to_location=places.bin2, quantity=5)
    assert balance(sku, warehouse) == (5, 3)


def test_move_of_lots(lot_sku, sku, places):
    factories.stock(lot_sku, places.bin1, 5, lot_number="L1")
    factories.stock(sku, places.bin1, 5)
    for lot_number in (None, "L2"):
        with refused(ValidationError, "lot"):
            stock_move(
                sku=lot_sku,
                from_location=places.bin1,
                to_location=places.bin2,
                quantity=1,
                lot_number=lot_number,
            )
    with refused(ValidationError, "lot"):
        stock_move(
            sku=sku, from_location=places.bin1, to_location=places.bin2, quantity=1, lot_number="L1"
        )
    stock_move(
        sku=lot_sku, from_location=places.bin1, to_location=places.bin2, quantity=2, lot_number="L1"
    )
    assert in_bin(lot_sku, places.bin2, Lot.objects.get()) == 2


# --- reserve -------------------------------------------------------------------------------


def test_reserve_promises_units_line_by_line(sku, warehouse, places):
    second = factories.sku()
    factories.stock(sku, places.bin1, 5)
    factories.stock(second, places.bin2, 5)
    expires = timezone.now() + datetime.timedelta(hours=1)
    reservations = stock_reserve(
        lines=[ReserveLine(sku, warehouse, 2), ReserveLine(second, warehouse, 5)],
        reference="o1",
        expires_at=expires,
    )
    assert sorted((r.sku_id, r.quantity, r.original_quantity) for r in reservations) == sorted(
        [(sku.pk, 2, 2), (second.pk, 5, 5)]
    )
    assert {(r.status, r.reference, r.expires_at) for r in Reservation.objects.all()} == {
        (ReservationStatus.OPEN, "o1", expires)
    }
    assert (balance(sku, warehouse), balance(second, warehouse)) == ((5, 2), (5, 5))
    assert stock_drift() == []


def test_reserve_merges_lines_of_the_same_sku(sku, warehouse, places):
    factories.stock(sku, places.bin1, 5)
    [reservation] = stock_reserve(
        lines=[ReserveLine(sku, warehouse, 2), ReserveLine(sku, warehouse, 3)], reference="o1"
    )
    assert reservation.quantity == 5
    with refused(InsufficientStock) as caught:
        stock_reserve(
            lines=[ReserveLine(sku, warehouse, 1), ReserveLine(sku, warehouse, 1)], reference="o2"
        )
    assert caught.value.lines[0]["requested"] == 2


def test_reserve_is_all_or_nothing_and_names_every_short_line(sku, warehouse, places):
    short_one, short_two = factories.sku("SHORT-1"), factories.sku("SHORT-2")
    factories.stock(sku, places.bin1, 10)
    factories.stock(short_one, places.bin1, 2)
    factories.stock(short_two, places.bin2, 4)
    stock_reserve(lines=[ReserveLine(short_two, warehouse, 3)], reference="earlier")
    lines = [
        ReserveLine(sku, warehouse, 5),  # enough
        ReserveLine(short_one, warehouse, 3),
        ReserveLine(short_two, warehouse, 2),  # 4 on hand, 3 of them promised
    ]
    with refused(InsufficientStock) as caught:
        stock_reserve(lines=lines, reference="o1")
    assert caught.value.lines == [
        {"sku": "SHORT-1", "warehouse": warehouse.code, "requested": 3, "available": 2},
        {"sku": "SHORT-2", "warehouse": warehouse.code, "requested": 2, "available": 1},
    ]
    assert "nothing was reserved" in str(caught.value)
    assert balance(sku, warehouse) == (10, 0)


def test_reserve_where_the_sku_never_was_creates_no_row(sku, warehouse, places, other):
    factories.stock(sku, other.bin1, 10)  # in the other warehouse only
    with refused(InsufficientStock) as caught:
        stock_reserve(lines=[ReserveLine(sku, warehouse, 1)], reference="o1")
    assert caught.value.lines[0]["available"] == 0
    assert not WarehouseStock.objects.filter(warehouse=warehouse).exists()


def test_reserve_refuses_non_sellable_units(sku, warehouse, places):
    factories.stock(sku, places.dock, 10)
    factories.stock(sku, places.quarantine, 10)
    with refused(InsufficientStock):
        stock_reserve(lines=[ReserveLine(sku, warehouse, 1)], reference="o1")


@pytest.mark.parametrize("quantity", BAD_QUANTITIES)
def test_reserve_refuses_a_bad_quantity(sku, warehouse, places, quantity):
    factories.stock(sku, places.bin1, 5)
    with refused(ValidationError, "quantity"):
        stock_reserve(
            lines=[ReserveLine(sku, warehouse, 1), ReserveLine(sku, warehouse, quantity)],
            reference="o1",
        )


def test_reserve_refuses_bad_orders(sku, warehouse, places):
    factories.stock(sku, places.bin1, 5)
    inactive = sku_create(code="GONE", name="Discontinued", active=False)
    line = ReserveLine(sku, warehouse, 1)
    cases = [
        ([], "o1", "lines"),
        ([line], "", "reference"),
        ([line], "  ", "reference"),
        ([line], "x" * 101, "reference"),
        ([line, ReserveLine(inactive, warehouse, 1)], "o1", "sku"),
        ([line, ReserveLine(Sku(code="GHOST"), warehouse, 1)], "o1", "sku"),
        ([line, ReserveLine(sku, Warehouse(code="NOWHERE"), 1)], "o1", "warehouse"),
    ]
    for lines, reference, field in cases:
        with refused(ValidationError, field):
            stock_reserve(lines=lines, reference=reference)


# --- release -------------------------------------------------------------------------------


@pytest.fixture
def reservation(sku, warehouse, places):
    factories.stock(sku, places.bin1, 10)
    [reservation] = stock_reserve(lines=[ReserveLine(sku, warehouse, 6)], reference="o1")
    return reservation


def test_release_gives_back_part_then_the_rest(reservation, sku, warehouse):
    assert reservation_release(reservation=reservation, quantity=2) == 2
    reservation.refresh_from_db()
    assert (reservation.quantity, reservation.status) == (4, ReservationStatus.OPEN)
    assert balance(sku, warehouse) == (10, 4)
    assert reservation_release(reservation=reservation, quantity=99) == 4  # at most what is left
    reservation.refresh_from_db()
    assert (reservation.quantity, reservation.status) == (0, ReservationStatus.RELEASED)
    assert balance(sku, warehouse) == (10, 0)
    assert stock_drift() == []


def test_release_twice_is_refused(reservation):
    reservation_release(reservation=reservation)
    with refused(InvalidState):
        reservation_release(reservation=reservation)
    with refused(InvalidState):
        reservation_release(reservation=reservation, quantity=1)


@pytest.mark.parametrize("quantity", [q for q in BAD_QUANTITIES if q is not None])  # None: all
def test_release_refuses_a_bad_quantity(reservation, quantity):
    with refused(ValidationError, "quantity"):
        reservation_release(reservation=reservation, quantity=quantity)


def test_release_refuses_a_bad_status_or_an_unknown_reservation(reservation, sku, warehouse):
    for status in (ReservationStatus.OPEN, ReservationStatus.FULFILLED, "gone"):
        with refused(ValidationError, "status"):
            reservation_release(reservation=reservation, status=status)
    ghost = Reservation(sku=sku, warehouse=warehouse, quantity=1, original_quantity=1)
    with refused(ValidationError, "reservation"):
        reservation_release(reservation=ghost)
    ghost.pk = reservation.pk + 1000
    with refused(ValidationError, "reservation"):
        reservation_release(reservation=ghost)


def test_expire_releases_only_open_reservations_past_their_hold(sku, warehouse, places):
    factories.stock(sku, places.bin1, 10)
    now = timezone.now()
    hour = datetime.timedelta(hours=1)
    stock_reserve(lines=[ReserveLine(sku, warehouse, 1)], reference="a", expires_at=now - hour)
    stock_reserve(lines=[ReserveLine(sku, warehouse, 2)], reference="b", expires_at=now + hour)
    stock_reserve(lines=[ReserveLine(sku, warehouse, 3)], reference="c")
    [picked] = stock_reserve(
        lines=[ReserveLine(sku, warehouse, 4)], reference="d", expires_at=now - hour
    )
    stock_pick(reservation=picked, location=places.bin1, quantity=4)
    assert reservations_expire(now=now) == 1
    assert reservations_expire(now=now) == 0
    statuses = dict(Reservation.objects.values_list("reference", "status"))
    assert statuses == {"a": "expired", "b": "open", "c": "open", "d": "fulfilled"}
    assert balance(sku, warehouse) == (6, 5)
    assert stock_drift() == []


# --- pick ----------------------------------------------------------------------------------


def test_pick_takes_reserved_units_to_packing_then_fulfils(reservation, sku, warehouse, places):
    movement = stock_pick(
        reservation=reservation, location=places.bin1, quantity=4, to_location=places.packing
    )
    assert (movement.kind, movement.from_location, movement.to_location) == (
        MovementKind.PICK,
        places.bin1,
        places.packing,
    )
    assert movement.reference == "o1"
    reservation.refresh_from_db()
    assert (reservation.quantity, reservation.status) == (2, ReservationStatus.OPEN)
    assert balance(sku, warehouse) == (6, 2)
    assert (in_bin(sku, places.bin1), in_bin(sku, places.packing)) == (6, 4)
    stock_pick(reservation=reservation, location=places.bin1, quantity=2)  # leaves stock
    reservation.refresh_from_db()
    assert (reservation.quantity, reservation.status) == (0, ReservationStatus.FULFILLED)
    assert balance(sku, warehouse) == (4, 0)
    assert stock_drift() == []


def test_pick_more_than_reserved_is_refused(reservation, places):
    with refused(InvalidState):
        stock_pick(reservation=reservation, location=places.bin1, quantity=7)


@pytest.mark.parametrize("quantity", BAD_QUANTITIES)
def test_pick_refuses_a_bad_quantity(reservation, places, quantity):
    with refused(ValidationError, "quantity"):
        stock_pick(reservation=reservation, location=places.bin1, quantity=quantity)


def test_pick_refuses_bad_places(reservation, sku, warehouse, places, other):
    factories.stock(sku, places.quarantine, 10)
    factories.stock(sku, other.bin1, 10)
    for location in (places.quarantine, places.dock, places.packing, places.zone, other.bin1):
        with refused(ValidationError, "location"):
            stock_pick(reservation=reservation, location=location, quantity=1)
    for target in (places.bin2, places.zone, other.packing, Location(warehouse=warehouse)):
        with refused(ValidationError, "to_location"):
            stock_pick(
                reservation=reservation, location=places.bin1, quantity=1, to_location=target
            )


def test_pick_from_a_bin_without_the_units_is_refused(reservation, places):
    with refused(InsufficientStock):
        stock_pick(reservation=reservation, location=places.bin2, quantity=1)


def test_pick_of_a_closed_reservation_is_refused(reservation, places):
    reservation_release(reservation=reservation)
    with refused(InvalidState):
        stock_pick(reservation=reservation, location=places.bin1, quantity=1)


def test_pick_of_a_lot_tracked_sku_names_the_lot(lot_sku, warehouse, places):
    factories.stock(lot_sku, places.bin1, 5, lot_number="L1")
    [reservation] = stock_reserve(lines=[ReserveLine(lot_sku, warehouse, 3)], reference="o1")
    for lot_number in (None, "L9"):
        with refused(ValidationError, "lot"):
            stock_pick(
                reservation=reservation, location=places.bin1, quantity=1, lot_number=lot_number
            )
    stock_pick(reservation=reservation, location=places.bin1, quantity=3, lot_number="L1")
    assert balance(lot_sku, warehouse) == (2, 0)
    assert stock_drift() == []
