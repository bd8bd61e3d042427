"""Opening cycle counts: by bin, by SKU (every bin holding it) or by zone; by hand, on the ABC
schedule (inventory.services.count_schedule), after a short pick (`count_request`), or as the
recount of a held count (inventory.services.count_posting).

A bin, SKU and lot is in at most one count at a time (a partial unique constraint on the busy
lines): a new count leaves out what another count is already counting, and two counts opened at
once for the same bin cannot both take it.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q

from ims.kits.inputs import acting_user
from ims.kits.roles import FLOOR, Role, roles_of
from inventory.models import (
    LINE_BUSY,
    BinStock,
    CountOrigin,
    CycleCount,
    CycleCountLine,
    Location,
    LocationType,
    Sku,
    Warehouse,
)
from inventory.services.stock import require_saved

LineKey = tuple[int, int, int | None]  # (location_id, sku_id, lot_id)


def count_create(
    *,
    warehouse: Warehouse,
    location: Location | None = None,
    sku: Sku | None = None,
    zone: Location | None = None,
    assignee: AbstractBaseUser | None = None,
    reason: str = "",
    reference: str = "",
    origin: str = CountOrigin.MANUAL,
    actor: AbstractBaseUser | None = None,
) -> CycleCount:
    """Open a blind count of the bins and SKUs asked for, one line per (bin, SKU, lot) on the
    books, each with the books' quantity now as its snapshot. Lines another open count holds
    are left out; when nothing is left to count, nothing is created. An empty bin may be
    counted (no lines: whatever is found there becomes one)."""
    require_saved(warehouse, Warehouse, "warehouse")
    _check_scope(warehouse, location, sku, zone)
    if assignee is not None:
        _check_assignee(warehouse, assignee)
    elif origin != CountOrigin.MANUAL:
        assignee = least_busy_associate(warehouse)
    with transaction.atomic():
        snapshot = _snapshot(warehouse, location, sku, zone)
        if not snapshot and location is None:  # an empty bin may be counted: units turn up
            raise ValidationError({_scope_field(location, sku, zone): _nothing_to_count(sku)})
        busy = _busy(snapshot)
        free = {key: quantity for key, quantity in snapshot.items() if key not in busy}
        if snapshot and not free:
            other = min(busy.values())
            raise ValidationError(
                {_scope_field(location, sku, zone): f"Already being counted in count #{other}."}
            )
        count = CycleCount.objects.create(
            warehouse=warehouse,
            origin=origin,
            reason=(reason or "").strip()[:200],
            reference=(reference or "")[:100],
            location=location,
            sku=sku,
            zone=zone,
            assignee=assignee,
            created_by=acting_user(actor),
        )
        _add_lines(count, free, _scope_field(location, sku, zone))
    return count


def recount_open(
    *, count: CycleCount, keys: list[LineKey], assignee=None, actor=None
) -> CycleCount:
    """A new blind count of exactly these lines of `count` (the ones in doubt), snapshotted
    now; `count`'s own lines must no longer be busy."""
    books = {
        (location_id, sku_id, lot_id): quantity
        for location_id, sku_id, lot_id, quantity in BinStock.objects.filter(
            location_id__in={key[0] for key in keys}, sku_id__in={key[1] for key in keys}
        ).values_list("location_id", "sku_id", "lot_id", "quantity")
    }
    recount = CycleCount.objects.create(
        warehouse=count.warehouse,
        origin=CountOrigin.RECOUNT,
        reason=f"Recount of count #{count.pk}",
        reference=count.reference,
        location=count.location,
        sku=count.sku,
        zone=count.zone,
        assignee=assignee or count.assignee,
        recount_of=count,
        created_by=acting_user(actor),
    )
    _add_lines(recount, {key: books.get(key, 0) for key in keys}, "lines")
    return recount


def count_request(
    *,
    location: Location,
    sku: Sku,
    reason: str,
    reference: str = "",
    actor: AbstractBaseUser | None = None,
) -> CycleCount:
    """Queue `sku` in `location` for a count (a short pick found the bin emptier, or fuller,
    than the books): the open count already counting it, or a new one. Runs inside the
    caller's transaction; a concurrent request for the same bin returns the count it opened."""
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the bin needs a count."})
    existing = open_count_of(location=location, sku=sku)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return count_create(
                warehouse=location.warehouse,
                location=location,
                sku=sku,
                reason=reason,
                reference=reference,
                origin=CountOrigin.SHORT_PICK,
                actor=actor,
            )
    except ValidationError:
        existing = open_count_of(location=location, sku=sku)
        if existing is None:
            raise
        return existing


