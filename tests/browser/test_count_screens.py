"""Cycle-count screens in headless Chromium: an associate counting on a phone with a scanner
(scan the bin, scan the item, type the units and Enter), a wrong scan said beside the field, a
unit nobody expected, the sheet without JavaScript; a manager approving a held count and asking
for a recount on a desktop.

The books hold distinctive quantities (9137, 4261) so that the open sheet can be searched for
them: it must never show them (blind counting)."""

import re

import pytest
from playwright.sync_api import expect

from inventory.models import BinStock, CountStatus, CycleCount, CycleCountLine
from inventory.services.count_posting import CountedLine, count_submit
from inventory.services.counts import count_create
from receiving.services import supplier_create
from tests import factories
from tests.receiving.builders import make_po

pytestmark = pytest.mark.browser

BOOKS_SHIRT = 9137
BOOKS_MUG = 4261


@pytest.fixture
def associate(db, warehouse):
    person = factories.user("counter", role="associate")
    warehouse.staff.add(person)
    return person


@pytest.fixture
def manager(db, warehouse):
    person = factories.user("boss", role="manager")
    warehouse.staff.add(person)
    return person


@pytest.fixture
def shirt(places):
    item = factories.sku("TSHIRT-RED-M", barcode="4006381333931")
    factories.stock(item, places.bin1, BOOKS_SHIRT)
    return item


@pytest.fixture
def mug(places):
    item = factories.sku("MUG-BLUE")
    factories.stock(item, places.bin1, BOOKS_MUG)
    factories.stock(item, places.bin2, 6)
    return item


def line_of(count, sku, location) -> CycleCountLine:
    return count.lines.get(sku=sku, location=location)


def on_hand(sku, location) -> int:
    return BinStock.objects.get(sku=sku, location=location).quantity


def blind(page) -> None:
    html = page.content()
    for number in (BOOKS_SHIRT, BOOKS_MUG):
        assert not re.search(rf"(?<![\w.]){number}(?![\w.])", html), number


def scan(page, code: str) -> None:
    field = page.locator("#count-scan")
    expect(field).to_be_focused()
    field.press_sequentially(code)
    field.press("Enter")


def test_an_associate_counts_a_bin_by_scanning_on_a_phone(
    phone_page, login, snap, warehouse, places, shirt, mug, associate
):
    count = count_create(warehouse=warehouse, location=places.bin1, assignee=associate)
    page = phone_page
    login(page, associate)
    page.goto("/counts/")
    page.locator("[data-test=count-card]").first.click()
    expect(page.locator("h1")).to_contain_text("bin A-01")
    blind(page)
    # One bin: it is the current one; the scan field waits for the first item.
    expect(page.locator("#count-scan-status")).to_contain_text("Bin A-01")
    snap(page, "count-sheet-phone")

    scan(page, "4006381333931")  # the shirt's barcode
    shirt_qty = page.locator(f"#qty-{line_of(count, shirt, places.bin1).pk}")
    expect(shirt_qty).to_be_focused()
    shirt_qty.press_sequentially(str(BOOKS_SHIRT - 1))
    shirt_qty.press("Enter")
    expect(page.locator("#count-scan")).to_be_focused()  # ready for the next scan
    scan(page, "MUG-BLUE")
    mug_qty = page.locator(f"#qty-{line_of(count, mug, places.bin1).pk}")
    expect(mug_qty).to_be_focused()
    mug_qty.press_sequentially(str(BOOKS_MUG))
    mug_qty.press("Enter")
    expect(page.locator("#count-scan")).to_be_focused()
    assert CycleCount.objects.get(pk=count.pk).status == CountStatus.OPEN  # Enter sent nothing
    snap(page, "count-sheet-phone-counted")

    page.get_by_role("button", name="Submit count").click()
    expect(page.locator(".msg.success")).to_contain_text(f"Count #{count.pk} posted")
    expect(page.locator("[data-test=count-status]")).to_have_text("Posted")
    snap(page, "count-result-phone")
    assert on_hand(shirt, places.bin1) == BOOKS_SHIRT - 1
    assert on_hand(mug, places.bin1) == BOOKS_MUG


