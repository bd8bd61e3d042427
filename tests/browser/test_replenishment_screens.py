"""The replenishment screens in headless Chromium: the alerts list (filter, bulk draft POs,
dismiss with a reason), the rule editor reached from the SKU page, and the SKU page's reorder
panel with its chart. Data is made through the services."""

import re

import pytest
from playwright.sync_api import expect

from receiving.models import PurchaseOrder
from receiving.services import supplier_create
from replenishment.models import AlertStatus, ReorderRule, ReplenishmentAlert
from replenishment.services import reorder_rule_create
from tests import factories

pytestmark = pytest.mark.browser


@pytest.fixture
def buyer(db):
    return factories.user("buyer", role="purchasing")


@pytest.fixture
def low(warehouse, places):
    """Three SKUs under their point in WH: two from ACME, one from BOLT; and a fourth, fine."""
    acme = supplier_create(code="ACME", name="Acme Supplies", email="a@example.com")
    bolt = supplier_create(code="BOLT", name="Bolt Trading", email="b@example.com")
    made = {}
    for code, units, vendor in [
        ("TEE-RED", 2, acme),
        ("TEE-BLUE", 3, acme),
        ("CAP-GREEN", 1, bolt),
        ("MUG-FULL", 90, acme),
    ]:
        sku = factories.sku(code)
        factories.stock(sku, places.bin1, units)
        reorder_rule_create(
            sku=sku,
            warehouse=warehouse,
            reorder_point=10,
            reorder_quantity=24,
            supplier=vendor,
            pack_size=12,
        )
        made[code] = sku
    return made


def test_purchasing_drafts_purchase_orders_from_selected_alerts(
    page, login, snap, buyer, warehouse, low
):
    login(page, buyer)
    alerts_link = page.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile("Alerts")
    )
    expect(alerts_link).to_contain_text("3")
    alerts_link.click()
    expect(page.get_by_role("heading", name="Replenishment alerts")).to_be_visible()
    rows = page.locator("table.alerts tbody tr")
    expect(rows).to_have_count(3)
    snap(page, "replenishment-alerts")
    page.get_by_label("Select TEE-RED in").check()
    page.get_by_label("Select CAP-GREEN in").check()
    expect(page.locator("#selected-count")).to_have_text("2 selected")
    page.get_by_role("button", name="Create draft POs").click()
    expect(page.locator(".msg").filter(has_text="ACME")).to_contain_text("1 line")
    expect(page.locator(".msg").filter(has_text="BOLT")).to_contain_text("1 line")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("TEE-BLUE")
    expect(alerts_link).to_contain_text("1")
    assert PurchaseOrder.objects.count() == 2
    page.get_by_label("Status").select_option("ordered")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("PO-")


def test_dismissing_needs_a_reason_next_to_the_field(page, login, buyer, warehouse, low):
    login(page, buyer)
    page.goto("/replenishment/alerts/")
    page.get_by_label("Select TEE-BLUE in").check()
    page.get_by_role("button", name="Dismiss").click()
    reason = page.get_by_label("Reason to dismiss")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#reason-error")).to_have_text("Say why the selected alerts are dismissed.")
    expect(page.get_by_label("Select TEE-BLUE in")).to_be_checked()  # the selection is kept
    reason.fill("ordered by phone")
    page.get_by_role("button", name="Dismiss").click()
    expect(page.locator(".msg")).to_contain_text("Dismissed 1 alert.")
    expect(page.locator("table.alerts tbody tr")).to_have_count(2)
    dismissed = ReplenishmentAlert.objects.get(sku=low["TEE-BLUE"])
    assert (dismissed.status, dismissed.dismiss_reason) == (
        AlertStatus.DISMISSED,
        "ordered by phone",
    )


def test_searching_alerts_updates_the_list_in_place(page, login, buyer, warehouse, low):
    login(page, buyer)
    page.goto("/replenishment/alerts/")
    page.get_by_label("Search").fill("tee")
    rows = page.locator("table.alerts tbody tr")
    expect(rows).to_have_count(2)
    expect(page).to_have_url(re.compile(r"q=tee"))
    page.get_by_label("Supplier").select_option("BOLT")
    expect(page.locator("#alert-results")).to_contain_text("No alerts match these filters")


def test_a_rule_made_from_the_sku_page_shows_there_with_its_chart(
    page, phone_page, login, snap, buyer, warehouse, places
):
    sku = factories.sku("PARKA")
    factories.stock(sku, places.bin1, 30)
    supplier_create(code="ACME", name="Acme Supplies", email="a@example.com")
    login(page, buyer)
    page.goto("/skus/PARKA/")
    expect(page.locator("#reorder")).to_contain_text("No reorder rule for PARKA")
    page.get_by_role("link", name="Add a reorder rule").click()
    page.get_by_text(f"Add a rule for {warehouse.code}").click()
    card = page.locator(f"#wh-{warehouse.code}")
    card.get_by_label("Reorder point").fill("12")
    card.get_by_label("Reorder quantity").fill("40")
    card.get_by_label("Lead time (days)").fill("7")
    card.get_by_label("Preferred supplier").select_option("ACME")
    season = card.locator('tr[data-season="1"] input')
    season.nth(0).fill("11-15")
    season.nth(1).fill("02-30")  # not a day: said next to the field
    season.nth(2).fill("8")  # below 30 whatever the date: no alert
    season.nth(3).fill("100")
    card.get_by_role("button", name="Add rule").click()
    card = page.locator(f"#wh-{warehouse.code}")
    expect(card).to_contain_text("'02-30' is not a day of the year.")
    assert not ReorderRule.objects.exists()
    card.locator('tr[data-season="1"] input').nth(1).fill("01-31")
    card.get_by_role("button", name="Add rule").click()
    expect(page.locator(".msg")).to_contain_text(
        f"Added the reorder rule of PARKA in {warehouse.code}"
    )
    card = page.locator(f"#wh-{warehouse.code}")
    expect(card.locator("[data-in-force]")).to_contain_text("Projected 30")
    snap(page, "replenishment-rule-editor")
    page.get_by_role("link", name="SKU page").click()
    panel = page.locator("#reorder")
    expect(panel.locator("svg.projection")).to_be_visible()
    expect(panel).to_contain_text("Projected 30")
    expect(panel.locator("[data-summary]")).to_contain_text("projected stock stays at 30")
    snap(page, "replenishment-sku-panel")
    login(phone_page, buyer)
    phone_page.goto("/skus/PARKA/")
    expect(phone_page.locator("#reorder svg.projection")).to_be_visible()
    snap(phone_page, "replenishment-sku-panel-phone")


def test_the_alerts_screen_works_without_javascript(new_page, login, buyer, warehouse, low):
    page = new_page("desktop", javascript=False)
    login(page, buyer)
    page.goto("/replenishment/alerts/")
    page.get_by_label("Select TEE-RED in").check()
    page.get_by_role("button", name="Create draft POs").click()
    expect(page.locator(".msg").first).to_contain_text("Drafted PO-")
    expect(page.locator("table.alerts tbody tr")).to_have_count(2)
