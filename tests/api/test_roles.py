"""PRODUCT.md "Who may do what", called through the API: every operation as each role, as a
manager and an associate of another warehouse, with no role at all, and with a channel's key and
another channel's key.

Each row names who may pass; everyone else gets 403 `permission_denied`. A caller whose role
may pass but who works in another warehouse (or holds another channel's key) gets 404 for an
object of warehouse WH1 (or channel SHOP), as if it did not exist. Passing the door means any
answer but 401, 403, 404 or 5xx (a 400 or 409 is the operation's own answer)."""

import datetime
from dataclasses import dataclass, field

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from channels.models import PickTask
from channels.services import channel_key_create, listing_create
from inventory.models import MoveTask, StockMovement
from inventory.services.count_posting import CountedLine, count_submit
from inventory.services.counts import count_create
from inventory.services.velocity import velocity_recompute
from receiving.models import Discrepancy, PurchaseOrderStatus, PutawayTask
from receiving.services import supplier_create
from replenishment.models import ReplenishmentAlert
from replenishment.services import reorder_rule_create
from tests import factories
from tests.channels.helpers import make_channel, place
from tests.receiving.builders import make_po, receive

ALL = {"admin", "manager", "purchasing", "associate", "viewer"}
STOCK_HANDLERS = {"admin", "manager"}
FLOOR = {"admin", "manager", "associate"}
BUYING = {"admin", "manager", "purchasing"}
BUYING_READ = BUYING | {"viewer"}
CHANNEL_READ = {"admin", "manager", "viewer"}
KEY = "key"

PRINCIPALS = [
    # name, role, warehouse (people) — keys are named after their channel
    ("admin", "admin", None),
    ("manager", "manager", "WH1"),
    ("purchasing", "purchasing", None),
    ("associate", "associate", "WH1"),
    ("viewer", "viewer", None),
    ("nobody", None, None),
    ("manager-elsewhere", "manager", "WH2"),
    ("associate-elsewhere", "associate", "WH2"),
    ("key", KEY, "SHOP"),
    ("key-elsewhere", KEY, "OTHER"),
]
ELSEWHERE = {"manager-elsewhere", "associate-elsewhere"}  # people of warehouse WH2
OTHER_KEY = "key-elsewhere"


@dataclass
class Op:
    method: str
    path: str
    allowed: set
    body: dict | None = None
    scoped: bool = False  # names an object of warehouse WH1: people of WH2 do not see it
    channel: bool = False  # names channel SHOP or its orders: OTHER's key does not see it
    foreign: int = 404  # what such a foreign caller whose role passes gets
    extra: dict = field(default_factory=dict)


def _world():
    wh1, wh2 = factories.warehouse("WH1"), factories.warehouse("WH2")
    places1, places2 = factories.places(wh1), factories.places(wh2)
    tee = factories.sku("TEE")
    factories.stock(tee, places1.bin1, 50)
    factories.stock(tee, places2.bin1, 50)
    people = {}
    for name, role, warehouse in PRINCIPALS:
        if role == KEY:
            continue
        person = factories.user(name, role=role)
        if warehouse:
            (wh1 if warehouse == "WH1" else wh2).staff.add(person)
        people[name] = person
    supplier = supplier_create(code="ACME", name="Acme")
    po = make_po(supplier, wh1, (tee, 10), number="PO-1")
    receive(po, (tee, 2))
    over = make_po(supplier, wh1, (tee, 1), number="PO-2")
    receive(over, (tee, 3))  # over-receipt: a discrepancy in WH1
    draft = make_po(supplier, wh1, (tee, 5), number="PO-3", status=PurchaseOrderStatus.DRAFT)
    shop, other = make_channel("SHOP", wh1), make_channel("OTHER", wh2)
    listing_create(channel=shop, sku=tee, external_id="tee")
    order = place(shop, "o-1", (tee, 1))
    held = place(shop, "o-2", (tee, 1), expires_at=timezone.now() + datetime.timedelta(hours=1))
    rule = reorder_rule_create(
        sku=tee, warehouse=wh1, reorder_point=500, reorder_quantity=10, supplier=supplier
    )
    count = count_create(warehouse=wh1, location=places1.bin1, reason="roles walk")
    held_count = count_create(warehouse=wh1, location=places1.bin2, sku=tee, reason="held")
    count_submit(count=held_count, lines=[CountedLine(location=places1.bin2, sku=tee, quantity=40)])
    keys = {}
    for name, channel in (("key", shop), ("key-elsewhere", other)):
        _, keys[name] = channel_key_create(channel=channel)
    return {
        "people": people,
        "keys": keys,
        "po": po,
        "draft": draft,
        "order": order,
        "held": held,
        "pick": PickTask.objects.get(order=order),
        "putaway": PutawayTask.objects.filter(warehouse=wh1).first(),
        "discrepancy": Discrepancy.objects.get(purchase_order=over),
        "movement": StockMovement.objects.filter(warehouse=wh1).first(),
        "rule": rule,
        "alert": ReplenishmentAlert.objects.get(warehouse=wh1),
        "channel_key": shop.keys.first(),
        "count": count,
        "held_count": held_count,
        "move": MoveTask.objects.create(
            warehouse=wh1, sku=tee, quantity=1, from_location=places1.bin1, to_location=places1.bin2
        ),
    }


