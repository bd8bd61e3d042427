"""Slotting recommendations: moves that bring fast movers nearer the packing stations.

Recomputed whenever velocity is (the nightly task, `POST /velocity/recompute/`): a run
supersedes the warehouse's open recommendations and writes new ones, in one transaction that
holds the warehouse rows (FOR NO KEY UPDATE), so two runs for one warehouse never both leave
open recommendations. A run reads what it needs in a fixed number of queries (`values_list`
rows, no model instances), whatever the number of SKUs and bins, and decides in memory
(inventory/services/_slot_search.py): 100,000 SKUs in 20,000 bins take 2.5-3.5 s on
PostgreSQL (bench/accuracy.py).

The model, per warehouse:
- Picks per week = picks_90d / 90 x 7. The 90-day window rather than the 30-day one: it is what
  the ABC classes rank by, and a move costs an associate's time, so one busy month should not
  send stock back and forth; a new SKU is under-rated for its first weeks and then catches up.
- A slot is a pickable bin (type `bin`) that is empty or holds exactly one SKU and lot. Bins
  holding several SKUs or lots are left out (moving part of a mixed bin is re-organising, not
  slotting), and so are bins an open move task already names (they are changing).
- A SKU's picks are credited to the nearest bin holding it, since picking takes the shortest
  walk; its other bins are reserve stock and count as slow (0 picks per week).
- Greedy, best first: the fastest movers first, each paired with the slot nearer packing that
  saves it the most walking — free, or holding a slower SKU (a swap) — where capacity holds:
  the fast SKU's units fit the near bin, and for a swap the slow SKU's units fit the far bin
  (capacity None: unlimited). The most walking, not merely the nearest slot: the nearest may
  hold a SKU nearly as fast, and swapping with it would save next to nothing while a free bin
  one step further saves much. A free bin wins a tie (one task instead of two).
- walk_saved_per_week = (picks/week of the fast SKU - picks/week of the slow one, 0 for a free
  bin) x (cost of the far bin - cost of the near one); only positive savings are recommended.
  Each bin takes part in at most one recommendation; of the pairs found, the
  `IMS_SLOTTING_MAX_RECOMMENDATIONS` (50) that save most are kept.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from inventory.models import (
    BinStock,
    Location,
    LocationType,
    MoveTask,
    MoveTaskStatus,
    RecommendationStatus,
    SkuVelocity,
    SlottingRecommendation,
    Warehouse,
)
from inventory.services._slot_search import NearSlots, Slot
from inventory.services.velocity import velocity_recompute

DAYS_PER_WEEK = 7
VELOCITY_WINDOW_DAYS = 90
CENTS = Decimal("0.01")


def max_recommendations() -> int:
    return int(getattr(settings, "IMS_SLOTTING_MAX_RECOMMENDATIONS", 50))


@dataclass(frozen=True)
class Pair:
    far: Slot  # the fast mover's bin
    near: Slot  # free, or holding the slower SKU that swaps out
    saved: Decimal  # walk saved per week, in travel-cost units


def velocity_and_slotting_recompute(
    *, warehouses: list[int] | None = None, now: datetime.datetime | None = None
) -> dict[str, int]:
    """Recompute velocity and ABC classes, then the slotting recommendations that follow from
    them (the nightly task, the API and the Velocity screen all do both); the SKUs per class."""
    counts = velocity_recompute(warehouses=warehouses, now=now)
    slotting_recommend(warehouses=warehouses, now=now)
    return counts


@transaction.atomic
def slotting_recommend(
    *, warehouses: list[int] | None = None, now: datetime.datetime | None = None
) -> dict[int, int]:
    """Replace the open recommendations of `warehouses` (ids; None: every warehouse) with new
    ones from the stored velocity and today's bins. Returns how many were made per warehouse.
    A constant number of queries: lock, supersede, four reads, one bulk insert."""
    now = now or timezone.now()
    locked = Warehouse.objects.select_for_update(no_key=True).order_by("pk")
    if warehouses is not None:
        locked = locked.filter(pk__in=warehouses)
    ids = list(locked.values_list("pk", flat=True))
    SlottingRecommendation.objects.filter(
        warehouse_id__in=ids, status=RecommendationStatus.OPEN
    ).update(status=RecommendationStatus.SUPERSEDED)
    slots = _slots_by_warehouse(ids)
    made: dict[int, int] = dict.fromkeys(ids, 0)
    rows = []
    for warehouse_id, warehouse_slots in slots.items():
        for pair in recommend_pairs(warehouse_slots)[: max_recommendations()]:
            rows.append(_recommendation(warehouse_id, pair, now))
            made[warehouse_id] += 1
    SlottingRecommendation.objects.bulk_create(rows, batch_size=500)
    return made


def recommend_pairs(slots: list[Slot]) -> list[Pair]:
    """One warehouse's moves, most walking saved first (see the module docstring)."""
    offer = NearSlots(slots)
    fast = sorted(
        (slot for slot in slots if slot.picks_per_week > 0),
        key=lambda slot: (-slot.picks_per_week, -slot.cost, slot.bin_id),
    )
    taken: set[int] = set()
    pairs = []
    for far in fast:
        if far.bin_id in taken:
            continue  # already the near half of a faster SKU's move
        offer.withdraw(far)
        answer = offer.best_for(far)
        if answer is None:
            continue
        near, saved = answer
        saved = Decimal(saved).quantize(CENTS, rounding=ROUND_HALF_UP)
        if saved <= 0:
            continue
        offer.withdraw(near)
        taken.add(near.bin_id)
        pairs.append(Pair(far=far, near=near, saved=saved))
    pairs.sort(key=lambda pair: (-pair.saved, pair.far.cost, pair.far.bin_id))
    return pairs


