"""The foundation screens: login, dashboard, stock search, SKU page (server-side, Django's client).

Figures are built through the services, so every number asserted here is one the ledger backs.
Query counts are pinned with django_assert_max_num_queries at two data sizes: the cap is the same
for a handful of rows and for a full page, so a per-row query fails the test.
"""

import datetime
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from ims import context_processors
from ims.dashboard import dashboard_figures
from ims.kits.roles import Role
from inventory.models import LocationType
from inventory.selectors.dashboard import on_hand_series
from inventory.services import (
    ReserveLine,
    location_create,
    stock_move,
    stock_pick,
    stock_receive,
    stock_reserve,
)
from replenishment.services import reorder_rule_create
from tests import factories

# session + user + the user's groups (navigation by role) + the open-alerts badge of the Alerts
# entry (managers and purchasing) + the held-counts badge of Approvals (managers) + the screen's
# own reads; the SKU page adds its reorder panel
# (one query: the SKU's rules with their projected figures and recent picks). Accuracy adds
# four to the dashboard (ghost-stock rows and summary, accuracy per week, shrinkage per month)
# and one to the SKU page (its ghost stock): inventory/selectors/accuracy.py.
DASHBOARD_MAX_QUERIES = 15
STOCK_MAX_QUERIES = 8
SKU_MAX_QUERIES = 13


@pytest.fixture
def manager_client(client, user):
    client.force_login(user)
    return client


def _at(moment: datetime.datetime):
    """Write ledger rows as if at `moment`: the ledger's created_at comes from the clock."""
    return mock.patch("django.utils.timezone.now", return_value=moment)


def _bins(warehouse, count: int, *, prefix: str = "B"):
    zone = location_create(warehouse=warehouse, code=f"{prefix}Z", type=LocationType.ZONE)
    return [
        location_create(warehouse=warehouse, code=f"{prefix}-{i:03}", parent=zone, travel_cost=i)
        for i in range(count)
    ]


# ---------- login, navigation, errors ----------


@pytest.mark.django_db
def test_screens_need_a_signed_in_user(client):
    for name, args in [("dashboard", []), ("stock-search", []), ("sku-detail", ["X"])]:
        response = client.get(reverse(name, args=args))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_login_form_signs_in_and_says_what_is_wrong(client, user):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert b'name="username"' in page.content

    wrong = client.post(reverse("login"), {"username": "manager", "password": "nope"})
    assert wrong.status_code == 200
    assert b"Please enter a correct username and password" in wrong.content
    assert b'class="errorlist nonfield"' in wrong.content

    ok = client.post(reverse("login"), {"username": "manager", "password": "pass-1234!"})
    assert ok.status_code == 302
    assert ok["Location"] == reverse("dashboard")

    signed_out = client.post(reverse("logout"))
    assert signed_out.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 302


@pytest.mark.django_db
def test_every_nav_entry_opens_a_screen(client):
    client.force_login(factories.user("boss", role="admin"))
    for label, url_name, _roles in context_processors.NAV:
        response = client.get(reverse(url_name))
        assert response.status_code == 200, (label, response.status_code)


@pytest.mark.django_db
def test_navigation_follows_roles(client, monkeypatch):
    monkeypatch.setattr(
        context_processors,
        "NAV",
        [*context_processors.NAV, ("Purchasing only", "dashboard", [Role.PURCHASING])],
    )

    def entitled(role: str) -> list[str]:
        return [label for label, _name, allowed in context_processors.NAV if role in allowed]

    associate = factories.user("assoc", role=Role.ASSOCIATE)
    buyer = factories.user("buyer", role=Role.PURCHASING)

    client.force_login(associate)
    response = client.get("/")
    labels = [item["label"] for item in response.context["nav_items"]]
    assert labels[:2] == ["Dashboard", "Stock"]
    assert labels == entitled(Role.ASSOCIATE)
    assert "Purchasing only" not in labels
    assert b"Warehouse associate" in response.content

    client.force_login(buyer)
    labels = [item["label"] for item in client.get("/").context["nav_items"]]
    assert labels == entitled(Role.PURCHASING)
    assert "Purchasing only" in labels


@pytest.mark.django_db
def test_unknown_sku_is_a_404_in_words(manager_client):
    response = manager_client.get(reverse("sku-detail", args=["NO-SUCH"]))
    assert response.status_code == 404
    assert b"There is no SKU with the code NO-SUCH" in response.content
    assert b"Traceback" not in response.content


