"""The slotting and move-task screens through Django's test client: a manager applies
recommendations (a message links to the moves, refusals are said in words); an associate does a
move by scanning, wrong scans are said next to their field, a bin that no longer holds the units
changes nothing; who may open what; query counts that do not grow with the list."""

import pytest
from django.test import Client

from inventory.models import BinStock, MovementKind, MoveTask, StockMovement
from inventory.services import stock_adjust
from inventory.services.move_tasks import slotting_apply
from tests import factories
from tests.inventory.slotting_builders import (
    associate_of,
    bin_at,
    recommended,
    stocked,
    swap_layout,
)

pytestmark = pytest.mark.django_db

SLOTTING = "/slotting/"
MOVES = "/moves/"


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def manager(warehouse):
    person = factories.user("boss", role="manager")
    warehouse.staff.add(person)
    return person


@pytest.fixture
def picker(warehouse):
    return associate_of(warehouse, "picker")


def text(response) -> str:
    return response.content.decode()


# Slotting -------------------------------------------------------------------------------------


def test_the_manager_sees_the_recommendations_best_first_and_applies_the_ticked(
    warehouse, manager, picker
):
    swap_layout(warehouse)
    bin_at(warehouse, "C-02", 2)
    stocked(warehouse, "OTHER", bin_at(warehouse, "C-08", 8), 3, per_90_days=30)
    best, second = recommended(warehouse)
    client = signed_in(manager)
    page = client.get(SLOTTING)
    assert page.status_code == 200
    body = text(page)
    assert body.index("FAST") < body.index("OTHER")
    assert "50.40" in body
    assert "free bin" in body
    done = client.post(
        SLOTTING, {"warehouse": warehouse.code, "apply": "selected", "ids": [best.pk]}, follow=True
    )
    assert "2 move tasks made from 1 recommendation." in text(done)
    assert f'href="{MOVES}?warehouse={warehouse.code}"' in text(done)
    assert MoveTask.objects.filter(recommendation=best).count() == 2
    assert MoveTask.objects.filter(recommendation=second).count() == 0
    assert f'name="ids" value="{second.pk}"' in text(done)
    assert f'name="ids" value="{best.pk}"' not in text(done)  # applied: no longer listed


def test_apply_without_a_tick_or_a_refused_swap_says_why_and_changes_nothing(warehouse, manager):
    swap_layout(warehouse, near_capacity=20, far_capacity=20)
    [rec] = recommended(warehouse)
    client = signed_in(manager)
    nothing = client.post(SLOTTING, {"warehouse": warehouse.code, "apply": "selected"}, follow=True)
    assert "Tick the recommendations to apply" in text(nothing)
    refused = client.post(SLOTTING, {"warehouse": warehouse.code, "apply": "all"}, follow=True)
    assert "Nothing was applied." in text(refused)
    assert "swap them by hand through a spare bin" in text(refused)
    bad = client.post(SLOTTING, {"warehouse": warehouse.code, "ids": ["x"]}, follow=True)
    assert bad.status_code == 200
    gone = client.post(SLOTTING, {"warehouse": warehouse.code, "ids": [rec.pk + 99]}, follow=True)
    assert "no open recommendation" in text(gone)
    assert MoveTask.objects.count() == 0


def test_who_may_open_the_slotting_screen(warehouse, manager, picker):
    assert signed_in(picker).get(SLOTTING).status_code == 403
    elsewhere = factories.user("far-boss", role="manager")
    factories.warehouse("WH-FAR").staff.add(elsewhere)
    assert signed_in(elsewhere).get(SLOTTING, {"warehouse": warehouse.code}).status_code == 404
    assert signed_in(elsewhere).post(SLOTTING, {"warehouse": warehouse.code}).status_code == 404
    assert signed_in(manager).get(SLOTTING, {"warehouse": warehouse.code}).status_code == 200


# Moves ----------------------------------------------------------------------------------------


@pytest.fixture
def swap(warehouse, picker):
    """The FAST/SLOW swap applied: (first task, second task, near, far, fast, slow)."""
    near, far, fast, slow = swap_layout(warehouse)
    recommended(warehouse)
    first, second = slotting_apply(warehouse=warehouse)
    return first, second, near, far, fast, slow


def scans(task, **changes) -> dict:
    values = {
        "task": task.pk,
        "from_bin": task.from_location.code,
        "sku": task.sku.code,
        "to_bin": task.to_location.code,
        "quantity": task.quantity,
    }
    return {**values, **changes}


