"""The Vendure peer itself: what the connector tests rely on must hold against the real server.
Each test sets the stock it relies on first and leaves no open order, so the order of the tests
doesn't matter."""

import statistics
import time

import pytest

from tests.vendure.harness import OrderRefused, VendureError

pytestmark = pytest.mark.vendure

DEFAULT_LOCATION = "Default Stock Location"


@pytest.fixture(autouse=True)
def _no_open_orders_left(vendure_peer):
    yield
    vendure_peer.cancel_open_orders()


def test_sync_user_sets_and_reads_stock_at_ims_warehouse(vendure_peer):
    sync = vendure_peer.sync_username
    vendure_peer.set_stock("VEN-001", 23, as_user=sync)

    assert vendure_peer.stock_level("VEN-001", as_user=sync) == (23, 0)
    assert vendure_peer.stock_level("VEN-001", DEFAULT_LOCATION) == (0, 0)
    assert vendure_peer.saleable("VEN-001") == 23


def test_vendure_sells_the_sum_over_its_stock_locations(vendure_peer):
    """Stock Vendure behaviour, which the connector must allow for: stock at another location of
    the channel is for sale too."""
    vendure_peer.set_stock("VEN-006", 5)
    vendure_peer.set_stock("VEN-006", 3, DEFAULT_LOCATION)
    try:
        assert vendure_peer.saleable("VEN-006") == 8
    finally:
        vendure_peer.set_stock("VEN-006", 0, DEFAULT_LOCATION)
    assert vendure_peer.saleable("VEN-006") == 5


def test_sync_role_has_exactly_the_sync_permissions(vendure_peer):
    roles = vendure_peer.admin(
        '{ roles(options: { filter: { code: { eq: "ims-sync" } } }) '
        "{ items { description permissions channels { code } } } }"
    )["roles"]["items"]

    assert len(roles) == 1
    assert roles[0]["description"] == "IMS sync"
    # Vendure adds Authenticated to every role.
    assert set(roles[0]["permissions"]) == {
        "Authenticated",
        "ReadCatalog",
        "UpdateCatalog",
        "ReadStockLocation",
        "ReadOrder",
    }
    assert [c["code"] for c in roles[0]["channels"]] == ["__default_channel__"]
    with pytest.raises(VendureError, match="FORBIDDEN"):
        vendure_peer.admin(
            'mutation { createStockLocation(input: { name: "Nope" }) { id } }',
            as_user=vendure_peer.sync_username,
        )


def test_shop_order_is_placed_and_allocates_at_ims_warehouse(vendure_peer):
    vendure_peer.set_stock("VEN-002", 5)

    code = vendure_peer.place_order({"VEN-002": 2})

    assert vendure_peer.order_state(code) == "PaymentSettled"
    assert vendure_peer.stock_level("VEN-002") == (5, 2)
    assert vendure_peer.stock_level("VEN-002", DEFAULT_LOCATION) == (0, 0)
    assert vendure_peer.saleable("VEN-002") == 3


def test_cancelling_the_order_releases_the_allocation(vendure_peer):
    vendure_peer.set_stock("VEN-003", 4)
    code = vendure_peer.place_order({"VEN-003": 3})
    assert vendure_peer.stock_level("VEN-003") == (4, 3)

    vendure_peer.cancel_order(code)

    assert vendure_peer.order_state(code) == "Cancelled"
    assert vendure_peer.stock_level("VEN-003") == (4, 0)
    assert vendure_peer.saleable("VEN-003") == 4


def test_shop_refuses_more_than_ims_warehouse_holds(vendure_peer):
    vendure_peer.set_stock("VEN-004", 1)

    with pytest.raises(OrderRefused) as refused:
        vendure_peer.place_order({"VEN-004": 2})

    assert refused.value.error_code == "INSUFFICIENT_STOCK_ERROR"
    assert vendure_peer.stock_level("VEN-004") == (1, 0)


def test_restart_keeps_port_and_data(vendure_peer):
    vendure_peer.set_stock("VEN-005", 9, as_user=vendure_peer.sync_username)
    code = vendure_peer.place_order({"VEN-005": 1})
    url = vendure_peer.admin_api_url

    vendure_peer.restart()

    assert vendure_peer.admin_api_url == url
    assert vendure_peer.order_state(code) == "PaymentSettled"
    assert vendure_peer.stock_level("VEN-005", as_user=vendure_peer.sync_username) == (9, 1)


def test_sync_user_latency(vendure_peer, capsys):
    """Measures what one stock push and one read cost the sync user (reported, loosely bound)."""
    sync = vendure_peer.sync_username
    sets, reads = [], []
    for quantity in range(20):
        started = time.perf_counter()
        vendure_peer.set_stock("VEN-006", quantity, as_user=sync)
        sets.append(time.perf_counter() - started)
        started = time.perf_counter()
        assert vendure_peer.stock_level("VEN-006", as_user=sync) == (quantity, 0)
        reads.append(time.perf_counter() - started)

    set_ms, read_ms = statistics.median(sets) * 1000, statistics.median(reads) * 1000
    with capsys.disabled():
        times = ", ".join(f"{k} {v:.1f}s" for k, v in vendure_peer.timings.items())
        print(f"\nvendure peer: {times}; median set {set_ms:.0f} ms, read {read_ms:.0f} ms")
    assert set_ms < 2000
    assert read_ms < 2000
