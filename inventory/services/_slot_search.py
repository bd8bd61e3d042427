"""The search behind slotting: which slot nearer packing saves a fast mover the most walking?

`NearSlots` holds one warehouse's candidate slots in travel-cost order in a segment tree; each
node keeps, over the slots still on offer beneath it, the lowest travel cost and picks per week,
the largest capacity and the fewest units held. A question is answered by branch and bound:
nodes are opened best bound first, where a node's bound, (picks of the fast mover - its lowest
picks) x (cost of the far bin - its lowest cost), is more than any slot under it can save; a node
that cannot hold the fast mover's units, or whose every slot holds more than the far bin takes,
is never opened. Taking a slot off offer is O(log n).

A question opens at most `VISIT_BUDGET` nodes and then answers the best slot found so far (only
adversarial capacities ever reach it): the run stays within seconds for 20,000 bins.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

INFINITY = float("inf")
VISIT_BUDGET = 4096


@dataclass(slots=True)
class Slot:
    """A pickable bin that is free or holds one SKU and lot (`quantity` units of it)."""

    bin_id: int
    cost: int
    capacity: int | None
    sku_id: int | None = None
    lot_id: int | None = None
    quantity: int = 0
    picks_per_week: float = 0.0  # credited to this bin (0 for a free bin or reserve stock)

    @property
    def free(self) -> bool:
        return self.sku_id is None

    @property
    def room(self) -> float:
        return INFINITY if self.capacity is None else self.capacity


class NearSlots:
    """Slots on offer as the near half of a move, in (travel cost, bin) order."""

    def __init__(self, slots: list[Slot]):
        self.slots = sorted(slots, key=lambda slot: (slot.cost, slot.bin_id))
        self.position = {slot.bin_id: index for index, slot in enumerate(self.slots)}
        size = 1
        while size < max(len(self.slots), 1):
            size *= 2
        self.size = size
        self.min_cost = [INFINITY] * (2 * size)
        self.min_picks = [INFINITY] * (2 * size)
        self.max_room = [-1.0] * (2 * size)
        self.min_held = [INFINITY] * (2 * size)
        for index, slot in enumerate(self.slots):
            leaf = size + index
            self.min_cost[leaf] = slot.cost
            self.min_picks[leaf] = slot.picks_per_week
            self.max_room[leaf] = slot.room
            self.min_held[leaf] = slot.quantity
        for node in range(size - 1, 0, -1):
            self._pull(node)

    def _pull(self, node: int) -> None:
        left, right = 2 * node, 2 * node + 1
        self.min_cost[node] = min(self.min_cost[left], self.min_cost[right])
        self.min_picks[node] = min(self.min_picks[left], self.min_picks[right])
        self.max_room[node] = max(self.max_room[left], self.max_room[right])
        self.min_held[node] = min(self.min_held[left], self.min_held[right])

    def withdraw(self, slot: Slot) -> None:
        """`slot` takes part in a move already (or is the fast mover asking): off offer."""
        node = self.size + self.position[slot.bin_id]
        self.min_cost[node] = self.min_picks[node] = self.min_held[node] = INFINITY
        self.max_room[node] = -1.0
        node //= 2
        while node:
            self._pull(node)
            node //= 2

    def best_for(self, far: Slot) -> tuple[Slot, float] | None:
        """The slot on offer, nearer than `far`, that saves most walking per week when `far`'s
        SKU moves there (swapping with a slower SKU, or into a free bin — preferred on a tie):
        `far`'s units fit it and what it holds fits `far`. None when nothing saves anything."""
        rate, cost, units, room = far.picks_per_week, far.cost, far.quantity, far.room
        best: tuple[float, bool] = (0.0, False)
        found: Slot | None = None
        heap = [(-self._bound(1, rate, cost), 1)] if self._fits(1, rate, cost, units, room) else []
        visits = 0
        while heap and visits < VISIT_BUDGET:
            negative_bound, node = heapq.heappop(heap)
            if (-negative_bound, True) <= best:
                break  # nothing left can beat (or tie with a free bin beat) the best so far
            visits += 1
            if node >= self.size:  # a slot: its bound is exactly what it saves
                slot = self.slots[node - self.size]
                if (-negative_bound, slot.free) > best:
                    best, found = (-negative_bound, slot.free), slot
                continue
            for child in (2 * node, 2 * node + 1):
                if self._fits(child, rate, cost, units, room):
                    heapq.heappush(heap, (-self._bound(child, rate, cost), child))
        return (found, best[0]) if found is not None else None

    def _bound(self, node: int, rate: float, cost: int) -> float:
        return (rate - self.min_picks[node]) * (cost - self.min_cost[node])

    def _fits(self, node: int, rate: float, cost: int, units: int, room: float) -> bool:
        return (
            self.min_cost[node] < cost
            and self.min_picks[node] < rate
            and self.max_room[node] >= units
            and self.min_held[node] <= room
        )
