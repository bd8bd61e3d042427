"""`?ordering=` on every list of the API answers 2xx or 400, never a 500 (issue #11): every
GET operation of the live schema whose path it can fill, each field of its rows ascending and
descending, and names that belong to another list (`name` on a channel's listings)."""

import json

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer

from channels.services import channel_create, listing_create
from receiving.services import supplier_create
from tests import factories
from tests.receiving.builders import make_po

ODD_NAMES = ["name", "-name", "pk", "-id", "nonsense", "sku__code", ",", "--sku", "sku,-sku"]


def _list_paths() -> list[str]:
    spec = json.loads(
        OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True))
    )
    return [
        path
        for path, operations in spec["paths"].items()
        if "get" in operations
        and any(p["name"] == "ordering" for p in operations["get"].get("parameters", []))
    ]


@pytest.fixture
def seeded(warehouse, places):
    sku = factories.sku("ORD-1")
    factories.stock(sku, places.bin1, 5)
    channel = channel_create(code="WEB", name="Web", warehouses=[warehouse])
    listing_create(channel=channel, sku=sku, external_id="ord-1")
    make_po(supplier_create(code="SUP", name="Supplier"), warehouse, (sku, 3))
    return {"code": "WEB", "number": "PO-000001", "username": "manager"}


def test_every_ordering_value_on_every_list_is_2xx_or_400(api, seeded):
    paths = _list_paths()
    assert len(paths) >= 15, paths  # the walk covers the API's lists, not a chosen few
    answers = {}
    for template in paths:
        path = template
        for name, value in seeded.items():
            path = path.replace("{" + name + "}", value)
        if "{" in path:
            continue
        first = api.get(path)
        assert first.status_code == 200, (path, first.status_code)
        rows = first.json().get("results") or [{}]
        names = [*rows[0].keys(), *ODD_NAMES]
        for name in names:
            for value in (name, f"-{name}"):
                response = api.get(path, {"ordering": value})
                answers[(path, value)] = response.status_code
    broken = {key: code for key, code in answers.items() if not (200 <= code < 300 or code == 400)}
    assert broken == {}
    assert ("/api/v1/channels/WEB/listings/", "name") in answers
    assert ("/api/v1/channels/WEB/availability/", "-name") in answers
