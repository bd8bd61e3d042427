"""Reads of channels, orders and picks, shaped once (select_related / prefetch_related here, so
every list runs a constant number of queries whatever its length)."""

import hmac
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, F, OuterRef, Prefetch, QuerySet, Sum
from django.utils import timezone

from channels.models import (
    ChannelKey,
    ChannelWarehouse,
    Listing,
    Order,
    OrderLine,
    OrderStatus,
    PickTask,
    PickTaskStatus,
    SalesChannel,
)
from channels.services.channels import KEY_PREFIX, key_hash
from ims.kits.roles import Role, in_scope
from inventory.models import (
    CountLineStatus,
    CountOrigin,
    CycleCountLine,
    Reservation,
    ReservationStatus,
    StockMovement,
    WarehouseStock,
)


def channel_list() -> QuerySet[SalesChannel]:
    return SalesChannel.objects.prefetch_related(
        Prefetch(
            "sources",
            queryset=ChannelWarehouse.objects.select_related("warehouse").order_by(
                "priority", "id"
            ),
        )
    )


def channel_key_resolve(raw_key: str) -> ChannelKey | None:
    """The active key whose SHA-256 matches `raw_key` (format ims_<prefix>_<secret>), with its
    channel; None for anything else. One indexed query by prefix, then a constant-time compare."""
    parts = raw_key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or len(parts[1]) > 16:
        return None
    key = (
        ChannelKey.objects.select_related("channel")
        .filter(prefix=parts[1], revoked_at__isnull=True)
        .first()
    )
    if key is None or not hmac.compare_digest(key.key_hash, key_hash(raw_key)):
        return None
    return key


def listing_list() -> QuerySet[Listing]:
    return Listing.objects.select_related("channel", "sku")


def channel_availability(*, channel: SalesChannel, sku_ids: list[int]) -> dict[int, int]:
    """What `channel` may sell now of each SKU: available (on-hand - reserved) over its
    warehouses, minus its buffer, never below 0. Expired holds no longer count, even before the
    scheduled task releases them. Three queries whatever the number of SKUs."""
    warehouse_ids = list(channel.sources.values_list("warehouse_id", flat=True))
    available = defaultdict(int)
    for sku_id, units in (
        WarehouseStock.objects.filter(sku_id__in=sku_ids, warehouse_id__in=warehouse_ids)
        .values_list("sku_id")
        .annotate(units=Sum(F("on_hand") - F("reserved")))
        .order_by()
    ):
        available[sku_id] += units
    for sku_id, units in (
        Reservation.objects.filter(
            sku_id__in=sku_ids,
            warehouse_id__in=warehouse_ids,
            status=ReservationStatus.OPEN,
            expires_at__lte=timezone.now(),
        )
        .values_list("sku_id")
        .annotate(units=Sum("quantity"))
        .order_by()
    ):
        available[sku_id] += units
    return {sku_id: max(available[sku_id] - channel.buffer, 0) for sku_id in sku_ids}


def orders_in(orders: QuerySet[Order], *, warehouses=None, channel=None) -> QuerySet[Order]:
    """Orders narrowed to those with a line in `warehouses` (ids; None: all) and, for a channel
    key, to its own channel."""
    if channel is not None:
        orders = orders.filter(channel=channel)
    if warehouses is not None:
        lines = OrderLine.objects.filter(order=OuterRef("pk"), warehouse_id__in=warehouses)
        orders = orders.filter(Exists(lines))
    return orders


def order_list(*, warehouses=None, channel=None) -> QuerySet[Order]:
    orders = Order.objects.select_related("channel").prefetch_related(
        Prefetch(
            "lines",
            queryset=OrderLine.objects.select_related("sku", "warehouse").order_by(
                "position", "id"
            ),
        )
    )
    return orders_in(orders, warehouses=warehouses, channel=channel)


def order_detail(*, warehouses=None) -> QuerySet[Order]:
    """Orders with their lines (and reservations) and picks, for a detail page or endpoint."""
    orders = Order.objects.select_related("channel", "created_by").prefetch_related(
        Prefetch(
            "lines",
            queryset=OrderLine.objects.select_related("sku", "warehouse", "reservation").order_by(
                "position", "id"
            ),
        ),
        Prefetch(
            "pick_tasks", queryset=pick_task_list().order_by("warehouse_id", "sequence", "id")
        ),
    )
    return orders_in(orders, warehouses=warehouses)


def order_status_counts(*, warehouses=None) -> dict[str, int]:
    orders = orders_in(Order.objects.all(), warehouses=warehouses)
    counts = dict(orders.values_list("status").annotate(n=Count("pk")).order_by())
    return {status: counts.get(status, 0) for status in OrderStatus.values}


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    kind: str
    text: str
    actor: str = ""