def _operations(w) -> list[Op]:
    adjust = {"sku": "TEE", "warehouse": "WH1", "location": "A-01", "quantity": 1}
    return [
        # catalog and places
        Op("get", "/api/v1/skus/", ALL),
        Op("post", "/api/v1/skus/", STOCK_HANDLERS, {"code": "NEW", "name": "New"}),
        Op("get", "/api/v1/skus/TEE/", ALL),
        Op("patch", "/api/v1/skus/TEE/", STOCK_HANDLERS, {"name": "Tee"}),
        Op("get", "/api/v1/warehouses/", ALL),
        Op("get", "/api/v1/warehouses/WH1/", ALL, scoped=True),
        Op("post", "/api/v1/warehouses/", {"admin"}, {"code": "WH9", "name": "Nine"}),
        Op("patch", "/api/v1/warehouses/WH1/", {"admin"}, {"name": "One"}),
        Op("get", "/api/v1/locations/", ALL),
        Op("get", "/api/v1/locations/WH1/A-01/", ALL, scoped=True),
        Op(
            "post",
            "/api/v1/locations/",
            STOCK_HANDLERS,
            {"warehouse": "WH1", "code": "A-09", "parent": "A", "type": "bin"},
            scoped=True,
        ),
        # stock
        Op("get", "/api/v1/stock/", ALL),
        Op("get", "/api/v1/availability/", ALL),
        Op("get", "/api/v1/velocity/", ALL),
        # cycle counts
        Op("get", "/api/v1/cycle-counts/", FLOOR),
        Op(
            "post",
            "/api/v1/cycle-counts/",
            STOCK_HANDLERS,
            {"warehouse": "WH1", "zone": "A"},
            scoped=True,
        ),
        Op("get", f"/api/v1/cycle-counts/{w['count'].pk}/", FLOOR, scoped=True),
        Op(
            "post",
            f"/api/v1/cycle-counts/{w['count'].pk}/submit/",
            FLOOR,
            {"lines": [{"location": "A-01", "sku": "TEE", "quantity": 50}]},
            scoped=True,
        ),
        Op(
            "post",
            f"/api/v1/cycle-counts/{w['held_count'].pk}/recount/",
            STOCK_HANDLERS,
            {},
            scoped=True,
        ),
        Op(
            "post",
            f"/api/v1/cycle-counts/{w['held_count'].pk}/approve/",
            STOCK_HANDLERS,
            {},
            scoped=True,
        ),
        Op(
            "post", "/api/v1/velocity/recompute/", STOCK_HANDLERS, {"warehouse": "WH1"}, scoped=True
        ),
        # slotting and move tasks
        Op("get", "/api/v1/slotting/recommendations/?warehouse=WH1", STOCK_HANDLERS, scoped=True),
        Op(
            "post",
            "/api/v1/slotting/recommendations/apply/",
            STOCK_HANDLERS,
            {"warehouse": "WH1"},
            scoped=True,
        ),
        Op("get", "/api/v1/move-tasks/", FLOOR),
        Op("get", f"/api/v1/move-tasks/{w['move'].pk}/", FLOOR, scoped=True),
        Op("post", f"/api/v1/move-tasks/{w['move'].pk}/complete/", FLOOR, {}, scoped=True),
        Op("get", "/api/v1/movements/", ALL),
        Op("get", f"/api/v1/movements/{w['movement'].pk}/", ALL, scoped=True),
        Op(
            "post",
            "/api/v1/stock/adjust/",
            STOCK_HANDLERS,
            {**adjust, "reason": "found"},
            scoped=True,
        ),
        Op(
            "post",
            "/api/v1/stock/move/",
            STOCK_HANDLERS,
            {
                "sku": "TEE",
                "warehouse": "WH1",
                "from_location": "A-01",
                "to_location": "A-02",
                "quantity": 1,
            },
            scoped=True,
        ),
        # receiving
        Op("get", "/api/v1/suppliers/", BUYING_READ),
        Op("get", "/api/v1/suppliers/ACME/", BUYING_READ),
        Op("post", "/api/v1/suppliers/", BUYING, {"code": "NEWCO", "name": "New Co"}),
        Op("patch", "/api/v1/suppliers/ACME/", BUYING, {"name": "Acme Ltd"}),
        Op("get", "/api/v1/purchase-orders/", BUYING_READ | {"associate"}),
        Op("get", "/api/v1/purchase-orders/PO-1/", BUYING_READ | {"associate"}, scoped=True),
        Op(
            "post",
            "/api/v1/purchase-orders/",
            BUYING,
            {
                "supplier": "ACME",
                "warehouse": "WH1",
                "lines": [{"sku": "TEE", "quantity_ordered": 1}],
            },
            scoped=True,
        ),
        Op("post", "/api/v1/purchase-orders/PO-3/open/", BUYING, scoped=True),
        Op(
            "post",
            "/api/v1/purchase-orders/PO-1/receipts/",
            FLOOR,
            {"lines": [{"sku": "TEE", "quantity": 1}]},
            scoped=True,
        ),
        Op("get", "/api/v1/discrepancies/", BUYING_READ | {"associate"}),
        Op(
            "get",
            f"/api/v1/discrepancies/{w['discrepancy'].pk}/",
            BUYING_READ | {"associate"},
            scoped=True,
        ),
        Op(
            "post",
            f"/api/v1/discrepancies/{w['discrepancy'].pk}/resolve/",
            STOCK_HANDLERS,
            {"note": "Supplier sent extra."},
            scoped=True,
        ),
        Op("get", "/api/v1/putaway-tasks/", FLOOR),
        Op("get", f"/api/v1/putaway-tasks/{w['putaway'].pk}/", FLOOR, scoped=True),
        Op(
            "post",
            f"/api/v1/putaway-tasks/{w['putaway'].pk}/complete/",
            FLOOR,
            {"location": "A-02"},
            scoped=True,
        ),
        # channels
        Op("get", "/api/v1/channels/", CHANNEL_READ | {KEY}),
        Op("get", "/api/v1/channels/SHOP/", CHANNEL_READ | {KEY}, channel=True),
        Op(
            "post",
            "/api/v1/channels/",
            {"admin"},
            {"code": "NEWSHOP", "name": "New", "connector": "webhook"},
        ),
        Op("patch", "/api/v1/channels/SHOP/", {"admin"}, {"buffer": 1}),
        Op("get", "/api/v1/channels/SHOP/listings/", CHANNEL_READ | {KEY}, channel=True),
        Op("post", "/api/v1/channels/SHOP/listings/", STOCK_HANDLERS, {"sku": "TEE"}),
        Op("get", "/api/v1/channels/SHOP/availability/", CHANNEL_READ | {KEY}, channel=True),
        Op("get", "/api/v1/channels/SHOP/keys/", {"admin"}),
        Op("post", "/api/v1/channels/SHOP/keys/", {"admin"}, {"name": "extra"}),
        Op("post", f"/api/v1/channels/SHOP/keys/{w['channel_key'].pk}/revoke/", {"admin"}),
        Op("post", "/api/v1/channels/SHOP/resync/", STOCK_HANDLERS),
        Op("post", "/api/v1/channels/SHOP/test-connection/", STOCK_HANDLERS),
        Op("post", "/api/v1/channels/SHOP/pull-orders/", STOCK_HANDLERS),
        # orders and picks
        Op("get", "/api/v1/orders/", ALL | {KEY}),
        Op("get", f"/api/v1/orders/{w['order'].pk}/", ALL | {KEY}, scoped=True, channel=True),
        Op(
            "post",
            "/api/v1/orders/",
            STOCK_HANDLERS | {KEY},
            {"channel": "SHOP", "external_id": "new-1", "lines": [{"sku": "TEE", "quantity": 1}]},
            channel=True,
            foreign=403,  # another channel's key may not order for this one
        ),
        Op(
            "post",
            f"/api/v1/orders/{w['held'].pk}/confirm/",
            STOCK_HANDLERS | {KEY},
            scoped=True,
            channel=True,
        ),
        Op("get", "/api/v1/pick-tasks/", ALL),
        Op("get", f"/api/v1/pick-tasks/{w['pick'].pk}/", ALL, scoped=True),
        Op(
            "post",
            f"/api/v1/pick-tasks/{w['pick'].pk}/assign/",
            STOCK_HANDLERS,
            {"assignee": "associate"},
            scoped=True,
        ),
        Op(
            "post",
            f"/api/v1/pick-tasks/{w['pick'].pk}/confirm/",
            FLOOR,
            {"quantity": 1},
            scoped=True,
        ),
        Op("post", f"/api/v1/orders/{w['order'].pk}/ship/", FLOOR, scoped=True),
        Op("post", f"/api/v1/orders/{w['order'].pk}/put-back/", STOCK_HANDLERS, scoped=True),
        # replenishment
        Op("get", "/api/v1/reorder-rules/", BUYING_READ),
        Op("get", f"/api/v1/reorder-rules/{w['rule'].pk}/", BUYING_READ, scoped=True),
        Op(
            "post",
            "/api/v1/reorder-rules/",
            BUYING,
            {"sku": "TEE", "warehouse": "WH1", "reorder_point": 1, "reorder_quantity": 1},
            scoped=True,
        ),
        Op(
            "patch",
            f"/api/v1/reorder-rules/{w['rule'].pk}/",
            BUYING,
            {"reorder_point": 400},
            scoped=True,
        ),
        Op("get", "/api/v1/replenishment-alerts/", BUYING_READ),
        Op("get", f"/api/v1/replenishment-alerts/{w['alert'].pk}/", BUYING_READ, scoped=True),
        Op(
            "post",
            "/api/v1/replenishment-alerts/dismiss/",
            BUYING,
            {"ids": [w["alert"].pk], "reason": "seasonal"},
            scoped=True,
            foreign=400,  # "unknown alert": ids outside one's warehouses do not exist
        ),
        Op(
            "post",
            f"/api/v1/replenishment-alerts/{w['alert'].pk}/dismiss/",
            BUYING,
            {"reason": "seasonal"},
            scoped=True,
        ),
        Op(
            "post",
            "/api/v1/replenishment-alerts/create-purchase-orders/",
            BUYING,
            {"ids": [w["alert"].pk]},
            scoped=True,
            foreign=400,
        ),
        # people and the audit log
        Op("get", "/api/v1/users/", {"admin"}),
        Op("get", "/api/v1/users/viewer/", {"admin"}),
        Op(
            "post",
            "/api/v1/users/",
            {"admin"},
            {"username": "newcomer", "password": "long-enough-pass-42", "roles": ["viewer"]},
        ),
        Op("patch", "/api/v1/users/viewer/", {"admin"}, {"email": "v@example.com"}),
        Op("get", "/api/v1/audit-log/", {"admin"}),
        # imports (each kind narrows further: tests/inventory/test_imports.py)
        Op("get", "/api/v1/imports/", BUYING),
        # exports: viewers too; each kind narrows further (tests/inventory/test_exports.py).
        # XLSX: the file is whole before the answer, so an answer this walk does not read
        # leaves no database cursor open (a CSV export streams from one).
        Op("get", "/api/v1/exports/skus/?format=xlsx", STOCK_HANDLERS | {"viewer"}),
        Op("get", "/api/v1/exports/locations/?format=xlsx", STOCK_HANDLERS | {"viewer"}),
        Op("get", "/api/v1/exports/stock/?format=xlsx&warehouse=WH1", STOCK_HANDLERS | {"viewer"}),
        Op("get", "/api/v1/exports/suppliers/?format=xlsx", BUYING_READ),
        Op("get", "/api/v1/exports/purchase_orders/?format=xlsx", BUYING_READ),
        Op("get", "/api/v1/exports/reorder_rules/?format=xlsx&q=TEE", BUYING_READ),
        # the end: what undoes the world
        Op("post", "/api/v1/purchase-orders/PO-1/close/", BUYING, scoped=True),
        Op("post", "/api/v1/purchase-orders/PO-3/cancel/", BUYING, scoped=True),
        Op(
            "post",
            f"/api/v1/orders/{w['order'].pk}/cancel/",
            STOCK_HANDLERS | {KEY},
            scoped=True,
            channel=True,
        ),
        Op("delete", f"/api/v1/reorder-rules/{w['rule'].pk}/", BUYING, scoped=True),
    ]


