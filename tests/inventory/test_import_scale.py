"""A whole catalog in one file on PostgreSQL: 100,000 SKU rows (IMPORT_MAX_ROWS, exactly at the
cap) are created, then updated by the same file with new names, and a file whose one bad row is
row 99,990 applies nothing and names that row and its column."""

import pytest
from django.db.models import Count, Q

from inventory.imports.engine import import_run
from inventory.models import Sku

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

ROWS = 100_000
BAD_ROW = 99_990  # as a spreadsheet numbers it: the header is row 1, the first SKU row 2


def catalog(word: str, *, bad: str = "") -> bytes:
    """ROWS SKUs. `bad` spoils row BAD_ROW: "cell" gives it a lot_tracked that is not a yes/no
    (found while the file streams), "duplicate" the code of row 2 (found by SQL over the
    staged file)."""
    lines = ["code,name,barcode,lot_tracked,active"]
    for n in range(ROWS):
        code, tracked = f"SCALE-{n:06d}", "false"
        if n + 2 == BAD_ROW and bad == "cell":
            tracked = "perhaps"
        elif n + 2 == BAD_ROW and bad == "duplicate":
            code = "SCALE-000000"
        lines.append(f"{code},{word} {n},{4_000_000_000_000 + n},{tracked},true")
    return ("\n".join(lines) + "\n").encode()


def names() -> dict:
    return Sku.objects.aggregate(
        total=Count("id"),
        first=Count("id", filter=Q(name__startswith="First ")),
        second=Count("id", filter=Q(name__startswith="Second ")),
    )


def test_100k_rows_create_then_update():
    created = import_run(kind="skus", content=catalog("First"), file_format="csv")
    assert created.errors == []
    assert created.applied
    assert (created.rows_total, created.rows_create, created.rows_update) == (ROWS, ROWS, 0)
    assert names() == {"total": ROWS, "first": ROWS, "second": 0}
    last = Sku.objects.get(code=f"SCALE-{ROWS - 1:06d}")
    assert (last.name, last.barcode, last.lot_tracked, last.active) == (
        f"First {ROWS - 1}",
        str(4_000_000_000_000 + ROWS - 1),
        False,
        True,
    )

    updated = import_run(kind="skus", content=catalog("Second"), file_format="csv")
    assert updated.errors == []
    assert updated.applied
    assert (updated.rows_total, updated.rows_create, updated.rows_update) == (ROWS, 0, ROWS)
    assert names() == {"total": ROWS, "first": 0, "second": ROWS}
    assert Sku.objects.get(code=f"SCALE-{ROWS - 1:06d}").name == f"Second {ROWS - 1}"


@pytest.mark.parametrize(
    ("bad", "column", "message"),
    [
        ("cell", "lot_tracked", "'perhaps' is not yes or no (use true/false, yes/no or 1/0)."),
        ("duplicate", "code", "SKU 'SCALE-000000' appears more than once (first on row 2)."),
    ],
    ids=["cell", "duplicate"],
)
def test_one_bad_row_at_99990_applies_nothing_and_is_named(bad, column, message):
    outcome = import_run(kind="skus", content=catalog("First", bad=bad), file_format="csv")
    assert outcome.errors == [{"row": BAD_ROW, "column": column, "message": message}]
    assert not outcome.applied
    assert (outcome.rows_total, outcome.bad_rows, outcome.rows_valid) == (ROWS, 1, ROWS - 1)
    assert Sku.objects.count() == 0
