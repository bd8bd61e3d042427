"""Exports on the screens: the download behind the list screens' "Export CSV · XLSX" links
(/exports/<kind>/, the same file as the API's), the links themselves (carrying the list's
filters, shown to who may export the kind), and the blank import templates
(/imports/templates/<kind>.<format>: the header and one example row, for who may import it).
"""

import pytest
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse

from inventory.imports import import_kinds
from inventory.imports.engine import import_run
from inventory.models import LocationType
from inventory.services import location_create
from tests import factories
from tests.inventory.export_world import (
    FORMATS,
    KINDS,
    api_as,
    body,
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


# -- the screens' downloads --------------------------------------------------------------------


@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize("kind", KINDS)
def test_the_screen_download_is_the_api_file(world, admin, kind, file_format):
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
    table = import_kinds()[kind].table
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
    content = template(screen_as(admin), kind, file_format)
    outcome = import_run(kind=kind, content=content, file_format=file_format, dry_run=True)
    found = [(error["row"], error["column"], error["message"]) for error in outcome.errors]
    assert found == [(2, column, message) for column, message in UNKNOWN_IN_AN_EMPTY_DATABASE[kind]]
    assert outcome.rows_total == 1
    assert not outcome.applied


@pytest.mark.parametrize("file_format", FORMATS)
def test_the_templates_import_cleanly_one_after_another(admin, file_format):
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
    named = reverse("import-template", kwargs={"kind": "stock", "format": "csv"})
    assert named == "/imports/templates/stock.csv"
    assert reverse("export-download", args=["stock"]) == "/exports/stock/"