def _client(world, name) -> APIClient:
    client = APIClient()
    if name in world["keys"]:
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {world['keys'][name]}")
    else:
        token, _ = Token.objects.get_or_create(user=world["people"][name])
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _expected(name, role, op) -> str:
    who = KEY if role == KEY else role
    if who not in op.allowed:
        return "403"
    if (op.scoped and name in ELSEWHERE) or (op.channel and name == OTHER_KEY):
        return str(op.foreign)
    return "pass"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role", "warehouse"), PRINCIPALS, ids=[p[0] for p in PRINCIPALS])
def test_every_operation_as_each_principal(name, role, warehouse):
    world = _world()
    client = _client(world, name)
    wrong = []
    operations = _operations(world)
    for op in operations:
        response = getattr(client, op.method)(op.path, op.body, format="json")
        expected = _expected(name, role, op)
        got = response.status_code
        if expected == "pass":
            ok = got not in (401, 403, 404) and got < 500
        else:
            ok = str(got) == expected
        if expected == "403" and got == 403:
            ok = response.json()["code"] == "permission_denied"
        if not ok:
            wrong.append(f"{op.method.upper()} {op.path}: expected {expected}, got {got}")
    assert len(operations) >= 60
    assert not wrong, f"as {name}:\n" + "\n".join(wrong)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["manager-elsewhere", "associate-elsewhere"])
