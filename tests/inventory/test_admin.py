"""The Django admin: every inventory model is there, stock tables are read-only, catalog and
places save through the services, and the import-export screens preview before applying."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inventory.audit import stock_drift
from inventory.models import (
    BinStock,
    CycleCountLine,
    Location,
    LocationType,
    Reservation,
    Sku,
    StockMovement,
    Warehouse,
    WarehouseStock,
)
from inventory.services import ReserveLine, stock_reserve
from tests import factories

pytestmark = pytest.mark.django_db

# A count's lines are shown inside their count (blind while it is open), not on their own.
INLINE_MODELS = [CycleCountLine]
INVENTORY_MODELS = [
    model for model in apps.get_app_config("inventory").get_models() if model not in INLINE_MODELS
]
STOCK_MODELS = [BinStock, WarehouseStock, StockMovement, Reservation]
# Pinned: session, user, the row count, the page of rows (one query, related rows joined), each
# relation filter's choices, and two for what the site's context processors may ask (nav badges).
CHANGELIST_QUERIES = {
    BinStock: 7,
    WarehouseStock: 7,
    StockMovement: 7,
    Reservation: 7,
    Location: 8,  # shows the full count too (a small table)
}


def url(model, view: str, *args) -> str:
    return reverse(f"admin:inventory_{model._meta.model_name}_{view}", args=args)


def stock_in(warehouse, places, count: int) -> None:
    """`count` SKUs with stock in two bins each, a lot-tracked one, and reservations."""
    for n in range(count):
        sku = factories.sku(f"ADM-{warehouse.code}-{n:03}")
        factories.stock(sku, places.bin1, 5)
        factories.stock(sku, places.bin2, 3)
        stock_reserve(lines=[ReserveLine(sku, warehouse, 2)], reference=f"order-{n}")
    lot_sku = factories.sku(f"LOT-{warehouse.code}", lot_tracked=True)
    factories.stock(lot_sku, places.bin1, 4, lot_number=f"L-{warehouse.code}")


@pytest.fixture
def stocked(warehouse, places):
    stock_in(warehouse, places, 3)
    return places


def test_every_inventory_model_is_registered():
    missing = [m.__name__ for m in INVENTORY_MODELS if m not in admin.site._registry]
    assert missing == []
    inlines = {
        inline.model
        for model_admin in admin.site._registry.values()
        for inline in model_admin.inlines
    }
    assert set(INLINE_MODELS) <= inlines


@pytest.mark.parametrize("model", INVENTORY_MODELS, ids=lambda m: m.__name__)
def test_changelists_load_with_search_and_filters(admin_client, stocked, model):
    assert admin_client.get(url(model, "changelist")).status_code == 200
    assert admin_client.get(url(model, "changelist"), {"q": "ADM"}).status_code == 200
    model_admin = admin.site._registry[model]
    for list_filter in model_admin.list_filter:
        if isinstance(list_filter, str) and "__" not in list_filter:
            field = model._meta.get_field(list_filter)
            if field.is_relation:
                params = {f"{list_filter}__id__exact": Warehouse.objects.first().pk}
            elif field.get_internal_type() == "BooleanField":
                params = {f"{list_filter}__exact": 1}
            else:
                continue
            assert admin_client.get(url(model, "changelist"), params).status_code == 200


@pytest.mark.parametrize("model", [*STOCK_MODELS, Location], ids=lambda m: m.__name__)
def test_stock_changelists_run_a_constant_number_of_queries(
    admin_client, warehouse, places, model, django_assert_num_queries
):
    stock_in(warehouse, places, 2)
    with CaptureQueriesContext(connection) as few:
        small = admin_client.get(url(model, "changelist"))
    assert len(few.captured_queries) <= CHANGELIST_QUERIES[model]
    other = factories.warehouse()
    stock_in(other, factories.places(other), 12)
    with django_assert_num_queries(len(few.captured_queries)):  # more rows, no more queries
        response = admin_client.get(url(model, "changelist"), {"q": "ADM"})
    with django_assert_num_queries(len(few.captured_queries)):
        response = admin_client.get(url(model, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count > small.context["cl"].result_count


@pytest.mark.parametrize("model", STOCK_MODELS, ids=lambda m: m.__name__)
def test_stock_tables_are_read_only_in_the_admin(admin_client, stocked, model):
    row = model.objects.first()
    before = list(model.objects.order_by("pk").values())
    assert admin_client.get(url(model, "add")).status_code == 403
    assert admin_client.post(url(model, "add"), {}).status_code == 403
    change = admin_client.post(url(model, "change", row.pk), {"quantity": 999})
    assert change.status_code == 403
    assert admin_client.post(url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    response = admin_client.post(
        url(model, "changelist"),
        {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert list(model.objects.order_by("pk").values()) == before
    assert stock_drift() == []
    model_admin = admin.site._registry[model]
    request = response.wsgi_request
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, row)
    assert not model_admin.has_delete_permission(request, row)


def test_location_add_goes_through_location_create(admin_client, warehouse, places):
    data = {
        "warehouse": warehouse.pk,
        "code": "A-03",
        "parent": places.zone.pk,
        "type": LocationType.BIN,
        "travel_cost": 7,
        "capacity": "",
    }
    response = admin_client.post(url(Location, "add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Location.objects.get(code="A-03").path == "/A/A-03/"


def test_location_add_shows_the_services_refusal_next_to_the_field(admin_client, places):
    data = {
        "warehouse": places.zone.warehouse_id,
        "code": "A-01-X",
        "parent": places.bin1.pk,  # a bin cannot contain locations
        "type": LocationType.BIN,
        "travel_cost": 1,
    }
    response = admin_client.post(url(Location, "add"), data)
    assert response.status_code == 200
    assert "only zones contain locations" in str(
        response.context["adminform"].form.errors["parent"]
    )
    assert not Location.objects.filter(code="A-01-X").exists()


def test_location_change_edits_only_cost_and_capacity(admin_client, places):
    response = admin_client.post(
        url(Location, "change", places.bin1.pk),
        {"travel_cost": 42, "capacity": 80, "code": "HACKED", "type": "dock"},
    )
    assert response.status_code == 302
    places.bin1.refresh_from_db()
    assert (places.bin1.travel_cost, places.bin1.capacity) == (42, 80)
    assert (places.bin1.code, places.bin1.type, places.bin1.path) == ("A-01", "bin", "/A/A-01/")


def test_parent_autocomplete_offers_zones_only(admin_client, places):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "inventory", "model_name": "location", "field_name": "parent", "term": "A"},
    )
    assert [r["text"] for r in response.json()["results"]] == [str(places.zone)]


def test_sku_lot_tracking_change_is_refused_with_stock(admin_client, places, sku):
    factories.stock(sku, places.bin1, 1)
    response = admin_client.post(
        url(Sku, "change", sku.pk), {"name": "Renamed", "lot_tracked": "on", "active": "on"}
    )
    assert response.status_code == 200
    assert "lot tracking" in str(response.context["adminform"].form.non_field_errors())
    sku.refresh_from_db()
    assert (sku.name, sku.lot_tracked) == (f"Item {sku.code}", False)


def test_sku_and_warehouse_add_through_the_services(admin_client, user):
    assert admin_client.post(url(Sku, "add"), {"code": " NEW-1 ", "name": "New"}).status_code == 302
    assert Sku.objects.get(code="NEW-1").active is False  # unchecked box
    response = admin_client.post(
        url(Warehouse, "add"), {"code": "WH9", "name": "Nine", "staff": [user.pk]}
    )
    assert response.status_code == 302
    assert list(Warehouse.objects.get(code="WH9").staff.all()) == [user]


def admin_import(client, model, text: str, name: str = "import.csv"):
    """The admin's two steps: upload (dry-run preview), then confirm."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(name, text.encode(), content_type="text/csv")
    preview = client.post(url(model, "import"), {"import_file": upload, "format": 0, "resource": 0})
    assert preview.status_code == 200
    return preview


