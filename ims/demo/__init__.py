"""The demo operation `manage.py seed_demo` builds: a believable operation.

Two warehouses (WH1 Leeds DC, WH2 Bristol), each with a receiving dock, quarantine, packing
stations and zones → aisles → shelves → bins whose walking cost grows with the distance from
packing; SKUs across apparel (sizes, colours), food (lot-tracked, with expiries) and household;
opening stock placed through `stock_adjust` (so the ledger explains every unit and stock_audit
is clean), fast movers in the nearest bins; and one demo user per role of PRODUCT.md.

The work is a list of small steps over one `Demo` context (STEPS below); later features add
their own step (purchase orders, channels, orders) by appending a function. The demo logins are
printed on every run, also when --if-empty finds data, so `make run` always shows them.
"""

import datetime
import itertools
import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from channels.demo import seed_channels_and_orders as seed_orders
from ims.demo.catalogue import APPAREL, FOOD, HOUSEHOLD, _catalogue, _ean13
from ims.kits.roles import Role
from inventory.models import Location, LocationType, Sku, Warehouse
from inventory.services import location_create, stock_adjust, warehouse_create
from inventory.services.catalog import location_path
from receiving.demo import seed_purchase_orders as seed_pos
from replenishment.demo import seed_reorder_rules as seed_rules

DEMO_PASSWORD = "ims-demo"
OPENING_STOCK = "opening stock"


@dataclass(frozen=True)
class DemoUser:
    username: str
    name: str
    role: str
    warehouses: tuple[str, ...] = ()
    superuser: bool = False


DEMO_USERS = [
    DemoUser("admin", "Alex Admin", Role.ADMIN, superuser=True),
    DemoUser("manager", "Maya Patel", Role.MANAGER, ("WH1", "WH2")),
    DemoUser("associate.leeds", "Tom Hughes", Role.ASSOCIATE, ("WH1",)),
    DemoUser("associate.bristol", "Priya Shah", Role.ASSOCIATE, ("WH2",)),
    DemoUser("purchasing", "Dan Clarke", Role.PURCHASING),
    DemoUser("viewer", "Vic Reed", Role.VIEWER),
]
WAREHOUSES = [("WH1", "Leeds DC", 0.85), ("WH2", "Bristol", 0.55)]  # code, name, share stocked


# The catalogue: one line per product, "stem | product | variants | variants"; a SKU per
# combination of the two variant lists. Variants are "CODE:Label" items or a named set
# (@COLOURS, or @COLOURS/4 for its first four).
@dataclass
class Demo:
    """What earlier steps made, for later steps to use."""

    rng: random.Random
    out: BaseCommand
    sku_count: int
    bins_per_warehouse: int
    users: dict = field(default_factory=dict)
    warehouses: dict[str, Warehouse] = field(default_factory=dict)
    bins: dict[str, list[Location]] = field(default_factory=dict)  # nearest packing first
    places: dict[str, dict[str, Location]] = field(default_factory=dict)  # dock, quarantine...
    skus: list[Sku] = field(default_factory=list)
    velocity: dict[int, str] = field(default_factory=dict)  # SKU pk → "A" | "B" | "C"
    lot_numbers: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def actor(self):
        return self.users.get("admin")


def seed_users(demo: Demo) -> None:
    """One user per role; an existing account of the same name is left exactly as it is."""
    password = make_password(DEMO_PASSWORD)  # hashed once: the hasher is slow on purpose
    for spec in DEMO_USERS:
        first, last = spec.name.split(" ", 1)
        user, created = get_user_model().objects.get_or_create(
            username=spec.username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{spec.username}@example.com",
                "password": password,
                "is_staff": spec.superuser,
                "is_superuser": spec.superuser,
            },
        )
        if created:
            user.groups.add(Group.objects.get_or_create(name=spec.role)[0])
        demo.users[spec.username] = user


