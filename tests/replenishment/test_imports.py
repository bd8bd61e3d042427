"""Reorder rules from CSV: the `reorder_rules` import kind (all-or-nothing, every bad row with its
column), re-import of an export, and the admin's import screen."""

import pytest
from django.urls import reverse

from inventory.imports import import_kind
from inventory.imports.files import read_dataset
from replenishment.models import ReorderRule
from replenishment.resources import ReorderRuleExportResource
from tests import factories
from tests.replenishment.helpers import rule, stock, supplier

pytestmark = pytest.mark.django_db
WINTER = {"start": "11-15", "end": "01-31", "reorder_point": 60, "reorder_quantity": 200}


def run(text: str, *, dry_run: bool = False):
    resource = import_kind("reorder_rules").resource_class(reference="test", skip_diff=True)
    result = resource.import_data(
        read_dataset(content=text.encode(), file_format="csv"), dry_run=dry_run
    )
    return resource.errors_of(result), result


@pytest.fixture
def catalog(warehouse, places):
    for code in ("TEE", "MUG"):
        stock(factories.sku(code), places.bin1, 50)
    supplier()
    return warehouse


def test_rows_create_and_replace_rules(catalog):
    wh = catalog.code
    rule(factories.sku("CAP"), catalog, point=3, seasonal=[WINTER], supplier=supplier("OLD"))
    errors, _ = run(
        "SKU, Warehouse ,reorder_point,reorder_quantity,lead_time_days,supplier,pack_size\n"
        f"TEE,{wh},10,30,7,ACME,12\n"
        f"CAP,{wh},4,8,,,\n"
    )
    assert errors == []
    assert ReorderRule.objects.count() == 2  # TEE new, CAP replaced
    cap = ReorderRule.objects.get(sku__code="CAP")
    # Replaced: empty optional cells clear; no seasonal column keeps the seasons.
    assert (cap.reorder_point, cap.supplier, cap.lead_time_days) == (4, None, 0)
    assert cap.seasonal == [WINTER]
    errors, _ = run(f"sku,warehouse,reorder_point,reorder_quantity,seasonal\nCAP,{wh},4,8,\n")
    assert errors == []
    assert ReorderRule.objects.get(sku__code="CAP").seasonal == []


def test_a_dry_run_applies_nothing(catalog):
    errors, _ = run(
        f"sku,warehouse,reorder_point,reorder_quantity\nTEE,{catalog.code},99,1\n", dry_run=True
    )
    assert errors == []
    assert not ReorderRule.objects.exists()


def test_missing_columns_are_named(catalog):
    errors, _ = run("sku,warehouse\nTEE,WH1\n")
    assert {(e["row"], e["column"]) for e in errors} == {
        (1, "reorder_point"),
        (1, "reorder_quantity"),
    }


def test_an_export_imports_back(catalog):
    rule(factories.sku("CAP"), catalog, point=3, seasonal=[WINTER], supplier=supplier("BOLT"))
    exported = ReorderRuleExportResource().export().csv
    assert "11-15..01-31=60/200" in exported
    ReorderRule.objects.all().delete()
    errors, _ = run(exported)
    assert errors == []
    restored = ReorderRule.objects.get()
    assert (restored.reorder_point, restored.supplier.code, restored.seasonal) == (
        3,
        "BOLT",
        [WINTER],
    )


def test_the_admin_offers_import_and_export(admin_client, catalog):
    changelist = reverse("admin:replenishment_reorderrule_changelist")
    page = admin_client.get(changelist)
    assert page.status_code == 200
    assert reverse("admin:replenishment_reorderrule_import") in page.content.decode()
    assert admin_client.get(reverse("admin:replenishment_reorderrule_import")).status_code == 200