def order_history(order: Order) -> list[HistoryEntry]:
    """The order's story, oldest first: intake, every ledger row carrying its reference (picks,
    found discrepancies, shipping, put-back), releases, cancellation. One query for the ledger
    (lines and picks come prefetched by `order_detail`)."""
    entries = [
        HistoryEntry(
            order.created_at,
            "reserved",
            "Reserved "
            + ", ".join(
                f"{line.quantity} x {line.sku.code} in {line.warehouse.code}"
                for line in order.lines.all()
            ),
            order.created_by.get_username() if order.created_by else order.channel.code,
        )
    ]
    for movement in (
        StockMovement.objects.filter(reference=order.reference)
        .select_related("sku", "lot", "from_location", "to_location", "actor")
        .order_by("created_at", "id")
    ):
        where = " → ".join(
            loc.code for loc in (movement.from_location, movement.to_location) if loc is not None
        )
        lot = f" lot {movement.lot.lot_number}" if movement.lot else ""
        entries.append(
            HistoryEntry(
                movement.created_at,
                movement.kind,
                f"{movement.get_kind_display()} {movement.quantity} x {movement.sku.code}{lot} "
                f"({where}){f': {movement.reason}' if movement.reason else ''}",
                movement.actor.get_username() if movement.actor else "",
            )
        )
    for line in order.lines.all():
        reservation = line.reservation
        if reservation.status in (ReservationStatus.RELEASED, ReservationStatus.EXPIRED):
            entries.append(
                HistoryEntry(
                    reservation.updated_at,
                    reservation.status,
                    f"Reservation of {line.sku.code} in {line.warehouse.code} "
                    f"{reservation.get_status_display().lower()}",
                )
            )
    for task in order.pick_tasks.all():
        if task.status == PickTaskStatus.SHORT:
            entries.append(
                HistoryEntry(
                    task.completed_at,
                    "short",
                    f"Short pick at {task.location.code}: found {task.quantity_picked} of "
                    f"{task.quantity} x {task.sku.code}",
                    task.completed_by.get_username() if task.completed_by else "",
                )
            )
    if order.cancelled_at:
        entries.append(HistoryEntry(order.cancelled_at, "cancelled", order.cancel_reason))
    if order.shipped_at:
        entries.append(HistoryEntry(order.shipped_at, "shipped", "Shipped"))
    return sorted(entries, key=lambda entry: entry.at)


def pick_task_list(*, warehouses=None) -> QuerySet[PickTask]:
    tasks = PickTask.objects.select_related(
        "order__channel",
        "sku",
        "lot",
        "location",
        "to_location",
        "warehouse",
        "assignee",
        "completed_by",
    )
    return in_scope(tasks, warehouses)


def my_picks(user) -> QuerySet[PickTask]:
    """The associate's open picks: oldest order first, each in walking order."""
    return (
        pick_task_list()
        .filter(assignee=user, status=PickTaskStatus.OPEN)
        .order_by("order__created_at", "order_id", "sequence", "id")
    )


@dataclass
class QueueRow:
    assignee: object  # a user, or None for unassigned picks
    picks: list
    units: int


def pick_queue(
    *, warehouse_id: int | None = None, warehouses=None, limit: int = 500
) -> list[QueueRow]:
    """Open picks grouped by associate (most loaded first; unassigned last), each group in the
    order its associate walks it. Associates of the warehouses with no open pick appear too.
    Two queries."""
    tasks = pick_task_list(warehouses=warehouses).filter(status=PickTaskStatus.OPEN)
    if warehouse_id:
        tasks = tasks.filter(warehouse_id=warehouse_id)
    tasks = tasks.order_by("assignee_id", "order__created_at", "order_id", "sequence", "id")
    groups: dict = {}
    for task in tasks[:limit]:
        groups.setdefault(task.assignee_id, QueueRow(task.assignee, [], 0))
        groups[task.assignee_id].picks.append(task)
        groups[task.assignee_id].units += task.quantity
    associates = get_user_model().objects.filter(
        groups__name=Role.ASSOCIATE, is_active=True, warehouses__isnull=False
    )
    if warehouse_id:
        associates = associates.filter(warehouses=warehouse_id)
    if warehouses is not None:
        associates = associates.filter(warehouses__in=warehouses)
    for person in associates.distinct().order_by("username"):
        groups.setdefault(person.pk, QueueRow(person, [], 0))
    return sorted(
        groups.values(),
        key=lambda row: (row.assignee is None, -len(row.picks), str(row.assignee or "")),
    )


def associates_of(warehouse_ids) -> dict[int, list]:
    """Active associates per warehouse (for reassigning picks). One query."""
    people = defaultdict(list)
    for person in (
        get_user_model()
        .objects.filter(groups__name=Role.ASSOCIATE, is_active=True, warehouses__in=warehouse_ids)
        .annotate(warehouse_id=F("warehouses"))
        .order_by("username")
    ):
        people[person.warehouse_id].append(person)
    return people


def count_requests_open(
    *, warehouse_id: int | None = None, warehouses=None, limit: int = 20
) -> list[CycleCountLine]:
    """Bins short picks queued for a count and not counted yet, oldest first. One query."""
    lines = CycleCountLine.objects.filter(
        status=CountLineStatus.OPEN, count__origin=CountOrigin.SHORT_PICK
    ).select_related("count", "location__warehouse", "sku")
    if warehouse_id:
        lines = lines.filter(warehouse_id=warehouse_id)
    lines = in_scope(lines, warehouses)
    return list(lines.order_by("count__created_at", "id")[:limit])


def channel_choices() -> QuerySet[SalesChannel]:
    return SalesChannel.objects.order_by("code").only("code", "name")