def _slots_by_warehouse(warehouse_ids: list[int]) -> dict[int, list[Slot]]:
    """Each warehouse's slots, with what they hold and the picks credited to them."""
    bins = Location.objects.filter(warehouse_id__in=warehouse_ids, type=LocationType.BIN)
    places = {
        pk: (warehouse_id, cost, capacity)
        for pk, warehouse_id, cost, capacity in bins.values_list(
            "pk", "warehouse_id", "travel_cost", "capacity"
        )
    }
    held: dict[int, list[tuple[int, int | None, int]]] = defaultdict(list)
    for location_id, sku_id, lot_id, quantity in BinStock.objects.filter(
        location__warehouse_id__in=warehouse_ids,
        location__type=LocationType.BIN,
        quantity__gt=0,
    ).values_list("location_id", "sku_id", "lot_id", "quantity"):
        held[location_id].append((sku_id, lot_id, quantity))
    busy = set()
    for source, target in MoveTask.objects.filter(
        warehouse_id__in=warehouse_ids, status=MoveTaskStatus.OPEN
    ).values_list("from_location_id", "to_location_id"):
        busy.update((source, target))
    rates = {
        (warehouse_id, sku_id): picks * DAYS_PER_WEEK / VELOCITY_WINDOW_DAYS
        for warehouse_id, sku_id, picks in SkuVelocity.objects.filter(
            warehouse_id__in=warehouse_ids, picks_90d__gt=0
        ).values_list("warehouse_id", "sku_id", "picks_90d")
    }
    return _slots(places, held, busy, rates)


def _slots(places, held, busy, rates) -> dict[int, list[Slot]]:
    # Picking takes the shortest walk: the nearest bin holding a SKU gets its picks.
    nearest: dict[tuple[int, int], tuple[int, int]] = {}
    for location_id, contents in held.items():
        warehouse_id, cost, _ = places[location_id]
        for sku_id, _, _ in contents:
            key = (warehouse_id, sku_id)
            nearest[key] = min(nearest.get(key, (cost, location_id)), (cost, location_id))
    slots: dict[int, list[Slot]] = defaultdict(list)
    for location_id, (warehouse_id, cost, capacity) in places.items():
        contents = held.get(location_id, [])
        if location_id in busy or len(contents) > 1:
            continue  # changing under an open move task, or mixed
        slot = Slot(bin_id=location_id, cost=cost, capacity=capacity)
        if contents:
            (sku_id, lot_id, quantity) = contents[0]
            key = (warehouse_id, sku_id)
            slot.sku_id, slot.lot_id, slot.quantity = sku_id, lot_id, quantity
            if nearest[key][1] == location_id:
                slot.picks_per_week = rates.get(key, 0.0)
        slots[warehouse_id].append(slot)
    return slots


def _recommendation(warehouse_id: int, pair: Pair, now) -> SlottingRecommendation:
    far, near = pair.far, pair.near
    return SlottingRecommendation(
        warehouse_id=warehouse_id,
        sku_id=far.sku_id,
        lot_id=far.lot_id,
        quantity=far.quantity,
        from_location_id=far.bin_id,
        to_location_id=near.bin_id,
        swap_sku_id=near.sku_id,
        swap_lot_id=near.lot_id,
        swap_quantity=near.quantity,
        walk_saved_per_week=pair.saved,
        status=RecommendationStatus.OPEN,
        computed_at=now,
    )
