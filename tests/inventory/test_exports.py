"""Exports of every import kind through the API (API.md "Imports"): GET /api/v1/exports/{kind}/.

Every kind exports in CSV and XLSX with its import's header and re-imports as it was; the
list's filters and the caller's warehouses narrow the rows; each kind says who may export it;
CSV is streamed, and an export runs the same queries for 5,000 rows as for one. The screens'
downloads, links and blank templates: test_export_downloads.py. What a written cell looks like
(formula triggers, numbers, control characters): tests/test_export_safety.py.
"""

import pytest
from django.core.signals import request_finished
from django.db import close_old_connections, connection
from django.http import FileResponse, StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient, APIRequestFactory, force_authenticate

from ims.api.exports import ExportView
from inventory.imports import import_kinds
from inventory.imports.engine import import_run
from inventory.models import Sku
from tests.api.contract import assert_error
from tests.api.fuzzing import (
    CHECKS,
    fuzz_settings,
    keep_test_connection,  # noqa: F401 (the _keep_test_connection fixture)
    load_schema,
)
from tests.inventory.export_world import (
    FORMATS,
    KINDS,
    XLSX,
    api_as,
    body,
    build_more,
    build_world,
    column,
    export,
    exported,
    person,
    rows_of,
    screen_as,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def admin(db):
    return person("boss", "admin")


# -- every kind, both formats ------------------------------------------------------------------


def test_the_six_kinds_are_registered():
    assert sorted(import_kinds()) == sorted(KINDS)


@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_exports_with_its_import_header(world, admin, kind, file_format):
    table = import_kinds()[kind].table
    response = export(api_as(admin), kind, file_format)
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == ("text/csv" if file_format == "csv" else XLSX)
    disposition = response["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="{kind}-')
    assert disposition.endswith(f'.{file_format}"')
    rows = rows_of(body(response), file_format)
    assert rows[0] == [c.name for c in table.columns]
    assert len(rows) > 1, "the world has rows of every kind"


def test_format_defaults_to_csv(world, admin):
    response = api_as(admin).get("/api/v1/exports/skus/")
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"


def test_an_unknown_kind_is_404_naming_the_kinds(admin):
    body = assert_error(export(api_as(admin), "widgets"), 404, "not_found")
    assert "widgets" in body["detail"]
    assert "skus" in body["detail"]


@pytest.mark.parametrize("bad", ["pdf", "json", "CSV", "csv "])
def test_an_unknown_format_is_400_naming_format(admin, bad):
    body = assert_error(export(api_as(admin), "skus", bad), 400, "invalid", field="format")
    assert "csv, xlsx" in body["errors"]["format"][0]


def test_accept_headers_do_not_change_the_answer(world, admin):
    client = api_as(admin)
    response = client.get("/api/v1/exports/skus/?format=xlsx", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    refused = client.get("/api/v1/exports/skus/?format=pdf", HTTP_ACCEPT="text/csv")
    assert_error(refused, 400, field="format")  # errors are JSON whatever is asked for
    assert refused["Content-Type"] == "application/json"


# -- round trips -------------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", FORMATS)
def test_a_sku_export_imports_back_unchanged(world, admin, file_format):
    content = body(export(api_as(admin), "skus", file_format))
    before = list(Sku.objects.order_by("code").values_list("code", "name", "barcode", "active"))
    Sku.objects.update(name="changed", active=False)
    outcome = import_run(kind="skus", content=content, file_format=file_format, actor=admin)
    assert outcome.errors == []
    assert (outcome.rows_create, outcome.rows_update) == (0, 3)
    after = list(Sku.objects.order_by("code").values_list("code", "name", "barcode", "active"))
    assert after == before


@pytest.mark.parametrize("file_format", FORMATS)
def test_a_leading_quote_survives_export_and_import(admin, file_format):
    Sku.objects.create(code="'Q", name="'quoted")
    Sku.objects.create(code="-5", name="=1+1")
    content = body(export(api_as(admin), "skus", file_format))
    assert column(rows_of(content, file_format), "code") == ["''Q", "'-5"]
    Sku.objects.update(name="changed")
    outcome = import_run(kind="skus", content=content, file_format=file_format, actor=admin)
    assert outcome.errors == []
    assert dict(Sku.objects.values_list("code", "name")) == {"'Q": "'quoted", "-5": "=1+1"}


# -- filters and warehouses --------------------------------------------------------------------


def test_the_sku_list_filters_apply(world, admin):
    client = api_as(admin)
    assert column(exported(client, "skus", q="tee"), "code") == ["TEE"]
    assert column(exported(client, "skus", lot_tracked="true"), "code") == ["MILK"]
    assert column(exported(client, "skus", q="nothing-like-it"), "code") == []


def test_the_stock_list_filters_apply(world, admin):
    rows = exported(api_as(admin), "stock", warehouse="WH2")
    assert set(column(rows, "warehouse")) == {"WH2"}
    assert column(rows, "sku") == ["MUG"]


def test_the_purchase_order_list_filters_apply(world, admin):
    rows = exported(api_as(admin), "purchase_orders", warehouse="WH1")
    assert set(column(rows, "warehouse")) == {"WH1"}


def test_the_reorder_rule_list_filters_apply(world, admin):
    rows = exported(api_as(admin), "reorder_rules", warehouse="WH2")
    assert column(rows, "sku") == ["MUG"]


# Kinds whose rows belong to a warehouse, and the column that names it.
WAREHOUSE_BOUND = {
    "locations": "warehouse",
    "stock": "warehouse",
    "purchase_orders": "warehouse",
    "reorder_rules": "warehouse",
}


@pytest.mark.parametrize("kind", sorted(WAREHOUSE_BOUND))
def test_a_manager_exports_only_their_warehouse(world, kind):
    manager = person("wh1-manager", "manager", world.wh1)
    everything = set(column(exported(api_as(person("a", "admin")), kind), "warehouse"))
    assert everything == {"WH1", "WH2"}
    assert set(column(exported(api_as(manager), kind), "warehouse")) == {"WH1"}
    # Asking for the other warehouse by name does not widen the scope.
    assert column(exported(api_as(manager), kind, warehouse="WH2"), "warehouse") == []


def test_a_manager_of_no_warehouse_exports_no_stock(world):
    assert column(exported(api_as(person("idle", "manager")), "stock"), "sku") == []


# -- who may export what -----------------------------------------------------------------------

# PRODUCT.md "Who may do what": exports are for admin, manager, purchasing (its kinds) and
# viewer; associates export nothing.
MAY_EXPORT = {
    "skus": {"admin", "manager", "viewer"},
    "locations": {"admin", "manager", "viewer"},
    "stock": {"admin", "manager", "viewer"},
    "suppliers": {"admin", "manager", "purchasing", "viewer"},
    "purchase_orders": {"admin", "manager", "purchasing", "viewer"},
    "reorder_rules": {"admin", "manager", "purchasing", "viewer"},
}
ROLES = ["admin", "manager", "purchasing", "associate", "viewer", None]


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_says_who_may_export_it(world, kind):
    for role in ROLES:
        client = api_as(person(f"p-{role}", role, world.wh1))
        response = export(client, kind)
        if role in MAY_EXPORT[kind]:
            assert response.status_code == 200, (kind, role)
        else:
            assert_error(response, 403, "permission_denied")


def test_the_brief_cases(world):
    viewer, associate, buyer = (
        api_as(person(role, role)) for role in ("viewer", "associate", "purchasing")
    )
    assert export(viewer, "skus").status_code == 200
    assert_error(export(associate, "skus"), 403, "permission_denied")
    body = assert_error(export(buyer, "skus"), 403, "permission_denied")
    assert body["detail"] == "You may not export SKUs."
    assert export(buyer, "purchase_orders").status_code == 200


def test_signed_out_is_401(world):
    assert_error(APIClient().get("/api/v1/exports/skus/"), 401)


# -- streaming and queries ---------------------------------------------------------------------


def test_csv_is_streamed_and_xlsx_is_a_file(world, admin):
    client = api_as(admin)
    response = export(client, "skus", "csv")
    assert type(response) is StreamingHttpResponse
    assert not response.has_header("Content-Length")
    workbook = export(client, "skus", "xlsx")
    assert isinstance(workbook, FileResponse)
    assert int(workbook["Content-Length"]) == len(body(workbook))


def _open_cursors() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors")
        return cursor.fetchone()[0]


@pytest.mark.postgres
def test_a_csv_download_left_midway_closes_its_cursor(admin):
    """A client that goes away mid-file: the server closes the response, and with it the
    server-side cursor the rows stream from, at once."""
    Sku.objects.bulk_create(Sku(code=f"BULK-{n:05}", name=f"Bulk {n}") for n in range(5000))
    # The view itself, as a WSGI server holds it (the test client wraps what it streams).
    request = APIRequestFactory().get("/api/v1/exports/skus/?format=csv")
    force_authenticate(request, user=admin)
    response = ExportView.as_view()(request, kind="skus")
    lines = iter(response.streaming_content)
    assert next(lines).startswith("\ufeffcode,name".encode())
    assert _open_cursors() == 1
    # As the server closes a response; request_finished would end the test's connection.
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
    assert _open_cursors() == 0


def _queries(client, kind: str, file_format: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = export(client, kind, file_format)
        content = body(response)
    assert response.status_code == 200
    assert len(rows_of(content, file_format)) > 1
    return len(queries)


@pytest.mark.parametrize("file_format", FORMATS)
def test_an_export_of_5000_skus_runs_as_many_queries_as_one_of_one(admin, file_format):
    client = api_as(admin)
    Sku.objects.create(code="FIRST", name="First")
    export(client, "skus", file_format)  # the token, the roles: looked up once, then cached
    few = _queries(client, "skus", file_format)
    Sku.objects.bulk_create(Sku(code=f"BULK-{n:05}", name=f"Bulk {n}") for n in range(5000))
    many = _queries(client, "skus", file_format)
    assert many == few
    assert many <= 6


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_exports_in_a_constant_number_of_queries(world, admin, kind):
    client = api_as(admin)
    few = _queries(client, kind, "csv")
    build_more(world)
    assert _queries(client, kind, "csv") == few


# -- a filter the kind cannot read -------------------------------------------------------------


def test_a_bad_filter_is_400_naming_it_and_exports_nothing(world, admin):
    response = export(api_as(admin), "locations", type="spaceship")
    assert_error(response, 400, "invalid", field="type")
    page = screen_as(admin).get("/exports/locations/", {"format": "xlsx", "type": "spaceship"})
    assert page.status_code == 400


# -- the API under Schemathesis ---------------------------------------------------------------

fuzzed = load_schema("ims.api.urls", examples=40).include(path_regex=r"^/api/v1/exports/")


@pytest.fixture
def fuzz_token(db, _keep_test_connection):
    build_world(hostile=True)
    return Token.objects.create(user=person("fuzzer", "admin")).key


@fuzzed.parametrize()
@fuzz_settings(40)
def test_the_export_api_under_fuzzing(case, fuzz_token):
    case.call_and_validate(headers={"Authorization": f"Token {fuzz_token}"}, checks=CHECKS)


def test_the_export_operation_is_under_fuzzing():
    labels = {result.ok().label for result in fuzzed.get_all_operations()}
    assert labels == {"GET /api/v1/exports/{kind}/"}