@pytest.mark.django_db
def test_unknown_url_is_a_404_page_not_a_trace(manager_client):
    response = manager_client.get("/no/such/page/")
    assert response.status_code == 404
    assert b"There is nothing here" in response.content


# ---------- dashboard ----------


@pytest.fixture
def stocked(warehouse, places, sku, lot_sku):
    """10 + 4 sellable units of `sku`, 6 of `lot_sku` (lot L1); 3 reserved; 5 at the dock;
    one more SKU with nothing at all."""
    factories.stock(sku, places.bin1, 10)
    factories.stock(sku, places.bin2, 4)
    factories.stock(lot_sku, places.bin1, 6, lot_number="L1", expiry=datetime.date(2031, 1, 31))
    stock_receive(sku=sku, location=places.dock, quantity=5, reference="PO-1")
    stock_reserve(lines=[ReserveLine(sku, warehouse, 3)], reference="order-1")
    empty = factories.sku("EMPTY-1")
    return {"sku": sku, "lot_sku": lot_sku, "empty": empty}


def test_dashboard_shows_real_figures(manager_client, stocked, warehouse):
    # 6 milk available against a reorder point of 10: low stock (an open replenishment alert)
    reorder_rule_create(
        sku=stocked["lot_sku"], warehouse=warehouse, reorder_point=10, reorder_quantity=20
    )
    response = manager_client.get(reverse("dashboard"))
    assert response.status_code == 200
    figures = response.context["figures"]
    assert figures.skus == 3
    assert figures.on_hand == 20
    assert figures.reserved == 3
    assert figures.available == 17
    assert figures.at_docks == 5
    assert figures.nothing_available == 1  # EMPTY-1
    assert figures.low_stock == 1  # MILK-1L
    assert response.context["movements_today"] == 4  # four ledger rows; a reservation is none
    assert [s.code for s in response.context["nothing_available"]] == ["EMPTY-1"]
    assert response.context["chart_values"][-1] == 20
    html = response.content.decode()
    assert 'data-figure="available"' in html
    assert "3.5% of annual revenue" in html
    assert "<svg" in html


def test_on_hand_history_is_derived_from_the_ledger(warehouse, places, sku):
    today = timezone.localdate()

    def moment(days_ago: int) -> datetime.datetime:
        day = today - datetime.timedelta(days=days_ago)
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12, 0)))

    with _at(moment(10)):
        factories.stock(sku, places.bin1, 50)  # +50 sellable
    with _at(moment(6)):
        stock_receive(sku=sku, location=places.dock, quantity=30)  # dock: not sellable
    with _at(moment(5)):
        stock_move(sku=sku, from_location=places.dock, to_location=places.bin2, quantity=30)
    with _at(moment(2)):
        [reservation] = stock_reserve(lines=[ReserveLine(sku, warehouse, 15)], reference="o-1")
        stock_pick(
            reservation=reservation, location=places.bin1, quantity=15, to_location=places.packing
        )
    factories.stock(sku, places.bin2, -5)  # today

    figures = dashboard_figures()
    assert figures.on_hand == 60
    series = on_hand_series(days=14, on_hand_now=figures.on_hand)
    assert [p.day for p in series] == [
        today - datetime.timedelta(days=d) for d in range(13, -1, -1)
    ]
    by_age = {(today - p.day).days: p for p in series}
    assert [by_age[d].on_hand for d in (13, 10, 7, 6, 5, 3, 2, 1, 0)] == [
        0,
        50,
        50,
        50,
        80,
        80,
        65,
        65,
        60,
    ]
    assert by_age[2].movements == 1  # the pick; the reservation wrote no ledger row
    assert by_age[0].movements == 1
    # the SKU's own history agrees
    assert on_hand_series(days=14, on_hand_now=60, sku=sku)[3].on_hand == 50