def open_count_of(*, location: Location, sku: Sku) -> CycleCount | None:
    line = (
        CycleCountLine.objects.filter(location=location, sku=sku, status__in=LINE_BUSY)
        .select_related("count")
        .first()
    )
    return line.count if line else None


def _add_lines(count: CycleCount, snapshot: dict[LineKey, int], field: str) -> None:
    try:
        with transaction.atomic():
            CycleCountLine.objects.bulk_create(
                CycleCountLine(
                    count=count,
                    warehouse_id=count.warehouse_id,
                    location_id=location_id,
                    sku_id=sku_id,
                    lot_id=lot_id,
                    snapshot=quantity,
                )
                for (location_id, sku_id, lot_id), quantity in sorted(
                    snapshot.items(), key=lambda item: (item[0][0], item[0][1], item[0][2] or 0)
                )
            )
    except IntegrityError as error:  # a count opened at the same moment took a line
        raise ValidationError({field: "Another count of these bins was just opened."}) from error


def least_busy_associate(warehouse: Warehouse) -> AbstractBaseUser | None:
    """The warehouse's associate with the fewest open counts (then by name); None if it has
    none."""
    return (
        get_user_model()
        .objects.filter(groups__name=Role.ASSOCIATE, is_active=True, warehouses=warehouse)
        .annotate(open_counts=Count("cycle_counts", filter=Q(cycle_counts__status="open")))
        .order_by("open_counts", "username")
        .first()
    )


def _check_scope(warehouse, location, sku, zone) -> None:
    if location is None and sku is None and zone is None:
        raise ValidationError({"location": "Say what to count: a bin, a SKU or a zone."})
    if location is not None and zone is not None:
        raise ValidationError({"zone": "Count a bin or a zone, not both."})
    if location is not None:
        require_saved(location, Location, "location")
        if location.warehouse_id != warehouse.pk:
            raise ValidationError({"location": f"{location.code} is not in {warehouse.code}."})
        if not location.holds_stock:
            raise ValidationError(
                {"location": f"{location.code} is a zone: count it with `zone`, not `location`."}
            )
    if zone is not None:
        require_saved(zone, Location, "zone")
        if zone.warehouse_id != warehouse.pk:
            raise ValidationError({"zone": f"{zone.code} is not in {warehouse.code}."})
        if zone.type != LocationType.ZONE:
            raise ValidationError({"zone": f"{zone.code} is not a zone."})
    if sku is not None:
        require_saved(sku, Sku, "sku")


def _check_assignee(warehouse, assignee) -> None:
    works_here = warehouse.staff.filter(pk=assignee.pk).exists()
    if not (assignee.is_active and works_here and roles_of(assignee) & FLOOR):
        raise ValidationError(
            {"assignee": f"{assignee.get_username()} does not count stock in {warehouse.code}."}
        )


def _snapshot(warehouse, location, sku, zone) -> dict[LineKey, int]:
    """The books now for what is asked: rows holding units (and, for one bin and SKU, the
    bin's rows of that SKU even when empty: a short pick wrote it down)."""
    rows = BinStock.objects.filter(location__warehouse=warehouse).exclude(
        location__type=LocationType.ZONE
    )
    if location is not None:
        rows = rows.filter(location=location)
    if zone is not None:
        rows = rows.filter(location__path__startswith=zone.path)
    if sku is not None:
        rows = rows.filter(sku=sku)
    if not (location is not None and sku is not None):
        rows = rows.filter(quantity__gt=0)
    snapshot = {
        (location_id, sku_id, lot_id): quantity
        for location_id, sku_id, lot_id, quantity in rows.values_list(
            "location_id", "sku_id", "lot_id", "quantity"
        )
    }
    if not snapshot and location is not None and sku is not None:
        snapshot[(location.pk, sku.pk, None)] = 0
    return snapshot


def _busy(snapshot: dict[LineKey, int]) -> dict[LineKey, int]:
    """Which of these lines another open count holds, and its count's id. One query."""
    location_ids = {key[0] for key in snapshot}
    sku_ids = {key[1] for key in snapshot}
    return {
        (location_id, sku_id, lot_id): count_id
        for location_id, sku_id, lot_id, count_id in CycleCountLine.objects.filter(
            status__in=LINE_BUSY, location_id__in=location_ids, sku_id__in=sku_ids
        ).values_list("location_id", "sku_id", "lot_id", "count_id")
        if (location_id, sku_id, lot_id) in snapshot
    }


def _scope_field(location, sku, zone) -> str:
    return "location" if location is not None else "zone" if zone is not None else "sku"


def _nothing_to_count(sku) -> str:
    if sku is not None:
        return f"{sku.code} has no units on the books there to count."
    return "Nothing is on the books there to count."
