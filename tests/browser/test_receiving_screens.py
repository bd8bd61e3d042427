"""Receiving screens in headless Chromium: the PO list and page, the dock (scan, Enter, flags
appearing as they happen), the discrepancy list's resolve form, the phone put-away queue."""

import re

import pytest
from playwright.sync_api import expect

from inventory.models import BinStock, WarehouseStock
from receiving.models import Discrepancy, PurchaseOrder, PutawayTask
from receiving.services import supplier_create
from tests import factories
from tests.receiving.builders import make_po, receive

pytestmark = pytest.mark.browser


@pytest.fixture
def supplier(db):
    return supplier_create(code="ACME", name="Acme Supplies")


@pytest.fixture
def associate(db, warehouse):
    """An associate of the warehouse (associates work only in their own warehouses)."""
    person = factories.user("dockhand", role="associate")
    warehouse.staff.add(person)
    return person


def test_po_list_filters_and_closing_a_po(page, login, snap, user, supplier, warehouse, places):
    shirt = factories.sku("TSHIRT-RED-M")
    mug = factories.sku("MUG-BLUE")
    po = make_po(supplier, warehouse, (shirt, 10), (mug, 4), number="PO-1001")
    make_po(supplier, warehouse, (mug, 2), number="PO-1002", status="draft")
    receive(po, (shirt, 10), (mug, 1))
    login(page, user)
    page.goto("/receiving/purchase-orders/")
    rows = page.locator("#po-results tbody tr")
    expect(rows).to_have_count(2)
    page.get_by_label("Status").select_option("draft")
    expect(rows).to_have_count(1)  # htmx redrew the results
    expect(rows.first).to_contain_text("PO-1002")
    expect(page).to_have_url(re.compile(r"status=draft"))
    page.get_by_label("Status").select_option("")
    expect(rows).to_have_count(2)
    page.get_by_label("Search").fill("1001")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("PO-1001")
    snap(page, "receiving-po-list")
    page.get_by_role("link", name="PO-1001").click()
    expect(page.locator("h1")).to_contain_text("PO-1001")
    expect(page.locator("table.po-lines tbody tr")).to_have_count(2)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Close").click()
    expect(page.locator(".messages")).to_contain_text("closed short")
    expect(page.locator("table.discrepancies")).to_contain_text("Short delivery")
    snap(page, "receiving-po-detail")
    assert PurchaseOrder.objects.get(number="PO-1001").status == "closed"


def test_dock_scan_enter_and_flags_as_they_happen(
    page, login, snap, associate, supplier, warehouse, places
):
    shirt = factories.sku("TSHIRT-RED-M", barcode="4006381333931")
    milk = factories.sku("MILK-1L", lot_tracked=True)
    make_po(supplier, warehouse, (shirt, 5), (milk, 6), number="PO-2001")
    login(page, associate)
    page.goto("/receiving/")
    page.get_by_label("PO number").fill("PO-2001")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("Receive PO-2001")

    # A scanner types the barcode and Enter: the SKU is looked up, the cursor moves on.
    sku_field = page.locator("#dock-sku")
    expect(sku_field).to_be_focused()
    sku_field.fill("4006381333931")
    sku_field.press("Enter")
    expect(page.locator("#sku-info")).to_contain_text("0 of 5 received")
    quantity = page.locator("#dock-quantity")
    expect(quantity).to_be_focused()
    quantity.fill("6")
    quantity.press("Enter")
    flags = page.locator("table.dock-flags tbody tr")
    expect(flags).to_have_count(1)
    expect(flags.first).to_contain_text("Over-receipt")
    expect(page.locator("table.dock-lines tbody tr")).to_have_count(1)
    expect(page.locator("#dock-sku")).to_be_focused()  # ready for the next scan

    # A lot-tracked SKU asks for its lot and expiry before Enter adds the line.
    page.locator("#dock-sku").fill("MILK-1L")
    page.locator("#dock-sku").press("Enter")
    expect(page.locator("#sku-info")).to_contain_text("lot-tracked")
    expect(page.locator("#dock-quantity")).to_be_focused()
    page.locator("#dock-quantity").fill("6")
    page.locator("#dock-quantity").press("Enter")
    expect(page.locator("#dock-lot")).to_be_focused()
    page.locator("#dock-lot").fill("L-0425")
    page.locator("#dock-lot").press("Enter")
    expect(page.locator("#dock-expiry")).to_be_focused()
    page.locator("#dock-expiry").fill("2030-04-25")
    page.locator("#dock-expiry").press("Enter")
    expect(page.locator("table.dock-lines tbody tr")).to_have_count(2)
    expect(flags).to_have_count(1)

    # An unknown code is said next to the field, nothing is received.
    page.locator("#dock-sku").fill("NOPE")
    page.locator("#dock-sku").press("Enter")
    expect(page.locator("#sku-info")).to_contain_text("No SKU has the code or barcode NOPE")
    snap(page, "receiving-dock")
    assert PurchaseOrder.objects.get(number="PO-2001").receipts.count() == 1
    assert BinStock.objects.get(sku=milk, location=places.dock).quantity == 6
    assert BinStock.objects.get(sku=milk, location=places.dock).lot.lot_number == "L-0425"


