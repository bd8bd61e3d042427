"""The OpenAPI schema generates without warnings, is valid OpenAPI 3, and documents the
contract; Swagger UI is served from our own static files (works offline)."""

import json

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from openapi_spec_validator import validate
from rest_framework.test import APIClient


def _schema() -> dict:
    spec = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(spec))


def test_schema_generates_without_warnings(tmp_path):
    # --fail-on-warn turns any drf-spectacular warning or error into a failure.
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )


def test_schema_is_valid_openapi():
    validate(_schema())


CONTRACT = {
    "/api/v1/auth/token/": {"post"},
    "/api/v1/skus/": {"get", "post"},
    "/api/v1/skus/{code}/": {"get", "patch"},
    "/api/v1/warehouses/": {"get", "post"},
    "/api/v1/warehouses/{code}/": {"get", "patch"},
    "/api/v1/locations/": {"get", "post"},
    "/api/v1/locations/{warehouse}/{code}/": {"get"},
    "/api/v1/stock/": {"get"},
    "/api/v1/availability/": {"get"},
    "/api/v1/stock/adjust/": {"post"},
    "/api/v1/stock/move/": {"post"},
    "/api/v1/movements/": {"get"},
}


@pytest.mark.parametrize(("path", "methods"), CONTRACT.items())
def test_schema_documents_the_contract(path, methods):
    paths = _schema()["paths"]
    assert path in paths
    assert methods <= set(paths[path])
    for method in methods:
        responses = paths[path][method]["responses"]
        assert "400" in responses, (path, method)
        if path != "/api/v1/auth/token/":
            assert "401" in responses, (path, method)


def test_every_operation_documents_the_rate_limit():
    undocumented = [
        (path, method)
        for path, operations in _schema()["paths"].items()
        for method, operation in operations.items()
        if "429" not in operation["responses"]
    ]
    assert undocumented == []


def test_schema_fields_match_the_contract():
    components = _schema()["components"]["schemas"]

    def props(name):
        return set(components[name]["properties"])

    assert props("Sku") >= {"code", "name", "barcode", "lot_tracked", "active"}
    assert props("Warehouse") >= {"code", "name"}
    assert props("Location") >= {
        "warehouse",
        "code",
        "parent",
        "type",
        "sellable",
        "travel_cost",
        "path",
        "capacity",
    }
    assert props("Stock") >= {"sku", "warehouse", "location", "lot", "quantity"}
    assert props("Availability") >= {
        "sku",
        "warehouse",
        "on_hand",
        "reserved",
        "available",
        "incoming",
    }
    assert props("Movement") >= {
        "id",
        "sku",
        "lot",
        "quantity",
        "from_location",
        "to_location",
        "kind",
        "reference",
        "actor",
        "reason",
        "created_at",
    }
    assert props("StockAdjustRequest") >= {
        "sku",
        "warehouse",
        "location",
        "quantity",
        "lot",
        "expiry",
        "reason",
    }
    assert props("StockMoveRequest") >= {
        "sku",
        "warehouse",
        "from_location",
        "to_location",
        "quantity",
        "lot",
    }
    assert "sellable" not in props("LocationRequest")
    assert props("Error") == {"code", "detail"}
    assert props("ValidationError") == {"code", "detail", "errors"}


def test_schema_endpoint_serves_the_schema(db):
    response = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert json.loads(response.content)["openapi"].startswith("3.")


def test_swagger_ui_loads_from_our_own_static_files(db):
    response = APIClient().get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html
    for host in ("cdn.", "unpkg", "jsdelivr"):
        assert host not in html
    for asset in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        assert f"/static/drf_spectacular_sidecar/swagger-ui-dist/{asset}" in html
        assert finders.find(f"drf_spectacular_sidecar/swagger-ui-dist/{asset}"), asset
