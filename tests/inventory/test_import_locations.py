"""The locations import kind: new locations only, parents stored or anywhere in the file,
written level by level with the path `location_create` gives; every bad row named and nothing
applied; exports that import back."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.imports import import_kind
from inventory.imports.engine import import_run
from inventory.imports.exports import export_bytes
from inventory.imports.mapping import mapping_suggest
from inventory.models import Location, LocationType
from inventory.services.catalog import location_create, location_path
from tests import factories

pytestmark = pytest.mark.django_db

HEAD = "warehouse,code,parent,type,travel_cost,capacity\n"


def run(text: str | bytes, *, file_format: str = "csv", **kwargs):
    content = text.encode() if isinstance(text, str) else text
    outcome = import_run(kind="locations", content=content, file_format=file_format, **kwargs)
    return outcome.errors, outcome


def tree(warehouse) -> set[tuple]:
    """Every location of `warehouse` as it is stored, parents by code."""
    return set(
        Location.objects.filter(warehouse=warehouse).values_list(
            "code", "parent__code", "type", "path", "travel_cost", "capacity"
        )
    )


def test_children_may_come_before_their_parents(warehouse):
    wh = warehouse.code
    errors, outcome = run(
        HEAD + f"{wh},A-01-01,A-01,bin,12,200\n"
        f"{wh},A-01,A,zone,,\n"
        f"{wh},A,,zone,,\n"
        f"{wh},DOCK,,dock,,\n"
        f"{wh},A-01-02,A-01,,14,\n"
    )
    assert errors == []
    assert (outcome.rows_total, outcome.rows_create, outcome.rows_update) == (5, 5, 0)
    bin1 = Location.objects.get(warehouse=warehouse, code="A-01-01")
    assert (bin1.path, bin1.travel_cost, bin1.capacity, bin1.type, bin1.parent.code) == (
        "/A/A-01/A-01-01/",
        12,
        200,
        LocationType.BIN,
        "A-01",
    )
    second = Location.objects.get(code="A-01-02")
    assert (second.type, second.capacity) == (LocationType.BIN, None)  # blank type: a bin
    assert Location.objects.get(code="DOCK").travel_cost == 0
    for place in Location.objects.select_related("parent"):  # the path location_create writes
        assert place.path == location_path(code=place.code, parent=place.parent)


def test_a_stored_zone_is_a_parent_and_codes_repeat_across_warehouses(warehouse, places):
    other = factories.warehouse()
    errors, _ = run(
        HEAD + f"{warehouse.code},A-03,A,bin,3,\n{other.code},A,,zone,,\n{other.code},A-01,A,,,\n"
    )
    assert errors == []
    assert Location.objects.get(warehouse=warehouse, code="A-03").path == "/A/A-03/"
    assert Location.objects.get(warehouse=other, code="A-01").parent.warehouse == other


def test_bad_rows_apply_nothing_and_name_their_columns(warehouse, places):
    wh = warehouse.code
    errors, outcome = run(
        HEAD + f"{wh},B,,zone,,\n"  # 2: fine
        f"{wh},B-01,A-01,bin,3,\n"  # 3: the parent is a bin
        "WHX,C,,zone,,\n"  # 4: unknown warehouse
        f"{wh},A-01,A,bin,1,\n"  # 5: the code exists already
        f"{wh},B-02,B,shelf,-1,0\n"  # 6: type, travel_cost, capacity
        f"{wh},B-03,NOPE,bin,,\n"  # 7: unknown parent
        f"{wh},B,,zone,,\n"  # 8: duplicate in the file
        f"{wh},B/1,B,bin,,\n"  # 9: slash in the code
        f"{wh},B-04,B-05,bin,,\n"  # 10: the parent (row 11) is a bin
        f"{wh},B-05,B,bin,ten,\n"  # 11: not a number
        f",B-06,B,bin,,\n"  # 12: no warehouse
    )
    messages = {(e["row"], e["column"]): e["message"] for e in errors}
    assert set(messages) == {
        (3, "parent"),
        (4, "warehouse"),
        (5, "code"),
        (6, "type"),
        (6, "travel_cost"),
        (6, "capacity"),
        (7, "parent"),
        (8, "code"),
        (9, "code"),
        (10, "parent"),
        (11, "travel_cost"),
        (12, "warehouse"),
    }
    assert messages[(3, "parent")] == "A-01 is a bin: only zones contain locations."
    assert messages[(4, "warehouse")] == "Unknown warehouse 'WHX'."
    assert messages[(5, "code")] == f"Location 'A-01' already exists in {wh}."
    assert "shelf" in messages[(6, "type")]
    assert messages[(6, "travel_cost")] == "Must be at least 0, not -1."
    assert messages[(7, "parent")] == f"Unknown parent location 'NOPE' in {wh}."
    assert messages[(8, "code")] == "Location 'B' appears more than once (first on row 2)."
    assert messages[(9, "code")] == "A location code cannot contain '/'."
    assert messages[(10, "parent")] == "B-05 is a bin: only zones contain locations."
    assert "ten" in messages[(11, "travel_cost")]
    assert messages[(12, "warehouse")] == "Required."
    assert (outcome.applied, outcome.rows_valid) == (False, 1)
    assert not Location.objects.filter(code__startswith="B").exists()


def test_parents_that_form_a_cycle_are_named_on_parent(warehouse):
    wh = warehouse.code
    errors, _ = run(
        HEAD + f"{wh},TOP,,zone,,\n"
        f"{wh},X,Y,zone,,\n"  # 3: X → Y → X
        f"{wh},Y,X,zone,,\n"  # 4
        f"{wh},SELF,SELF,zone,,\n"  # 5: its own parent
        f"{wh},UNDER,X,bin,,\n"  # 6: below the cycle
        f"{wh},FINE,TOP,bin,,\n"
    )
    assert {(e["row"], e["column"]) for e in errors} == {
        (3, "parent"),
        (4, "parent"),
        (5, "parent"),
        (6, "parent"),
    }
    assert errors[0]["message"] == (
        "The parents of 'X' form a cycle: none of them is top-level or stored."
    )
    assert not Location.objects.exists()


def test_a_path_longer_than_the_column_is_refused(warehouse):
    codes = [f"{n}{'Z' * 63}" for n in range(8)]  # 8 levels of 64 characters: 521 > 512
    rows = "".join(
        f"{warehouse.code},{code},{codes[n - 1] if n else ''},zone,,\n"
        for n, code in enumerate(codes)
    )
    errors, _ = run(HEAD + rows)
    assert errors == [
        {"row": 9, "column": "code", "message": "Its path would be 521 characters (at most 512)."}
    ]


def test_missing_required_column_is_reported_on_the_header_row(warehouse):
    errors, _ = run(f"warehouse,parent\n{warehouse.code},A\n")
    assert errors == [{"row": 1, "column": "code", "message": "The file has no 'code' column."}]


def test_a_bad_row_at_the_end_of_a_long_file_is_named_and_nothing_applies(warehouse):
    wh = warehouse.code
    rows = f"{wh},Z,,zone,,\n" + "".join(f"{wh},Z-{n:04d},Z,bin,{n},\n" for n in range(3, 2000))
    errors, outcome = run(HEAD + rows + f"{wh},Z-2000,Z-0003,bin,,\n")
    assert errors == [
        {
            "row": 2000,
            "column": "parent",
            "message": "Z-0003 is a bin: only zones contain locations.",
        }
    ]
    assert (outcome.rows_total, outcome.rows_valid, outcome.applied) == (1999, 1998, False)
    assert not Location.objects.exists()


def test_dry_run_applies_nothing_and_counts_the_creates(warehouse):
    errors, outcome = run(
        HEAD + f"{warehouse.code},A,,zone,,\n{warehouse.code},A-1,A,,,\n", dry_run=True
    )
    assert errors == []
    assert (outcome.rows_create, outcome.rows_update, outcome.applied) == (2, 0, False)
    assert not Location.objects.exists()


def test_queries_grow_with_the_depth_of_the_tree_not_with_its_rows(warehouse):
    counts = []
    for size in (10, 300):
        wh = factories.warehouse()
        rows = f"{wh.code},Z,,zone,,\n" + "".join(f"{wh.code},B-{n},Z,,,\n" for n in range(size))
        with CaptureQueriesContext(connection) as queries:
            assert run(HEAD + rows)[0] == []
        counts.append(len(queries))
    assert counts[0] == counts[1]


def _rebuild_from_export(warehouse, user, file_format: str):
    """Export the warehouse's tree, empty the warehouse, import the export back."""
    table = import_kind("locations").table
    content = export_bytes(table, table.export_rows(user=user, params={}), file_format)
    for place in Location.objects.filter(warehouse=warehouse).order_by("-path"):
        place.delete()  # children first: the path of a child sorts after its parent's
    return run(content, file_format=file_format)


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_export_imports_back_into_an_empty_warehouse(warehouse, places, user, file_format):
    aisle = location_create(
        warehouse=warehouse, code="0042", type=LocationType.ZONE, parent=places.zone
    )
    location_create(warehouse=warehouse, code="=SUM(1)", parent=aisle, capacity=7)
    before = tree(warehouse)
    errors, outcome = _rebuild_from_export(warehouse, user, file_format)
    assert errors == []
    assert outcome.rows_create == len(before) == 8
    assert tree(warehouse) == before