def seed_warehouses(demo: Demo) -> None:
    for code, name, _ in WAREHOUSES:
        warehouse = warehouse_create(code=code, name=name)
        demo.warehouses[code] = warehouse
        demo.places[code] = {
            "packing": location_create(
                warehouse=warehouse, code="PACK-1", type=LocationType.PACKING
            ),
            "packing2": location_create(
                warehouse=warehouse, code="PACK-2", type=LocationType.PACKING, travel_cost=4
            ),
            "dock": location_create(
                warehouse=warehouse, code="DOCK-1", type=LocationType.DOCK, travel_cost=30
            ),
            "quarantine": location_create(
                warehouse=warehouse, code="QUAR", type=LocationType.QUARANTINE, travel_cost=40
            ),
        }
        demo.bins[code] = _layout(warehouse, demo.bins_per_warehouse)
    for spec in DEMO_USERS:
        for code in spec.warehouses:
            demo.warehouses[code].staff.add(demo.users[spec.username])


def _layout(warehouse: Warehouse, bin_count: int) -> list[Location]:
    """Zones A, B, ... of up to four aisles; an aisle has five shelves of four bin levels. The
    walking cost grows with zone, aisle, shelf and level: zone A's first shelf is next to
    packing. Made with one bulk insert per tree level (location_create validates one row at a
    time, which takes seconds here); paths come from the service's own `location_path`."""
    levels, shelves, aisles_per_zone = "ABCD", 5, 4
    aisle_count = -(-bin_count // (shelves * len(levels)))
    zone_count = -(-aisle_count // aisles_per_zone)

    def place(code, parent, cost, type=LocationType.ZONE, capacity=None):
        return Location(
            warehouse=warehouse,
            code=code,
            parent=parent,
            type=type,
            travel_cost=cost,
            capacity=capacity,
            path=location_path(code=code, parent=parent),
        )

    zones = Location.objects.bulk_create(
        [place(chr(ord("A") + z), None, 5 + 25 * z) for z in range(zone_count)]
    )
    aisles = Location.objects.bulk_create(
        [
            place(f"{zone.code}-{a + 1:02}", zone, zone.travel_cost + 8 * a)
            for z, zone in enumerate(zones)
            for a in range(min(aisles_per_zone, aisle_count - z * aisles_per_zone))
        ]
    )
    shelf_rows = Location.objects.bulk_create(
        [
            place(f"{aisle.code}-{s + 1:02}", aisle, aisle.travel_cost + 2 * s)
            for aisle in aisles
            for s in range(shelves)
        ]
    )
    bins = [
        place(f"{shelf.code}-{level}", shelf, shelf.travel_cost + i, LocationType.BIN, 500)
        for shelf in shelf_rows
        for i, level in enumerate(levels)
    ][:bin_count]
    bins = Location.objects.bulk_create(bins)
    return sorted(bins, key=lambda b: (b.travel_cost, b.code))


def seed_skus(demo: Demo) -> None:
    """About half apparel, 15% food (lot-tracked, with expiries), the rest household."""
    food_count = round(demo.sku_count * 0.15)
    apparel_count = round(demo.sku_count * 0.5)
    wanted = [
        (FOOD, food_count, True),
        (APPAREL, apparel_count, False),
        (HOUSEHOLD, demo.sku_count - food_count - apparel_count, False),
    ]
    chosen = []
    for lines, count, lot_tracked in wanted:
        catalogue = _catalogue(lines)
        if count > len(catalogue):
            capacity = int(len(catalogue) / max(count, 1) * demo.sku_count)
            raise CommandError(f"The demo catalogue has room for about {capacity} SKUs.")
        chosen += [(code, name, lot_tracked) for code, name in demo.rng.sample(catalogue, count)]
    # One bulk insert: these rows are generated, unique and valid by construction.
    demo.skus = Sku.objects.bulk_create(
        Sku(code=code, name=name, barcode=_ean13(number), lot_tracked=lot_tracked)
        for number, (code, name, lot_tracked) in enumerate(sorted(chosen), start=1)
    )
    ranked = demo.rng.sample(demo.skus, len(demo.skus))
    for rank, sku in enumerate(ranked):
        share = rank / max(len(ranked), 1)
        demo.velocity[sku.pk] = "A" if share < 0.2 else "B" if share < 0.5 else "C"


QUANTITIES = {"A": (60, 240), "B": (20, 90), "C": (4, 30)}


def _lots(
    demo: Demo, sku: Sku, quantity: int
) -> list[tuple[str | None, datetime.date | None, int]]:
    if not sku.lot_tracked:
        return [(None, None, quantity)]
    today = timezone.localdate()
    count = min(quantity, demo.rng.choice((1, 1, 2, 3)))
    lots = []
    for n in range(count):
        roll = demo.rng.random()  # most lots are fresh; some are close to their date
        days = (
            demo.rng.randint(3, 14)
            if roll < 0.1
            else demo.rng.randint(15, 59)
            if roll < 0.3
            else demo.rng.randint(60, 400)
        )
        expiry = today + datetime.timedelta(days=days)
        share = quantity // count + (quantity % count if n == 0 else 0)
        lots.append((f"L{expiry:%y%m%d}-{next(demo.lot_numbers):04}", expiry, share))
    return lots


def seed_opening_stock(demo: Demo) -> None:
    """Most SKUs in Leeds, about half in Bristol, a few nowhere (out of stock). Fast movers take
    the bins nearest packing; some fast movers keep overflow in the far zone; a few damaged units
    wait in quarantine. Every unit arrives by stock_adjust("opening stock")."""
    out_of_stock = set(demo.rng.sample([s.pk for s in demo.skus], len(demo.skus) // 30))
    order = {"A": 0, "B": 1, "C": 2}
    for code, _, share in WAREHOUSES:
        bins = demo.bins[code]
        stocked = [s for s in demo.skus if s.pk not in out_of_stock and demo.rng.random() < share]
        stocked.sort(key=lambda s: (order[demo.velocity[s.pk]], s.code))
        for index, sku in enumerate(stocked):
            velocity = demo.velocity[sku.pk]
            location = bins[index * len(bins) // len(stocked)]
            _place(demo, sku, location, demo.rng.randint(*QUANTITIES[velocity]))
            if velocity == "A" and demo.rng.random() < 0.15:
                overflow = bins[demo.rng.randrange(len(bins) * 2 // 3, len(bins))]
                _place(demo, sku, overflow, demo.rng.randint(100, 300))
        for sku in demo.rng.sample(stocked, min(6, len(stocked))):
            _place(
                demo,
                sku,
                demo.places[code]["quarantine"],
                demo.rng.randint(1, 4),
                reason=f"{OPENING_STOCK}: damaged, awaiting inspection",
            )


def _place(demo: Demo, sku: Sku, location: Location, quantity: int, reason=OPENING_STOCK):
    for lot_number, expiry, units in _lots(demo, sku, quantity):
        stock_adjust(
            sku=sku,
            location=location,
            quantity=units,
            reason=reason,
            lot_number=lot_number,
            expiry=expiry,
            actor=demo.actor,
            reference="seed_demo",
        )


def seed_reorder_rules(demo: Demo) -> None:
    seed_rules(warehouses=list(demo.warehouses.values()), skus=demo.skus, rng=demo.rng)


def seed_purchase_orders(demo: Demo) -> None:
    seed_pos(
        warehouses=list(demo.warehouses.values()), skus=demo.skus, actor=demo.actor, rng=demo.rng
    )


def seed_channels_and_orders(demo: Demo) -> None:
    seed_orders(
        rng=demo.rng, warehouses=list(demo.warehouses.values()), skus=demo.skus, actor=demo.actor
    )


STEPS = [
    seed_users,
    seed_warehouses,
    seed_skus,
    seed_opening_stock,
    seed_reorder_rules,
    seed_purchase_orders,
    seed_channels_and_orders,
]
