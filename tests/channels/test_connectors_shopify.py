"""The Shopify connector against a real HTTP receiver on 127.0.0.1."""

import pytest

from channels.connectors import DeliveryError, PushItem, connector_for
from channels.connectors.shopify import ShopifyConnector
from channels.models import SalesChannel
from channels.services import channel_create
from tests.channels.receivers import Receiver, Reply

SET_PATH = "/admin/api/2024-01/inventory_levels/set.json"


@pytest.fixture
def rx():
    with Receiver() as receiver:
        yield receiver


def shop(url, **settings):
    base = {"access_token": "shpat_test", "location_id": 655441491}
    channel = SalesChannel(code="SHOPIFY", connector="shopify", endpoint_url=url)
    channel.settings = {**base, **settings}
    connector = ShopifyConnector(channel)
    connector.timeout = 0.3  # tests never wait the real 5 s
    return connector


def items(*pairs):
    return [
        PushItem(sku=f"SKU-{n}", external_id=str(ext), available=avail, version=n)
        for n, (ext, avail) in enumerate(pairs, start=1)
    ]


def test_push_sets_each_level_with_the_token(rx):
    shop(rx.url + "/").push(items((808950810, 7), ("gid://shopify/InventoryItem/39072856", 0)))

    first, second = rx.requests
    assert [first.target, second.target] == [f"POST {SET_PATH}"] * 2
    assert first.json() == {
        "location_id": 655441491,
        "inventory_item_id": 808950810,
        "available": 7,
    }
    assert second.json()["inventory_item_id"] == 39072856
    assert second.json()["available"] == 0
    assert first.headers["X-Shopify-Access-Token"] == "shpat_test"
    assert first.headers["Content-Type"] == "application/json"


def test_api_version_and_string_location_come_from_settings(rx):
    shop(rx.url, api_version="2025-04", location_id="42").push(items((1, 3)))

    (request,) = rx.requests
    assert request.path == "/admin/api/2025-04/inventory_levels/set.json"
    assert request.json()["location_id"] == 42


def test_empty_batch_makes_no_call(rx):
    shop(rx.url).push([])
    assert rx.requests == []


def test_server_error_is_retryable_and_stops_the_batch(rx):
    rx.queue(Reply(200), Reply(500, {"errors": "Internal Server Error"}))

    with pytest.raises(DeliveryError) as caught:
        shop(rx.url).push(items((1, 1), (2, 2), (3, 3)))

    assert not caught.value.permanent
    assert caught.value.status == 500
    assert caught.value.acknowledged == ("SKU-1",)  # the deliverer records it as set
    assert len(rx.requests) == 2  # the third is not tried against a failing shop


def test_bad_token_is_permanent_and_stops_the_batch(rx):
    rx.respond(401, {"errors": "[API] Invalid API key or access token"})

    with pytest.raises(DeliveryError) as caught:
        shop(rx.url).push(items((1, 1), (2, 2)))

    assert caught.value.permanent
    assert caught.value.status == 401
    assert "Invalid API key" in caught.value.detail
    assert "shpat_test" not in caught.value.detail
    assert len(rx.requests) == 1


def test_rate_limit_is_retryable_with_retry_after(rx):
    rx.respond(429, {"errors": "Exceeded 2 calls per second"}, headers={"Retry-After": "2.0"})

    with pytest.raises(DeliveryError) as caught:
        shop(rx.url).push(items((1, 1)))

    assert not caught.value.permanent
    assert caught.value.status == 429
    assert caught.value.retry_after == 2.0


def test_a_rate_limit_is_never_waited_out_in_the_connector(rx):
    """The deliverer waits a Retry-After with the items already set recorded
    (tests/channels/test_sync_per_item.py); the connector hands the 429 back at once."""
    rx.queue(Reply(200), Reply(429, headers={"Retry-After": "0"}))

    with pytest.raises(DeliveryError) as caught:
        shop(rx.url).push(items((1, 1), (2, 2), (3, 3)))

    assert caught.value.rate_limited
    assert caught.value.acknowledged == ("SKU-1",)
    assert len(rx.requests) == 2
    assert shop(rx.url).items_per_call == 1