def test_dashboard_runs_a_constant_number_of_queries(
    manager_client, warehouse, django_assert_max_num_queries
):
    few = _bins(warehouse, 2, prefix="F")
    factories.stock(factories.sku(), few[0], 3)
    with django_assert_max_num_queries(DASHBOARD_MAX_QUERIES):
        assert manager_client.get(reverse("dashboard")).status_code == 200

    many = _bins(warehouse, 30, prefix="M")
    for i, location in enumerate(many):
        item = factories.sku()
        factories.stock(item, location, i + 1)
        if i % 3 == 1:
            stock_move(sku=item, from_location=location, to_location=many[0], quantity=1)
    for i in range(10):
        factories.sku(f"ZERO-{i}")
    with django_assert_max_num_queries(DASHBOARD_MAX_QUERIES):
        response = manager_client.get(reverse("dashboard"))
    assert len(response.context["latest"]) == 10
    assert len(response.context["nothing_available"]) == 8


# ---------- stock search ----------


@pytest.fixture
def two_warehouses(warehouse, places):
    """WH1 (the `places` tree) and WH2 with one bin; SKUs found by code, name, barcode, lot."""
    other = factories.warehouse("NORTH")
    north_bin = location_create(warehouse=other, code="N-01", travel_cost=1)
    shirt = factories.sku("TSHIRT-RED-M", barcode="4006381333931")
    milk = factories.sku("MILK-1L", lot_tracked=True)
    factories.stock(shirt, places.bin1, 12)
    factories.stock(shirt, north_bin, 7)
    stock_receive(sku=shirt, location=places.dock, quantity=4)
    factories.stock(milk, places.bin2, 9, lot_number="LOT-A", expiry=datetime.date(2030, 5, 1))
    factories.stock(milk, places.bin1, 2, lot_number="LOT-B", expiry=datetime.date(2030, 2, 1))
    return {"wh1": warehouse, "wh2": other}


def _rows(response):
    return [
        (row.sku.code, row.location.code, row.lot.lot_number if row.lot else None, row.quantity)
        for row in response.context["rows"]
    ]


def test_stock_search_filters_with_the_shared_filterset(manager_client, two_warehouses):
    url = reverse("stock-search")
    everything = manager_client.get(url)
    assert everything.status_code == 200
    assert len(_rows(everything)) == 5
    assert everything.context["units"] == 34

    by_barcode = manager_client.get(url, {"q": "4006381333931"})
    assert {r[0] for r in _rows(by_barcode)} == {"TSHIRT-RED-M"}

    assert _rows(manager_client.get(url, {"q": "milk", "lot": "LOT-B"})) == [
        ("MILK-1L", "A-01", "LOT-B", 2)
    ]
    assert _rows(manager_client.get(url, {"warehouse": "NORTH"})) == [
        ("TSHIRT-RED-M", "N-01", None, 7)
    ]
    assert _rows(manager_client.get(url, {"type": "dock"})) == [("TSHIRT-RED-M", "DOCK", None, 4)]
    assert len(_rows(manager_client.get(url, {"sellable": "true"}))) == 4
    assert _rows(manager_client.get(url, {"sellable": "false"})) == [
        ("TSHIRT-RED-M", "DOCK", None, 4)
    ]
    assert _rows(manager_client.get(url, {"q": "A-02"})) == [("MILK-1L", "A-02", "LOT-A", 9)]


def test_stock_search_sorts(manager_client, two_warehouses):
    url = reverse("stock-search")
    quantities = [r[3] for r in _rows(manager_client.get(url, {"sort": "-quantity"}))]
    assert quantities == sorted(quantities, reverse=True)
    expiring = _rows(manager_client.get(url, {"q": "MILK", "sort": "expiry"}))
    assert [r[2] for r in expiring] == ["LOT-B", "LOT-A"]
    # an unknown sort key falls back to the default order instead of failing
    fallback = manager_client.get(url, {"sort": "password"})
    assert fallback.status_code == 200
    assert fallback.context["sort"] == "sku"


