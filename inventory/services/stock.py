"""Stock services: every physical change of units (receive, adjust, move, put-away, pick).

Each is atomic and writes its ledger row (StockMovement) in the same transaction as the balance
change. Moving units between a sellable bin and a non-sellable place changes on-hand.
"""

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model

from ims.kits.inputs import acting_user, is_whole
from inventory.events import availability_changed
from inventory.models import Location, Lot, MovementKind, Sku, StockMovement
from inventory.services import _balances
from inventory.services._balances import BinDelta
from inventory.services.contention import retry_on_contention


def require_positive(quantity, field: str = "quantity") -> int:
    if not is_whole(quantity):
        raise ValidationError({field: "Must be a whole number of units."})
    if quantity <= 0:
        raise ValidationError({field: "Must be greater than zero."})
    return quantity


def require_saved(instance, model: type[Model], field: str):
    """Services take model instances; one that is not a saved row of `model` is unknown input.
    (A row deleted after it was read is refused by its foreign keys when the change commits.)"""
    if not isinstance(instance, model) or instance.pk is None:
        raise ValidationError({field: f"Unknown {model._meta.verbose_name}."})
    return instance


def require_stock_location(location: Location, field: str = "location") -> Location:
    require_saved(location, Location, field)
    if not location.holds_stock:
        raise ValidationError(
            {
                field: f"{location.code} is a {location.get_type_display().lower()}: "
                "only bins, docks, quarantine and packing locations hold stock."
            }
        )
    return location


def lot_resolve(
    *, sku: Sku, lot_number: str | None, expiry: datetime.date | None = None, create: bool = False
) -> Lot | None:
    """The lot a change applies to. Lot-tracked SKUs need one; other SKUs take none."""
    require_saved(sku, Sku, "sku")
    lot_number = (lot_number or "").strip()
    if not sku.lot_tracked:
        if lot_number:
            raise ValidationError({"lot": f"{sku.code} is not lot-tracked; leave the lot empty."})
        return None
    if not lot_number:
        raise ValidationError({"lot": f"{sku.code} is lot-tracked: a lot number is required."})
    if not create:
        lot = Lot.objects.filter(sku=sku, lot_number=lot_number).first()
        if lot is None:
            raise ValidationError({"lot": f"{sku.code} has no lot {lot_number}."})
        return lot
    lot, created = Lot.objects.get_or_create(
        sku=sku, lot_number=lot_number, defaults={"expiry": expiry}
    )
    if not created and expiry and lot.expiry and lot.expiry != expiry:
        raise ValidationError(
            {"expiry": f"Lot {lot_number} of {sku.code} expires {lot.expiry}, not {expiry}."}
        )
    if not created and expiry and lot.expiry is None:
        Lot.objects.filter(pk=lot.pk).update(expiry=expiry)
        lot.expiry = expiry
    return lot


def _record(
    *,
    kind: str,
    sku: Sku,
    lot: Lot | None,
    quantity: int,
    from_location: Location | None = None,
    to_location: Location | None = None,
    actor: AbstractBaseUser | None,
    reason: str = "",
    reference: str = "",
) -> StockMovement:
    if kind not in MovementKind.values:
        raise ValidationError({"kind": f"{kind!r} is not a kind of stock movement."})
    warehouse = (from_location or to_location).warehouse
    return StockMovement.objects.create(
        kind=kind,
        sku=sku,
        warehouse=warehouse,
        lot=lot,
        quantity=quantity,
        from_location=from_location,
        to_location=to_location,
        actor=acting_user(actor),
        reason=reason[:200],
        reference=reference[:100],
    )


@retry_on_contention
@transaction.atomic
def stock_receive(
    *,
    sku: Sku,
    location: Location,
    quantity: int,
    lot_number: str | None = None,
    expiry: datetime.date | None = None,
    actor: AbstractBaseUser | None = None,
    reference: str = "",
    reason: str = "",
    kind: str = MovementKind.RECEIVE,
) -> StockMovement:
    """Units arrive into a leaf location (usually the dock). Lot-tracked SKUs need a lot."""
    require_positive(quantity)
    require_stock_location(location)
    lot = lot_resolve(sku=sku, lot_number=lot_number, expiry=expiry, create=True)
    _balances.apply_bin_deltas([BinDelta(sku, location, lot, quantity)])
    if location.sellable:
        _balances.on_hand_add(sku=sku, warehouse=location.warehouse, quantity=quantity)
        availability_changed(sku=sku, warehouse=location.warehouse)
    return _record(
        kind=kind,
        sku=sku,
        lot=lot,
        quantity=quantity,
        to_location=location,
        actor=actor,
        reason=reason,
        reference=reference,
    )


