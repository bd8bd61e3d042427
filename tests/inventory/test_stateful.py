"""Random sequences of receive / adjust / move / reserve / release / pick / count against a
pure-Python model of the books. After every step the database must equal the model, every
invariant must hold and stock_drift() must be empty. A refused step must change nothing (the
model does not move).

Each Hypothesis example runs inside a savepoint opened in __init__ and rolled back in teardown(),
so it works inside pytest-django's `db` transaction on SQLite and PostgreSQL alike.
"""

from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from inventory.audit import stock_drift
from inventory.errors import InsufficientStock, InvalidState
from inventory.models import (
    BinStock,
    LocationType,
    Lot,
    MoveTask,
    Reservation,
    ReservationStatus,
    StockMovement,
    WarehouseStock,
)
from inventory.services import (
    ReserveLine,
    location_create,
    reservation_release,
    sku_create,
    stock_adjust,
    stock_move,
    stock_pick,
    stock_receive,
    stock_reserve,
    warehouse_create,
)
from inventory.services.count_posting import (
    CountedLine,
    count_approve,
    count_recount,
    count_submit,
    count_tolerance,
)
from inventory.services.counts import count_create
from inventory.services.move_tasks import move_task_complete

WAREHOUSES = ("W1", "W2")
SKUS = ("S1", "S2", "LOT")  # LOT is lot-tracked
LEAVES = {"B1": LocationType.BIN, "B2": LocationType.BIN, "B3": LocationType.BIN}
LEAVES |= {
    "DOCK": LocationType.DOCK,
    "QUAR": LocationType.QUARANTINE,
    "PACK": LocationType.PACKING,
}
SELLABLE = {code for code, kind in LEAVES.items() if kind == LocationType.BIN}
BINS = sorted(SELLABLE)

skus = st.sampled_from(SKUS)
warehouses = st.sampled_from(WAREHOUSES)
leaves = st.sampled_from(sorted(LEAVES))
lots = st.sampled_from(["L1", "L2"])


class World:
    """The fixed catalog and places, built once per test; examples only add stock to it."""

    def __init__(self):
        self.sku = {
            code: sku_create(code=code, name=code, lot_tracked=code == "LOT") for code in SKUS
        }
        self.warehouse, self.place = {}, {}
        for wh_code in WAREHOUSES:
            wh = self.warehouse[wh_code] = warehouse_create(code=wh_code, name=wh_code)
            zone = location_create(warehouse=wh, code="Z", type=LocationType.ZONE)
            for code, kind in LEAVES.items():
                self.place[wh_code, code] = location_create(
                    warehouse=wh, code=code, type=kind, parent=zone if kind == "bin" else None
                )
        self.code = {sku.pk: code for code, sku in self.sku.items()}
        self.code |= {("wh", wh.pk): code for code, wh in self.warehouse.items()}
        self.code |= {("loc", loc.pk): key for key, loc in self.place.items()}


