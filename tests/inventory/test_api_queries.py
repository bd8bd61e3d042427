"""Every list endpoint runs a constant number of queries whatever the page size (DESIGN.md)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.models import LocationType
from inventory.services import ReserveLine, location_create, stock_move, stock_reserve
from tests import factories


def _world(n: int):
    """n SKUs, each with stock in its own bin of one warehouse, a reservation and a move, so
    every list below has at least n rows naming SKUs, lots, locations and actors."""
    wh = factories.warehouse()
    zone = location_create(warehouse=wh, code="Z", type=LocationType.ZONE)
    dock = location_create(warehouse=wh, code="DOCK", type=LocationType.DOCK)
    actor = factories.user(f"actor-{wh.code}")
    for i in range(n):
        factories.warehouse(f"{wh.code}-{i:03}")
    for i in range(n):
        bin_ = location_create(warehouse=wh, code=f"B-{i:03}", parent=zone)
        if i % 2:
            sku = factories.sku(f"{wh.code}-L{i:03}", lot_tracked=True)
            factories.stock(sku, bin_, 5, lot_number=f"LOT{i}")
            stock_move(
                sku=sku,
                from_location=bin_,
                to_location=dock,
                quantity=1,
                lot_number=f"LOT{i}",
                actor=actor,
            )
        else:
            sku = factories.sku(f"{wh.code}-S{i:03}")
            factories.stock(sku, bin_, 5)
            stock_move(sku=sku, from_location=bin_, to_location=dock, quantity=1, actor=actor)
        stock_reserve(lines=[ReserveLine(sku, wh, 1)], reference=f"o{i}")
    return wh


# Token (with its user), the caller's roles, COUNT, the page: four queries, however long the
# page.
LISTS = [
    ("/api/v1/skus/", 4),
    ("/api/v1/warehouses/", 4),
    ("/api/v1/locations/", 4),
    ("/api/v1/stock/", 4),
    ("/api/v1/availability/", 4),
    ("/api/v1/movements/", 4),
]


def _count(api, url: str, rows: int) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(url, {"page_size": rows})
    assert response.status_code == 200, response.content[:300]
    assert len(response.json()["results"]) == rows, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize(("url", "pinned"), LISTS)
def test_list_queries_do_not_grow_with_the_page(api, url, pinned, django_assert_max_num_queries):
    _world(50)
    small = _count(api, url, 5)
    large = _count(api, url, 50)
    assert small == large, f"{url}: {small} queries for 5 rows, {large} for 50"
    with django_assert_max_num_queries(pinned):
        api.get(url, {"page_size": 50})


@pytest.mark.parametrize(
    "params",
    [
        {"sku": "{wh}-L001", "warehouse": "{wh}", "location": "B-001", "lot": "LOT1", "under": "Z"},
        {"warehouse": "{wh}", "q": "{wh}-S", "under": "Z"},
        {"ordering": "-quantity"},
    ],
)
def test_stock_filters_keep_queries_constant(api, params, django_assert_max_num_queries):
    """Filters that match rows (a filter to an empty page would skip the page query and prove
    nothing): still the four queries."""
    wh = _world(5)
    params = {key: value.format(wh=wh.code) for key, value in params.items()}
    with django_assert_max_num_queries(4):
        response = api.get("/api/v1/stock/", params)
    assert response.status_code == 200
    assert response.json()["results"], params