def test_wrong_scans_other_bins_and_a_found_unit_on_a_phone(
    phone_page, login, snap, warehouse, places, shirt, mug, associate
):
    sock = factories.sku("SOCK-GREY")
    count = count_create(warehouse=warehouse, zone=places.zone)  # anyone's
    page = phone_page
    login(page, associate)
    page.goto(f"/counts/{count.pk}/")
    expect(page.locator("#count-scan-status")).to_contain_text("Scan a bin to start")

    scan(page, "NOPE-123")
    expect(page.locator("#count-scan-error")).to_contain_text("No bin or item has the code NOPE")
    expect(page.locator("#count-scan")).to_have_value("")
    scan(page, "DOCK")  # a place of the warehouse, but not of this count
    expect(page.locator("#count-scan-error")).to_contain_text("Bin DOCK is not in this count")
    scan(page, "MUG-BLUE")  # in two bins: which one?
    expect(page.locator("#count-scan-error")).to_contain_text("scan the bin first")

    scan(page, "A-02")
    expect(page.locator("section[data-bin='A-02']")).to_have_class(re.compile("is-current"))
    expect(page.locator("#count-scan-error")).to_have_text("")
    scan(page, "MUG-BLUE")
    mug_a02 = page.locator(f"#qty-{line_of(count, mug, places.bin2).pk}")
    expect(mug_a02).to_be_focused()  # A-02's mug, not A-01's
    mug_a02.press_sequentially("6")
    mug_a02.press("Enter")
    scan(page, "SOCK-GREY")  # nothing expected it here: a found row in A-02
    found = page.locator("section[data-bin='A-02'] .count-line.is-found")
    expect(found).to_have_count(1)
    expect(found).to_contain_text("SOCK-GREY")
    found_qty = found.locator(".count-qty")
    expect(found_qty).to_be_focused()
    found_qty.press_sequentially("2")
    found_qty.press("Enter")

    scan(page, "A-01")
    scan(page, "TSHIRT-RED-M")
    page.keyboard.type("9000")  # what the counter types is theirs to see again
    page.keyboard.press("Enter")
    # The A-01 mug is left blank: the sheet says so beside it and keeps what was typed.
    page.get_by_role("button", name="Submit count").click()
    mug_a01 = line_of(count, mug, places.bin1)
    expect(page.locator(f"#qty-{mug_a01.pk}-err")).to_contain_text("Enter the units you counted")
    blind(page)
    expect(page.locator("details.found")).to_have_attribute("open", "")
    page.locator(f"#qty-{mug_a01.pk}").fill("4000")
    page.get_by_role("button", name="Submit count").click()
    expect(page.locator(".msg.success")).to_contain_text("sent for approval")
    expect(page.locator("[data-test=count-status]")).to_have_text("Sent for approval")
    blind(page)  # the associate never sees the expected figures, even after the submit
    snap(page, "count-result-sent-for-approval")
    line = count.lines.get(sku=sock)
    assert (line.found, line.counted, line.location) == (True, 2, places.bin2)
    assert CycleCount.objects.get(pk=count.pk).status == CountStatus.PENDING_APPROVAL


def test_the_sheet_works_without_javascript(
    new_page, login, warehouse, places, shirt, mug, associate
):
    count = count_create(warehouse=warehouse, location=places.bin1)
    page = new_page("phone", javascript=False)
    login(page, associate)
    page.goto(f"/counts/{count.pk}/")
    expect(page.locator("#count-scan-form")).to_be_hidden()
    page.locator(f"#qty-{line_of(count, shirt, places.bin1).pk}").fill(str(BOOKS_SHIRT))
    page.locator(f"#qty-{line_of(count, mug, places.bin1).pk}").fill(str(BOOKS_MUG))
    page.get_by_text("Found an item that is not on the list?").click()
    page.get_by_label("Bin", exact=True).fill("A-01")
    page.get_by_label("Item (SKU or barcode)").fill("NOPE")
    page.get_by_label("Units").fill("1")
    page.get_by_role("button", name="Submit count").click()
    expect(page.locator(".found-grid[data-found-row='0']")).to_contain_text(
        "No item has the code or barcode NOPE"
    )
    page.get_by_label("Item (SKU or barcode)").first.fill("")
    page.get_by_label("Bin", exact=True).first.fill("")
    page.get_by_label("Units").first.fill("")
    page.get_by_role("button", name="Submit count").click()
    expect(page.locator("[data-test=count-status]")).to_have_text("Posted")
    assert CycleCount.objects.get(pk=count.pk).status == CountStatus.POSTED


