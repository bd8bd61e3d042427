"""Schemathesis fuzzing of the catalog and stock API, in process through Django's WSGI app.

Bounded and deterministic: a fixed number of examples per operation, derandomised, no example
database. For every generated request (schema-conforming and deliberately broken ones), the
response must not be a 5xx, must use a documented status code and content type, and its body
must match the documented schema (so every 4xx is in the contract's error shape).
"""

import pytest
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

from inventory.services import ReserveLine, stock_reserve
from tests import factories
from tests.api.fuzzing import (
    CHECKS,
    fuzz_settings,
    keep_test_connection,  # noqa: F401 (the _keep_test_connection fixture)
    load_schema,
)

EXAMPLES_PER_OPERATION = 30

schema = (
    load_schema("inventory.api.urls", examples=EXAMPLES_PER_OPERATION)
    .include(
        path_regex=r"^/api/v1/(skus|warehouses|locations|stock|availability|movements)/",
        method="GET",
    )
    .include(path_regex=r"^/api/v1/stock/(adjust|move)/$", method="POST")
)


# Known values of the world below. Purely random codes would only ever meet "unknown code"
# (400/404); mixing these in lets the fuzzer reach 200/201/409 and the services behind them.
WAREHOUSES = ["WH1", "0"]
SKUS = ["WH1-SKU", "WH1-LOT", "0-SKU", "0-LOT"]
LOCATIONS = ["A", "A-01", "A-02", "DOCK", "QUAR", "PACK"]
BINS = ["A-01", "A-02", "DOCK", "QUAR", "PACK"]
KNOWN = {
    "sku": SKUS,
    "warehouse": WAREHOUSES,
    "location": BINS,
    "from_location": BINS,
    # Hypothesis leans on the first element: make the simplest move a valid one (A-01 → A-02).
    "to_location": ["A-02", "QUAR", "DOCK", "A-01", "PACK"],
    "quantity": [1, 3, 150],
}
BODY_KNOWN = {
    "/api/v1/stock/adjust/": {**KNOWN, "quantity": [1, 3, 150, -1, -3, -150]},
    "/api/v1/stock/move/": KNOWN,
}
PATH_KNOWN = {
    "/api/v1/skus/{code}/": {"code": SKUS},
    "/api/v1/warehouses/{code}/": {"code": WAREHOUSES},
    "/api/v1/locations/{warehouse}/{code}/": {"warehouse": WAREHOUSES, "code": LOCATIONS},
}


def _steer(values: dict, known_values: dict) -> st.SearchStrategy:
    """Three times in four, every known key takes a known value (so whole requests can be
    valid); otherwise the generated values stand. `page` is mostly dropped: a random page
    number is just a 404."""

    def known(draw_known: bool) -> st.SearchStrategy:
        fields = {}
        for key, value in values.items():
            if key in known_values and draw_known:
                fields[key] = st.sampled_from(known_values[key])
            elif key == "page" and draw_known:
                fields[key] = st.none()
            else:
                fields[key] = st.just(value)
        return st.fixed_dictionaries(fields).map(_coherent if draw_known else (lambda d: d))

    return (
        st.sampled_from([True, True, True, False])
        .flatmap(known)
        .map(lambda d: {k: v for k, v in d.items() if not (k == "page" and v is None)})
    )


def _coherent(values: dict) -> dict:
    """A steered body names the lot its SKU needs and gives a reason, so it can succeed."""
    if str(values.get("sku", "")).endswith("-LOT"):
        values["lot"] = "L1"
    elif "sku" in values:
        values.pop("lot", None)
    if "reason" in values and not str(values["reason"]).strip():
        values["reason"] = "fuzz"
    return values


@schema.hook
def flatmap_case(context, case):
    def with_values(parts):
        body, query, path = parts
        if body is not None:
            case.body = body
        if query is not None:
            case.query = query
        if path is not None:
            case.path_parameters = path
        return case

    def part(value, known_values):
        return _steer(value, known_values) if isinstance(value, dict) else st.just(None)

    path = context.operation.path
    return st.tuples(
        part(case.body, BODY_KNOWN.get(path, {})),
        part(case.query, KNOWN),
        part(case.path_parameters, PATH_KNOWN.get(path, {})),
    ).map(with_values)


@pytest.fixture
def token(db, _keep_test_connection):
    """A small world for generated requests to hit: known codes, stock, a lot, a reservation."""
    user = factories.user("fuzzer")
    for code in ("WH1", "0"):
        wh = factories.warehouse(code)
        places = factories.places(wh)
        for sku_code in (f"{code}-SKU", f"{code}-LOT"):
            sku = factories.sku(sku_code, lot_tracked=sku_code.endswith("LOT"))
            lot = "L1" if sku.lot_tracked else None
            factories.stock(sku, places.bin1, 100, lot_number=lot)
            factories.stock(sku, places.dock, 5, lot_number=lot)
        stock_reserve(lines=[ReserveLine(sku, wh, 10)], reference=f"order-{code}")
    return Token.objects.create(user=user).key


@schema.parametrize()
@fuzz_settings(EXAMPLES_PER_OPERATION)
def test_api_fuzz(case, token):
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
