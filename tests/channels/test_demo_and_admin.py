"""The demo seed step for channels and orders, and the channel admin."""

import random

import pytest
from django.contrib.auth import get_user_model

from channels.demo import seed_channels_and_orders
from channels.models import ChannelKey, Order, OrderStatus, PickTask, SalesChannel
from inventory.audit import stock_drift
from inventory.models import CycleCountLine
from inventory.services import location_create
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_demo_makes_channels_listings_and_orders_in_every_state(warehouse, places):
    second = factories.warehouse("FAR")
    far = location_create(warehouse=second, code="B-01", travel_cost=3)
    skus = [factories.sku(f"DEMO-{n}") for n in range(8)]
    for n, sku in enumerate(skus):
        factories.stock(sku, places.bin1 if n % 2 else places.bin2, 30)
        factories.stock(sku, far, 10)
    picker = factories.user("associate.leeds", role="associate")
    warehouse.staff.add(picker)
    made = seed_channels_and_orders(
        rng=random.Random(1), warehouses=[warehouse, second], skus=skus, orders=30
    )
    assert made["channels"] == 3
    assert made["orders"] == 30
    assert made["short"] == 1
    statuses = set(Order.objects.values_list("status", flat=True))
    assert statuses >= {
        OrderStatus.RESERVED,
        OrderStatus.PICKING,
        OrderStatus.PICKED,
        OrderStatus.SHIPPED,
        OrderStatus.CANCELLED,
    }
    assert Order.objects.filter(expires_at__isnull=False).count() == 1
    assert PickTask.objects.filter(assignee=picker, status="open").exists()
    assert CycleCountLine.objects.exists()
    assert SalesChannel.objects.get(code="WOO").listings.exists()
    assert stock_drift() == []
    again = seed_channels_and_orders(
        rng=random.Random(1), warehouses=[warehouse, second], skus=skus
    )
    assert again == {}


def test_channel_admin_issues_a_key_once_and_keeps_the_secret(client, warehouse):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw-12345!")
    client.force_login(admin)
    response = client.post(
        "/admin/sales_channels/saleschannel/add/",
        {
            "code": "WEB",
            "name": "Webshop",
            "connector": "webhook",
            "endpoint_url": "https://shop.example/hook",
            "secret": "top-secret",
            "settings": "{}",
            "buffer": "1",
            "active": "on",
            "sources-TOTAL_FORMS": "1",
            "sources-INITIAL_FORMS": "0",
            "sources-0-warehouse": str(warehouse.pk),
            "sources-0-priority": "0",
            "keys-TOTAL_FORMS": "0",
            "keys-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    channel = SalesChannel.objects.get(code="WEB")
    assert channel.secret == "top-secret"
    assert list(channel.warehouses.all()) == [warehouse]
    page = client.get(f"/admin/sales_channels/saleschannel/{channel.pk}/change/")
    assert b"top-secret" not in page.content
    issued = client.post(
        "/admin/sales_channels/saleschannel/",
        {"action": "issue_key", "_selected_action": [channel.pk]},
        follow=True,
    )
    assert b"not shown again" in issued.content
    assert ChannelKey.objects.filter(channel=channel, revoked_at__isnull=True).count() == 1
    for url in ("saleschannel", "order", "picktask", "listing"):
        assert client.get(f"/admin/sales_channels/{url}/").status_code == 200
