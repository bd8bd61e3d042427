"""The foundation screens in headless Chromium: sign in, read the dashboard's figures, search and
filter stock (htmx and plain HTML), open a SKU page. Data is made through the services, so the
figures on screen are the ledger's."""

import datetime
import re
from unittest import mock

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from inventory.services import (
    ReserveLine,
    location_create,
    stock_move,
    stock_receive,
    stock_reserve,
)
from replenishment.services import reorder_rule_create
from tests import factories

pytestmark = pytest.mark.browser


def _days_ago(days: int):
    """Write ledger rows as if `days` ago (noon): the ledger's created_at comes from the clock."""
    day = timezone.localdate() - datetime.timedelta(days=days)
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12, 0)))
    return mock.patch("django.utils.timezone.now", return_value=moment)


@pytest.fixture
def shop(warehouse, places):
    """WH1 with bins A-01/A-02 and a dock, a second warehouse NORTH; a T-shirt (barcode) in two
    warehouses and at the dock, lot-tracked milk in two lots, 5 shirts reserved; two weeks of
    history, of which one movement (the receipt of PO-1001) is today's."""
    north = factories.warehouse("NORTH")
    north_bin = location_create(warehouse=north, code="N-01", travel_cost=1)
    shirt = factories.sku("TSHIRT-RED-M", barcode="4006381333931")
    milk = factories.sku("MILK-1L", lot_tracked=True)
    factories.sku("MUG-BLUE")  # in the catalog, nothing in stock
    with _days_ago(12):
        factories.stock(shirt, places.bin1, 100)
    with _days_ago(9):
        stock_receive(sku=shirt, location=places.dock, quantity=50, reference="PO-1000")
    with _days_ago(8):
        stock_move(sku=shirt, from_location=places.dock, to_location=places.bin1, quantity=50)
    with _days_ago(6):
        factories.stock(shirt, places.bin1, -30)
    with _days_ago(5):
        factories.stock(shirt, north_bin, 30)
    with _days_ago(4):
        factories.stock(milk, places.bin1, 6, lot_number="L-0301", expiry=datetime.date(2030, 3, 1))
    with _days_ago(2):
        factories.stock(
            milk, places.bin2, 24, lot_number="L-0425", expiry=datetime.date(2030, 4, 25)
        )
    stock_receive(sku=shirt, location=places.dock, quantity=40, reference="PO-1001")
    stock_reserve(lines=[ReserveLine(shirt, warehouse, 5)], reference="order-1")
    # 30 milk against a reorder point of 40: low stock
    reorder_rule_create(sku=milk, warehouse=warehouse, reorder_point=40, reorder_quantity=60)
    return {"warehouse": warehouse, "north": north}


def _figure(page, name):
    return page.locator(f'[data-figure="{name}"] .figure-value')


def test_login_rejects_a_wrong_password_in_words(page, user):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/"))
    page.get_by_label("Username").fill("manager")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username")


def test_dashboard_shows_the_figures(page, phone_page, login, snap, user, shop):
    login(page, user)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(_figure(page, "skus")).to_have_text("3")
    expect(_figure(page, "on-hand")).to_have_text("180")  # 120 + 30 shirts, 24 + 6 milk
    expect(_figure(page, "reserved")).to_have_text("5")
    expect(_figure(page, "available")).to_have_text("175")
    expect(_figure(page, "at-docks")).to_have_text("40")
    expect(_figure(page, "movements-today")).to_have_text("1")
    expect(_figure(page, "nothing-available")).to_have_text("1")
    expect(_figure(page, "low-stock")).to_have_text("1")
    short_list = page.locator("section[aria-labelledby=short-title]")
    expect(short_list.get_by_role("link")).to_have_text("MUG-BLUE")
    expect(page.locator("table.movements tbody tr")).to_have_count(8)
    expect(page.locator("table.movements tbody tr").first).to_contain_text("PO-1001")
    expect(page.locator(".sparkline").first).to_be_visible()
    expect(page.locator("nav.nav a[aria-current=page]")).to_have_text("Dashboard")
    snap(page, "dashboard-desktop")

    login(phone_page, user)
    expect(_figure(phone_page, "available")).to_have_text("175")
    snap(phone_page, "dashboard-phone")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_stock_search_filters_sorts_and_refreshes_the_table(
    page, phone_page, login, snap, user, shop
):
    login(page, user)
    page.get_by_role("link", name="Stock", exact=True).click()
    rows = page.locator("table.stock tbody tr")
    expect(rows).to_have_count(5)
    expect(page.locator(".results-summary")).to_have_text("5 rows · 220 units")
    snap(page, "stock-desktop")

    # typing refreshes the table in place (htmx) and the address follows the filters
    page.get_by_label("Search").fill("milk")
    expect(rows).to_have_count(2)
    expect(page).to_have_url(re.compile(r"q=milk"))
    page.get_by_label("Search").fill("4006381333931")  # a barcode, as a scanner types it
    expect(rows).to_have_count(3)

    page.get_by_label("Warehouse").select_option("NORTH")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("NORTH:N-01")

    page.get_by_label("Warehouse").select_option("")
    page.get_by_label("Sellable").select_option("false")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("DOCK")
    expect(rows.first).to_contain_text("40")

    page.get_by_label("Sellable").select_option("")
    page.get_by_label("Search").fill("")
    page.get_by_label("Location type").select_option("bin")
    expect(rows).to_have_count(4)
    units = page.locator("table.stock thead th", has_text="Units")
    units.get_by_role("link").click()  # sort by units, ascending
    expect(units).to_have_attribute("aria-sort", "ascending")  # the new table is in
    expect(rows.first.locator("td.num")).to_have_text("6")
    units.get_by_role("link").click()  # and descending
    expect(units).to_have_attribute("aria-sort", "descending")
    expect(rows.first.locator("td.num")).to_have_text("120")
    expect(page).to_have_url(re.compile(r"sort=-quantity"))
    # the form keeps the sort when a filter changes afterwards
    page.get_by_label("Lot").fill("L-0301")
    expect(rows).to_have_count(1)
    expect(page).to_have_url(re.compile(r"sort=-quantity"))
    snap(page, "stock-filtered-desktop")

    login(phone_page, user)
    phone_page.goto("/stock/")
    expect(phone_page.locator("table.stock tbody tr")).to_have_count(5)
    snap(phone_page, "stock-phone")


