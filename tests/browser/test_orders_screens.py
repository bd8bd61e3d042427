"""Order and picking screens in headless Chromium: a manager finds, opens and cancels an order
and reassigns picks; an associate on a phone scans bin and item (a scanner types the code and
presses Enter), confirms a pick, then takes the short-pick path."""

import re

import pytest
from playwright.sync_api import expect

from channels.models import OrderStatus, PickTaskStatus
from channels.services import OrderLineRequest, channel_create, order_create
from inventory.models import CycleCountLine, WarehouseStock
from tests import factories

pytestmark = pytest.mark.browser


@pytest.fixture
def orders(warehouse, places):
    """Two channels; SHIRT (with a barcode) in A-01 and A-02, a mug in A-02; an associate of
    the warehouse; three orders."""
    shirt = factories.sku("TSHIRT-RED-M", barcode="4006381333931")
    mug = factories.sku("MUG-BLUE")
    factories.stock(shirt, places.bin1, 3)
    factories.stock(shirt, places.bin2, 10)
    factories.stock(mug, places.bin2, 5)
    picker = factories.user("picker", role="associate")
    warehouse.staff.add(picker)
    web = channel_create(code="WEB", name="Webshop", warehouses=[warehouse])
    woo = channel_create(code="WOO", name="Outlet", connector="woocommerce", warehouses=[warehouse])

    def place(channel, external_id, *lines):
        order, _ = order_create(
            channel=channel,
            external_id=external_id,
            lines=[OrderLineRequest(sku, quantity) for sku, quantity in lines],
        )
        return order

    return {
        "picker": picker,
        "shirt": shirt,
        "first": place(web, "W-1001", (shirt, 3), (mug, 1)),
        "second": place(woo, "O-2001", (mug, 2)),
        "third": place(web, "W-1002", (shirt, 1)),
    }


def test_a_manager_filters_orders_opens_one_and_cancels_it(page, login, snap, user, orders):
    login(page, user)
    page.goto("/orders/")
    expect(page.locator("h1")).to_have_text("Orders")
    rows = page.locator("#order-results tbody tr")
    expect(rows).to_have_count(3)
    snap(page, "orders-list")
    page.get_by_label("Channel").select_option("WOO")  # htmx swaps the results in place
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("O-2001")
    expect(page).to_have_url(re.compile(r"channel=WOO"))
    page.get_by_label("Channel").select_option("")
    expect(rows).to_have_count(3)
    page.get_by_label("Search").fill("W-1001")
    expect(page).to_have_url(re.compile(r"q=W-1001"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("W-1001")
    rows.first.get_by_role("link").click()

    expect(page.locator("h1")).to_contain_text(f"Order #{orders['first'].pk}")
    expect(page.get_by_role("heading", name="Lines and reservations")).to_be_visible()
    expect(page.locator("table").first).to_contain_text("TSHIRT-RED-M")
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    snap(page, "order-detail")
    page.get_by_placeholder("Reason (optional)").fill("Customer asked")
    page.get_by_role("button", name="Cancel order").click()
    expect(page.locator(".msg.success")).to_contain_text("cancelled")
    expect(page.locator("h1")).to_contain_text("Cancelled")
    orders["first"].refresh_from_db()
    assert orders["first"].status == OrderStatus.CANCELLED
    assert WarehouseStock.objects.get(sku=orders["shirt"]).reserved == 1  # W-1002's shirt


def test_an_associate_scans_picks_on_a_phone_and_reports_a_short_pick(
    phone_page, login, snap, orders
):
    page = phone_page
    login(page, orders["picker"])
    page.goto("/orders/picks/")
    expect(page.locator("[data-test=bin]")).to_have_text("A-01")
    expect(page.locator("[data-test=sku]")).to_have_text("TSHIRT-RED-M")
    expect(page.locator("[data-test=quantity]")).to_have_text("3")
    snap(page, "my-picks-phone")

    # A scanner types the code and presses Enter: focus moves on, nothing is submitted yet.
    bin_field = page.get_by_label("1 · Scan the bin")
    expect(bin_field).to_be_focused()
    bin_field.press_sequentially("A-01")
    bin_field.press("Enter")
    sku_field = page.get_by_label("2 · Scan the item")
    expect(sku_field).to_be_focused()
    sku_field.press_sequentially("4006381333931")  # the barcode
    sku_field.press("Enter")
    quantity = page.get_by_label("3 · Units picked")
    expect(quantity).to_be_focused()
    # The bin holds only 2 of the 3 the books say: the short-pick path.
    quantity.fill("2")
    page.get_by_role("button", name="Confirm pick").click()
    expect(page.locator("#quantity-error")).to_contain_text("fewer than 3")
    snap(page, "my-picks-short-prompt")
    page.get_by_role("button", name=re.compile(r"Confirm short pick \(2 of 3\)")).click()
    expect(page.locator(".msg.warning")).to_contain_text("Short pick recorded")
    assert CycleCountLine.objects.filter(location__code="A-01").exists()

    # The missing shirt was re-routed to A-02, walked with the mug already there.
    expect(page.locator("[data-test=bin]")).to_have_text("A-02")
    expect(page.locator("table.data")).to_contain_text("TSHIRT-RED-M")
    item = page.locator("[data-test=sku]").inner_text()
    page.get_by_label("1 · Scan the bin").fill("A-01")
    page.get_by_label("2 · Scan the item").fill(item)
    page.get_by_role("button", name="Confirm pick").click()
    expect(page.locator("#bin-error")).to_contain_text("That is not bin A-02")  # said in words
    page.get_by_label("1 · Scan the bin").fill("A-02")
    page.get_by_role("button", name="Confirm pick").click()
    expect(page.locator(".msg.success")).to_contain_text(f"Picked 1 {item} from A-02")
    first = orders["first"]
    assert first.pick_tasks.filter(status=PickTaskStatus.SHORT).count() == 1
    assert first.pick_tasks.filter(status=PickTaskStatus.DONE).count() == 1


def test_a_manager_reassigns_an_orders_picks_in_the_queue(page, login, user, orders, warehouse):
    helper = factories.user("helper", role="associate")
    warehouse.staff.add(helper)
    login(page, user)
    page.goto("/orders/picks/queue/")
    expect(page.get_by_role("heading", name="picker")).to_be_visible()
    second = orders["second"]
    page.get_by_label(f"Give order #{second.pk}'s picks to").select_option("helper")
    page.locator(
        f"form[action='/orders/picks/{second.pick_tasks.get().pk}/assign/'] button"
    ).click()
    expect(page.locator(".msg.success")).to_contain_text("helper")
    expect(page.get_by_role("heading", name="helper")).to_be_visible()
    assert second.pick_tasks.get().assignee == helper