def test_slow_shop_times_out_retryably(rx):
    rx.delay = 2.0

    with pytest.raises(DeliveryError) as caught:
        shop(rx.url).push(items((1, 1)))

    assert not caught.value.permanent
    assert "no answer within 0.3 s" in caught.value.detail


def test_an_unknown_item_is_a_refusal_of_that_item(rx):
    rx.queue(Reply(200), Reply(404, {"errors": "Not Found"}))

    with pytest.raises(DeliveryError) as caught:
        shop(rx.url).push(items((1, 1), (2, 2), (3, 3)))

    assert [r.json()["inventory_item_id"] for r in rx.requests] == [1, 2]
    assert caught.value.about_one_item
    assert caught.value.acknowledged == ("SKU-1",)


def test_an_id_that_is_not_an_inventory_item_is_refused_without_a_call(rx):
    with pytest.raises(DeliveryError) as caught:
        shop(rx.url).push(items(("not-a-number", 4)))

    assert rx.requests == []
    assert caught.value.about_one_item
    assert "not-a-number" in caught.value.detail


def test_incomplete_settings_fail_permanently_without_a_call(rx):
    connector = shop(rx.url)
    connector.channel.settings = {"access_token": "shpat_test"}

    with pytest.raises(DeliveryError) as caught:
        connector.push(items((1, 1)))

    assert caught.value.permanent
    assert "location_id" in caught.value.detail
    assert rx.requests == []
    assert connector.test_connection() == (False, caught.value.detail)


def test_connection_ok_names_the_location(rx):
    rx.respond(200, {"location": {"id": 655441491, "name": "Main Warehouse", "active": True}})

    ok, detail = shop(rx.url).test_connection()

    (request,) = rx.requests
    assert request.target == "GET /admin/api/2024-01/locations/655441491.json"
    assert request.headers["X-Shopify-Access-Token"] == "shpat_test"
    assert ok
    assert "Main Warehouse" in detail


@pytest.mark.parametrize(
    ("reply", "words"),
    [
        (Reply(401, {"errors": "[API] Invalid API key or access token"}), "refused the access"),
        (Reply(403, {"errors": "requires merchant approval"}), "read_locations"),
        (Reply(404, {"errors": "Not Found"}), "no location 655441491"),
        (Reply(429), "rate-limiting"),
        (Reply(502, "<html>Bad gateway</html>"), "try again later"),
        (Reply(200, "<html>Welcome</html>"), "not like Shopify"),
        (Reply(200, {"location": {"name": "Old", "active": False}}), "deactivated"),
        (Reply(301, headers={"Location": "https://shop.example.com/"}), "redirects to https"),
    ],
)
def test_connection_failures_in_words(rx, reply, words):
    rx.respond(reply.status, reply.body, headers=reply.headers)

    ok, detail = shop(rx.url).test_connection()

    assert not ok
    assert words in detail
    assert "shpat_test" not in detail


def test_connection_to_nothing_and_to_a_slow_shop(rx):
    rx.delay = 2.0
    ok, detail = shop(rx.url).test_connection()
    assert not ok
    assert "did not answer within 0.3 s" in detail

    closed = Receiver().start()
    url = closed.url
    closed.stop()
    ok, detail = shop(url).test_connection()
    assert not ok
    assert "Could not reach" in detail


def test_missing_address_in_words():
    ok, detail = shop("").test_connection()
    assert not ok
    assert "address" in detail


@pytest.mark.django_db
def test_registry_gives_the_shopify_connector_for_a_saved_channel(rx):
    channel = channel_create(
        code="SHOPIFY",
        name="Shopify",
        connector="shopify",
        endpoint_url=rx.url,
        settings={"access_token": "shpat_test", "location_id": 1},
    )
    connector = connector_for(SalesChannel.objects.get(pk=channel.pk))
    assert isinstance(connector, ShopifyConnector)
    connector.push(items((5, 9)))
    assert rx.requests[0].json() == {"location_id": 1, "inventory_item_id": 5, "available": 9}
