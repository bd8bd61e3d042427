"""Exports of every import kind (API.md "Imports"): GET /api/v1/exports/{kind}/ and the screens'
downloads (/exports/<kind>/, the list screens' "Export CSV · XLSX" links), and the blank import
templates (/imports/templates/<kind>.<format>).

Every kind exports in CSV and XLSX with its import's header and re-imports as it was; the
list's filters and the caller's warehouses narrow the rows; each kind says who may export it;
CSV is streamed, and an export runs the same queries for 5,000 rows as for one. What a written
cell looks like (formula triggers, numbers, control characters): tests/test_export_safety.py.
"""

import csv
import io

import openpyxl
import pytest
from django.db import connection
from django.http import FileResponse, StreamingHttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from inventory.imports import import_kinds
from inventory.imports.engine import import_run
from inventory.models import LocationType, Sku
from inventory.services import location_create
from tests import factories
from tests.api.contract import assert_error
from tests.api.fuzzing import (
    CHECKS,
    fuzz_settings,
    keep_test_connection,  # noqa: F401 (the _keep_test_connection fixture)
    load_schema,
)
from tests.inventory.export_world import build_more, build_world

pytestmark = pytest.mark.django_db

KINDS = ["skus", "locations", "stock", "suppliers", "purchase_orders", "reorder_rules"]
FORMATS = ["csv", "xlsx"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def registered(kind: str):
    kinds = import_kinds()
    if kind not in kinds:
        pytest.skip(f"the {kind} kind is not registered yet")
    return kinds[kind]


def rows_of(content: bytes, file_format: str) -> list[list]:
    if file_format == "csv":
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def person(name: str, role: str | None, warehouse=None):
    account = factories.user(name, role=role)
    if warehouse is not None:
        warehouse.staff.add(account)
    return account


def api_as(account) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=account)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def screen_as(account) -> Client:
    client = Client()
    client.force_login(account)
    return client


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def admin(db):
    return person("boss", "admin")


def export(client, kind: str, file_format: str = "csv", **filters):
    return client.get(f"/api/v1/exports/{kind}/", {"format": file_format, **filters})


def exported(client, kind: str, file_format: str = "csv", **filters) -> list[list]:
    response = export(client, kind, file_format, **filters)
    assert response.status_code == 200, response.content[:500]
    return rows_of(body(response), file_format)


def column(rows: list[list], name: str) -> list:
    index = rows[0].index(name)
    return [row[index] for row in rows[1:]]


# -- every kind, both formats ------------------------------------------------------------------


@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_exports_with_its_import_header(world, admin, kind, file_format):
    table = registered(kind).table
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
    registered("stock")
    rows = exported(api_as(admin), "stock", warehouse="WH2")
    assert set(column(rows, "warehouse")) == {"WH2"}
    assert column(rows, "sku") == ["MUG"]


def test_the_purchase_order_list_filters_apply(world, admin):
    registered("purchase_orders")
    rows = exported(api_as(admin), "purchase_orders", warehouse="WH1")
    assert set(column(rows, "warehouse")) == {"WH1"}


def test_the_reorder_rule_list_filters_apply(world, admin):
    registered("reorder_rules")
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
    registered(kind)
    manager = person("wh1-manager", "manager", world.wh1)
    everything = set(column(exported(api_as(person("a", "admin")), kind), "warehouse"))
    assert everything == {"WH1", "WH2"}
    assert set(column(exported(api_as(manager), kind), "warehouse")) == {"WH1"}
    # Asking for the other warehouse by name does not widen the scope.
    assert column(exported(api_as(manager), kind, warehouse="WH2"), "warehouse") == []


def test_a_manager_of_no_warehouse_exports_no_stock(world):
    registered("stock")
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
    registered(kind)
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
    if "purchase_orders" in import_kinds():
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
    registered(kind)
    client = api_as(admin)
    few = _queries(client, kind, "csv")
    build_more(world)
    assert _queries(client, kind, "csv") == few


# -- a filter the kind cannot read -------------------------------------------------------------


