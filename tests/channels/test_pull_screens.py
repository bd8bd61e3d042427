"""Channel settings for connectors with credentials (admin, write-only), the storefront-orders
panel of a pulling channel (Vendure), and a pull that cannot reach the storefront. The pull
against a real Vendure is in tests/vendure."""

from django.contrib.auth import get_user_model
from django.urls import reverse

from channels.models import ChannelPullState, SalesChannel
from channels.sync.pull import channel_pull
from tests import factories
from tests.channels.helpers import make_channel

VENDURE_SETTINGS = {
    "username": "ims-sync",
    "password": "sync-secret-1",
    "stock_location": "IMS Warehouse",
}


def vendure(warehouse, **extra):
    return make_channel(
        "VEN",
        warehouse,
        connector="vendure",
        endpoint_url="http://127.0.0.1:9/admin-api",
        settings=dict(VENDURE_SETTINGS),
        **extra,
    )


def form(channel, warehouse, **changes):
    data = {
        "name": channel.name,
        "connector": channel.connector,
        "endpoint_url": channel.endpoint_url,
        "secret": "",
        "settings": '{"username": "ims-sync", "stock_location": "IMS Warehouse"}',
        "buffer": "0",
        "active": "on",
        "sources-TOTAL_FORMS": "1",
        "sources-INITIAL_FORMS": "1",
        "sources-0-id": str(channel.sources.get().pk),
        "sources-0-channel": str(channel.pk),
        "sources-0-warehouse": str(warehouse.pk),
        "sources-0-priority": "0",
        "keys-TOTAL_FORMS": "0",
        "keys-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


def test_the_admin_never_shows_a_stored_password_and_keeps_it_when_left_empty(client, warehouse):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw-12345!")
    client.force_login(admin)
    channel = vendure(warehouse)
    url = f"/admin/sales_channels/saleschannel/{channel.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert b"sync-secret-1" not in page.content
    assert b"IMS Warehouse" in page.content

    response = client.post(url, form(channel, warehouse, name="Vendure shop"))
    assert response.status_code == 302, response.content.decode()[:3000]
    channel.refresh_from_db()
    assert channel.name == "Vendure shop"
    assert channel.settings["password"] == "sync-secret-1"

    response = client.post(url, form(channel, warehouse, password="rotated-2"))
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.settings["password"] == "rotated-2"


def test_the_admin_test_connection_action_says_what_is_wrong(client, warehouse):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw-12345!")
    client.force_login(admin)
    channel = vendure(warehouse)
    response = client.post(
        "/admin/sales_channels/saleschannel/",
        {"action": "test_connection", "_selected_action": [channel.pk]},
        follow=True,
    )
    assert "VEN: Could not reach http://127.0.0.1:9/admin-api" in response.content.decode()


def test_the_api_hides_the_vendure_password(api, warehouse):
    vendure(warehouse)
    body = api.get("/api/v1/channels/VEN/").json()
    assert body["settings"] == {"username": "ims-sync", "stock_location": "IMS Warehouse"}


def test_a_pull_that_cannot_reach_vendure_is_recorded_and_shown(client, user, warehouse):
    channel = vendure(warehouse)
    result = channel_pull(channel=channel)
    assert result.taken == []
    assert "could not connect" in result.error
    assert "could not connect" in ChannelPullState.objects.get(channel=channel).last_error

    client.force_login(user)
    page = client.get(reverse("channel-detail", args=["VEN"])).content.decode()
    assert "Storefront orders" in page
    assert "Last pull failed" in page
    response = client.post(reverse("channel-pull", args=["VEN"]), follow=True)
    assert "Pull failed: " in response.content.decode()


def test_orders_the_ims_could_not_take_are_listed_with_the_reason(client, user, warehouse):
    channel = vendure(warehouse)
    ChannelPullState.objects.create(
        channel=channel, refused={"ABC123": "SKU not in the IMS: GHOST-1."}
    )
    client.force_login(user)
    page = client.get(reverse("channel-detail", args=["VEN"])).content.decode()
    assert "1 order the IMS could not take yet" in page
    assert "ABC123" in page
    assert "SKU not in the IMS: GHOST-1." in page


def test_channels_that_do_not_pull_have_no_orders_panel_and_no_pull(client, user, warehouse):
    make_channel("WEB", warehouse, connector="webhook", endpoint_url="http://127.0.0.1:9/h")
    client.force_login(user)
    page = client.get(reverse("channel-detail", args=["WEB"])).content.decode()
    assert "Storefront orders" not in page
    result = channel_pull(channel=SalesChannel.objects.get(code="WEB"))
    assert (result.read, result.error) == (0, "")
    assert not ChannelPullState.objects.exists()


def test_the_api_pulls_orders_on_demand_and_says_why_not(api, warehouse):
    vendure(warehouse)
    body = api.post("/api/v1/channels/VEN/pull-orders/").json()
    assert body["ok"] is False
    assert "could not connect" in body["detail"]
    assert (body["read"], body["taken"], body["refused"]) == (0, [], [])

    make_channel("WEB", warehouse, connector="webhook", endpoint_url="http://127.0.0.1:9/h")
    body = api.post("/api/v1/channels/WEB/pull-orders/").json()
    assert body == {
        "ok": False,
        "detail": "The webhook connector does not pull orders.",
        "read": 0,
        "taken": [],
        "cancelled": [],
        "refused": [],
    }


def test_pulling_is_for_channel_admins(client, warehouse, key_client):
    channel = vendure(warehouse)
    client.force_login(factories.user("clerk", role="associate"))
    assert client.post("/api/v1/channels/VEN/pull-orders/").status_code == 403
    assert key_client(channel).post("/api/v1/channels/VEN/pull-orders/").status_code == 403


def test_a_pull_right_after_another_is_skipped_when_asked(warehouse):
    from django.utils import timezone

    channel = vendure(warehouse)
    ChannelPullState.objects.create(channel=channel, last_pulled_at=timezone.now())
    skipped = channel_pull(channel=channel, unless_within=30)
    assert (skipped.read, skipped.error) == (0, "")
    assert ChannelPullState.objects.get(channel=channel).last_error == ""
    assert "could not connect" in channel_pull(channel=channel).error