def test_stock_search_works_without_javascript(new_page, login, user, shop):
    page = new_page("desktop", javascript=False)
    login(page, user)
    page.goto("/stock/")
    page.get_by_label("Search").fill("milk")
    page.get_by_label("Lot").fill("L-0425")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/stock/\?.*q=milk"))
    expect(page.locator("table.stock tbody tr")).to_have_count(1)
    expect(page.locator("table.stock tbody tr").first).to_contain_text("24")


def test_sku_page_shows_bins_history_and_ledger(page, phone_page, login, snap, user, shop):
    login(page, user)
    page.goto("/stock/?q=MILK")
    page.get_by_role("link", name="MILK-1L").first.click()
    expect(page).to_have_url(re.compile(r"/skus/MILK-1L/$"))
    expect(page.locator("h1")).to_contain_text("MILK-1L")
    expect(page.get_by_text("Lot-tracked", exact=True)).to_be_visible()
    expect(_figure(page, "on-hand")).to_have_text("30")
    expect(page.locator("nav.nav a[aria-current=page]")).to_have_text("Stock")

    bins = page.locator("table.bins tbody tr")
    expect(bins).to_have_count(2)
    expect(bins.nth(0)).to_contain_text("A-01")
    expect(bins.nth(0)).to_contain_text("L-0301")
    expect(bins.nth(0)).to_contain_text("2030-03-01")
    expect(bins.nth(1)).to_contain_text("L-0425")
    expect(page.locator("table.movements tbody tr")).to_have_count(2)
    expect(page.locator("table.movements")).to_contain_text("opening stock")
    snap(page, "sku-desktop")

    page.goto("/skus/TSHIRT-RED-M/")
    warehouses = page.locator("table.warehouses")
    expect(warehouses.locator("tbody tr")).to_have_count(2)
    expect(warehouses.locator("tfoot")).to_contain_text("145")  # 150 on hand - 5 reserved
    expect(page.locator("table.movements tbody tr")).to_have_count(6)
    snap(page, "sku-shirt-desktop")

    login(phone_page, user)
    phone_page.goto("/skus/TSHIRT-RED-M/")
    expect(phone_page.locator("table.bins tbody tr")).to_have_count(3)
    snap(phone_page, "sku-phone")

    page.goto("/skus/NO-SUCH-SKU/")
    expect(page.get_by_text("There is no SKU with the code NO-SUCH-SKU")).to_be_visible()


def test_paging_swaps_only_the_table(page, login, user, warehouse):
    zone = location_create(warehouse=warehouse, code="P", type="zone")
    item = factories.sku("PAGED-1")
    for i in range(30):
        bin_ = location_create(warehouse=warehouse, code=f"P-{i:02}", parent=zone, travel_cost=i)
        factories.stock(item, bin_, i + 1)
    login(page, user)
    page.goto("/stock/?per=25&sort=quantity")
    rows = page.locator("table.stock tbody tr")
    expect(rows).to_have_count(25)
    page.get_by_role("link", name="Next").click()
    expect(rows).to_have_count(5)
    expect(rows.first.locator("td.num")).to_have_text("26")
    expect(page).to_have_url(re.compile(r"page=2"))
    # only the results were replaced: one form, one table, the scanner-typed search still works
    expect(page.locator("form.filters")).to_have_count(1)
    expect(page.locator("#stock-results")).to_have_count(1)
    page.get_by_label("Search").fill("P-07")
    page.get_by_label("Search").press("Enter")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td.num")).to_have_text("8")

    page.goto("/skus/PAGED-1/")
    ledger = page.locator("#ledger table.movements tbody tr")
    expect(ledger).to_have_count(25)
    page.locator("#ledger").get_by_role("link", name="Next").click()
    expect(ledger).to_have_count(5)
    expect(page.locator("#ledger")).to_have_count(1)
    expect(page.locator("table.bins")).to_have_count(1)