def test_a_bad_filter_is_400_naming_it_and_exports_nothing(world, admin):
    registered("locations")
    response = export(api_as(admin), "locations", type="spaceship")
    assert_error(response, 400, "invalid", field="type")
    page = screen_as(admin).get("/exports/locations/", {"format": "xlsx", "type": "spaceship"})
    assert page.status_code == 400


# -- the screens' downloads --------------------------------------------------------------------


@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize("kind", KINDS)
def test_the_screen_download_is_the_api_file(world, admin, kind, file_format):
    registered(kind)
    page = screen_as(admin).get(f"/exports/{kind}/", {"format": file_format})
    assert page.status_code == 200
    assert (
        page["Content-Disposition"]
        == export(api_as(admin), kind, file_format)["Content-Disposition"]
    )
    assert rows_of(body(page), file_format) == exported(api_as(admin), kind, file_format)


def test_the_screen_download_applies_filters_and_scope(world):
    manager = screen_as(person("wh1-manager", "manager", world.wh1))
    rows = rows_of(body(manager.get("/exports/stock/?warehouse=&q=TEE")), "csv")
    assert set(column(rows, "warehouse")) == {"WH1"}
    assert set(column(rows, "sku")) == {"TEE"}


def test_the_screen_download_doors(world):
    viewer = screen_as(person("viewer", "viewer"))
    assert viewer.get("/exports/skus/?format=xlsx").status_code == 200
    associate = screen_as(person("associate", "associate", world.wh1))
    assert associate.get("/exports/skus/").status_code == 403  # no export at all
    buyer = screen_as(person("buyer", "purchasing"))
    assert buyer.get("/exports/skus/").status_code == 403  # not this kind
    assert buyer.get("/exports/purchase_orders/").status_code == 200
    unknown = viewer.get("/exports/widgets/")
    assert unknown.status_code == 404
    assert "Unknown import kind &#x27;widgets&#x27;" in unknown.content.decode()
    assert viewer.get("/exports/skus/?format=pdf").status_code == 400
    assert viewer.post("/exports/skus/").status_code == 405
    signed_out = Client().get("/exports/skus/")
    assert signed_out.status_code == 302
    assert signed_out["Location"].startswith("/accounts/login/")


def test_the_screen_download_streams_csv(world, admin):
    response = screen_as(admin).get("/exports/skus/")
    assert type(response) is StreamingHttpResponse


# -- the list screens' links -------------------------------------------------------------------

LISTS = {
    "/stock/": "stock",
    "/receiving/purchase-orders/": "purchase_orders",
    "/replenishment/rules/": "reorder_rules",
}


@pytest.mark.parametrize(("screen", "kind"), LISTS.items())
def test_a_list_screen_links_its_export_with_the_filters(world, admin, screen, kind):
    html = screen_as(admin).get(screen, {"warehouse": "WH1", "page": "2", "q": "a b"}).content
    html = html.decode()
    for file_format in FORMATS:
        link = f'href="/exports/{kind}/?warehouse=WH1&amp;q=a+b&amp;format={file_format}"'
        assert link in html
    assert "Export" in html


def test_a_list_screen_without_filters_links_the_whole_export(world, admin):
    html = screen_as(admin).get("/stock/").content.decode()
    assert 'href="/exports/stock/?format=csv"' in html
    assert 'href="/exports/stock/?format=xlsx"' in html


@pytest.mark.parametrize(("role", "shown"), [("associate", False), ("viewer", True)])
def test_the_links_show_only_to_who_may_export(world, role, shown):
    html = screen_as(person(role, role, world.wh1)).get("/stock/").content.decode()
    assert ('href="/exports/stock/' in html) is shown


def test_a_buyer_sees_the_po_export_link(world):
    html = screen_as(person("buyer", "purchasing")).get("/receiving/purchase-orders/")
    assert 'href="/exports/purchase_orders/?format=csv"' in html.content.decode()


