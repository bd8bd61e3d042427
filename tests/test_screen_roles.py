"""PRODUCT.md "Who may do what" on the screens: every screen as each role, as people of another
warehouse and with no role. Outside one's role: the 403 page; an object of another warehouse:
the 404 page, also when its id is typed into the address (put-away, picks, orders, POs)."""

from dataclasses import dataclass

import pytest
from django.test import Client

from tests.api.test_roles import (
    ALL,
    BUYING,
    BUYING_READ,
    CHANNEL_READ,
    ELSEWHERE,
    FLOOR,
    PRINCIPALS,
    STOCK_HANDLERS,
    _world,
)

PEOPLE = [p for p in PRINCIPALS if p[1] != "key"]


@dataclass
class Screen:
    method: str
    path: str
    allowed: set
    scoped: bool = False
    data: dict | None = None


def _screens(w) -> list[Screen]:
    order, pick, task = w["order"].pk, w["pick"].pk, w["putaway"].pk
    return [
        Screen("get", "/", ALL),
        Screen("get", "/stock/", ALL),
        Screen("get", "/skus/TEE/", ALL),
        Screen("get", "/receiving/", FLOOR),
        Screen("get", "/receiving/purchase-orders/", BUYING_READ | {"associate"}),
        Screen("get", "/receiving/purchase-orders/PO-1/", BUYING_READ | {"associate"}, True),
        Screen("get", "/receiving/dock/PO-1/", FLOOR, True),
        Screen("get", "/receiving/dock/PO-1/sku/?code=TEE", FLOOR, True),
        Screen("get", "/receiving/putaway/", FLOOR),
        Screen("get", f"/receiving/putaway/{task}/", FLOOR, True),
        Screen("get", "/receiving/discrepancies/", BUYING_READ),
        Screen("get", "/orders/", ALL),
        Screen("get", f"/orders/{order}/", ALL, True),
        Screen("get", "/orders/picks/", FLOOR),
        Screen("get", "/orders/picks/queue/", STOCK_HANDLERS),
        Screen("get", "/orders/channels/", CHANNEL_READ),
        Screen("get", "/orders/channels/SHOP/", CHANNEL_READ),
        Screen("get", "/replenishment/alerts/", BUYING_READ),
        Screen("get", "/replenishment/rules/", BUYING_READ),
        Screen("get", "/replenishment/skus/TEE/rules/", BUYING_READ),
        # writes
        Screen("post", f"/receiving/putaway/{task}/", FLOOR, True, {"location": "A-02"}),
        Screen("post", "/receiving/purchase-orders/PO-3/open/", BUYING, True),
        Screen(
            "post",
            f"/receiving/discrepancies/{w['discrepancy'].pk}/resolve/",
            STOCK_HANDLERS,
            True,
            {"note": "extra"},
        ),
        Screen("post", f"/orders/picks/{pick}/assign/", STOCK_HANDLERS, True, {"assignee": ""}),
        Screen("post", f"/orders/{order}/ship/", FLOOR, True),
        Screen("post", f"/orders/{order}/put-back/", STOCK_HANDLERS, True),
        Screen("post", "/orders/channels/SHOP/resync/", STOCK_HANDLERS),
        Screen("post", "/replenishment/rules/", set()),  # GET only: 405 for everyone
        Screen("post", f"/orders/{order}/cancel/", STOCK_HANDLERS, True),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role", "warehouse"), PEOPLE, ids=[p[0] for p in PEOPLE])
def test_every_screen_as_each_person(name, role, warehouse):
    world = _world()
    client = Client()
    client.force_login(world["people"][name])
    wrong = []
    for screen in _screens(world):
        response = getattr(client, screen.method)(screen.path, screen.data or {})
        got = response.status_code
        if not screen.allowed:
            ok = got in (403, 405)
            expected = "403 or 405"
        elif role not in screen.allowed:
            ok, expected = got == 403, "403"
        elif screen.scoped and name in ELSEWHERE:
            ok, expected = got == 404, "404"
        else:
            ok, expected = got in (200, 302, 400), "200, 302 or 400"
        if not ok:
            wrong.append(f"{screen.method.upper()} {screen.path}: expected {expected}, got {got}")
    assert not wrong, f"as {name}:\n" + "\n".join(wrong)


@pytest.mark.django_db
def test_an_associate_cannot_finish_another_warehouses_putaway_by_its_address():
    world = _world()
    client = Client()
    client.force_login(world["people"]["associate-elsewhere"])
    task = world["putaway"]
    response = client.post(f"/receiving/putaway/{task.pk}/", {"location": "A-02"})
    assert response.status_code == 404
    task.refresh_from_db()
    assert task.status == "open"
