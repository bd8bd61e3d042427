"""Reservations: units promised to orders, and the picks that fulfil them.

The guard is WarehouseStock (CHECK 0 <= reserved <= on_hand). A reservation of several lines is
all-or-nothing in one transaction, taking warehouse rows in primary-key order so that concurrent
multi-line reservations never deadlock.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from inventory import events
from inventory.errors import InsufficientStock, InvalidState
from inventory.events import availability_changed
from inventory.models import (
    Location,
    MovementKind,
    Reservation,
    ReservationStatus,
    Sku,
    StockMovement,
    Warehouse,
)
from inventory.services import _balances
from inventory.services._balances import BinDelta
from inventory.services._sql import database, hot_cursor
from inventory.services.contention import retry_on_contention
from inventory.services.stock import (
    _record,
    lot_resolve,
    require_positive,
    require_saved,
    require_stock_location,
)


@dataclass(frozen=True)
class ReserveLine:
    sku: Sku
    warehouse: Warehouse
    quantity: int


@retry_on_contention
def stock_reserve(
    *,
    lines: list[ReserveLine],
    reference: str,
    expires_at: datetime.datetime | None = None,
) -> list[Reservation]:
    """Reserve every line or none. Each line is one conditional UPDATE
    (`reserved += q WHERE on_hand - reserved >= q`); lines are applied in warehouse-row primary
    key order. When any line is short, InsufficientStock names every short line with what is
    available, and the transaction rolls back whatever was reserved.

    Everything that needs no lock (validation, the INSERT's text and parameters, the returned
    objects) happens outside the transaction, so a hot SKU's row stays locked only for the
    statements themselves."""
    if not lines:
        raise ValidationError({"lines": "An order needs at least one line."})
    if not (reference or "").strip():
        raise ValidationError({"reference": "A reservation needs a reference."})
    if len(reference) > Reservation._meta.get_field("reference").max_length:
        raise ValidationError({"reference": "A reference has at most 100 characters."})
    wanted: dict[tuple[int, int], int] = defaultdict(int)
    by_key: dict[tuple[int, int], ReserveLine] = {}
    for line in lines:
        require_saved(line.sku, Sku, "sku")
        require_saved(line.warehouse, Warehouse, "warehouse")
        require_positive(line.quantity)
        if not line.sku.active:
            raise ValidationError({"sku": f"{line.sku.code} is not active."})
        key = (line.sku.pk, line.warehouse.pk)
        wanted[key] += line.quantity
        by_key[key] = line
    insert = _ReservationInsert(
        [(by_key[key], quantity) for key, quantity in wanted.items()],
        reference=reference,
        expires_at=expires_at,
    )
    with transaction.atomic():
        short_keys = {
            key
            for key in _balances.warehouse_lock_order(wanted)
            if not _balances.reserve(sku_id=key[0], warehouse_id=key[1], quantity=wanted[key])
        }
        if short_keys:
            raise _short(wanted, by_key, short_keys)
        listeners = insert.run()
        for key, line in by_key.items():
            availability_changed(sku=line.sku, warehouse=line.warehouse, listeners=listeners[key])
    return insert.reservations()


def _short(wanted, by_key, short_keys) -> InsufficientStock:
    short = [
        {
            "sku": by_key[key].sku.code,
            "warehouse": by_key[key].warehouse.code,
            "requested": wanted[key],
            "available": _balances.available_of(sku_id=key[0], warehouse_id=key[1]),
        }
        for key in wanted  # in the order the caller gave the lines
        if key in short_keys
    ]
    return InsufficientStock(
        "Not enough stock for "
        + ", ".join(f"{s['sku']} ({s['available']} of {s['requested']})" for s in short)
        + "; nothing was reserved.",
        lines=short,
    )


_RESERVATION_INSERT = (
    f"INSERT INTO {Reservation._meta.db_table} (sku_id, warehouse_id, quantity,"
    " original_quantity, reference, status, expires_at, created_at, updated_at) VALUES {rows}"
    " RETURNING sku_id, warehouse_id, id"
)
_RESERVATION_ROW = "(%s, %s, %s, %s, %s, %s, %s, %s, %s)"


class _ReservationInsert:
    """One reservation per line, and the lines' listeners (events.listeners_sql), in one go.

    Hand-written SQL because it runs on every order: one multi-row INSERT, as bulk_create would
    send it, without compiling a query per call. On PostgreSQL the listeners' SELECT rides along
    in the same statement (a data-modifying WITH), so a reservation costs the round trips of its
    UPDATE and INSERT alone; the statement starts after the UPDATEs, so it sees what they waited
    for. Built before the transaction, run inside it, its objects made after it."""

    def __init__(
        self,
        lines: list[tuple[ReserveLine, int]],
        *,
        reference: str,
        expires_at: datetime.datetime | None,
    ):
        self.db = database()
        self.lines, self.reference, self.expires_at = lines, reference, expires_at
        self.now = timezone.now()
        ops = self.db.ops
        row = (
            ReservationStatus.OPEN.value,
            ops.adapt_datetimefield_value(expires_at),
            ops.adapt_datetimefield_value(self.now),
            ops.adapt_datetimefield_value(self.now),
        )
        self.params: list = []
        for line, quantity in lines:
            self.params += [line.sku.pk, line.warehouse.pk, quantity, quantity, reference, *row]
        self.sql = _RESERVATION_INSERT.format(rows=", ".join([_RESERVATION_ROW] * len(lines)))
        self.keys = [(line.sku.pk, line.warehouse.pk) for line, _ in lines]
        self.listeners_sql, self.listeners_params = events.listeners_sql(self.keys)
        self.ids: dict[events.Key, int] = {}

    def run(self) -> dict[events.Key, events.Listeners]:
        """Insert (inside the caller's transaction); returns each line's listeners."""
        with hot_cursor(self.db) as cursor:
            if self.db.vendor == "postgresql":
                cursor.execute(
                    f"WITH inserted AS ({self.sql}) SELECT 'reservation', sku_id, warehouse_id,"
                    f" id FROM inserted UNION ALL {self.listeners_sql}",
                    self.params + self.listeners_params,
                )
                rows = cursor.fetchall()
            else:  # SQLite has no INSERT inside WITH: two statements
                cursor.execute(self.sql, self.params)
                rows = [("reservation", *inserted) for inserted in cursor.fetchall()]
                cursor.execute(self.listeners_sql, self.listeners_params)
                rows += cursor.fetchall()
        self.ids = {
            (sku, warehouse): pk for kind, sku, warehouse, pk in rows if kind == "reservation"
        }
        listeners = events.listeners_by_key(row for row in rows if row[0] != "reservation")
        return {key: listeners.get(key, []) for key in self.keys}

    def reservations(self) -> list[Reservation]:
        """The saved instances, sharing the caller's SKU and warehouse objects."""
        reservations = []
        for (line, quantity), key in zip(self.lines, self.keys, strict=True):
            reservation = Reservation(
                pk=self.ids[key],
                sku=line.sku,
                warehouse=line.warehouse,
                quantity=quantity,
                original_quantity=quantity,
                reference=self.reference,
                status=ReservationStatus.OPEN,
                expires_at=self.expires_at,
                created_at=self.now,
                updated_at=self.now,
            )
            reservation._state.adding = False
            reservation._state.db = self.db.alias
            reservations.append(reservation)
        return reservations


def _lock_open(reservation: Reservation) -> Reservation:
    """Lock the reservation row first (lock order: Reservation → BinStock → WarehouseStock), then
    read its status: concurrent picks and releases of one reservation queue here."""
    require_saved(reservation, Reservation, "reservation")
    locked = (
        Reservation.objects.select_for_update(of=("self",))
        .select_related("sku", "warehouse")
        .filter(pk=reservation.pk)
        .first()
    )
    if locked is None:
        raise ValidationError({"reservation": f"Unknown reservation {reservation.pk}."})
    if locked.status != ReservationStatus.OPEN:
        raise InvalidState(f"Reservation {locked.pk} is {locked.status}, not open.")
    return locked


@retry_on_contention
@transaction.atomic
def reservation_release(
    *,
    reservation: Reservation,
    quantity: int | None = None,
    status: str = ReservationStatus.RELEASED,
) -> int:
    """Give back what is still reserved (or `quantity` of it, at most what is left); returns the
    units released. WarehouseStock.reserved falls by exactly what the reservation gives up, and a
    reservation that is no longer open (released, expired, fulfilled) raises InvalidState."""
    if status not in (ReservationStatus.RELEASED, ReservationStatus.EXPIRED):
        raise ValidationError({"status": "A release ends in released or expired."})
    if quantity is not None:
        require_positive(quantity)
    locked = _lock_open(reservation)
    release = locked.quantity if quantity is None else min(quantity, locked.quantity)
    _balances.unreserve_row(sku=locked.sku, warehouse=locked.warehouse, quantity=release)
    remaining = locked.quantity - release
    Reservation.objects.filter(pk=locked.pk).update(
        quantity=F("quantity") - release,
        status=ReservationStatus.OPEN if remaining else status,
        updated_at=timezone.now(),
    )
    availability_changed(sku=locked.sku, warehouse=locked.warehouse)
    return release


@retry_on_contention
@transaction.atomic
def stock_pick(
    *,
    reservation: Reservation,
    location: Location,
    quantity: int,
    lot_number: str | None = None,
    to_location: Location | None = None,
    actor: AbstractBaseUser | None = None,
    reference: str = "",
) -> StockMovement:
    """Take reserved units out of a sellable bin: the bin, on-hand and reserved all fall by
    `quantity`, and the reservation shrinks; the units go to `to_location` (a packing station)
    when one is given, else they leave stock."""
    require_positive(quantity)
    require_stock_location(location)
    if to_location is not None:
        require_stock_location(to_location, "to_location")
    locked = _lock_open(reservation)
    if not location.sellable or location.warehouse_id != locked.warehouse_id:
        raise ValidationError(
            {"location": f"{location.code} is not a pickable bin of {locked.warehouse.code}."}
        )
    if to_location is not None and (
        to_location.sellable or to_location.warehouse_id != locked.warehouse_id
    ):
        raise ValidationError({"to_location": "Picked units go to a non-sellable place."})
    if quantity > locked.quantity:
        raise InvalidState(
            f"Only {locked.quantity} of {locked.sku.code} are still reserved; "
            f"cannot pick {quantity}."
        )
    lot = lot_resolve(sku=locked.sku, lot_number=lot_number)
    deltas = [BinDelta(locked.sku, location, lot, -quantity)]
    if to_location is not None:
        deltas.append(BinDelta(locked.sku, to_location, lot, quantity))
    _balances.apply_bin_deltas(deltas)
    _balances.pick_row(sku=locked.sku, warehouse=locked.warehouse, quantity=quantity)
    remaining = locked.quantity - quantity
    Reservation.objects.filter(pk=locked.pk).update(
        quantity=F("quantity") - quantity,
        status=ReservationStatus.OPEN if remaining else ReservationStatus.FULFILLED,
        updated_at=timezone.now(),
    )
    # Available does not change (on-hand and reserved fall together), but sync still learns of it.
    availability_changed(sku=locked.sku, warehouse=locked.warehouse)
    return _record(
        kind=MovementKind.PICK,
        sku=locked.sku,
        lot=lot,
        quantity=quantity,
        from_location=location,
        to_location=to_location,
        actor=actor,
        reference=reference or locked.reference,
    )


@retry_on_contention
@transaction.atomic
def reservation_expire(*, reservation: Reservation, now: datetime.datetime | None = None) -> bool:
    """Release a hold whose deadline has passed. The deadline is read again under the row lock:
    a hold confirmed (deadline cleared), picked or released since the sweep listed it is left
    alone, and False is returned."""
    now = now or timezone.now()
    locked = (
        Reservation.objects.select_for_update(of=("self",))
        .filter(pk=reservation.pk, status=ReservationStatus.OPEN, expires_at__lte=now)
        .first()
    )
    if locked is None:
        return False
    reservation_release(reservation=locked, status=ReservationStatus.EXPIRED)
    return True


def reservations_expire(
    *, now: datetime.datetime | None = None, exclude: QuerySet | None = None
) -> int:
    """Release every open reservation whose hold has expired; returns how many. Each is its own
    transaction so one failure does not hold back the rest. `exclude` (a query of reservation
    ids) names holds that expire some other way: an order's reservations expire only with the
    order, through its own expiry."""
    now = now or timezone.now()
    expired = Reservation.objects.filter(
        status=ReservationStatus.OPEN, expires_at__isnull=False, expires_at__lte=now
    ).only("pk")
    if exclude is not None:
        expired = expired.exclude(pk__in=exclude)
    return sum(reservation_expire(reservation=row, now=now) for row in list(expired))
