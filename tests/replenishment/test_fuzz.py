"""Schemathesis fuzzing of the replenishment API (/reorder-rules/, /replenishment-alerts/), in
process through Django's WSGI app, as tests/api/test_fuzz.py does for the stock API: bounded and
deterministic; no 5xx, only documented status codes, bodies matching the documented schema."""

import pytest
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

from tests import factories
from tests.api.fuzzing import (
    CHECKS,
    fuzz_settings,
    keep_test_connection,  # noqa: F401 (the _keep_test_connection fixture)
    load_schema,
)
from tests.replenishment.helpers import rule, stock, supplier

EXAMPLES_PER_OPERATION = 25

schema = load_schema("replenishment.api.urls", examples=EXAMPLES_PER_OPERATION)

# Known values, so generated requests can also succeed (201, 200) and reach the services.
KNOWN = {
    "sku": ["FZ-TEE", "FZ-MUG", "FZ-CAP"],
    "warehouse": ["FZ1"],
    "supplier": ["FZS", None],
    "status": ["open", "ordered", "dismissed"],
    "on": ["2025-12-24", "2026-07-01"],
    "ids": [[1], [1, 2], [2, 3]],
    "id": [1, 2, 3],
    "reason": ["fuzz"],
    "seasonal": [
        [],
        [{"start": "11-15", "end": "01-31", "reorder_point": 9, "reorder_quantity": 9}],
    ],
}


def _steer(values: dict) -> st.SearchStrategy:
    """Three times in four every known key takes a known value; otherwise the generated stand."""

    def known(draw_known: bool) -> st.SearchStrategy:
        return st.fixed_dictionaries(
            {
                key: st.sampled_from(KNOWN[key]) if key in KNOWN and draw_known else st.just(value)
                for key, value in values.items()
            }
        )

    return st.sampled_from([True, True, True, False]).flatmap(known)


@schema.hook
def flatmap_case(context, case):
    def with_values(parts):
        body, query, path_parameters = parts
        if body is not None:
            case.body = body
        if query is not None:
            case.query = query
        if path_parameters is not None:
            case.path_parameters = path_parameters
        return case

    def part(value):
        return _steer(value) if isinstance(value, dict) else st.just(None)

    return st.tuples(part(case.body), part(case.query), part(case.path_parameters)).map(with_values)


@pytest.fixture
def token(db, _keep_test_connection):
    """Three SKUs in FZ1, two with rules below their point (open alerts 1 and 2)."""
    user = factories.user("fuzzer", role="purchasing")
    warehouse = factories.warehouse("FZ1")
    places = factories.places(warehouse)
    vendor = supplier("FZS")
    for code, units in (("FZ-TEE", 2), ("FZ-MUG", 3), ("FZ-CAP", 50)):
        sku = factories.sku(code)
        stock(sku, places.bin1, units)
        if code != "FZ-CAP":
            rule(sku, warehouse, point=5, quantity=10, supplier=vendor)
    return Token.objects.create(user=user).key


@schema.parametrize()
@fuzz_settings(EXAMPLES_PER_OPERATION)
def test_replenishment_api_fuzz(case, token):
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