@pytest.fixture
def held(warehouse, places, shirt, associate):
    supplier = supplier_create(code="ACME", name="Acme Supplies")
    make_po(supplier, warehouse, (shirt, 1, "2.50"), number="PO-77")
    count = count_create(
        warehouse=warehouse, location=places.bin1, assignee=associate, reason="ghost stock?"
    )
    return count_submit(
        count=count,
        lines=[CountedLine(location=places.bin1, sku=shirt, quantity=BOOKS_SHIRT - 10)],
        actor=associate,
    )


def test_a_manager_approves_a_held_count_on_a_desktop(
    page, login, snap, warehouse, places, shirt, held, manager
):
    login(page, manager)
    page.goto("/counts/")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile("Approvals")
    ).click()
    expect(page.locator("h1")).to_have_text("Count approvals")
    panel = page.locator(f"#count-{held.pk}")
    row = panel.locator("table.held-lines tbody tr")
    expect(row).to_have_count(1)
    for text in ("A-01", "TSHIRT-RED-M", str(BOOKS_SHIRT - 10), str(BOOKS_SHIRT), "-10", "-25.00"):
        expect(row).to_contain_text(text)
    expect(panel).to_contain_text("counted by counter")
    snap(page, "count-approvals")
    panel.get_by_role("button", name="Approve").click()
    expect(page.locator(".msg.success")).to_contain_text(f"Count #{held.pk} approved")
    expect(page.locator(".empty")).to_contain_text("Nothing to approve")
    assert CycleCount.objects.get(pk=held.pk).status == CountStatus.POSTED
    assert on_hand(shirt, places.bin1) == BOOKS_SHIRT - 10


def test_a_recount_goes_to_another_associate_blind(
    page, new_page, login, snap, warehouse, places, shirt, held, manager
):
    second = factories.user("second", role="associate")
    warehouse.staff.add(second)
    login(page, manager)
    page.goto("/counts/approvals/")
    panel = page.locator(f"#count-{held.pk}")
    panel.get_by_label(f"Recount of #{held.pk} by").select_option("second")
    panel.get_by_role("button", name="Recount").click()
    recount = CycleCount.objects.get(recount_of=held)
    expect(page.locator(".msg.success")).to_contain_text(f"Recount #{recount.pk} is open")
    assert CycleCount.objects.get(pk=held.pk).status == CountStatus.CANCELLED
    assert on_hand(shirt, places.bin1) == BOOKS_SHIRT  # nothing posted from the held lines

    # The manager's list shows both: the cancelled one and its recount, open.
    page.goto("/counts/")
    page.get_by_label("Status").select_option("open")
    results = page.locator("#count-results tbody tr")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text(f"#{recount.pk}")
    snap(page, "count-list-manager")

    phone = new_page("phone")
    login(phone, second)
    phone.goto("/counts/")
    phone.locator("[data-test=count-card]").first.click()
    expect(phone.locator("h1")).to_contain_text("bin A-01")
    blind(phone)
    scan(phone, "TSHIRT-RED-M")
    phone.keyboard.type(str(BOOKS_SHIRT - 10))
    phone.keyboard.press("Enter")
    phone.get_by_role("button", name="Submit count").click()
    expect(phone.locator(".msg.success")).to_contain_text("sent for approval")
    assert CycleCount.objects.get(pk=recount.pk).status == CountStatus.PENDING_APPROVAL
