"""An order's life after intake: cancel, hold expiry, confirming a hold, shipping, put-back.

States: reserved → picking → picked → shipped; reserved, picking or picked → cancelled.
Every write locks the Order row first (Order → PickTask → Reservation → BinStock →
WarehouseStock), so a cancel and a pick of the same order queue instead of interleaving.

Cancelled orders give back at once what is still reserved. Units already picked are physically
at the packing station, so they stay there (not sellable) until someone puts them back:
`order_put_back` moves them to the bins they came from with a `return` ledger row.
"""

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from channels.models import (
    OPEN_ORDER_STATUSES,
    Order,
    OrderStatus,
    PickTask,
    PickTaskStatus,
)
from ims.kits.inputs import acting_user
from inventory.errors import InvalidState
from inventory.models import (
    BinStock,
    Reservation,
    ReservationStatus,
    WarehouseStock,
)
from inventory.services import (
    reservation_release,
    retry_on_contention,
    stock_return,
    stock_ship,
)

HOLD_EXPIRED = "The unpaid hold expired."


def _lock(order: Order | int) -> Order:
    pk = order if isinstance(order, int) else order.pk
    return Order.objects.select_for_update(no_key=True).select_related("channel").get(pk=pk)


def _warehouse_row_order(reservations: list[Reservation]):
    """Sort key: the primary key of each reservation's WarehouseStock row, the one order in
    which every transaction changes several of those rows."""
    keys = {(r.sku_id, r.warehouse_id) for r in reservations}
    if len(keys) < 2:
        return lambda r: 0
    condition = Q()
    for sku_id, warehouse_id in keys:
        condition |= Q(sku_id=sku_id, warehouse_id=warehouse_id)
    row_pk = {
        (sku_id, warehouse_id): pk
        for pk, sku_id, warehouse_id in WarehouseStock.objects.filter(condition).values_list(
            "pk", "sku_id", "warehouse_id"
        )
    }
    return lambda r: row_pk.get((r.sku_id, r.warehouse_id), 0)


@retry_on_contention
@transaction.atomic
def order_cancel(
    *,
    order: Order,
    reason: str = "",
    actor: AbstractBaseUser | None = None,
    release_status: str = ReservationStatus.RELEASED,
) -> Order:
    """Cancel an order that has not shipped: open picks are dropped and every unit still
    reserved is released (available again at once). Picked units wait at packing for
    `order_put_back`. Cancelling a cancelled order changes nothing."""
    order = _lock(order)
    if order.status == OrderStatus.CANCELLED:
        return order
    if order.status not in OPEN_ORDER_STATUSES:
        raise InvalidState(f"Order {order.pk} is {order.status}: it can no longer be cancelled.")
    PickTask.objects.filter(order=order, status=PickTaskStatus.OPEN).update(
        status=PickTaskStatus.CANCELLED, completed_at=timezone.now()
    )
    # All of the order's reservations locked up front, in primary-key order.
    reservations = list(
        Reservation.objects.select_for_update(of=("self",))
        .filter(order_line__order=order, status=ReservationStatus.OPEN)
        .order_by("pk")
    )
    for reservation in sorted(reservations, key=_warehouse_row_order(reservations)):
        if reservation.quantity:
            reservation_release(reservation=reservation, status=release_status)
    now = timezone.now()
    Order.objects.filter(pk=order.pk).update(
        status=OrderStatus.CANCELLED,
        cancelled_at=now,
        updated_at=now,
        cancel_reason=(reason or "Cancelled.").strip()[:200],
    )
    order.refresh_from_db()
    return order


@retry_on_contention
@transaction.atomic
def order_expire(*, order_id: int, now: datetime.datetime | None = None) -> bool:
    """Cancel an order whose unpaid hold has expired; False when it is no longer due (it was
    confirmed, cancelled or shipped meanwhile)."""
    now = now or timezone.now()
    order = _lock(order_id)
    if (
        order.expires_at is None
        or order.expires_at > now
        or order.status not in OPEN_ORDER_STATUSES
    ):
        return False
    order_cancel(order=order, reason=HOLD_EXPIRED, release_status=ReservationStatus.EXPIRED)
    return True


def orders_expire(*, now: datetime.datetime | None = None) -> int:
    """Release every expired hold (the scheduled task); returns how many orders expired. Each
    order is its own transaction, so one failure does not hold back the rest."""
    now = now or timezone.now()
    due = Order.objects.filter(expires_at__lte=now, status__in=OPEN_ORDER_STATUSES).values_list(
        "pk", flat=True
    )
    return sum(order_expire(order_id=pk, now=now) for pk in list(due))


