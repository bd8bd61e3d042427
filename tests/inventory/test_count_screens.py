"""The cycle-count screens through Django's client: the counts list (an associate's, a manager's
with its "New count" form), the blind count sheet and its submit, approvals, the schedule.

Blindness is checked by number: the books hold distinctive quantities (9137, 4261) that no id,
date or time on the page can produce, and the open count's HTML must not contain them anywhere.
Query counts are pinned at two data sizes with the same cap, so a per-row query fails."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from inventory.models import (
    BinStock,
    CountLineStatus,
    CountStatus,
    CycleCount,
    LocationType,
    MovementKind,
    StockMovement,
)
from inventory.services import location_create
from inventory.services.count_posting import CountedLine, count_submit
from inventory.services.counts import count_create
from receiving.services import supplier_create
from tests import factories
from tests.api.test_roles import ELSEWHERE, FLOOR, STOCK_HANDLERS, _world
from tests.receiving.builders import make_po
from tests.test_screen_roles import PEOPLE

pytestmark = pytest.mark.django_db

BOOKS_SHIRT = 9137
BOOKS_MUG = 4261
# session + user + groups + own warehouses + the two nav badges (alerts, held counts), then the
# screen's own: the manager's list adds the form's warehouses and associates, the page's COUNT
# and rows; the approvals add its warehouses, associates, the page's COUNT, rows and their lines;
# the sheet adds the count and its lines; the schedule its plan (four queries).
LIST_MAX_QUERIES = 10
SHEET_MAX_QUERIES = 6
APPROVALS_MAX_QUERIES = 11
SCHEDULE_MAX_QUERIES = 11


def has_number(html: str, number: int) -> bool:
    return re.search(rf"(?<![\w.]){number}(?![\w.])", html) is not None


@pytest.fixture
def shirt(places):
    item = factories.sku("SHIRT", barcode="4006381333931")
    factories.stock(item, places.bin1, BOOKS_SHIRT)
    return item


@pytest.fixture
def mug(places):
    item = factories.sku("MUG")
    factories.stock(item, places.bin1, BOOKS_MUG)
    return item


@pytest.fixture
def associate(warehouse):
    person = factories.user("counter", role="associate")
    warehouse.staff.add(person)
    return person


@pytest.fixture
def manager(warehouse):
    person = factories.user("boss", role="manager")
    warehouse.staff.add(person)
    return person


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def sheet_post(count, quantities: dict, **found) -> dict:
    """The sheet's form: quantities by (bin code, SKU code); `found` as found-0-sku=... ."""
    data = {}
    for line in count.lines.select_related("location", "sku"):
        data[f"line-{line.pk}"] = str(quantities[(line.location.code, line.sku.code)])
    return {**data, **{key.replace("_", "-"): value for key, value in found.items()}}


def bin_quantity(sku, location) -> int:
    row = BinStock.objects.filter(sku=sku, location=location).first()
    return row.quantity if row else 0


# ---------- blind ----------


def test_the_open_count_never_shows_the_books(warehouse, places, shirt, mug, associate, manager):
    count = count_create(warehouse=warehouse, location=places.bin1, reason="spot check")
    url = reverse("count-detail", args=[count.pk])
    for person in (associate, manager):
        client = signed_in(person)
        pages = [
            client.get(url),
            client.get(reverse("count-list")),
            client.get(reverse("count-scan", args=[count.pk]), {"code": "SHIRT"}),
            client.post(url, {}),  # nothing typed: the sheet again, with its errors
        ]
        assert [page.status_code for page in pages] == [200, 200, 200, 400]
        for page in pages:
            html = page.content.decode()
            assert not has_number(html, BOOKS_SHIRT)
            assert not has_number(html, BOOKS_MUG)
        for sheet in (pages[0], pages[3]):
            for word in ("snapshot", "expected", "variance"):
                assert word not in sheet.content.decode().lower()
    sheet = signed_in(associate).get(url).content.decode()
    assert 'name="line-' in sheet
    assert "SHIRT" in sheet
    assert "MUG" in sheet
    assert "A-01" in sheet
    assert 'data-barcode="4006381333931"' in sheet