def test_lists_show_nothing_of_another_warehouse(name):
    world = _world()
    velocity_recompute()
    client = _client(world, name)
    for path in (
        "/api/v1/warehouses/",
        "/api/v1/locations/",
        "/api/v1/stock/",
        "/api/v1/availability/",
        "/api/v1/velocity/",
        "/api/v1/movements/",
        "/api/v1/orders/",
        "/api/v1/pick-tasks/",
        "/api/v1/purchase-orders/",
        "/api/v1/putaway-tasks/",
        "/api/v1/discrepancies/",
        "/api/v1/reorder-rules/",
        "/api/v1/replenishment-alerts/",
    ):
        response = client.get(path)
        if response.status_code == 403:
            continue  # the role may not read this list at all
        assert response.status_code == 200, path
        text = response.content.decode()
        assert '"WH1"' not in text, path
        assert "PO-1" not in text, path


@pytest.mark.django_db
def test_a_key_lists_only_its_own_channel_and_orders():
    world = _world()
    client = _client(world, "key-elsewhere")
    assert [c["code"] for c in client.get("/api/v1/channels/").json()["results"]] == ["OTHER"]
    assert client.get("/api/v1/orders/").json()["results"] == []
    own = _client(world, "key")
    codes = {o["external_id"] for o in own.get("/api/v1/orders/").json()["results"]}
    assert codes == {"o-1", "o-2"}
