"""The velocity / ABC screen (inventory/views/accuracy.py): filters, sorting, pagination and
its htmx region, the class chart, who may see what, and the managers' "Recompute now"."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from inventory.models import SkuVelocity
from inventory.services import ReserveLine, stock_pick, stock_reserve
from inventory.services.velocity import velocity_recompute
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/velocity/"
# session + user + groups + the nav's badges (open alerts, counts awaiting approval) + the
# warehouses of the filter + the class figures (which also give the page count) + the page.
VELOCITY_MAX_QUERIES = 8


def picked(sku, places, warehouse, *, picks: int) -> None:
    """`picks` pick rows of one unit each, through reserve and pick."""
    factories.stock(sku, places.bin1, picks)
    for n in range(picks):
        [reservation] = stock_reserve(
            lines=[ReserveLine(sku, warehouse, 1)], reference=f"o-{sku.code}-{n}"
        )
        stock_pick(reservation=reservation, location=places.bin1, quantity=1)


@pytest.fixture
def world():
    """North: FAST (8 picks, A), SOME (2, B at 80/15: 8 of 10 is 80%), SLOW (stocked, C);
    South: FAR (1 pick, A). Velocity recomputed."""
    north, south = factories.warehouse("NORTH"), factories.warehouse("SOUTH")
    north_places, south_places = factories.places(north), factories.places(south)
    picked(factories.sku("FAST"), north_places, north, picks=8)
    picked(factories.sku("SOME"), north_places, north, picks=2)
    factories.stock(factories.sku("SLOW"), north_places.bin2, 3)
    picked(factories.sku("FAR"), south_places, south, picks=1)
    velocity_recompute()
    return {
        "north": north,
        "south": south,
        "north_places": north_places,
        "south_places": south_places,
    }


def _login(client, role, warehouse=None, name=None):
    person = factories.user(name or f"{role}-{warehouse.code if warehouse else 'all'}", role=role)
    if warehouse is not None:
        warehouse.staff.add(person)
    client.force_login(person)
    return person


def _codes(response) -> list[tuple[str, str, str]]:
    return [(r.sku.code, r.warehouse.code, r.abc) for r in response.context["rows"]]


def test_the_screen_is_the_nav_entry(client, world):
    assert reverse("velocity-list") == URL
    _login(client, "admin")
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["nav_section"] == "velocity-list"
    assert "Velocity" in response.content.decode()


def test_the_list_filters_by_warehouse_class_and_sku_and_sorts(client, world, settings):
    _login(client, "admin")
    everything = client.get(URL)
    assert _codes(everything) == [  # busiest first
        ("FAST", "NORTH", "A"),
        ("SOME", "NORTH", "B"),
        ("FAR", "SOUTH", "A"),
        ("SLOW", "NORTH", "C"),
    ]
    row = everything.context["rows"][0]
    assert (row.picks_30d, row.units_30d, row.picks_90d, row.units_90d) == (8, 8, 8, 8)

    assert [c for c, _, _ in _codes(client.get(URL, {"warehouse": "SOUTH"}))] == ["FAR"]
    assert [c for c, _, _ in _codes(client.get(URL, {"abc": "A"}))] == ["FAST", "FAR"]
    assert [c for c, _, _ in _codes(client.get(URL, {"q": "so"}))] == ["SOME"]
    assert [c for c, _, _ in _codes(client.get(URL, {"q": "item slow"}))] == ["SLOW"]  # name
    by_code = client.get(URL, {"sort": "sku"})
    assert [c for c, _, _ in _codes(by_code)] == ["FAR", "FAST", "SLOW", "SOME"]
    assert by_code.context["sort"] == "sku"
    assert client.get(URL, {"sort": "nonsense"}).context["sort"] == "-picks_90d"

    wrong = client.get(URL, {"abc": "Z"})
    assert wrong.status_code == 200
    assert "Choose class A, B or C" in wrong.content.decode()
    assert len(_codes(wrong)) == 4 == wrong.context["page"].paginator.count


def test_the_class_figures_and_chart_follow_the_other_filters(client, world):
    _login(client, "admin")
    response = client.get(URL, {"warehouse": "NORTH", "abc": "B"})
    classes = {c.abc: c for c in response.context["classes"].classes}
    # every class of the warehouse, though the table shows class B only
    assert {k: (c.rows, c.picks_90d, c.share) for k, c in classes.items()} == {
        "A": (1, 8, 80.0),
        "B": (1, 2, 20.0),
        "C": (1, 0, 0.0),
    }
    assert response.context["page"].paginator.count == 1
    assert response.context["class_picks"] == [8, 2, 0]
    html = response.content.decode()
    assert html.count('class="bars"') == 2
    assert "Class A: 8" in html  # a bar's title


def test_pages_and_the_htmx_region(client, warehouse, places):
    for i in range(30):
        factories.stock(factories.sku(f"P-{i:02}"), places.bin1, 1)
    velocity_recompute()
    _login(client, "admin")
    first = client.get(URL, {"per": 25, "sort": "sku"})
    assert len(first.context["rows"]) == 25
    assert first.context["page"].paginator.count == 30
    second = client.get(
        URL,
        {"per": 25, "sort": "sku", "page": 2},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="velocity-results",
    )
    html = second.content.decode()
    assert html.lstrip().startswith('<div id="velocity-results"')
    assert "<html" not in html
    assert 'hx-swap-oob="true"' in html
    assert [r.sku.code for r in second.context["rows"]] == [f"P-{i}" for i in range(25, 30)]


def test_the_screen_runs_a_constant_number_of_queries(
    client, warehouse, places, django_assert_max_num_queries
):
    factories.stock(factories.sku(), places.bin1, 1)
    velocity_recompute()
    _login(client, "admin")
    with django_assert_max_num_queries(VELOCITY_MAX_QUERIES):
        assert len(client.get(URL, {"per": 100}).context["rows"]) == 1
    for _ in range(60):
        factories.stock(factories.sku(), places.bin2, 1)
    velocity_recompute()
    with django_assert_max_num_queries(VELOCITY_MAX_QUERIES):
        assert len(client.get(URL, {"per": 100, "sort": "abc"}).context["rows"]) == 61


# ---------- who may see and do what ----------


@pytest.mark.parametrize("role", ["viewer", "purchasing"])
def test_everyone_reads_but_only_managers_see_the_button(client, world, role):
    _login(client, role)
    response = client.get(URL)
    assert response.status_code == 200
    assert len(_codes(response)) == 4
    assert "Recompute now" not in response.content.decode()
    assert client.post(reverse("velocity-recompute-now")).status_code == 403


def test_an_associate_sees_only_their_warehouse(client, world):
    _login(client, "associate", world["south"])
    response = client.get(URL)
    assert _codes(response) == [("FAR", "SOUTH", "A")]
    assert [w.code for w in response.context["warehouses"]] == ["SOUTH"]
    assert _codes(client.get(URL, {"warehouse": "NORTH"})) == []
    assert "Recompute now" not in response.content.decode()
    assert client.post(reverse("velocity-recompute-now")).status_code == 403


def test_someone_without_a_role_is_refused(client, world):
    client.force_login(factories.user("nobody"))
    assert client.get(URL).status_code == 403
    client.logout()
    assert client.get(URL).status_code == 302


def test_a_manager_recomputes_their_own_warehouses_now(client, world):
    # more picks in both warehouses since the last recompute
    picked(factories.sku("NEW-S"), world["south_places"], world["south"], picks=3)
    picked(factories.sku("NEW-N"), world["north_places"], world["north"], picks=3)
    north_before = dict(
        SkuVelocity.objects.filter(warehouse=world["north"]).values_list("sku__code", "computed_at")
    )
    _login(client, "manager", world["south"])
    assert "Recompute now" in client.get(URL).content.decode()

    response = client.post(reverse("velocity-recompute-now"), {"query": "abc=A&sort=sku"})
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?abc=A&sort=sku"  # back to what the list showed
    [message] = get_messages(response.wsgi_request)
    assert "for SOUTH: 2 SKU rows (2 A, 0 B, 0 C)" in str(message)
    assert SkuVelocity.objects.get(sku__code="NEW-S").picks_90d == 3
    north_after = dict(
        SkuVelocity.objects.filter(warehouse=world["north"]).values_list("sku__code", "computed_at")
    )
    assert north_after == north_before  # not the manager's: untouched, NEW-N not in it yet


def test_an_admin_recomputes_every_warehouse(client, world):
    _login(client, "admin")
    response = client.post(reverse("velocity-recompute-now"))
    assert response["Location"] == URL
    [message] = get_messages(response.wsgi_request)
    assert "every warehouse: 4 SKU rows (2 A, 1 B, 1 C)" in str(message)


def test_a_manager_without_a_warehouse_is_told_so(client, world):
    _login(client, "manager")
    before = dict(SkuVelocity.objects.values_list("pk", "computed_at"))
    response = client.post(reverse("velocity-recompute-now"))
    assert response.status_code == 302
    [message] = get_messages(response.wsgi_request)
    assert "no warehouse" in str(message)
    assert dict(SkuVelocity.objects.values_list("pk", "computed_at")) == before


def test_recompute_takes_no_get(client, world):
    _login(client, "admin")
    assert client.get(reverse("velocity-recompute-now")).status_code == 405
