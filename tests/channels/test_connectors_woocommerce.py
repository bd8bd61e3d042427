"""The WooCommerce connector against a real HTTP receiver on 127.0.0.1."""

import base64

import pytest

from channels.connectors import DeliveryError, PushItem, connector_for
from channels.connectors.woocommerce import WooCommerceConnector
from channels.models import SalesChannel
from channels.services import channel_create
from tests.channels.receivers import Receiver, Reply

API = "/wp-json/wc/v3"
BASIC = "Basic " + base64.b64encode(b"ck_test:cs_test").decode()


@pytest.fixture
def rx():
    with Receiver() as receiver:
        yield receiver


def woo(url, **settings):
    channel = SalesChannel(code="WOO", connector="woocommerce", endpoint_url=url)
    channel.settings = {"consumer_key": "ck_test", "consumer_secret": "cs_test", **settings}
    connector = WooCommerceConnector(channel)
    connector.timeout = 0.3  # tests never wait the real 5 s
    return connector


def items(*pairs):
    return [
        PushItem(sku=f"SKU-{n}", external_id=str(ext), available=avail, version=n)
        for n, (ext, avail) in enumerate(pairs, start=1)
    ]


def batch_echo(request):
    """What WooCommerce answers a batch: one entry per update, in order."""
    return Reply(200, {"update": [{"id": u["id"]} for u in request.json()["update"]]})


def test_push_puts_stock_quantity_with_basic_auth(rx):
    woo(rx.url + "/").push(items((123, 7), ("10/456", 0)))

    product, variation = rx.requests
    assert product.target == f"PUT {API}/products/123"
    assert product.json() == {"stock_quantity": 7, "manage_stock": True}
    assert product.headers["Authorization"] == BASIC
    assert product.headers["Content-Type"] == "application/json"
    assert variation.target == f"PUT {API}/products/10/variations/456"
    assert variation.json() == {"stock_quantity": 0, "manage_stock": True}


def test_keys_in_the_query_when_asked(rx):
    woo(rx.url, auth_in_query=True).push(items((5, 1)))

    (request,) = rx.requests
    assert request.query == {"consumer_key": ["ck_test"], "consumer_secret": ["cs_test"]}
    assert "Authorization" not in request.headers


def test_server_error_is_retryable(rx):
    rx.respond(500, {"code": "internal_server_error", "message": "Critical error"})

    with pytest.raises(DeliveryError) as caught:
        woo(rx.url).push(items((1, 1), (2, 2)))

    assert not caught.value.permanent
    assert caught.value.status == 500
    assert "Critical error" in caught.value.detail
    assert len(rx.requests) == 1


def test_bad_credentials_are_permanent(rx):
    rx.respond(401, {"code": "woocommerce_rest_authentication_error", "message": "Invalid"})

    with pytest.raises(DeliveryError) as caught:
        woo(rx.url).push(items((1, 1), (2, 2)))

    assert caught.value.permanent
    assert caught.value.status == 401
    assert "cs_test" not in caught.value.detail
    assert len(rx.requests) == 1


def test_rate_limit_is_retryable(rx):
    rx.respond(429, headers={"Retry-After": "30"})

    with pytest.raises(DeliveryError) as caught:
        woo(rx.url).push(items((1, 1)))

    assert not caught.value.permanent
    assert caught.value.retry_after == 30.0


def test_slow_shop_times_out_retryably(rx):
    rx.delay = 2.0

    with pytest.raises(DeliveryError) as caught:
        woo(rx.url).push(items((1, 1)))

    assert not caught.value.permanent
    assert "no answer within 0.3 s" in caught.value.detail


def test_one_item_per_call_unless_batch(rx):
    assert woo(rx.url).items_per_call == 1
    assert woo(rx.url, batch=True).items_per_call == 100


def test_a_deleted_product_is_a_refusal_of_that_item_naming_what_was_set(rx):
    """The deliverer skips a refused item and goes on with the others
    (tests/channels/test_sync_per_item.py); the connector says which it was."""
    rx.queue(Reply(200), Reply(404, {"code": "woocommerce_rest_product_invalid_id"}))

    with pytest.raises(DeliveryError) as caught:
        woo(rx.url).push(items((1, 1), (2, 2), (3, 3)))

    assert [r.path for r in rx.requests] == [f"{API}/products/1", f"{API}/products/2"]
    assert caught.value.about_one_item
    assert caught.value.acknowledged == ("SKU-1",)


def test_an_id_that_is_not_a_product_id_is_refused_without_a_call(rx):
    with pytest.raises(DeliveryError) as caught:
        woo(rx.url).push(items(("abc", 3)))

    assert rx.requests == []
    assert caught.value.about_one_item
    assert "abc" in caught.value.detail


