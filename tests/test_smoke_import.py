import pytest
from inventory.imports.engine import import_run
from inventory.models import Sku

pytestmark = pytest.mark.django_db

def test_smoke():
    Sku.objects.create(code="OLD-1", name="Old", barcode="999")
    out = import_run(kind="skus", content=b"Code, Name ,barcode,lot_tracked,active\nTEE,Tee,111,no,yes\n\nMILK,Milk,,yes,\nOLD-1,Renamed,,,false\n", file_format="csv")
    assert out.errors == [], out.errors
    assert (out.rows_total, out.rows_create, out.rows_update) == (3, 2, 1)
    old = Sku.objects.get(code="OLD-1")
    assert (old.name, old.active, old.barcode) == ("Renamed", False, None)
    assert Sku.objects.get(code="MILK").lot_tracked
    out = import_run(kind="skus", content=b"code,name,barcode\nA,,1\nA,x,1\nB,y,zz\n" + b"C,n,\n", file_format="csv", dry_run=True)
    print(out.errors)
    assert len(out.errors) == 3
    out = import_run(kind="skus", content=b"Variant SKU,Title\nX1,Hello\n", file_format="csv", mapping={"Variant SKU": "code", "Title": "name"})
    assert out.errors == [] and Sku.objects.filter(code="X1").exists()
    out = import_run(kind="skus", content=b"Variant SKU,Title\nX1,Hello\n", file_format="csv")
    print(out.errors)