def test_admin_sku_import_previews_then_applies(admin_client):
    preview = admin_import(admin_client, Sku, "code,name\nTEE-1,Tee\nTEE-2,Tee two\n")
    assert preview.context["result"].totals["new"] == 2
    assert not Sku.objects.exists()  # the preview is a dry run
    confirm = preview.context["confirm_form"]
    response = admin_client.post(url(Sku, "process_import"), confirm.initial)
    assert response.status_code == 302
    assert list(Sku.objects.values_list("code", flat=True)) == ["TEE-1", "TEE-2"]


def test_admin_stock_import_shows_every_bad_row_and_offers_no_confirm(
    admin_client, warehouse, places, sku
):
    wh = warehouse.code
    preview = admin_import(
        admin_client,
        BinStock,
        f"sku,warehouse,location,quantity\n{sku.code},{wh},A-01,5\nNOPE,{wh},A-01,1\n"
        f"{sku.code},{wh},A-01,x\n",
    )
    result = preview.context["result"]
    assert [row.number for row in result.invalid_rows] == [3, 4]
    assert "confirm_form" not in preview.context
    assert b"Unknown SKU" in preview.content
    assert not StockMovement.objects.exists()


def test_admin_opening_stock_import_writes_the_ledger(admin_client, warehouse, places, sku):
    preview = admin_import(
        admin_client,
        BinStock,
        f"sku,warehouse,location,quantity\n{sku.code},{warehouse.code},A-01,5\n",
    )
    response = admin_client.post(
        url(BinStock, "process_import"), preview.context["confirm_form"].initial
    )
    assert response.status_code == 302
    movement = StockMovement.objects.get()
    assert (movement.reason, movement.reference, movement.quantity) == (
        "opening stock",
        "admin import",
        5,
    )
    assert movement.actor.is_superuser
    assert stock_drift() == []


