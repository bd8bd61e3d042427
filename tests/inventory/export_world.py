"""What the export tests share (tests/inventory/test_exports.py, test_export_downloads.py,
tests/test_export_safety.py): a small world holding rows of every import kind in two
warehouses (`hostile=True` starts codes and names with formula triggers, so every kind's export
has text to neutralise), clients that read a download to its end, and readers of the files."""

import csv
import datetime
import io
from types import SimpleNamespace

import openpyxl
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from inventory.services import location_create, sku_create
from receiving.services import supplier_create
from replenishment.services import reorder_rule_create
from tests import factories
from tests.receiving.builders import make_po


def build_world(*, hostile: bool = False) -> SimpleNamespace:
    def text(plain: str, trigger: str) -> str:
        return trigger + plain if hostile else plain

    wh1, wh2 = factories.warehouse("WH1"), factories.warehouse("WH2")
    places1, places2 = factories.places(wh1), factories.places(wh2)
    odd_bin = location_create(warehouse=wh1, code=text("B9", "@"), parent=places1.zone)
    tee = sku_create(code="TEE", name=text("Tee", "="), barcode="5012345678900")
    mug = sku_create(code=text("MUG", "-"), name="Mug")
    milk = factories.sku("MILK", lot_tracked=True)
    factories.stock(tee, places1.bin1, 10)
    factories.stock(tee, odd_bin, 2)
    factories.stock(mug, places2.bin1, 4)
    factories.stock(
        milk, places1.bin2, 6, lot_number=text("L1", "+"), expiry=datetime.date(2031, 1, 31)
    )
    acme = supplier_create(code="ACME", name=text("Acme", "@"), email="orders@acme.example")
    po1 = make_po(acme, wh1, (tee, 10), (milk, 5), number="PO-1")
    po2 = make_po(acme, wh2, (mug, 3, "2.25"), number=text("PO-2", "-"))
    rule1 = reorder_rule_create(
        sku=tee, warehouse=wh1, reorder_point=5, reorder_quantity=10, supplier=acme
    )
    rule2 = reorder_rule_create(sku=mug, warehouse=wh2, reorder_point=1, reorder_quantity=6)
    return SimpleNamespace(
        wh1=wh1,
        wh2=wh2,
        places1=places1,
        places2=places2,
        skus=(tee, mug, milk),
        supplier=acme,
        purchase_orders=(po1, po2),
        rules=(rule1, rule2),
    )


def build_more(world: SimpleNamespace) -> None:
    """More rows of every kind in `world` (other codes, the same warehouses)."""
    for n in range(3):
        sku = factories.sku(f"MORE-{n}")
        place = location_create(warehouse=world.wh1, code=f"M-{n}", parent=world.places1.zone)
        factories.stock(sku, place, n + 1)
        supplier = supplier_create(code=f"SUP-{n}", name=f"Supplier {n}")
        make_po(supplier, world.wh1, (sku, 2), (world.skus[0], 1), number=f"PO-M{n}")
        reorder_rule_create(sku=sku, warehouse=world.wh1, reorder_point=1, reorder_quantity=2)


KINDS = ["skus", "locations", "stock", "suppliers", "purchase_orders", "reorder_rules"]
FORMATS = ["csv", "xlsx"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def rows_of(content: bytes, file_format: str) -> list[list]:
    if file_format == "csv":
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


class _ReadsToTheEnd:
    """Reads every download to its end, as a browser or a script does: the test client then
    closes the response (and the export's database cursor) inside the test."""

    def get(self, *args, **kwargs):
        response = super().get(*args, **kwargs)
        response.file = (
            b"".join(response.streaming_content) if response.streaming else response.content
        )
        return response


class ApiReader(_ReadsToTheEnd, APIClient):
    pass


class ScreenReader(_ReadsToTheEnd, Client):
    pass


def body(response) -> bytes:
    return response.file


def person(name: str, role: str | None, warehouse=None):
    account = factories.user(name, role=role)
    if warehouse is not None:
        warehouse.staff.add(account)
    return account


def api_as(account) -> APIClient:
    client = ApiReader()
    token, _ = Token.objects.get_or_create(user=account)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def screen_as(account) -> Client:
    client = ScreenReader()
    client.force_login(account)
    return client


def export(client, kind: str, file_format: str = "csv", **filters):
    return client.get(f"/api/v1/exports/{kind}/", {"format": file_format, **filters})


def exported(client, kind: str, file_format: str = "csv", **filters) -> list[list]:
    response = export(client, kind, file_format, **filters)
    assert response.status_code == 200, response.content[:500]
    return rows_of(body(response), file_format)


def column(rows: list[list], name: str) -> list:
    index = rows[0].index(name)
    return [row[index] for row in rows[1:]]