# -- blank templates ---------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize("kind", KINDS)
def test_a_template_is_the_header_and_the_example_row(admin, kind, file_format):
    table = registered(kind).table
    response = screen_as(admin).get(f"/imports/templates/{kind}.{file_format}")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="{kind}-template.{file_format}"'
    )
    header, *rows = rows_of(body(response), file_format)
    assert header == [c.name for c in table.columns]
    assert len(rows) == 1
    written = ["" if cell is None else cell for cell in rows[0]]
    expected = [column.example for column in table.columns]
    if file_format == "csv":
        expected = [str(value) for value in expected]
    assert written == expected


# The example rows name each other (TEE-BLK-M, ACME, warehouse WH1, zone A-01, bin A-01-01):
# on an empty database a template's dry run finds exactly those references unknown, and
# nothing else; once they exist, every template imports cleanly.
UNKNOWN_IN_AN_EMPTY_DATABASE = {
    "skus": [],
    "suppliers": [],
    "locations": [("warehouse", "Unknown warehouse 'WH1'.")],
    "stock": [("sku", "Unknown SKU 'TEE-BLK-M'."), ("warehouse", "Unknown warehouse 'WH1'.")],
    "purchase_orders": [
        ("sku", "Unknown SKU 'TEE-BLK-M'."),
        ("supplier", "Unknown supplier 'ACME'."),
        ("warehouse", "Unknown warehouse 'WH1'."),
    ],
    "reorder_rules": [
        ("sku", "Unknown SKU 'TEE-BLK-M'."),
        ("supplier", "Unknown supplier 'ACME'."),
        ("warehouse", "Unknown warehouse 'WH1'."),
    ],
}


def template(client, kind: str, file_format: str) -> bytes:
    response = client.get(f"/imports/templates/{kind}.{file_format}")
    assert response.status_code == 200
    return body(response)


@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize("kind", KINDS)
def test_a_template_dry_run_finds_only_the_references_it_names(admin, kind, file_format):
    registered(kind)
    content = template(screen_as(admin), kind, file_format)
    outcome = import_run(kind=kind, content=content, file_format=file_format, dry_run=True)
    found = [(error["row"], error["column"], error["message"]) for error in outcome.errors]
    assert found == [(2, column, message) for column, message in UNKNOWN_IN_AN_EMPTY_DATABASE[kind]]
    assert outcome.rows_total == 1
    assert not outcome.applied


@pytest.mark.parametrize("file_format", FORMATS)
def test_the_templates_import_cleanly_one_after_another(admin, file_format):
    for kind in KINDS:
        registered(kind)
    client = screen_as(admin)
    # What no template creates: the warehouse, and the zone the example bin hangs under.
    warehouse = factories.warehouse("WH1")
    location_create(warehouse=warehouse, code="A-01", type=LocationType.ZONE)
    for kind in KINDS:
        content = template(client, kind, file_format)
        dry = import_run(kind=kind, content=content, file_format=file_format, dry_run=True)
        assert dry.errors == [], kind
        done = import_run(kind=kind, content=content, file_format=file_format, actor=admin)
        assert (done.errors, done.applied, done.rows_create) == ([], True, 1), kind


def test_the_template_doors(world):
    buyer = screen_as(person("buyer", "purchasing"))
    assert buyer.get("/imports/templates/purchase_orders.csv").status_code == 200
    assert buyer.get("/imports/templates/skus.csv").status_code == 403  # not this kind
    viewer = screen_as(person("viewer", "viewer"))
    assert viewer.get("/imports/templates/skus.csv").status_code == 403  # exports only
    manager = screen_as(person("manager", "manager", world.wh1))
    assert manager.get("/imports/templates/skus.xlsx").status_code == 200
    assert manager.get("/imports/templates/widgets.csv").status_code == 404
    assert manager.get("/imports/templates/skus.pdf").status_code == 404
    assert manager.get("/imports/templates/skus").status_code == 404


def test_the_template_urls_reverse():
    assert reverse("import-template", args=["skus", "xlsx"]) == "/imports/templates/skus.xlsx"
    assert reverse("export-download", args=["stock"]) == "/exports/stock/"


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
