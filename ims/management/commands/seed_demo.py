"""`manage.py seed_demo [--if-empty] [--skus N] [--bins N] [--seed S]`: a believable operation.

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
import time
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from channels.demo import seed_channels_and_orders as seed_orders
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
VARIANT_SETS = {
    "SIZES": "XS:XS, S:S, M:M, L:L, XL:XL",
    "COLOURS": "BLK:Black, WHT:White, NVY:Navy, GRY:Heather Grey, OLV:Olive, RED:Brick Red, "
    "SKY:Sky Blue, SND:Sand",
    "SCENTS": "FIG:Fig & Cedar, SEA:Sea Salt, LAV:Lavender, ORB:Orange Blossom, "
    "PEP:Black Pepper, EUC:Eucalyptus",
    "ONESIZE": "OS:One size",
    "CANS": "330:330 ml, 12X330:12 x 330 ml",
    "BAGS": "200G:200 g, 1KG:1 kg",
    "BEANS": "250G:250 g, 1KG:1 kg",
}
APPAREL = """
TEE | Organic Cotton T-Shirt | @COLOURS | @SIZES
HOOD | Heavyweight Hoodie | @COLOURS | @SIZES
CREW | Crew Neck Sweatshirt | @COLOURS | @SIZES
POLO | Pique Polo Shirt | @COLOURS | @SIZES
KNIT | Lambswool Jumper | @COLOURS/6 | @SIZES
OVSH | Flannel Overshirt | @COLOURS/6 | @SIZES
JOG | Fleece Joggers | @COLOURS/5 | @SIZES
SHRT | Canvas Shorts | @COLOURS/5 | @SIZES
RAIN | Packable Rain Jacket | @COLOURS/4 | @SIZES
GILET | Quilted Gilet | @COLOURS/4 | @SIZES
DENIM | Denim Jacket | RAW:Raw, MID:Mid Wash, LGT:Light Wash | @SIZES
CHINO | Slim Chino Trousers | @COLOURS/4 | 28:W28, 30:W30, 32:W32, 34:W34
LEG | Running Leggings | @COLOURS/3 | @SIZES/4
SOCK | Merino Hiking Socks | @COLOURS/5 | S:S 3-5, M:M 6-8, L:L 9-12
BEANIE | Ribbed Beanie | @COLOURS | @ONESIZE
CAP | Six-Panel Cap | @COLOURS | @ONESIZE
"""
FOOD = """
COF | Coffee Beans | ETH:Ethiopia, COL:Colombia, BRA:Brazil, KEN:Kenya, DEC:Decaf | @BEANS
TEA | Loose Leaf Tea | EG:Earl Grey, SEN:Sencha, MNT:Peppermint | 100G:100 g, 250G:250 g
GRAN | Granola | HON:Honey & Almond, CHO:Dark Chocolate, BER:Mixed Berry | 500G:500 g, 1KG:1 kg
OAT | Oat Drink | ORG:Original, BAR:Barista, CHO:Chocolate | 1L:1 L, 6X1L:6 x 1 L
OIL | Extra Virgin Olive Oil | GRK:Greek, ITA:Italian | 500ML:500 ml, 1L:1 L
HONEY | Raw Honey | WLD:Wildflower, HEA:Heather, MAN:Manuka | 340G:340 g
BAR | Protein Bars | PNB:Peanut Butter, CHC:Chocolate Chip, SAL:Salted Caramel | 12:box of 12
CHOC | Dark Chocolate | 70:70% Cocoa, 85:85% Cocoa, SEA:Sea Salt, ORA:Orange | 100G:100 g
SAUCE | Pasta Sauce | TOM:Tomato & Basil, ARR:Arrabbiata, PUT:Puttanesca | 500G:500 g
NUTB | Nut Butter | PEA:Peanut, ALM:Almond, CAS:Cashew | 340G:340 g, 1KG:1 kg
KOMB | Kombucha | GIN:Ginger, RAS:Raspberry, ORG:Original | @CANS
FRUIT | Dried Fruit | MAN:Mango, APR:Apricot, FIG:Fig | 200G:200 g
PASTA | Bronze-Cut Pasta | SPA:Spaghetti, RIG:Rigatoni, FUS:Fusilli, ORZ:Orzo | 500G:500 g, 1KG:1 kg
RICE | Rice | BAS:Basmati, JAS:Jasmine, ARB:Arborio | 1KG:1 kg, 5KG:5 kg
SPARK | Sparkling Water | LEM:Lemon, LIM:Lime, GRF:Grapefruit, PLN:Plain | @CANS
CRISP | Crisps | SEA:Sea Salt, SVN:Salt & Vinegar, CHI:Chilli, CHS:Cheese | 40G:40 g, 150G:150 g
JAM | Fruit Preserve | STR:Strawberry, RAS:Raspberry, APR:Apricot, BLC:Blackcurrant | 340G:340 g
NUTS | Roasted Nuts | ALM:Almonds, CAS:Cashews, MIX:Mixed | @BAGS
SPICE | Ground Spice | PAP:Smoked Paprika, CUM:Cumin, TUR:Turmeric, CHI:Chilli | 50G:50 g
"""
HOUSEHOLD = """
CNDL | Soy Candle | @SCENTS | S:Small, L:Large
DIFF | Reed Diffuser | @SCENTS | 100:100 ml, 200:200 ml
SOAP | Hand Soap | @SCENTS | 300:300 ml, RF:Refill 1 L
SPRAY | Multi-Surface Cleaner | @SCENTS | 500:500 ml, RF:Refill 2 L
MUG | Stoneware Mug | @COLOURS | 350:350 ml, 450:450 ml
BOWL | Stoneware Bowl | @COLOURS | 15:15 cm, 20:20 cm
PLATE | Stoneware Plate | @COLOURS | 21:side, 27:dinner
TWL | Bamboo Towel | @COLOURS/6 | HAND:Hand, BATH:Bath, SHT:Bath Sheet
TTWL | Linen Tea Towel | @COLOURS | 1:single, 3PK:pack of 3
NAPK | Linen Napkins | @COLOURS | 4PK:set of 4
CUSH | Cushion Cover | @COLOURS | 45:45 x 45 cm, 60:60 x 60 cm
THROW | Wool Throw | @COLOURS | 130:130 x 170 cm, 150:150 x 200 cm
GLASS | Tumbler | CLR:Clear, SMK:Smoked, AMB:Amber | 4PK:set of 4, 6PK:set of 6
JAR | Glass Storage Jar | CLR:Clear, AMB:Amber | 05L:0.5 L, 1L:1 L, 2L:2 L
POT | Terracotta Plant Pot | NAT:Natural, WHT:Whitewashed | 12:12 cm, 17:17 cm, 24:24 cm
BOARD | Chopping Board | OAK:Oak, WAL:Walnut | S:Small, M:Medium, L:Large
BSKT | Seagrass Basket | NAT:Natural, BLK:Black | S:Small, M:Medium, L:Large
BRUSH | Beech Dish Brush | STD:Standard, POT:Pot Scrubber | 1:single, HEAD:replacement head
HANG | Wooden Hangers | NAT:Natural, BLK:Black | 10PK:pack of 10, 20PK:pack of 20
"""


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


def _variants(text: str) -> list[tuple[str, str]]:
    text = text.strip()
    if text.startswith("@"):
        name, _, first = text[1:].partition("/")
        items = _variants(VARIANT_SETS[name])
        return items[: int(first)] if first else items
    return [tuple(item.strip().split(":", 1)) for item in text.split(",")]


def _catalogue(lines: str) -> list[tuple[str, str]]:
    """(code, name) of every SKU the catalogue lines describe."""
    skus = []
    for line in filter(None, (raw.strip() for raw in lines.splitlines())):
        stem, product, first, second = (part.strip() for part in line.split("|"))
        for (a_code, a_name), (b_code, b_name) in itertools.product(
            _variants(first), _variants(second)
        ):
            skus.append((f"{stem}-{a_code}-{b_code}", f"{product}, {a_name}, {b_name}"))
    return skus


def _ean13(number: int) -> str:
    digits = f"5060{number:08}"
    check = (10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10) % 10
    return f"{digits}{check}"


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


def print_logins(out: BaseCommand) -> None:
    users = {
        u.username: u
        for u in get_user_model().objects.filter(
            username__in=[spec.username for spec in DEMO_USERS]
        )
    }
    if not users:
        out.stdout.write("No demo users in this database.")
        return
    out.stdout.write(out.style.MIGRATE_HEADING(f"Demo logins (password for all: {DEMO_PASSWORD})"))
    for spec in DEMO_USERS:
        if spec.username in users:
            where = f" at {', '.join(spec.warehouses)}" if spec.warehouses else ""
            out.stdout.write(f"  {spec.username:<18} {Role(spec.role).label}{where}")
    out.stdout.write("  (demo passwords: change them before any real use)")


class Command(BaseCommand):
    help = "Fill an empty database with a believable demo operation and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (but print the logins) when the database already holds data.",
        )
        parser.add_argument("--skus", type=int, default=500, help="SKUs to create (500).")
        parser.add_argument("--bins", type=int, default=300, help="Bins per warehouse (300).")
        parser.add_argument("--seed", type=int, default=42, help="Random seed (42).")

    def handle(self, *args, **options):
        if options["skus"] < 1 or options["bins"] < 1:
            raise CommandError("--skus and --bins must be at least 1.")
        if Warehouse.objects.exists() or Sku.objects.exists():
            if not options["if_empty"]:
                raise CommandError(
                    "The database already holds warehouses or SKUs; seed_demo fills only an "
                    "empty one (use --if-empty to skip quietly)."
                )
            self.stdout.write("Demo data: the database already holds data; nothing added.")
            print_logins(self)
            return
        demo = Demo(
            rng=random.Random(options["seed"]),
            out=self,
            sku_count=options["skus"],
            bins_per_warehouse=options["bins"],
        )
        started = time.perf_counter()
        with transaction.atomic():
            for step in STEPS:
                step_started = time.perf_counter()
                step(demo)
                self.stdout.write(
                    f"  {step.__name__:<20} {time.perf_counter() - step_started:6.2f} s"
                )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {len(demo.warehouses)} warehouses, {len(demo.skus)} SKUs, "
                f"{sum(len(b) for b in demo.bins.values())} bins "
                f"in {time.perf_counter() - started:.1f} s."
            )
        )
        print_logins(self)
