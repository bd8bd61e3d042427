"""The demo catalogue: apparel (sizes, colours), food (lot-tracked) and household lines, as text,
and the parsing that turns them into (code, name) pairs with barcodes."""

import itertools

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