@retry_on_contention
@transaction.atomic
def order_confirm(*, order: Order) -> Order:
    """Turn an unpaid hold into a firm order: its reservations no longer expire."""
    order = _lock(order)
    if order.status not in OPEN_ORDER_STATUSES:
        raise InvalidState(f"Order {order.pk} is {order.status}: there is no hold to confirm.")
    if order.expires_at is None:
        return order
    if order.expires_at <= timezone.now():
        raise InvalidState(f"The hold on order {order.pk} has expired; its units are released.")
    # Only the hold's deadline changes, not a quantity: no balance or ledger row is involved.
    Reservation.objects.filter(order_line__order=order, status=ReservationStatus.OPEN).update(
        expires_at=None, updated_at=timezone.now()
    )
    Order.objects.filter(pk=order.pk).update(expires_at=None, updated_at=timezone.now())
    order.refresh_from_db()
    return order


@retry_on_contention
@transaction.atomic
def order_ship(*, order: Order, actor: AbstractBaseUser | None = None) -> Order:
    """Ship a picked order: its units leave the packing station with `ship` ledger rows.
    Only a picked order ships (InvalidState otherwise)."""
    actor = acting_user(actor)
    order = _lock(order)
    if order.status != OrderStatus.PICKED:
        raise InvalidState(
            f"Order {order.pk} is {order.status}: only a picked order can be shipped."
        )
    at_packing = (
        PickTask.objects.filter(order=order, quantity_picked__gt=0, to_location__isnull=False)
        .values("sku_id", "lot_id", "to_location_id")
        .annotate(units=Sum("quantity_picked"))
        .order_by()
    )
    groups = {(g["sku_id"], g["lot_id"], g["to_location_id"]): g["units"] for g in at_packing}
    # Take the packing rows in BinStock primary-key order, like every other multi-row change
    # (packing rows are not sellable: no warehouse row changes).
    rows = sorted(
        (
            row
            for row in BinStock.objects.filter(
                location_id__in={k[2] for k in groups}, sku_id__in={k[0] for k in groups}
            ).select_related("sku", "lot", "location")
            if (row.sku_id, row.lot_id, row.location_id) in groups
        ),
        key=lambda row: row.pk,
    )
    for row in rows:
        stock_ship(
            sku=row.sku,
            location=row.location,
            quantity=groups[(row.sku_id, row.lot_id, row.location_id)],
            lot_number=row.lot.lot_number if row.lot else None,
            reason=f"Shipped {order.channel.code} order {order.external_id}",
            actor=actor,
            reference=order.reference,
        )
    now = timezone.now()
    Order.objects.filter(pk=order.pk).update(
        status=OrderStatus.SHIPPED, shipped_at=now, updated_at=now
    )
    order.refresh_from_db()
    return order


@retry_on_contention
@transaction.atomic
def pick_task_put_back(*, task: PickTask, actor: AbstractBaseUser | None = None) -> PickTask:
    """Return the units a pick of a cancelled order took to the bin they came from (`return`
    ledger row; sellable again). Putting back twice does nothing."""
    actor = acting_user(actor)
    order = _lock(task.order_id)
    if order.status != OrderStatus.CANCELLED:
        raise InvalidState(f"Order {order.pk} is {order.status}: only cancelled orders go back.")
    task = (
        PickTask.objects.select_for_update(no_key=True, of=("self",))
        .select_related("sku", "lot", "location", "to_location")
        .get(pk=task.pk)
    )
    if task.put_back_at is not None or not task.quantity_picked:
        return task
    lot_number = task.lot.lot_number if task.lot else None
    reason = f"Put back: {order.channel.code} order {order.external_id} was cancelled"
    stock_return(
        sku=task.sku,
        from_location=task.to_location,  # None: picked units had left stock, they come back in
        to_location=task.location,
        quantity=task.quantity_picked,
        lot_number=lot_number,
        actor=actor,
        reason=reason,
        reference=order.reference,
    )
    PickTask.objects.filter(pk=task.pk).update(put_back_at=timezone.now())
    task.refresh_from_db()
    return task


def order_put_back(*, order: Order, actor: AbstractBaseUser | None = None) -> int:
    """Put back every picked unit of a cancelled order; returns the units put back. One
    transaction per pick (each moves one SKU between two bins), so no transaction holds a
    WarehouseStock row while it waits for another bin."""
    order = Order.objects.get(pk=order.pk)
    if order.status != OrderStatus.CANCELLED:
        raise InvalidState(f"Order {order.pk} is {order.status}: only cancelled orders go back.")
    units = 0
    for task in PickTask.objects.filter(
        order=order, quantity_picked__gt=0, put_back_at__isnull=True
    ).order_by("pk"):
        pick_task_put_back(task=task, actor=actor)
        units += task.quantity_picked
    return units