@retry_on_contention
@transaction.atomic
def stock_adjust(
    *,
    sku: Sku,
    location: Location,
    quantity: int,
    reason: str,
    lot_number: str | None = None,
    expiry: datetime.date | None = None,
    actor: AbstractBaseUser | None = None,
    reference: str = "",
    kind: str = MovementKind.ADJUST,
) -> StockMovement:
    """A signed correction at one location (found, damaged, counted). A decrease can take only
    units that are there and, in a sellable bin, not promised to orders."""
    if not is_whole(quantity) or quantity == 0:
        raise ValidationError({"quantity": "Must be a non-zero whole number (a signed change)."})
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the stock changes."})
    require_stock_location(location)
    lot = lot_resolve(sku=sku, lot_number=lot_number, expiry=expiry, create=quantity > 0)
    _balances.apply_bin_deltas([BinDelta(sku, location, lot, quantity)])
    if location.sellable:
        if quantity > 0:
            _balances.on_hand_add(sku=sku, warehouse=location.warehouse, quantity=quantity)
        else:
            _balances.on_hand_remove(sku=sku, warehouse=location.warehouse, quantity=-quantity)
        availability_changed(sku=sku, warehouse=location.warehouse)
    inward = quantity > 0
    return _record(
        kind=kind,
        sku=sku,
        lot=lot,
        quantity=abs(quantity),
        to_location=location if inward else None,
        from_location=None if inward else location,
        actor=actor,
        reason=reason,
        reference=reference,
    )


@retry_on_contention
@transaction.atomic
def stock_move(
    *,
    sku: Sku,
    from_location: Location,
    to_location: Location,
    quantity: int,
    lot_number: str | None = None,
    actor: AbstractBaseUser | None = None,
    reason: str = "",
    reference: str = "",
    kind: str = MovementKind.MOVE,
) -> StockMovement:
    """Units change place inside one warehouse. Leaving sellable bins for a non-sellable place
    (quarantine, packing) lowers on-hand, and only available units may leave; the reverse
    (put-away from the dock) raises it."""
    require_positive(quantity)
    require_stock_location(from_location, "from_location")
    require_stock_location(to_location, "to_location")
    if from_location.pk == to_location.pk:
        raise ValidationError({"to_location": "The units are already there."})
    if from_location.warehouse_id != to_location.warehouse_id:
        raise ValidationError({"to_location": "Both locations must be in the same warehouse."})
    lot = lot_resolve(sku=sku, lot_number=lot_number)
    _balances.apply_bin_deltas(
        [BinDelta(sku, from_location, lot, -quantity), BinDelta(sku, to_location, lot, quantity)]
    )
    warehouse = from_location.warehouse
    if from_location.sellable and not to_location.sellable:
        _balances.on_hand_remove(sku=sku, warehouse=warehouse, quantity=quantity)
        availability_changed(sku=sku, warehouse=warehouse)
    elif to_location.sellable and not from_location.sellable:
        _balances.on_hand_add(sku=sku, warehouse=warehouse, quantity=quantity)
        availability_changed(sku=sku, warehouse=warehouse)
    return _record(
        kind=kind,
        sku=sku,
        lot=lot,
        quantity=quantity,
        from_location=from_location,
        to_location=to_location,
        actor=actor,
        reason=reason,
        reference=reference,
    )


def stock_ship(
    *,
    sku: Sku,
    location: Location,
    quantity: int,
    reason: str,
    lot_number: str | None = None,
    actor: AbstractBaseUser | None = None,
    reference: str = "",
) -> StockMovement:
    """Units leave the warehouse for a customer, from where they were packed (the packing
    station, or the bin when the warehouse has none): a `ship` ledger row."""
    require_positive(quantity)
    return stock_adjust(
        sku=sku,
        location=location,
        quantity=-quantity,
        reason=reason,
        lot_number=lot_number,
        actor=actor,
        reference=reference,
        kind=MovementKind.SHIP,
    )


def stock_return(
    *,
    sku: Sku,
    to_location: Location,
    quantity: int,
    reason: str,
    from_location: Location | None = None,
    lot_number: str | None = None,
    actor: AbstractBaseUser | None = None,
    reference: str = "",
) -> StockMovement:
    """Units go back to a bin: from `from_location` (the packing station they were picked to),
    or, when they had left stock (picked without a packing station), into the books again. A
    `return` ledger row; in a sellable bin they are on sale again."""
    if from_location is not None:
        return stock_move(
            sku=sku,
            from_location=from_location,
            to_location=to_location,
            quantity=quantity,
            lot_number=lot_number,
            actor=actor,
            reason=reason,
            reference=reference,
            kind=MovementKind.RETURN,
        )
    return stock_receive(
        sku=sku,
        location=to_location,
        quantity=quantity,
        lot_number=lot_number,
        actor=actor,
        reason=reason,
        reference=reference,
        kind=MovementKind.RETURN,
    )
