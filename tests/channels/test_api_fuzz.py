"""Schemathesis fuzzing of the channels and orders API, in process through Django's WSGI app.

Bounded and deterministic, like tests/api/test_fuzz.py: for every generated request (valid and
deliberately broken), no 5xx, a documented status code and content type, and a body matching the
documented schema (every 4xx in the contract's error shape)."""

import pytest
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

from channels.services import listing_create
from tests import factories
from tests.api.fuzzing import (
    CHECKS,
    fuzz_settings,
    keep_test_connection,  # noqa: F401 (the _keep_test_connection fixture)
    load_schema,
)
from tests.channels.helpers import make_channel, place

EXAMPLES_PER_OPERATION = 25

schema = load_schema("channels.api.urls", examples=EXAMPLES_PER_OPERATION).include(
    path_regex=r"^/api/v1/(orders|pick-tasks|channels)/"
)

KNOWN = {"channel": ["WEB", "OTHER"], "sku": ["S1", "S2"], "code": ["WEB"], "id": [1, 2]}


@schema.hook
def flatmap_case(context, case):
    """Three times in four, known keys (channel, SKU codes, ids) take known values, so the
    fuzzer reaches 200/201/409 and the services behind them, not only 'unknown' answers."""

    def steer(values):
        if not isinstance(values, dict):
            return st.just(values)
        fields = {
            key: st.sampled_from(KNOWN[key]) if key in KNOWN else st.just(value)
            for key, value in values.items()
        }
        return st.sampled_from([True, True, True, False]).flatmap(
            lambda known: st.fixed_dictionaries(fields) if known else st.just(values)
        )

    def with_parts(parts):
        body, query, path_parameters = parts
        if case.body is not None and not isinstance(case.body, list):
            case.body = body
        case.query = query
        case.path_parameters = path_parameters
        return case

    return st.tuples(steer(case.body), steer(case.query), steer(case.path_parameters)).map(
        with_parts
    )


@pytest.fixture
def token(db, _keep_test_connection):
    wh = factories.warehouse("WH1")
    places = factories.places(wh)
    skus = [factories.sku("S1"), factories.sku("S2")]
    for sku in skus:
        factories.stock(sku, places.bin1, 50)
    web = make_channel("WEB", wh)
    make_channel("OTHER", wh)
    listing_create(channel=web, sku=skus[0], external_id="s1")
    place(web, "first", (skus[0], 1))
    place(web, "second", (skus[1], 2))
    return Token.objects.create(user=factories.user("fuzzer", role="manager")).key


@schema.parametrize()
@fuzz_settings(EXAMPLES_PER_OPERATION)
def test_orders_api_fuzz(case, token):
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
