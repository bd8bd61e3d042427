"""Schemathesis fuzzing of the channels and orders API, in process through Django's WSGI app.

Bounded and deterministic, like tests/api/test_fuzz.py: for every generated request (valid and
deliberately broken), no 5xx, a documented status code and content type, and a body matching the
documented schema (every 4xx in the contract's error shape)."""

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import include, path
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from channels.services import listing_create
from tests import factories
from tests.channels.conftest import make_channel, place

EXAMPLES_PER_OPERATION = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _load_schema():
    patterns = [path("api/v1/", include("channels.api.urls"))]
    spec = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(spec)))
    loaded.app = get_wsgi_application()
    loaded.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        max_examples=EXAMPLES_PER_OPERATION,
        deterministic=True,
        with_security_parameters=False,
        database="none",
    )
    loaded.config.phases.update(phases=["examples", "fuzzing"])
    return loaded


schema = _load_schema().include(path_regex=r"^/api/v1/(orders|pick-tasks|channels)/")

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
def _keep_test_connection():
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


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
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_orders_api_fuzz(case, token):
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
