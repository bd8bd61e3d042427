"""Shared harness of the Schemathesis fuzz tests: in process through Django's WSGI app,
bounded and deterministic (a fixed number of examples per operation, derandomised, no example
database). Each test module keeps its own known values, hooks and data setup."""

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
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# No 5xx, a documented status code and content type, and a body matching the documented schema
# (so every 4xx is in the contract's error shape).
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def load_schema(url_module: str, *, examples: int, phases=("examples", "fuzzing")):
    """The OpenAPI schema of one app's routes, mounted under api/v1/. Only the routes under
    test: another app's schema trouble must not stop this collection. `phases` are
    Schemathesis's (examples, fuzzing, coverage); only fuzzing uses `examples`."""
    patterns = [path("api/v1/", include(url_module))]
    spec = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(spec)))
    loaded.app = get_wsgi_application()
    loaded.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        max_examples=examples,
        deterministic=True,
        with_security_parameters=False,
        database="none",
    )
    loaded.config.phases.update(phases=list(phases))
    return loaded


def fuzz_settings(examples: int) -> settings:
    """Hypothesis settings matching load_schema's. The world is built once per operation and
    requests only add to it; that is intended (hence the function-scoped-fixture check off)."""
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


@pytest.fixture(name="_keep_test_connection")
def keep_test_connection():
    """Django closes the DB connection at the end of each WSGI request; inside a test that
    would close the test's transaction. Django's own test client unhooks this the same way.
    Test modules import it to register it, and request it as `_keep_test_connection`."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