def test_exports_hold_the_users_warehouses_and_the_lists_filter(warehouse, places, user):
    other = factories.warehouse()
    factories.places(other)
    manager = factories.user("boss", role="manager")
    warehouse.staff.add(manager)
    table = import_kind("locations").table
    own = list(table.export_rows(user=manager, params={}))
    assert {row[0] for row in own} == {warehouse.code}
    assert len(own) == 6
    paths = [Location.objects.get(warehouse=warehouse, code=row[1]).path for row in own]
    assert paths == sorted(paths)  # parents before children
    zones = list(table.export_rows(user=user, params={"type": "zone"}))
    assert [(row[0], row[1], row[2]) for row in zones] == [
        (warehouse.code, "A", None),
        (other.code, "A", None),
    ]


def test_a_foreign_files_columns_are_suggested_by_their_aliases():
    table = import_kind("locations").table
    suggestion = mapping_suggest(table, ["Site", "Bin Location", "Parent Zone", "Pick Sequence"])
    assert suggestion == {
        "Site": "warehouse",
        "Bin Location": "code",
        "Parent Zone": "parent",
        "Pick Sequence": "travel_cost",
    }


def test_a_manager_imports_only_into_their_own_warehouses(warehouse):
    other = factories.warehouse()
    manager = factories.user("boss", role="manager")
    warehouse.staff.add(manager)
    errors, _ = run(HEAD + f"{warehouse.code},A,,zone,,\n{other.code},A,,zone,,\n", actor=manager)
    assert errors == [
        {
            "row": 3,
            "column": "warehouse",
            "message": f"Warehouse {other.code} is not one of your warehouses.",
        }
    ]
    assert not Location.objects.exists()


def test_an_export_with_a_bad_filter_is_refused_naming_the_filter(user):
    table = import_kind("locations").table
    with pytest.raises(ValidationError) as caught:
        list(table.export_rows(user=user, params={"type": "shelf"}))
    assert "type" in caught.value.message_dict