class StockMachine(RuleBasedStateMachine):
    reservations = Bundle("reservations")

    def __init__(self, world: "World"):
        super().__init__()
        self.sku, self.warehouse, self.place = world.sku, world.warehouse, world.place
        self.world_code = world.code
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        # The model: units per (sku, warehouse, location, lot); reservations by pk.
        self.bins: Counter = Counter()
        self.open: dict[int, list] = {}  # pk -> [sku, warehouse, remaining, status]
        self.lots: set[tuple[str, str]] = set()
        self.movements = 0

    def teardown(self):
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    # --- the model's arithmetic ---

    def on_hand(self, sku: str, wh: str) -> int:
        return sum(
            q for (s, w, loc, _), q in self.bins.items() if (s, w) == (sku, wh) and loc in SELLABLE
        )

    def reserved(self, sku: str, wh: str) -> int:
        return sum(r[2] for r in self.open.values() if r[:2] == [sku, wh] and r[3] == "open")

    def available(self, sku: str, wh: str) -> int:
        return self.on_hand(sku, wh) - self.reserved(sku, wh)

    def lot_of(self, sku: str, lot: str) -> str | None:
        return lot if sku == "LOT" else None

    # --- rules ---

    @rule(sku=skus, wh=warehouses, loc=leaves, quantity=st.integers(1, 20), lot=lots)
    def receive(self, sku, wh, loc, quantity, lot):
        stock_receive(
            sku=self.sku[sku],
            location=self.place[wh, loc],
            quantity=quantity,
            lot_number=self.lot_of(sku, lot),
        )
        self.bins[sku, wh, loc, self.lot_of(sku, lot)] += quantity
        if sku == "LOT":
            self.lots.add((sku, lot))
        self.movements += 1

    def draw_place(self, data, *, sku=None, wh=None, places=tuple(LEAVES)) -> tuple:
        """(sku, warehouse, location, lot): half of the time one that holds units, else any.
        Random places alone would rarely hit the edges (taking all that is there, or one more)."""
        held = sorted(
            (
                key
                for key, q in self.bins.items()
                if q > 0 and sku in (None, key[0]) and wh in (None, key[1]) and key[2] in places
            ),
            key=str,
        )
        if held and data.draw(st.booleans(), label="from stock"):
            return data.draw(st.sampled_from(held), label="held")
        sku = sku or data.draw(skus, label="sku")
        lot = self.lot_of(sku, data.draw(lots, label="lot"))
        wh = wh or data.draw(warehouses, label="warehouse")
        return sku, wh, data.draw(st.sampled_from(sorted(places)), label="location"), lot

    @rule(data=st.data(), quantity=st.integers(-15, 15).filter(bool))
    def adjust(self, data, quantity):
        key = sku, wh, loc, lot = self.draw_place(data)

        def call():
            return stock_adjust(
                sku=self.sku[sku],
                location=self.place[wh, loc],
                quantity=quantity,
                reason="stateful",
                lot_number=lot,
            )

        if quantity < 0:
            if sku == "LOT" and (sku, lot) not in self.lots:
                self.refused(call, ValidationError, "lot")
                return
            if self.bins[key] < -quantity or (
                loc in SELLABLE and self.available(sku, wh) < -quantity
            ):
                self.refused(call, InsufficientStock)
                return
        call()
        self.bins[key] += quantity
        if sku == "LOT":
            self.lots.add((sku, lot))
        self.movements += 1

    @rule(data=st.data(), dest=leaves)
    def move(self, data, dest):
        sku, wh, source, lot = self.draw_place(data)
        quantity = data.draw(st.integers(1, self.bins[sku, wh, source, lot] + 2), label="quantity")

        def call():
            return stock_move(
                sku=self.sku[sku],
                from_location=self.place[wh, source],
                to_location=self.place[wh, dest],
                quantity=quantity,
                lot_number=lot,
            )

        if source == dest:
            self.refused(call, ValidationError, "to_location")
            return
        if sku == "LOT" and (sku, lot) not in self.lots:
            self.refused(call, ValidationError, "lot")
            return
        leaves_sellable = source in SELLABLE and dest not in SELLABLE
        if self.bins[sku, wh, source, lot] < quantity or (
            leaves_sellable and self.available(sku, wh) < quantity
        ):
            self.refused(call, InsufficientStock)
            return
        call()
        self.bins[sku, wh, source, lot] -= quantity
        self.bins[sku, wh, dest, lot] += quantity
        self.movements += 1

    @rule(
        target=reservations,
        lines=st.lists(st.tuples(skus, warehouses, st.integers(1, 6)), min_size=1, max_size=3),
    )
    def reserve(self, lines):
        wanted: Counter = Counter()
        for sku, wh, quantity in lines:
            wanted[sku, wh] += quantity
        short = [
            {"sku": sku, "warehouse": wh, "requested": q, "available": self.available(sku, wh)}
            for (sku, wh), q in wanted.items()
            if self.available(sku, wh) < q
        ]

        def call():
            return stock_reserve(
                lines=[ReserveLine(self.sku[s], self.warehouse[w], q) for s, w, q in lines],
                reference="stateful",
            )

        if short:
            self.refused(call, InsufficientStock)
            assert self.refusal.lines == short
            return multiple()
        created = call()
        assert len(created) == len(wanted)
        for reservation in created:
            sku, wh = reservation.sku.code, reservation.warehouse.code
            assert reservation.quantity == wanted[sku, wh]
            self.open[reservation.pk] = [sku, wh, reservation.quantity, "open"]
        return multiple(*(reservation.pk for reservation in created))

    @rule(pk=reservations, quantity=st.none() | st.integers(1, 6))
    def release(self, pk, quantity):
        record = self.open[pk]

        def call():
            return reservation_release(reservation=Reservation(pk=pk), quantity=quantity)

        if record[3] != "open":
            self.refused(call, InvalidState)
            return
        expected = record[2] if quantity is None else min(quantity, record[2])
        assert call() == expected
        record[2] -= expected
        if record[2] == 0:
            record[3] = ReservationStatus.RELEASED

    @rule(pk=reservations, data=st.data(), to_packing=st.booleans())
    def pick(self, pk, data, to_packing):
        sku, wh, remaining, status = self.open[pk]
        _, _, source, lot_number = self.draw_place(data, sku=sku, wh=wh, places=BINS)
        quantity = data.draw(st.integers(1, remaining + 2), label="quantity")

        def call():
            return stock_pick(
                reservation=Reservation(pk=pk),
                location=self.place[wh, source],
                quantity=quantity,
                lot_number=lot_number,
                to_location=self.place[wh, "PACK"] if to_packing else None,
            )

        if status != "open" or quantity > remaining:
            self.refused(call, InvalidState)
            return
        if sku == "LOT" and (sku, lot_number) not in self.lots:
            self.refused(call, ValidationError, "lot")
            return
        if self.bins[sku, wh, source, lot_number] < quantity:
            self.refused(call, InsufficientStock)
            return
        call()
        self.bins[sku, wh, source, lot_number] -= quantity
        if to_packing:
            self.bins[sku, wh, "PACK", lot_number] += quantity
        self.open[pk][2] -= quantity
        if self.open[pk][2] == 0:
            self.open[pk][3] = ReservationStatus.FULFILLED
        self.movements += 1

    @rule(data=st.data(), delta=st.integers(-4, 4), approve=st.booleans())
    def count(self, data, delta, approve):
        """Count a place: every line on the books as it is, but one off by `delta`; a held
        variance is approved (posted) or recounted (never posted)."""
        key = sku, wh, loc, lot = self.draw_place(data)
        here = {k: q for k, q in self.bins.items() if k[1:3] == (wh, loc) and q > 0}
        found = dict(here)
        found[key] = max(here.get(key, 0) + delta, 0)
        place = self.place[wh, loc]
        count = count_create(warehouse=self.warehouse[wh], location=place)
        lines = [
            CountedLine(location=place, sku=self.sku[k[0]], quantity=q, lot_number=k[3])
            for k, q in sorted(found.items(), key=str)
            if q or k in here
        ]
        variance = found[key] - here.get(key, 0)
        done = count_submit(count=count, lines=lines)
        if sku == "LOT" and found[key]:
            self.lots.add((sku, lot))  # a lot the counter saw is known, posted or not
        within = count_tolerance(expected=here.get(key, 0), variance=variance, unit_cost=None)
        assert done.status == ("posted" if within else "pending_approval")
        if not within and not approve:
            recount = count_recount(count=done)
            held = {key: here.get(key, 0)}  # only the doubted line is counted again
            again = [CountedLine(place, self.sku[k[0]], q, k[3]) for k, q in held.items()]
            assert count_submit(count=recount, lines=again).status == "posted"
            return
        if not within:
            count_approve(count=done)
        change = variance
        if variance < 0 and loc in SELLABLE:
            change = -min(-variance, self.available(sku, wh))
        if change:
            self.bins[key] += change
            self.movements += 1

    @rule(data=st.data(), dest=st.sampled_from(BINS), shortfall=st.integers(0, 2))
    def move_task(self, data, dest, shortfall):
        """A move task between bins, completed; one whose source no longer holds its units
        (another move took them since it was made) is refused and moves nothing."""
        key = sku, wh, source, lot = self.draw_place(data, places=BINS)
        if source == dest:
            return
        held = self.bins[key]
        quantity = max(held, 1) + shortfall if shortfall else max(held, 1)
        lot_row = Lot.objects.filter(sku=self.sku[sku], lot_number=lot).first() if lot else None
        if lot and lot_row is None:
            return  # a lot never received: no task names it
        task = MoveTask.objects.create(
            warehouse=self.warehouse[wh],
            sku=self.sku[sku],
            lot=lot_row,
            quantity=quantity,
            from_location=self.place[wh, source],
            to_location=self.place[wh, dest],
        )
        if held < quantity:
            self.refused(lambda: move_task_complete(task=task), InvalidState)
            return
        move_task_complete(task=task)
        self.bins[key] -= quantity
        self.bins[sku, wh, dest, lot] += quantity
        self.movements += 1

    def refused(self, call, error: type[Exception], field: str | None = None):
        with pytest.raises(error) as caught:
            call()
        if field is not None:
            assert field in caught.value.message_dict
        self.refusal = caught.value

    # --- checked after every step ---

    @invariant()
    def books_match_the_model_and_balance(self):
        code = self.world_code
        bins = Counter()
        for sku_id, location_id, lot, quantity in BinStock.objects.values_list(
            "sku_id", "location_id", "lot__lot_number", "quantity"
        ):
            assert quantity >= 0
            bins[(code[sku_id], *code["loc", location_id], lot)] = quantity
        assert +bins == +self.bins  # unary + drops zero rows
        balances = {
            (code[sku_id], code["wh", wh_id]): (on_hand, reserved)
            for sku_id, wh_id, on_hand, reserved in WarehouseStock.objects.values_list(
                "sku_id", "warehouse_id", "on_hand", "reserved"
            )
        }
        assert all(0 <= reserved <= on_hand for on_hand, reserved in balances.values())
        for sku in SKUS:
            for wh in WAREHOUSES:
                expected = (self.on_hand(sku, wh), self.reserved(sku, wh))
                assert balances.get((sku, wh), (0, 0)) == expected
        assert {
            pk: [code[sku_id], code["wh", wh_id], quantity, status]
            for pk, sku_id, wh_id, quantity, status in Reservation.objects.values_list(
                "pk", "sku_id", "warehouse_id", "quantity", "status"
            )
        } == self.open
        assert {
            ("LOT", lot) for lot in Lot.objects.values_list("lot_number", flat=True)
        } == self.lots
        assert StockMovement.objects.count() == self.movements
        assert stock_drift() == []


def test_random_sequences_keep_the_books(db):
    world = World()
    run_state_machine_as_test(
        lambda: StockMachine(world),
        settings=settings(
            max_examples=30,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