def test_the_sheet_says_what_is_wrong_beside_the_line(warehouse, places, shirt, mug, associate):
    count = count_create(warehouse=warehouse, location=places.bin1)
    shirt_line = count.lines.get(sku=shirt)
    client = signed_in(associate)
    data = sheet_post(count, {("A-01", "SHIRT"): "", ("A-01", "MUG"): "two"})
    response = client.post(reverse("count-detail", args=[count.pk]), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="qty-{shirt_line.pk}-err">Enter the units you counted' in html
    assert "Enter a whole number of units, 0 or more." in html
    assert count_status(count) == CountStatus.OPEN


def count_status(count) -> str:
    return CycleCount.objects.get(pk=count.pk).status


# ---------- who sees what ----------


def test_an_associate_sees_their_own_and_unassigned_counts_of_their_warehouse(
    warehouse, places, shirt, associate
):
    other_person = factories.user("other", role="associate")
    warehouse.staff.add(other_person)
    elsewhere = factories.warehouse("FAR")
    far_places = factories.places(elsewhere)
    factories.stock(shirt, far_places.bin1, 5)
    mine = count_create(warehouse=warehouse, location=places.bin1, assignee=associate)
    anyone = count_create(warehouse=warehouse, location=places.bin2)
    bin3 = location_create(warehouse=warehouse, code="A-03", parent=places.zone)
    factories.stock(shirt, bin3, 2)
    theirs = count_create(warehouse=warehouse, location=bin3, assignee=other_person)
    far = count_create(warehouse=elsewhere, location=far_places.bin1)
    client = signed_in(associate)
    listed = [count.pk for count in client.get(reverse("count-list")).context["counts"]]
    assert listed == [mine.pk, anyone.pk]
    for count in (theirs, far):
        for response in (
            client.get(reverse("count-detail", args=[count.pk])),
            client.get(reverse("count-scan", args=[count.pk]), {"code": "A-01"}),
            client.post(reverse("count-detail", args=[count.pk]), {"found-0-quantity": "1"}),
        ):
            assert response.status_code == 404
    assert client.get(reverse("count-detail", args=[anyone.pk])).status_code == 200
    for name in ("count-approvals", "count-schedule"):
        assert client.get(reverse(name)).status_code == 403
    assert client.post(reverse("count-create"), {"warehouse": warehouse.code}).status_code == 403
    assert client.post(reverse("count-approve", args=[mine.pk])).status_code == 403


@pytest.mark.parametrize(("name", "role", "warehouse"), PEOPLE, ids=[p[0] for p in PEOPLE])
def test_every_count_screen_as_each_person(name, role, warehouse):
    """tests/test_screen_roles.py's walk, for the count screens."""
    world = _world()
    count, held = world["count"].pk, world["held_count"].pk
    screens = [
        ("get", "/counts/", FLOOR, False, None),
        ("get", f"/counts/{count}/", FLOOR, True, None),
        ("get", f"/counts/{count}/scan/?code=A-01", FLOOR, True, None),
        ("get", f"/counts/{held}/", FLOOR, True, None),
        ("get", "/counts/approvals/", STOCK_HANDLERS, False, None),
        ("get", "/counts/schedule/", STOCK_HANDLERS, False, None),
        ("post", "/counts/new/", STOCK_HANDLERS, False, {"warehouse": "WH1", "zone": "A"}),
        ("post", f"/counts/{count}/", FLOOR, True, {}),
        ("post", f"/counts/{held}/recount/", STOCK_HANDLERS, True, {}),
        ("post", f"/counts/{held}/approve/", STOCK_HANDLERS, True, {}),
    ]
    client = signed_in(world["people"][name])
    wrong = []
    for method, path, allowed, scoped, data in screens:
        got = getattr(client, method)(path, data or {}).status_code
        if role not in allowed:
            ok, expected = got == 403, "403"
        elif scoped and name in ELSEWHERE:
            ok, expected = got == 404, "404"
        else:
            ok, expected = got in (200, 302, 400), "200, 302 or 400"
        if not ok:
            wrong.append(f"{method.upper()} {path}: expected {expected}, got {got}")
    assert not wrong, f"as {name}:\n" + "\n".join(wrong)
    if name == "manager-elsewhere":  # WH1 is not among its warehouses: nothing opened there
        assert not CycleCount.objects.filter(zone__code="A", warehouse__code="WH1").exists()


# ---------- submit ----------


def test_a_count_within_tolerance_posts_at_once(warehouse, places, shirt, mug, associate):
    count = count_create(warehouse=warehouse, location=places.bin1, assignee=associate)
    client = signed_in(associate)
    data = sheet_post(count, {("A-01", "SHIRT"): BOOKS_SHIRT - 2, ("A-01", "MUG"): BOOKS_MUG})
    response = client.post(reverse("count-detail", args=[count.pk]), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("count-detail", args=[count.pk])
    assert count_status(count) == CountStatus.POSTED
    assert bin_quantity(shirt, places.bin1) == BOOKS_SHIRT - 2
    movement = StockMovement.objects.get(kind=MovementKind.COUNT)
    assert (movement.quantity, movement.from_location, movement.reference) == (
        2,
        places.bin1,
        f"count #{count.pk}",
    )
    result = client.get(response["Location"])
    html = result.content.decode()
    assert "Posted." in html
    assert not has_number(html, BOOKS_SHIRT)  # the associate sees what they counted only
    assert has_number(html, BOOKS_SHIRT - 2)
    assert "Expected" not in html
    assert f"Count #{count.pk} posted" in html


def test_above_tolerance_goes_to_approvals_and_found_units_are_lines(
    warehouse, places, shirt, mug, associate, manager
):
    count = count_create(warehouse=warehouse, location=places.bin1)
    sock = factories.sku("SOCK")
    client = signed_in(associate)
    data = sheet_post(
        count,
        {("A-01", "SHIRT"): BOOKS_SHIRT - 40, ("A-01", "MUG"): BOOKS_MUG},
        found_0_location="A-01",
        found_0_sku="SOCK",
        found_0_quantity="3",
        found_1_location="",  # a blank found row is ignored
    )
    response = client.post(reverse("count-detail", args=[count.pk]), data)
    assert response.status_code == 302
    assert count_status(count) == CountStatus.PENDING_APPROVAL
    assert bin_quantity(shirt, places.bin1) == BOOKS_SHIRT  # held: nothing posted yet
    found = count.lines.get(sku=sock)
    assert (found.found, found.counted, found.status) == (True, 3, CountLineStatus.HELD)
    html = client.get(response["Location"]).content.decode()
    assert "Sent for approval" in html
    assert not has_number(html, BOOKS_SHIRT)  # never the expected figure to the associate
    assert "-40" not in html

    page = signed_in(manager).get(reverse("count-approvals"))
    html = page.content.decode()
    assert has_number(html, BOOKS_SHIRT)
    assert "-40" in html
    assert "+3" in html
    assert [c.pk for c in page.context["counts"]] == [count.pk]
    assert len(page.context["counts"][0].held_lines) == 2
    detail = signed_in(manager).get(reverse("count-detail", args=[count.pk])).content.decode()
    assert "Waiting for approval" in detail
    assert "-40" in detail


def test_a_found_row_is_checked_beside_its_fields(warehouse, places, shirt, associate):
    count = count_create(warehouse=warehouse, location=places.bin1)
    factories.sku("MILK", lot_tracked=True)
    client = signed_in(associate)
    url = reverse("count-detail", args=[count.pk])
    base = sheet_post(count, {("A-01", "SHIRT"): BOOKS_SHIRT})
    cases = [
        ({"found-0-location": "A-02", "found-0-sku": "SHIRT"}, "Bin A-02 is not in this count."),
        ({"found-0-location": "NOPE", "found-0-sku": "SHIRT"}, "has no bin NOPE"),
        ({"found-0-location": "A-01", "found-0-sku": "ZZZ"}, "No item has the code or barcode"),
        ({"found-0-location": "A-01", "found-0-sku": "SHIRT"}, "is counted twice"),
        ({"found-0-location": "A-01", "found-0-sku": "MILK"}, "lot"),
    ]
    for extra, message in cases:
        response = client.post(url, {**base, "found-0-quantity": "1", **extra})
        assert response.status_code == 400, extra
        html = response.content.decode()
        assert message in html, (extra, message)
    assert count_status(count) == CountStatus.OPEN
    assert bin_quantity(shirt, places.bin1) == BOOKS_SHIRT


def test_the_scan_lookup_names_bins_and_items(warehouse, places, shirt, associate):
    count = count_create(warehouse=warehouse, zone=places.zone)
    client = signed_in(associate)
    url = reverse("count-scan", args=[count.pk])
    assert client.get(url, {"code": "A-02"}).json() == {"kind": "bin", "code": "A-02"}
    assert client.get(url, {"code": f"{warehouse.code}:A-01"}).json()["code"] == "A-01"
    assert client.get(url, {"code": "4006381333931"}).json()["code"] == "SHIRT"
    assert client.get(url, {"code": "DOCK"}).json() == {
        "kind": "error",
        "message": "Bin DOCK is not in this count.",
    }
    assert "No bin or item" in client.get(url, {"code": "??"}).json()["message"]


# ---------- approvals ----------


@pytest.fixture
def held(warehouse, places, shirt, associate):
    supplier = supplier_create(code="ACME", name="Acme")
    make_po(supplier, warehouse, (shirt, 1, "2.50"))  # the unit cost the variance is valued at
    count = count_create(warehouse=warehouse, location=places.bin1, assignee=associate)
    count_submit(
        count=count,
        lines=[CountedLine(location=places.bin1, sku=shirt, quantity=BOOKS_SHIRT - 10)],
    )
    return count


def test_approvals_show_the_variance_in_units_and_value_and_approve_posts(
    warehouse, places, shirt, held, manager
):
    client = signed_in(manager)
    html = client.get(reverse("count-approvals")).content.decode()
    assert "-10" in html
    assert "-25.00" in html
    assert has_number(html, BOOKS_SHIRT)
    response = client.post(reverse("count-approve", args=[held.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("count-approvals")
    assert count_status(held) == CountStatus.POSTED
    assert bin_quantity(shirt, places.bin1) == BOOKS_SHIRT - 10
    page = client.get(reverse("count-approvals"))
    assert f"Count #{held.pk} approved" in page.content.decode()
    assert list(page.context["counts"]) == []
    again = client.post(reverse("count-approve", args=[held.pk]), follow=True)
    assert "cannot be approved" in again.content.decode()


def test_recount_opens_a_blind_count_of_the_same_lines(
    warehouse, places, shirt, held, manager, associate
):
    other = factories.user("second", role="associate")
    warehouse.staff.add(other)
    client = signed_in(manager)
    next_url = reverse("count-detail", args=[held.pk])
    response = client.post(
        reverse("count-recount", args=[held.pk]), {"assignee": "second", "next": next_url}
    )
    assert response.status_code == 302
    assert response["Location"] == next_url
    recount = CycleCount.objects.get(recount_of=held)
    assert (recount.status, recount.assignee, count_status(held)) == (
        CountStatus.OPEN,
        other,
        CountStatus.CANCELLED,
    )
    assert [(li.location, li.sku) for li in recount.lines.all()] == [(places.bin1, shirt)]
    assert bin_quantity(shirt, places.bin1) == BOOKS_SHIRT
    cancelled = client.get(next_url).content.decode()
    assert f"Recount #{recount.pk} is open" in cancelled
    assert f"count #{recount.pk}" in cancelled
    sheet = signed_in(other).get(reverse("count-detail", args=[recount.pk])).content.decode()
    assert not has_number(sheet, BOOKS_SHIRT)
    # the first counter no longer holds it: it is someone else's now
    assert signed_in(associate).get(reverse("count-detail", args=[recount.pk])).status_code == 404


def test_recount_refuses_someone_outside_the_warehouse(held, manager):
    factories.user("stranger", role="associate")
    client = signed_in(manager)
    response = client.post(
        reverse("count-recount", args=[held.pk]), {"assignee": "stranger"}, follow=True
    )
    assert "stranger is not an associate of" in response.content.decode()
    assert count_status(held) == CountStatus.PENDING_APPROVAL


# ---------- new count ----------


def test_new_count_form_says_what_is_wrong_beside_the_field(
    warehouse, places, shirt, manager, associate
):
    factories.sku("EMPTY")
    far = factories.warehouse("FAR")
    outsider = factories.user("outsider", role="associate")
    far.staff.add(outsider)
    client = signed_in(manager)
    url = reverse("count-create")
    cases = [
        ({}, "location", "Say what to count"),
        ({"location": "Z-99"}, "location", f"{warehouse.code} has no location Z-99."),
        ({"sku": "NOPE"}, "sku", "No SKU has the code or barcode NOPE."),
        ({"zone": "A-01"}, "zone", "A-01 is not a zone."),
        ({"zone": "A", "location": "A-01"}, "zone", "Count a bin or a zone, not both."),
        ({"sku": "EMPTY"}, "sku", "EMPTY has no units on the books there to count."),
        ({"location": "A-01", "assignee": "outsider"}, "assignee", "not an associate of"),
    ]
    for extra, field, message in cases:
        response = client.post(url, {"warehouse": warehouse.code, **extra})
        assert response.status_code == 400, extra
        html = response.content.decode()
        errors = re.search(rf'<ul class="errorlist" id="new-{field}-err">(.*?)</ul>', html, re.S)
        assert errors, (extra, html[-3000:])
        assert message in errors[1], extra
    assert not CycleCount.objects.exists()
    response = client.post(
        url,
        {
            "warehouse": warehouse.code,
            "sku": "4006381333931",
            "assignee": "counter",
            "reason": "customer complaint",
        },
    )
    assert response.status_code == 302
    count = CycleCount.objects.get()
    assert (count.sku, count.assignee, count.reason, count.origin) == (
        shirt,
        associate,
        "customer complaint",
        "manual",
    )
    assert f"Count #{count.pk} opened" in client.get(reverse("count-list")).content.decode()


def test_a_bin_being_counted_cannot_be_counted_twice(warehouse, places, shirt, manager):
    first = count_create(warehouse=warehouse, location=places.bin1)
    response = signed_in(manager).post(
        reverse("count-create"), {"warehouse": warehouse.code, "location": "A-01"}
    )
    assert response.status_code == 400
    assert f"Already being counted in count #{first.pk}." in response.content.decode()


def test_manager_list_filters_and_pages(warehouse, places, shirt, mug, manager):
    spot = count_create(warehouse=warehouse, location=places.bin1, reason="spot")
    factories.stock(shirt, places.bin2, 4)
    other = count_create(warehouse=warehouse, location=places.bin2, reason="other")
    count_submit(count=other, lines=[CountedLine(location=places.bin2, sku=shirt, quantity=4)])
    client = signed_in(manager)

    def listed(**query):
        return [c.pk for c in client.get(reverse("count-list"), query).context["counts"]]

    assert listed() == [other.pk, spot.pk]
    assert listed(status="open") == [spot.pk]
    assert listed(status="posted") == [other.pk]
    assert listed(origin="recount") == []
    assert listed(q="spot") == [spot.pk]
    assert listed(q=f"#{other.pk}") == [other.pk]
    assert listed(warehouse="NOPE") == []
    assert listed(sort="id") == [spot.pk, other.pk]
    region = client.get(reverse("count-list"), {"status": "open"}, HTTP_HX_TARGET="count-results")
    assert region.content.decode().lstrip().startswith('<div id="count-results"')


# ---------- schedule ----------


def test_schedule_shows_the_classes_and_generates_due_counts(
    warehouse, places, shirt, mug, manager, associate
):
    client = signed_in(manager)
    page = client.get(reverse("count-schedule"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Generate due counts now" in html
    assert [row["abc"] for _, rows in page.context["groups"] for row in rows] == ["A", "B", "C"]
    response = client.post(reverse("count-schedule"), follow=True)
    opened = CycleCount.objects.filter(origin="schedule")
    assert opened.count() == 1  # two class C SKUs counted every 90 days: one a day
    assert opened.get().assignee == associate
    assert "Opened 1 count (A 0, B 0, C 1)." in response.content.decode()
    assert reverse("count-schedule") in client.get(reverse("count-list")).content.decode()


# ---------- queries ----------


def _many_counts(warehouse, n: int, prefix: str):
    """`n` open counts, a bin each, in a zone of their own."""
    parent = location_create(warehouse=warehouse, code=prefix, type=LocationType.ZONE)
    item = factories.sku(f"{prefix}-SKU")
    counts = []
    for i in range(n):
        bin_ = location_create(warehouse=warehouse, code=f"{prefix}-{i:02}", parent=parent)
        factories.stock(item, bin_, 50 + i)
        counts.append(count_create(warehouse=warehouse, location=bin_))
    return counts, item


def test_list_pages_run_a_constant_number_of_queries(
    warehouse, places, shirt, manager, associate, django_assert_max_num_queries
):
    count_create(warehouse=warehouse, location=places.bin1)
    for person in (manager, associate):
        client = signed_in(person)
        with django_assert_max_num_queries(LIST_MAX_QUERIES):
            assert len(client.get(reverse("count-list")).context["counts"]) == 1
    _many_counts(warehouse, 24, "Q")
    for person in (manager, associate):
        client = signed_in(person)
        with django_assert_max_num_queries(LIST_MAX_QUERIES):
            assert len(client.get(reverse("count-list")).context["counts"]) == 25
    boss = signed_in(manager)
    with django_assert_max_num_queries(SCHEDULE_MAX_QUERIES):
        assert boss.get(reverse("count-schedule")).status_code == 200


def test_approvals_and_sheet_run_a_constant_number_of_queries(
    warehouse, places, shirt, manager, associate, django_assert_max_num_queries
):
    def hold(counts, item):
        for count in counts:
            line = count.lines.get()
            count_submit(
                count=count, lines=[CountedLine(location=line.location, sku=item, quantity=1)]
            )

    client = signed_in(manager)
    few, item = _many_counts(warehouse, 1, "F")
    hold(few, item)
    with django_assert_max_num_queries(APPROVALS_MAX_QUERIES):
        assert len(client.get(reverse("count-approvals")).context["counts"]) == 1
    many, item = _many_counts(warehouse, 20, "M")
    hold(many, item)
    with django_assert_max_num_queries(APPROVALS_MAX_QUERIES):
        assert len(client.get(reverse("count-approvals")).context["counts"]) == 21

    small = count_create(warehouse=warehouse, location=places.bin1)
    for i in range(12):
        factories.stock(factories.sku(f"BIG-{i}", barcode=f"99{i:04}"), places.bin2, 5 + i)
    big = count_create(warehouse=warehouse, zone=places.zone)  # A-02 only: A-01 is busy
    assert big.lines.count() == 12
    counter = signed_in(associate)
    for count in (small, big):
        with django_assert_max_num_queries(SHEET_MAX_QUERIES):
            assert counter.get(reverse("count-detail", args=[count.pk])).status_code == 200