def test_resolving_a_discrepancy_inline(page, login, snap, user, supplier, warehouse, places):
    shirt = factories.sku("TSHIRT-RED-M")
    stranger = factories.sku("SOCKS-GREY")
    po = make_po(supplier, warehouse, (shirt, 5), number="PO-3001")
    receive(po, (shirt, 5), (stranger, 2))
    flag = Discrepancy.objects.get()
    login(page, user)
    page.goto("/receiving/discrepancies/")
    row = page.locator(f"#discrepancy-{flag.pk}")
    expect(row).to_contain_text("SKU not on the PO")
    row.get_by_text("Resolve", exact=True).first.click()
    row.get_by_role("button", name="Resolve").click()  # no note yet
    row = page.locator(f"#discrepancy-{flag.pk}")
    expect(row.locator(".errorlist")).to_contain_text("required")
    row.get_by_label("How was it resolved?").fill("Buyer keeps them; supplier invoices them")
    row.get_by_label(re.compile("Release the units")).check()
    row.get_by_role("button", name="Resolve").click()
    expect(page.locator(f"#discrepancy-{flag.pk}")).to_contain_text("Resolved")
    expect(page.locator(f"#discrepancy-{flag.pk}")).to_contain_text("Put-away task")
    snap(page, "receiving-discrepancies")
    flag.refresh_from_db()
    assert flag.resolved_by == user
    assert PutawayTask.objects.filter(discrepancy=flag, status="open").exists()


def test_putaway_on_a_phone_by_scanning_the_bin(
    phone_page, login, snap, associate, supplier, warehouse, places
):
    shirt = factories.sku("TSHIRT-RED-M")
    po = make_po(supplier, warehouse, (shirt, 8), number="PO-4001")
    [task] = receive(po, (shirt, 8)).tasks
    page = phone_page
    login(page, associate)
    page.goto("/receiving/putaway/")
    card = page.locator(f'[data-task="{task.pk}"]')
    expect(card).to_contain_text("TSHIRT-RED-M")
    expect(card.locator(".bin")).to_have_text("A-01")
    snap(page, "receiving-putaway-queue-phone")
    card.tap()
    expect(page.locator("#suggested-bin")).to_have_text("A-01")
    scan = page.get_by_label("Scan the bin")
    expect(scan).to_be_focused()
    snap(page, "receiving-putaway-task-phone")
    scan.fill("A-01")
    scan.press("Enter")
    expect(page.locator(".messages")).to_contain_text("Put 8 of TSHIRT-RED-M in A-01")
    expect(page.locator(f'[data-task="{task.pk}"]')).to_have_count(0)
    snap(page, "receiving-putaway-done-phone")
    assert WarehouseStock.objects.get(sku=shirt, warehouse=warehouse).on_hand == 8
