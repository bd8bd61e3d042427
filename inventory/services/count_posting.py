"""Submitting, approving and recounting a cycle count; posting its variances to the ledger.

On submit, with every bin row of the count locked (bins, then warehouse rows, each in key
order: the one lock order of the stock engine), each line's expected quantity is the books now:
the snapshot at count start plus every movement of that bin, SKU and lot since. A pick
confirmed while the count was open is therefore in `expected`, never erased by the count nor
counted twice; a pick confirmed while the count is being submitted waits for the lock (or the
count waits for the pick).

A variance within tolerance (`count_tolerance`) is posted at once as a `count` movement whose
reference is the count; a larger one is held for a manager (approve posts it; recount opens a
new blind count of the held lines and cancels this one). A missing unit that is promised to
orders cannot be written off a sellable bin (`reserved <= on_hand`): it stays on the books and
the line says so, until the picks find it missing (a short pick writes it down then).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef
from django.utils import timezone

from ims.kits.inputs import acting_user, is_whole
from inventory.errors import InvalidState
from inventory.events import unit_cost
from inventory.models import (
    CountLineStatus,
    CountStatus,
    CycleCount,
    CycleCountLine,
    Location,
    Lot,
    MovementKind,
    Sku,
    WarehouseStock,
)
from inventory.services._balances import stock_rows_lock
from inventory.services.contention import retry_on_contention
from inventory.services.counts import recount_open
from inventory.services.stock import lot_resolve, stock_adjust

LineKey = tuple[int, int, int | None]  # (location_id, sku_id, lot_id)
_RESULT_FIELDS = ["counted", "expected", "variance", "unit_cost", "counted_at", "status"]
_POSTING_FIELDS = ["status", "posted", "note"]


@dataclass(frozen=True)
class CountedLine:
    """What the counter found: `quantity` units of `sku` (lot) in `location`."""

    location: Location
    sku: Sku
    quantity: int
    lot_number: str | None = None


def count_tolerance(*, expected: int, variance: int, unit_cost: Decimal | None) -> bool:
    """Whether a variance may post without approval: at most `IMS_COUNT_TOLERANCE_UNITS` (2)
    units, at most `IMS_COUNT_TOLERANCE_PERCENT` (5) % of expected, and, where the unit cost is
    known, at most `IMS_COUNT_TOLERANCE_VALUE` (50.00) in value."""
    if variance == 0:
        return True
    units = int(getattr(settings, "IMS_COUNT_TOLERANCE_UNITS", 2))
    percent = Decimal(str(getattr(settings, "IMS_COUNT_TOLERANCE_PERCENT", 5)))
    value = Decimal(str(getattr(settings, "IMS_COUNT_TOLERANCE_VALUE", "50.00")))
    if abs(variance) > units or 100 * abs(variance) > percent * expected:
        return False
    return unit_cost is None or abs(variance) * unit_cost <= value


@retry_on_contention
@transaction.atomic
def count_submit(
    *, count: CycleCount, lines: list[CountedLine], actor: AbstractBaseUser | None = None
) -> CycleCount:
    """Record what was counted and post what is within tolerance. Every line of the count must
    be counted (zero is a count); a unit no line expected, in one of the count's bins, is a
    new line. Nothing changes when any line is wrong."""
    count = _lock_open(count)
    known = {
        (line.location_id, line.sku_id, line.lot_id): line
        for line in count.lines.select_related("location", "sku", "lot")
    }
    counted = _counted_by_key(count, known, lines)
    missing = [line for key, line in known.items() if key not in counted]
    if missing:
        names = ", ".join(f"{line.sku.code} in {line.location.code}" for line in missing[:5])
        raise ValidationError({"lines": f"Count every line: {names} not counted."})

    books = stock_rows_lock(
        bins=[(sku_id, location_id, lot_id) for location_id, sku_id, lot_id in counted],
        warehouses={(sku_id, count.warehouse_id) for _, sku_id, _ in counted},
    )
    costs = _unit_costs({key[1] for key in counted})
    now = timezone.now()
    found = [
        CycleCountLine(
            count=count,
            warehouse_id=count.warehouse_id,
            location_id=key[0],
            sku_id=key[1],
            lot_id=key[2],
            snapshot=books[(key[1], key[0], key[2])],
            found=True,
        )
        for key in counted
        if key not in known
    ]
    try:
        with transaction.atomic():
            CycleCountLine.objects.bulk_create(found)
    except IntegrityError as error:
        raise ValidationError(
            {"lines": "A unit found here is being counted in another open count."}
        ) from error
    for line in found:
        known[(line.location_id, line.sku_id, line.lot_id)] = line

    for key, line in sorted(known.items(), key=lambda item: item[1].pk):
        line.counted = counted[key]
        line.expected = books[(key[1], key[0], key[2])]
        line.variance = line.counted - line.expected
        line.unit_cost = costs.get(key[1])
        line.counted_at = now
        if count_tolerance(
            expected=line.expected, variance=line.variance, unit_cost=line.unit_cost
        ):
            _post(count, line, actor, now)
        else:
            line.status = CountLineStatus.HELD
    CycleCountLine.objects.bulk_update(
        list(known.values()),
        [*_RESULT_FIELDS, *_POSTING_FIELDS, "posted_at"],
    )
    held = any(line.status == CountLineStatus.HELD for line in known.values())
    count.status = CountStatus.PENDING_APPROVAL if held else CountStatus.POSTED
    count.submitted_by = acting_user(actor)
    count.submitted_at = now
    count.closed_at = None if held else now
    count.save(update_fields=["status", "submitted_by", "submitted_at", "closed_at"])
    return count


@retry_on_contention
@transaction.atomic
def count_approve(*, count: CycleCount, actor: AbstractBaseUser | None = None) -> CycleCount:
    """A manager accepts the held variances: each is posted now (as a change, so movements
    since the submit stay on the books)."""
    count = _lock(count, CountStatus.PENDING_APPROVAL, "approved")
    held = list(
        count.lines.filter(status=CountLineStatus.HELD).select_related("location", "sku", "lot")
    )
    stock_rows_lock(
        bins=[(line.sku_id, line.location_id, line.lot_id) for line in held],
        warehouses={(line.sku_id, count.warehouse_id) for line in held},
    )
    now = timezone.now()
    for line in held:
        _post(count, line, actor, now)
    CycleCountLine.objects.bulk_update(held, ["status", "posted", "note", "posted_at"])
    count.status = CountStatus.POSTED
    count.approved_by = acting_user(actor)
    count.closed_at = now
    count.save(update_fields=["status", "approved_by", "closed_at"])
    return count


@retry_on_contention
@transaction.atomic
def count_recount(
    *,
    count: CycleCount,
    assignee: AbstractBaseUser | None = None,
    actor: AbstractBaseUser | None = None,
) -> CycleCount:
    """A manager doubts the held variances: they are cancelled (never posted) with the count,
    and a new blind count of the same bins, SKUs and lots opens, snapshotted now."""
    count = _lock(count, CountStatus.PENDING_APPROVAL, "recounted")
    held = list(count.lines.filter(status=CountLineStatus.HELD).order_by("pk"))
    count.lines.filter(status=CountLineStatus.HELD).update(status=CountLineStatus.CANCELLED)
    count.status = CountStatus.CANCELLED
    count.closed_at = timezone.now()
    count.save(update_fields=["status", "closed_at"])
    return recount_open(
        count=count,
        keys=[(line.location_id, line.sku_id, line.lot_id) for line in held],
        assignee=assignee,
        actor=actor,
    )


def _post(count: CycleCount, line: CycleCountLine, actor, now) -> None:
    """Post the line's variance as a `count` movement (rows already locked)."""
    line.status = CountLineStatus.POSTED
    line.posted_at = now
    change = line.variance
    if change < 0 and line.location.sellable:
        on_hand, reserved = WarehouseStock.objects.filter(
            sku_id=line.sku_id, warehouse_id=count.warehouse_id
        ).values_list("on_hand", "reserved")[0]
        takeable = max(on_hand - reserved, 0)
        if -change > takeable:
            kept = -change - takeable
            line.note = (
                f"{kept} missing units are promised to orders: they stay on the books until "
                "their picks find them missing."
            )
            change = -takeable
    line.posted = change
    if change:
        stock_adjust(
            sku=line.sku,
            location=line.location,
            quantity=change,
            lot_number=line.lot.lot_number if line.lot_id else None,
            reason=f"Count #{count.pk}: counted {line.counted}, expected {line.expected}",
            actor=actor,
            reference=count.reference_text,
            kind=MovementKind.COUNT,
        )