def test_admin_large_import_becomes_a_background_job(
    admin_client, warehouse, places, sku, settings, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from inventory.models import ImportJob

    settings.IMPORT_INLINE_MAX_ROWS = 2
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": True}
    rows = "".join(f"{sku.code},{warehouse.code},A-01,{n}\n" for n in range(1, 4))
    upload = SimpleUploadedFile("big.csv", f"sku,warehouse,location,quantity\n{rows}".encode())
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            url(BinStock, "import"), {"import_file": upload, "format": 0, "resource": 0}
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url == url(ImportJob, "change", job.pk)
    job.refresh_from_db()
    assert (job.kind, job.status, job.rows_valid) == ("stock", "succeeded", 3)
    assert WarehouseStock.objects.get(sku=sku).on_hand == 6
    page = admin_client.get(response.url)
    assert page.status_code == 200
    assert b"runs in the background" in page.content


@pytest.mark.parametrize("model", [Sku, Location, BinStock], ids=lambda m: m.__name__)
def test_import_and_export_pages_load(admin_client, stocked, model):
    page = admin_client.get(url(model, "import"))
    assert page.status_code == 200
    assert [label for _, label in page.context["form"].fields["format"].choices][1:] == [
        "csv",
        "xlsx",
    ]
    assert admin_client.get(url(model, "export")).status_code == 200


def test_stock_export_reads_back_as_opening_stock(stocked):
    from inventory.resources import BinStockExportResource, OpeningStockResource

    dataset = BinStockExportResource().export()
    assert dataset.headers == ["sku", "warehouse", "location", "lot", "expiry", "quantity"]
    assert len(dataset) == BinStock.objects.filter(quantity__gt=0).count()
    resource = OpeningStockResource()
    result = resource.import_data(dataset, dry_run=True)
    assert resource.errors_of(result) == []