def test_stock_search_bad_filters_are_said_in_words(manager_client, two_warehouses):
    response = manager_client.get(reverse("stock-search"), {"type": "roof", "sellable": "maybe"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Choose a location type from the list." in html
    # a filter that cannot be read is left out rather than emptying the list
    assert len(_rows(response)) == 5


def test_stock_search_paginates_and_htmx_gets_the_table_only(manager_client, warehouse):
    item = factories.sku("BULK-1")
    for i, location in enumerate(_bins(warehouse, 30)):
        factories.stock(item, location, i + 1)
    url = reverse("stock-search")
    first = manager_client.get(url, {"per": 25, "sort": "quantity"})
    assert [r[3] for r in _rows(first)] == list(range(1, 26))
    second = manager_client.get(url, {"per": 25, "sort": "quantity", "page": 2})
    assert [r[3] for r in _rows(second)] == list(range(26, 31))
    assert second.context["page"].paginator.count == 30
    # a page past the end shows the last page rather than an error
    assert manager_client.get(url, {"per": 25, "page": 99}).context["page"].number == 2

    partial = manager_client.get(
        url, {"q": "BULK"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="stock-results"
    )
    html = partial.content.decode()
    assert partial.status_code == 200
    assert html.lstrip().startswith('<div id="stock-results"')
    assert "<html" not in html
    assert 'hx-swap-oob="true"' in html  # the form's sort field follows the table


def test_stock_search_runs_a_constant_number_of_queries(
    manager_client, warehouse, django_assert_max_num_queries
):
    url = reverse("stock-search")
    item = factories.sku("Q-1", lot_tracked=True)
    for i, location in enumerate(_bins(warehouse, 3, prefix="S")):
        factories.stock(item, location, 1, lot_number=f"L{i}")
    with django_assert_max_num_queries(STOCK_MAX_QUERIES):
        assert len(_rows(manager_client.get(url, {"per": 100}))) == 3

    for i, location in enumerate(_bins(warehouse, 100, prefix="T")):
        factories.stock(factories.sku(), location, i + 1)
    with django_assert_max_num_queries(STOCK_MAX_QUERIES):
        assert len(_rows(manager_client.get(url, {"per": 100, "sort": "-quantity"}))) == 100


# ---------- SKU page ----------


def test_sku_page_shows_totals_bins_history_and_ledger(manager_client, two_warehouses):
    response = manager_client.get(reverse("sku-detail", args=["TSHIRT-RED-M"]))
    assert response.status_code == 200
    overview = response.context["overview"]
    totals = {
        w.warehouse.code: (w.on_hand, w.reserved, w.available, w.not_sellable)
        for w in overview.warehouses
    }
    wh1 = two_warehouses["wh1"].code
    assert totals == {"NORTH": (7, 0, 7, 0), wh1: (12, 0, 12, 4)}
    # by warehouse, then by place in the warehouse's tree
    assert [(b.location.code, b.quantity) for b in overview.bins] == [
        ("N-01", 7),
        ("A-01", 12),
        ("DOCK", 4),
    ]
    assert response.context["chart_values"][-1] == 19
    assert len(response.context["ledger"].object_list) == 3
    html = response.content.decode()
    assert "4006381333931" in html

    milk = manager_client.get(reverse("sku-detail", args=["MILK-1L"]))
    assert [(b.location.code, b.lot.lot_number) for b in milk.context["overview"].bins] == [
        ("A-01", "LOT-B"),
        ("A-02", "LOT-A"),
    ]
    assert "2030-02-01" in milk.content.decode()
    assert "Lot-tracked" in milk.content.decode()


def test_sku_ledger_paginates_and_htmx_gets_the_ledger_only(manager_client, warehouse, places):
    item = factories.sku("LEDGER-1")
    for _ in range(30):
        factories.stock(item, places.bin1, 1)
    url = reverse("sku-detail", args=["LEDGER-1"])
    assert len(manager_client.get(url).context["ledger"].object_list) == 25
    page_two = manager_client.get(url, {"page": 2}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="ledger")
    html = page_two.content.decode()
    assert html.lstrip().startswith('<div id="ledger"')
    assert len(page_two.context["ledger"].object_list) == 5


def test_sku_page_runs_a_constant_number_of_queries(
    manager_client, warehouse, django_assert_max_num_queries
):
    item = factories.sku("MANY-1", lot_tracked=True)
    url = reverse("sku-detail", args=["MANY-1"])
    first = _bins(warehouse, 2, prefix="P")
    factories.stock(item, first[0], 1, lot_number="L0")
    with django_assert_max_num_queries(SKU_MAX_QUERIES):
        assert manager_client.get(url).status_code == 200

    other = factories.warehouse("WH-OTHER")
    for i, location in enumerate(_bins(warehouse, 20, prefix="R") + _bins(other, 20, prefix="R")):
        factories.stock(item, location, i + 1, lot_number=f"L{i % 7}")
    with django_assert_max_num_queries(SKU_MAX_QUERIES):
        response = manager_client.get(url)
    assert len(response.context["overview"].bins) == 41
    assert len(response.context["ledger"].object_list) == 25