def test_the_associate_moves_by_scanning_the_bins_and_the_item(picker, swap):
    first, second, near, far, fast, _ = swap
    client = signed_in(picker)
    page = client.get(MOVES)
    assert page.status_code == 200
    assert page.context["task"] == first  # the second waits for it
    assert f"after #{first.pk}" in text(page)
    done = client.post(MOVES, scans(first, sku="4000000000018"), follow=True)  # by barcode
    assert f"Moved 18 of FAST from {far.code} to {near.code}." in text(done)
    assert BinStock.objects.get(sku=fast, location=near).quantity == 18
    move = StockMovement.objects.get(reference=f"move task #{first.pk}")
    assert (move.kind, move.actor) == (MovementKind.MOVE, picker)
    assert done.context["task"] == second
    # A bin label printed with its warehouse ("WH1:B-01") scans too.
    label = f"{second.warehouse.code}:{second.from_location.code}"
    assert client.post(MOVES, scans(second, from_bin=label)).status_code == 302


def test_a_wrong_scan_is_said_next_to_its_field_cleared_and_focused(picker, swap):
    first, *_ = swap
    client = signed_in(picker)
    wrong = client.post(MOVES, scans(first, to_bin="B-07"))
    assert wrong.status_code == 400
    assert wrong.context["errors"] == {
        "to_bin": "That is not bin B-01. Scan the bin you put them in."
    }
    assert wrong.context["values"]["to_bin"] == ""
    assert wrong.context["values"]["from_bin"] == "B-09"  # the right scans stay
    assert wrong.context["focus"] == "to_bin"
    body = text(wrong)
    assert 'id="scan-to" name="to_bin" value=""' in body
    assert "That is not bin B-01." in body
    # A scan not made yet is no error: the page waits for it, the cursor there.
    partial = client.post(MOVES, {"task": first.pk, "from_bin": "B-09", "quantity": 18})
    assert (partial.status_code, partial.context["focus"]) == (200, "sku")
    too_many = client.post(MOVES, scans(first, quantity=99))
    assert "Move between 1 and 18 units." in too_many.context["errors"]["quantity"]
    first.refresh_from_db()
    assert first.status == "open"
    assert not StockMovement.objects.filter(kind=MovementKind.MOVE).exists()


def test_a_bin_that_no_longer_holds_the_units_changes_nothing(picker, swap):
    first, _, _, far, fast, _ = swap
    stock_adjust(sku=fast, location=far, quantity=-15, reason="damaged")
    refused = signed_in(picker).post(MOVES, scans(first))
    assert refused.status_code == 409
    assert "B-09 no longer holds 18 of FAST: it holds 3." in text(refused)
    assert BinStock.objects.get(sku=fast, location=far).quantity == 3
    first.refresh_from_db()
    assert first.status == "open"


def test_the_second_half_says_do_the_first_first(picker, swap):
    first, second, *_ = swap
    client = signed_in(picker)
    page = client.get(MOVES, {"task": second.pk})
    assert f"Do move #{first.pk} first" in text(page)
    refused = client.post(MOVES, scans(second))
    assert refused.status_code == 409
    assert refused.context["problem"].startswith(f"Do move #{first.pk} first")


def test_associates_see_their_own_and_unassigned_moves_only(warehouse, picker, swap):
    first, second, *_ = swap
    other = associate_of(warehouse, "other")
    MoveTask.objects.filter(pk=second.pk).update(assignee=other)
    client = signed_in(picker)
    assert [t.pk for t in client.get(MOVES).context["tasks"]] == [first.pk]
    assert client.get(MOVES, {"task": second.pk}).status_code == 404
    assert client.post(MOVES, scans(second)).status_code == 404
    elsewhere = factories.user("elsewhere", role="associate")
    factories.warehouse("WH-FAR").staff.add(elsewhere)
    assert signed_in(elsewhere).get(MOVES, {"task": first.pk}).status_code == 404
    assert signed_in(factories.user("viewer", role="viewer")).get(MOVES).status_code == 403
    client.post(MOVES, scans(first))
    done = client.get(MOVES, {"task": first.pk}, follow=True)
    assert f"Move #{first.pk} is done already." in text(done)


def test_the_move_list_costs_the_same_queries_whatever_its_length(
    warehouse, picker, django_assert_max_num_queries
):
    for n in range(8):
        bin_at(warehouse, f"N-{n}", n + 1)
        stocked(warehouse, f"S-{n}", bin_at(warehouse, f"F-{n}", 50 + n), 2, per_90_days=90 - n)
    recommended(warehouse)
    slotting_apply(warehouse=warehouse)
    client = signed_in(picker)
    # Session, user, roles, warehouses, the tasks (with everything they name), messages.
    with django_assert_max_num_queries(8):
        page = client.get(MOVES)
    assert len(page.context["tasks"]) == 8
    with django_assert_max_num_queries(8):
        assert client.get(SLOTTING).status_code == 403
