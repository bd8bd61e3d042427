"""Slotting in headless Chromium: a manager ticks a recommendation and applies it; an associate,
on a phone, does the two moves of the swap by scanning (bin, item, bin, Enter), a wrong scan
said next to its field, cleared and focused, and the second move only once the first is done."""

import re

import pytest
from playwright.sync_api import expect

from inventory.models import BinStock, MovementKind, MoveTask, StockMovement
from inventory.services import stock_adjust
from inventory.services.move_tasks import slotting_apply
from tests import factories
from tests.inventory.slotting_builders import associate_of, recommended, swap_layout

pytestmark = pytest.mark.browser


@pytest.fixture
def manager(db, warehouse):
    person = factories.user("boss", role="manager")
    warehouse.staff.add(person)
    return person


def test_a_manager_applies_and_an_associate_scans_the_moves(
    page, phone_page, login, snap, manager, warehouse
):
    near, far, fast, slow = swap_layout(warehouse)
    picker = associate_of(warehouse, "picker")
    [rec] = recommended(warehouse)

    login(page, manager)
    page.get_by_role("link", name="Slotting").click()
    expect(page.locator("h1")).to_have_text("Slotting")
    row = page.locator("table.slotting tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("FAST")
    expect(row).to_contain_text(re.compile(r"SLOW \W 5"))
    expect(row).to_contain_text("50.40")
    snap(page, "slotting-recommendations")
    page.get_by_label(re.compile(f"Apply recommendation {rec.pk}")).check()
    page.get_by_role("button", name="Apply", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("2 move tasks made from 1 recommendation")
    expect(page.locator("table.slotting")).to_have_count(0)
    first, second = MoveTask.objects.order_by("pk")
    assert (first.assignee, second.after_id) == (picker, first.pk)

    phone = phone_page
    login(phone, picker)
    phone.goto("/moves/")
    expect(phone.locator('[data-test="from"]')).to_have_text("B-09")
    expect(phone.locator('[data-test="to"]')).to_have_text("B-01")
    expect(phone.locator("table.moves")).to_contain_text(f"after #{first.pk}")
    source = phone.get_by_label("Scan the bin you take from")
    expect(source).to_be_focused()
    snap(phone, "moves-phone")

    # A wrong bin: said next to the field, which is cleared and keeps the cursor.
    source.fill("B-07")
    source.press("Enter")
    expect(phone.locator("#from_bin-error")).to_have_text(
        "That is not bin B-09. Scan the bin you take from."
    )
    expect(source).to_have_value("")
    expect(source).to_be_focused()
    snap(phone, "moves-phone-wrong-scan")
    source.fill("B-09")
    source.press("Enter")
    item = phone.get_by_label("Scan the item")
    expect(item).to_be_focused()
    expect(phone.locator("#from_bin-error")).to_be_hidden()
    item.fill("4000000000018")  # the barcode
    item.press("Enter")
    target = phone.get_by_label("Scan the bin you put them in")
    expect(target).to_be_focused()
    target.fill("b-01")  # any case
    target.press("Enter")
    units = phone.get_by_label("Units moved")
    expect(units).to_be_focused()
    expect(units).to_have_value("18")
    units.press("Enter")
    expect(phone.locator(".messages")).to_contain_text("Moved 18 of FAST from B-09 to B-01.")

    # The second half is next: SLOW from B-01 to B-09.
    expect(phone.locator('[data-test="sku"]')).to_have_text("SLOW")
    for label, code in (
        ("Scan the bin you take from", "B-01"),
        ("Scan the item", "SLOW"),
        ("Scan the bin you put them in", "B-09"),
    ):
        field = phone.get_by_label(label)
        expect(field).to_be_focused()
        field.fill(code)
        field.press("Enter")
    phone.get_by_label("Units moved").press("Enter")
    expect(phone.locator(".messages")).to_contain_text("Moved 5 of SLOW from B-01 to B-09.")
    expect(phone.locator(".empty")).to_contain_text("No open moves for you")
    snap(phone, "moves-phone-done")

    assert BinStock.objects.get(sku=fast, location=near).quantity == 18
    assert BinStock.objects.get(sku=slow, location=far).quantity == 5
    assert StockMovement.objects.filter(kind=MovementKind.MOVE).count() == 2
    assert set(MoveTask.objects.values_list("status", flat=True)) == {"done"}


def test_a_bin_emptied_meanwhile_is_said_and_nothing_moves(phone_page, login, manager, warehouse):
    near, far, fast, _ = swap_layout(warehouse)
    picker = associate_of(warehouse, "picker")
    recommended(warehouse)
    slotting_apply(warehouse=warehouse)
    stock_adjust(sku=fast, location=far, quantity=-18, reason="damaged")
    login(phone_page, picker)
    phone_page.goto("/moves/")
    for label, code in (
        ("Scan the bin you take from", "B-09"),
        ("Scan the item", "FAST"),
        ("Scan the bin you put them in", "B-01"),
    ):
        phone_page.get_by_label(label).fill(code)
        phone_page.get_by_label(label).press("Enter")
    phone_page.get_by_label("Units moved").press("Enter")
    expect(phone_page.locator("#move-problem")).to_contain_text(
        "B-09 no longer holds 18 of FAST: it holds 0."
    )
    assert not StockMovement.objects.filter(kind=MovementKind.MOVE).exists()
    assert not BinStock.objects.filter(sku=fast, location=near, quantity__gt=0).exists()
