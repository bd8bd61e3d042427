"""Channel sync screens in headless Chromium: a manager finds a channel's health, searches its
listings, tests the connection and resyncs against a real local receiver."""

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.channels import sync_helpers
from tests.channels.sync_helpers import webhook_channel

# Fixtures shared by the sync tests.
q_sync = sync_helpers.q_sync
receiver = sync_helpers.receiver

pytestmark = pytest.mark.browser


def test_a_manager_checks_health_tests_the_connection_and_resyncs(
    page, login, snap, user, warehouse, places, receiver, q_sync, settings
):
    # The delivery task runs inside the request here (django-q2's sync mode): it must not wait
    # out its first retries there, as a worker would.
    settings.IMS_SYNC_WAIT_SECONDS = 0
    skus = [factories.sku(f"TEE-{n}") for n in range(3)]
    factories.stock(skus[0], places.bin1, 8)
    webhook_channel("SHOP", warehouse, receiver, *skus)  # the stock came before the listing
    login(page, user)
    page.get_by_role("link", name="Channels").first.click()
    row = page.locator('tr[data-channel="SHOP"]')
    expect(row).to_contain_text("Up to date")
    row.get_by_role("link", name="SHOP").click()
    expect(page.locator("h1")).to_contain_text("SHOP")
    expect(page.locator("svg.sparkline")).to_be_visible()

    page.get_by_role("button", name="Test connection").click()
    expect(page.locator(".messages")).to_contain_text("Connection works")

    receiver.respond(500, "maintenance")
    page.get_by_role("button", name="Resync all listings").click()
    expect(page.locator(".messages")).to_contain_text("3 listings queued")
    expect(page.locator('tr[data-sku="TEE-0"]')).to_contain_text("HTTP 500")
    expect(page.locator('[data-health="pending"]')).to_have_text("3")
    snap(page, "channel-detail-failing")

    receiver.respond(200)
    page.get_by_role("button", name="Resync all listings").click()
    expect(page.locator('tr[data-sku="TEE-0"] [data-pushed]')).to_have_text("8")
    expect(page.locator('tr[data-sku="TEE-0"]')).to_contain_text("Synced")
    expect(page.locator('[data-health="pending"]')).to_have_text("0")

    page.get_by_label("Search").fill("TEE-2")
    expect(page.locator("tr[data-sku]")).to_have_count(1)
    snap(page, "channel-detail")


def test_a_manager_sees_storefront_orders_waiting_and_pulls_now(page, login, snap, user, warehouse):
    from channels.models import ChannelPullState
    from tests.channels.helpers import make_channel

    channel = make_channel(
        "VEN",
        warehouse,
        connector="vendure",
        endpoint_url="http://127.0.0.1:9/admin-api",
        settings={"username": "ims-sync", "password": "pw", "stock_location": "IMS Warehouse"},
    )
    ChannelPullState.objects.create(
        channel=channel, orders_taken=12, refused={"AB12CD": "Not enough stock for VEN-001."}
    )
    login(page, user)
    page.goto("/orders/channels/VEN/")
    panel = page.get_by_role("region", name="Storefront orders")
    expect(panel).to_contain_text("12 taken")
    expect(panel.get_by_role("table")).to_contain_text("AB12CD")
    expect(panel.get_by_role("table")).to_contain_text("Not enough stock for VEN-001.")

    panel.get_by_role("button", name="Pull orders now").click()
    expect(page.locator(".messages")).to_contain_text("Pull failed: ")
    expect(page.get_by_role("region", name="Storefront orders")).to_contain_text("Last pull failed")
    snap(page, "channel-detail-vendure")
