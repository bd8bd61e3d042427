"""Reorder rules from CSV/XLSX: the `reorder_rules` import kind on the fast engine. A row is the
whole rule; every error class is named by row and column; a file applies all or nothing; what
reorder_rule_create/update do besides the row (audit entries, the alert decision) happens in
bulk; exports import back; queries do not grow with rows."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditEntry
from inventory.imports import import_kind, import_kinds
from inventory.imports.engine import import_run
from inventory.imports.exports import export_bytes
from inventory.models import Sku
from replenishment.models import ReorderRule
from replenishment.services import reorder_rule_delete
from tests import factories
from tests.replenishment.helpers import open_alerts, rule, stock, supplier

pytestmark = pytest.mark.django_db

HEADER = "sku,warehouse,reorder_point,reorder_quantity,lead_time_days,supplier,pack_size,seasonal\n"
SQLITE_BATCHES = 6  # Django splits bulk INSERTs at SQLite's 999 parameters (see below)


def _off_season() -> dict:
    """A season that is not in force today (so the rule's own point decides), two months on."""
    start = timezone.localdate() + datetime.timedelta(days=60)
    end = start + datetime.timedelta(days=10)
    return {
        "start": f"{start:%m-%d}",
        "end": f"{end:%m-%d}",
        "reorder_point": 60,
        "reorder_quantity": 200,
    }


SEASON = _off_season()
SEASON_TEXT = f"{SEASON['start']}..{SEASON['end']}=60/200"


def run(text, *, dry_run=False, actor=None, file_format="csv"):
    return import_run(
        kind="reorder_rules",
        content=text.encode() if isinstance(text, str) else text,
        file_format=file_format,
        dry_run=dry_run,
        actor=actor,
    )


def cells_of(outcome) -> set[tuple[int, str]]:
    return {(error["row"], error["column"]) for error in outcome.errors}


def skus(body: str) -> None:
    """A catalog through the SKU import (fast for a thousand codes)."""
    outcome = import_run(kind="skus", content=f"code,name\n{body}".encode(), file_format="csv")
    assert outcome.errors == []


def rows_of(user, params=None) -> list[tuple]:
    return list(import_kind("reorder_rules").table.export_rows(user=user, params=params or {}))


@pytest.fixture
def catalog(warehouse, places):
    for code in ("TEE", "MUG"):
        stock(factories.sku(code), places.bin1, 50)
    supplier()
    return warehouse


def test_the_kind_is_registered_for_buyers():
    kind = import_kinds()["reorder_rules"]
    assert (kind.label, kind.roles) == ("Reorder rules", {"admin", "manager", "purchasing"})


def test_rows_create_and_replace_rules(catalog):
    wh = catalog.code
    rule(factories.sku("CAP"), catalog, point=3, seasonal=[SEASON], supplier=supplier("OLD"))
    outcome = run(
        "SKU, Warehouse ,reorder_point,reorder_quantity,lead_time_days,supplier,pack_size\n"
        f"TEE,{wh},10,30,7,ACME,12\n"
        f"CAP,{wh},4,8,,,\n"
    )
    assert outcome.errors == []
    assert (outcome.rows_create, outcome.rows_update) == (1, 1)
    tee = ReorderRule.objects.get(sku__code="TEE")
    assert (tee.reorder_point, tee.reorder_quantity, tee.lead_time_days, tee.pack_size) == (
        10,
        30,
        7,
        12,
    )
    assert (tee.supplier.code, tee.seasonal) == ("ACME", [])
    cap = ReorderRule.objects.get(sku__code="CAP")
    # Replaced: empty optional cells clear; no seasonal column keeps the seasons.
    assert (cap.reorder_point, cap.supplier, cap.lead_time_days, cap.pack_size) == (
        4,
        None,
        0,
        None,
    )
    assert cap.seasonal == [SEASON]
    outcome = run(f"sku,warehouse,reorder_point,reorder_quantity,seasonal\nCAP,{wh},4,8,\n")
    assert outcome.errors == []
    assert ReorderRule.objects.get(sku__code="CAP").seasonal == []  # an empty cell clears


def test_seasons_are_read_and_cleaned(catalog):
    wh = catalog.code
    text = f"{SEASON_TEXT}; 01-01..01-05=1/2"
    assert run(HEADER + f"TEE,{wh},5,10,,,,{text}\n").errors == []
    # Stored cleaned, sorted by start, as the services store them.
    stored = ReorderRule.objects.get().seasonal
    assert sorted(stored, key=lambda s: s["start"]) == stored
    assert {"start": "01-01", "end": "01-05", "reorder_point": 1, "reorder_quantity": 2} in stored


def test_every_bad_row_is_named_and_nothing_is_applied(catalog):
    wh = catalog.code
    factories.sku("CAP")
    outcome = run(
        HEADER + f"TEE,{wh},5,10,,,,\n"  # 2: fine, not applied
        f"NOPE,{wh},5,10,,,,\n"  # 3: unknown SKU
        f"TEE,{wh},5,10,,,,\n"  # 4: duplicate of row 2
        f"MUG,WH-X,ten,0,-1,GHOST,0,winter\n"  # 5: six bad cells
        f"MUG,{wh},5,10,,,,11-15..01-31=6/2; 01-01..01-05=1/1\n"  # 6: overlapping seasons
        f"CAP,{wh},1.5,10,4000,,,13-01..13-05=1/1\n"  # 7: not whole; lead time; no month 13
    )
    assert cells_of(outcome) == {
        (3, "sku"),
        (4, "sku"),
        (5, "warehouse"),
        (5, "reorder_point"),
        (5, "reorder_quantity"),
        (5, "lead_time_days"),
        (5, "supplier"),
        (5, "pack_size"),
        (5, "seasonal"),
        (6, "seasonal"),
        (7, "reorder_point"),
        (7, "lead_time_days"),
        (7, "seasonal"),
    }, outcome.errors
    messages = {(e["row"], e["column"]): e["message"] for e in outcome.errors}
    assert messages[(3, "sku")] == "Unknown SKU 'NOPE'."
    assert messages[(4, "sku")] == (
        f"TEE in {wh} appears more than once (first on row 2): one rule per SKU and warehouse."
    )
    assert messages[(5, "warehouse")] == "Unknown warehouse 'WH-X'."
    assert messages[(5, "supplier")] == "Unknown supplier 'GHOST'."
    assert "'ten' is not a whole number" in messages[(5, "reorder_point")]
    assert "winter" in messages[(5, "seasonal")]
    assert "MM-DD" in messages[(5, "seasonal")]
    assert "overlaps" in messages[(6, "seasonal")]
    assert "at most 3650" in messages[(7, "lead_time_days")]
    assert "13-01" in messages[(7, "seasonal")]
    assert not ReorderRule.objects.exists()


def test_missing_columns_are_named(catalog):
    outcome = run("sku,warehouse\nTEE,WH1\n")
    assert cells_of(outcome) == {(1, "reorder_point"), (1, "reorder_quantity")}
    assert not ReorderRule.objects.exists()


def test_a_dry_run_counts_and_applies_nothing(catalog):
    rule(Sku.objects.get(code="MUG"), catalog, 1)
    outcome = run(
        f"sku,warehouse,reorder_point,reorder_quantity\nTEE,{catalog.code},99,1\n"
        f"MUG,{catalog.code},99,1\n",
        dry_run=True,
    )
    assert (outcome.errors, outcome.rows_create, outcome.rows_update) == ([], 1, 1)
    assert list(ReorderRule.objects.values_list("sku__code", "reorder_point")) == [("MUG", 1)]
    assert open_alerts() == []


def test_the_import_decides_at_once_and_writes_the_audit_log(catalog, user):
    wh = catalog.code
    factories.sku("CAP")  # nothing on hand
    old = rule(Sku.objects.get(code="MUG"), catalog, 5)
    assert old.armed  # 50 > 5
    outcome = run(
        "sku,warehouse,reorder_point,reorder_quantity,pack_size\n"
        f"TEE,{wh},60,40,25\n"  # 50 <= 60: an alert now
        f"CAP,{wh},0,10,\n"  # 0 <= 0: an alert now
        f"MUG,{wh},55,10,\n",  # point raised to 55 >= 50: an alert now
        actor=user,
    )
    assert outcome.errors == []
    raised = {a.sku.code: a for a in open_alerts()}
    assert set(raised) == {"TEE", "CAP", "MUG"}
    assert (raised["TEE"].projected, raised["TEE"].reorder_point) == (50, 60)
    assert raised["TEE"].suggested_quantity == 50  # the quantity, 40, in packs of 25
    assert not ReorderRule.objects.filter(armed=True).exists()
    entries = AuditEntry.objects.filter(object_type="reorder_rule", actor=user)
    assert sorted(entries.values_list("object_repr", "action")) == [
        (f"CAP in {wh}", "create"),
        (f"MUG in {wh}", "update"),
        (f"TEE in {wh}", "create"),
    ]
    assert entries.get(action="update").changes == {"reorder_point": [5, 55]}
    # The same file again changes nothing: no alert, no audit entry.
    assert (
        run(
            "sku,warehouse,reorder_point,reorder_quantity,pack_size\n"
            f"TEE,{wh},60,40,25\nCAP,{wh},0,10,\nMUG,{wh},55,10,\n",
            actor=user,
        ).errors
        == []
    )
    assert entries.count() == 3
    assert len(open_alerts()) == 3
    # A point lowered below projected re-arms the rule.
    assert run(f"sku,warehouse,reorder_point,reorder_quantity\nTEE,{wh},10,40\n").errors == []
    assert ReorderRule.objects.get(sku__code="TEE").armed


def test_the_last_of_a_thousand_rows_is_bad_and_nothing_is_applied(warehouse):
    codes = [f"R-{n:04}" for n in range(1000)]
    body = "".join(f"{code},Item {code}\n" for code in codes)
    skus(body)
    rows = "".join(f"{code},{warehouse.code},{n % 7},10,,,,\n" for n, code in enumerate(codes))
    bad = rows.rsplit("\n", 2)[0] + f"\n{codes[-1]},{warehouse.code},5,10,,,,99-99..01-01=1/1\n"
    outcome = run(HEADER + bad)
    assert [(e["row"], e["column"]) for e in outcome.errors] == [(1001, "seasonal")]
    assert (outcome.rows_total, outcome.rows_valid) == (1000, 999)
    assert not ReorderRule.objects.exists()
    assert open_alerts() == []
    assert not AuditEntry.objects.exists()
    outcome = run(HEADER + rows)
    assert (outcome.errors, outcome.rows_create) == ([], 1000)
    assert len(open_alerts()) == 1000  # nothing on hand: every rule is at or below its point


def test_a_manager_imports_rules_of_their_own_warehouses_only(catalog):
    manager = factories.user("floor-boss", role="manager")
    catalog.staff.add(manager)
    far = factories.warehouse("WH-FAR")
    outcome = run(
        "sku,warehouse,reorder_point,reorder_quantity\n"
        f"TEE,{catalog.code},1,1\nTEE,{far.code},1,1\n",
        actor=manager,
    )
    assert outcome.errors == [
        {
            "row": 3,
            "column": "warehouse",
            "message": "Warehouse WH-FAR is not one of your warehouses.",
        }
    ]
    assert not ReorderRule.objects.exists()


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_export_imports_back(catalog, user, file_format):
    bolt = supplier("=BOLT")  # a formula-looking code survives the round trip
    rule(factories.sku("CAP"), catalog, point=3, seasonal=[SEASON], supplier=bolt, pack_size=6)
    rule(Sku.objects.get(code="TEE"), catalog, 9)
    before = rows_of(user)
    assert before[0] == ("CAP", catalog.code, 3, 10, 0, "=BOLT", 6, SEASON_TEXT)
    table = import_kind("reorder_rules").table
    content = export_bytes(table, table.export_rows(user=user, params={}), file_format)
    outcome = run(content, file_format=file_format)  # onto itself: the same rules
    assert (outcome.errors, outcome.rows_update) == ([], 2)
    for stored in ReorderRule.objects.all():
        reorder_rule_delete(rule=stored)
    outcome = run(content, file_format=file_format)
    assert (outcome.errors, outcome.rows_create) == ([], 2)
    assert rows_of(user) == before


def test_the_export_follows_the_filter_and_the_managers_warehouses(catalog, user):
    far = factories.warehouse("WH-FAR")
    tee = Sku.objects.get(code="TEE")
    rule(tee, catalog, 1)
    rule(tee, far, 2)
    manager = factories.user("near-boss", role="manager")
    catalog.staff.add(manager)
    assert [row[1] for row in rows_of(manager)] == [catalog.code]
    viewer = factories.user("looker", role="viewer")
    assert sorted(row[1] for row in rows_of(viewer)) == sorted([catalog.code, far.code])
    assert [row[1] for row in rows_of(user, {"warehouse": far.code})] == [far.code]


def test_import_queries_do_not_grow_with_rows(warehouse):
    codes = [f"Q-{n:03}" for n in range(210)]
    body = "".join(f"{code},Item {code}\n" for code in codes)
    skus(body)
    acme = supplier()

    def file(chosen) -> str:
        return HEADER + "".join(
            f"{code},{warehouse.code},5,10,3,{acme.code},4,{SEASON_TEXT}\n" for code in chosen
        )

    def queries(chosen) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert run(file(chosen)).errors == []
        return len(captured.captured_queries)

    few, many = queries(codes[:10]), queries(codes[10:])
    assert len(open_alerts()) == 210  # each import raised an alert per rule
    if connection.vendor == "postgresql":
        assert many == few
    else:
        # Django splits a bulk INSERT (audit entries, alerts) where SQLite caps a statement at
        # 999 parameters: 200 rows take a few statements more. A query per row would add ~200.
        assert few <= many <= few + SQLITE_BATCHES, (few, many)
