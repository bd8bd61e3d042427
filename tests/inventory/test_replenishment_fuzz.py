"""Schemathesis fuzzing of the replenishment API (/reorder-rules/, /replenishment-alerts/), in
process through Django's WSGI app, as tests/api/test_fuzz.py does for the stock API: bounded and
deterministic; no 5xx, only documented status codes, bodies matching the documented schema."""

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

from tests import factories
from tests.inventory.replenishment_helpers import rule, stock, supplier

EXAMPLES_PER_OPERATION = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _load_schema():
    patterns = [path("api/v1/", include("inventory.replenishment.api.urls"))]
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


schema = _load_schema()

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
def _keep_test_connection():
    """Django closes the DB connection at the end of each WSGI request; inside a test that would
    close the test's transaction (Django's test client unhooks this the same way)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


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
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_replenishment_api_fuzz(case, token):
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