def test_batch_mode_groups_products_and_variations(rx):
    rx.responder = batch_echo

    woo(rx.url, batch=True).push(items((1, 5), (2, 6), ("10/11", 7)))

    products, variations = rx.requests
    assert products.target == f"POST {API}/products/batch"
    assert products.headers["Authorization"] == BASIC
    assert products.json() == {
        "update": [
            {"id": 1, "stock_quantity": 5, "manage_stock": True},
            {"id": 2, "stock_quantity": 6, "manage_stock": True},
        ]
    }
    assert variations.target == f"POST {API}/products/10/variations/batch"
    assert variations.json() == {"update": [{"id": 11, "stock_quantity": 7, "manage_stock": True}]}


def test_batch_mode_sends_at_most_100_a_call(rx):
    rx.responder = batch_echo

    woo(rx.url, batch=True).push(items(*[(n, n) for n in range(1, 251)]))

    assert [len(r.json()["update"]) for r in rx.requests] == [100, 100, 50]


def test_batch_item_errors_are_read(rx):
    rx.respond(
        200,
        {
            "update": [
                {"id": 1},
                {
                    "id": 0,
                    "error": {
                        "code": "woocommerce_rest_product_invalid_id",
                        "message": "Invalid ID.",
                        "data": {"status": 400},
                    },
                },
            ]
        },
    )

    with pytest.raises(DeliveryError) as caught:
        woo(rx.url, batch=True).push(items((1, 1), (99, 2)))

    assert caught.value.permanent
    assert caught.value.failed_skus == ("SKU-2",)
    assert "Invalid ID." in caught.value.detail


def test_batch_answer_without_results_is_retryable(rx):
    rx.respond(200, "<html>Maintenance</html>")

    with pytest.raises(DeliveryError) as caught:
        woo(rx.url, batch=True).push(items((1, 1)))

    assert not caught.value.permanent


def test_connection_ok(rx):
    rx.respond(200, [{"id": 794}])

    ok, detail = woo(rx.url).test_connection()

    (request,) = rx.requests
    assert request.target == f"GET {API}/products"
    assert request.query["per_page"] == ["1"]
    assert request.headers["Authorization"] == BASIC
    assert ok
    assert "Connected to WooCommerce" in detail


@pytest.mark.parametrize(
    ("reply", "words"),
    [
        (
            Reply(401, {"code": "woocommerce_rest_authentication_error", "message": "Invalid"}),
            "refused the consumer key",
        ),
        (Reply(401, {"code": "woocommerce_rest_cannot_view"}), "over HTTPS only"),
        (Reply(403, {"code": "woocommerce_rest_cannot_view"}), "Read/Write"),
        (Reply(404, {"code": "rest_no_route", "message": "No route"}), "is WooCommerce active"),
        (Reply(404, "<html>Not found</html>"), "No WooCommerce REST API"),
        (Reply(503, "<html>down</html>"), "try again later"),
        (Reply(200, "<html>Hello</html>"), "not like WooCommerce"),
        (Reply(302, headers={"Location": "https://shop.example.com/"}), "redirects to https"),
    ],
)
def test_connection_failures_in_words(rx, reply, words):
    rx.respond(reply.status, reply.body, headers=reply.headers)

    ok, detail = woo(rx.url).test_connection()

    assert not ok
    assert words in detail
    assert "cs_test" not in detail


def test_connection_to_nothing_and_to_a_slow_shop(rx):
    rx.delay = 2.0
    ok, detail = woo(rx.url).test_connection()
    assert not ok
    assert "did not answer within 0.3 s" in detail

    closed = Receiver().start()
    url = closed.url
    closed.stop()
    ok, detail = woo(url).test_connection()
    assert not ok
    assert "Could not reach" in detail


def test_missing_keys_in_words(rx):
    connector = woo(rx.url)
    connector.channel.settings = {"consumer_key": "ck_test"}

    ok, detail = connector.test_connection()
    assert not ok
    assert "consumer_secret" in detail
    with pytest.raises(DeliveryError) as caught:
        connector.push(items((1, 1)))
    assert caught.value.permanent
    assert rx.requests == []


@pytest.mark.django_db
def test_registry_gives_the_woocommerce_connector_for_a_saved_channel(rx):
    channel = channel_create(
        code="WOO",
        name="WooCommerce",
        connector="woocommerce",
        endpoint_url=rx.url,
        settings={"consumer_key": "ck_test", "consumer_secret": "cs_test"},
    )
    connector = connector_for(SalesChannel.objects.get(pk=channel.pk))
    assert isinstance(connector, WooCommerceConnector)
    connector.push(items((5, 9)))
    assert rx.requests[0].target == f"PUT {API}/products/5"