def _counted_by_key(
    count: CycleCount, known: dict[LineKey, CycleCountLine], lines: list[CountedLine]
) -> dict[LineKey, int]:
    """Each submitted line by its key, checked: a whole, non-negative quantity; a bin of the
    count; a lot the SKU takes; no line twice."""
    places = _places(count, known)
    counted: dict[LineKey, int] = {}
    for index, entry in enumerate(lines):
        field = f"lines[{index}]"
        if entry.location.warehouse_id != count.warehouse_id or entry.location.pk not in places:
            raise ValidationError(
                {f"{field}.location": f"{entry.location.code} is not counted here."}
            )
        if not is_whole(entry.quantity) or entry.quantity < 0:
            raise ValidationError({f"{field}.quantity": "Must be a whole number, zero or more."})
        lot = _lot(entry, field)
        key = (entry.location.pk, entry.sku.pk, lot.pk if lot else None)
        if key in counted:
            raise ValidationError(
                {field: f"{entry.sku.code} in {entry.location.code} is counted twice."}
            )
        counted[key] = entry.quantity
    return counted


def _lot(entry: CountedLine, field: str) -> Lot | None:
    try:  # a lot nobody has heard of may turn up in the bin: it is made when it is posted
        return lot_resolve(sku=entry.sku, lot_number=entry.lot_number, create=entry.quantity > 0)
    except ValidationError as error:
        raise ValidationError({f"{field}.lot": error.message_dict["lot"]}) from error


def _places(count: CycleCount, known: dict[LineKey, CycleCountLine]) -> set[int]:
    """The bins a found unit may be in: the counted bin, the zone's bins, or the SKU's bins."""
    if count.location_id:
        return {count.location_id}
    if count.zone_id:
        return set(
            Location.objects.filter(
                warehouse_id=count.warehouse_id, path__startswith=count.zone.path
            ).values_list("pk", flat=True)
        )
    return {key[0] for key in known}


def _unit_costs(sku_ids: set[int]) -> dict[int, Decimal]:
    rows = Sku.objects.filter(pk__in=sku_ids).annotate(cost=unit_cost(OuterRef("pk")))
    return {pk: cost for pk, cost in rows.values_list("pk", "cost") if cost is not None}


def _lock_open(count: CycleCount) -> CycleCount:
    return _lock(count, CountStatus.OPEN, "submitted")


def _lock(count: CycleCount, status: str, verb: str) -> CycleCount:
    locked = (
        CycleCount.objects.select_for_update(of=("self",))
        .select_related("warehouse", "zone")
        .get(pk=count.pk)
    )
    if locked.status != status:
        raise InvalidState(
            f"Count #{locked.pk} is {locked.get_status_display().lower()}: it cannot be {verb}."
        )
    return locked
