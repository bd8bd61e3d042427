"""The receiving screens: lists with filters and pages, the PO page and its actions, the dock
(with and without htmx), the discrepancy list's resolve form, the put-away queue."""

import pytest
from django.urls import reverse

from inventory.models import WarehouseStock
from receiving.models import Discrepancy, PurchaseOrderStatus, PutawayTask
from tests import factories
from tests.receiving.builders import make_po, receive

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def manager(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def associate(client, warehouse):
    person = factories.user("dockhand", role="associate")
    warehouse.staff.add(person)  # associates act only where they work
    client.force_login(person)
    return client


def test_nav_shows_receiving_by_role(manager):
    page = manager.get(reverse("po-list")).content.decode()
    for label in ("Purchase orders", "Receiving", "Put-away", "Discrepancies"):
        assert f">{label}<" in page or f">{label} <" in page, label


def test_associates_see_the_dock_not_purchasing(associate, supplier, warehouse, places, sku):
    po = make_po(supplier, warehouse, (sku, 1))
    assert associate.get(reverse("receiving-dock")).status_code == 200
    assert associate.get(reverse("putaway-queue")).status_code == 200
    assert associate.get(reverse("po-list")).status_code == 200  # reading is fine
    assert associate.get(reverse("discrepancy-list")).status_code == 403
    refused = associate.post(reverse("po-action", args=[po.number, "close"]))
    assert refused.status_code == 403
    page = associate.get(reverse("po-detail", args=[po.number])).content.decode()
    assert "Receive at the dock" in page
    assert ">Close<" not in page


def test_po_list_filters_search_sort(manager, supplier, warehouse, places, sku):
    make_po(supplier, warehouse, (sku, 1), number="PO-A", expected_date="2027-01-01")
    make_po(supplier, warehouse, (sku, 1), number="PO-B", status=PurchaseOrderStatus.DRAFT)
    other = factories.warehouse("FAR")
    make_po(supplier, other, (factories.sku("ODD-1"), 1), number="PO-C")
    url = reverse("po-list")

    def shown(query=""):
        html = manager.get(f"{url}?{query}").content.decode()
        return [n for n in ("PO-A", "PO-B", "PO-C") if f">{n}</a>" in html]

    assert shown() == ["PO-A", "PO-B", "PO-C"]
    assert shown("status=draft") == ["PO-B"]
    assert shown("warehouse=FAR") == ["PO-C"]
    assert shown("q=ODD") == ["PO-C"]
    assert shown("expected_after=2026-12-01&expected_before=2027-02-01") == ["PO-A"]
    html = manager.get(f"{url}?sort=-number").content.decode()
    assert html.index(">PO-C</a>") < html.index(">PO-A</a>")
    partial = manager.get(f"{url}?status=open", HTTP_HX_TARGET="po-results", **HTMX)
    assert partial.content.decode().lstrip().startswith('<div id="po-results"')
    bad = manager.get(f"{url}?expected_after=soon")
    assert bad.status_code == 200
    assert "Enter a date as YYYY-MM-DD." in bad.content.decode()


def test_po_list_paginates(manager, supplier, warehouse, sku):
    for n in range(30):
        make_po(supplier, warehouse, (sku, 1), number=f"PO-{n:03d}")
    page1 = manager.get(reverse("po-list") + "?per=25").content.decode()
    assert "Page 1 of 2" in page1
    assert page1.count('class="code"><a href="/receiving/purchase-orders/') == 25
    page2 = manager.get(reverse("po-list") + "?per=25&page=2").content.decode()
    assert page2.count('class="code"><a href="/receiving/purchase-orders/') == 5


def _orders(supplier, warehouse, count):
    for _ in range(count):
        skus = [factories.sku() for _ in range(3)]
        po = make_po(supplier, warehouse, *[(s, 4) for s in skus])
        receive(po, (skus[0], 5), (skus[1], 2, None, 1))


def test_po_screens_run_a_constant_number_of_queries(
    manager, supplier, warehouse, places, django_assert_max_num_queries
):
    _orders(supplier, warehouse, 2)
    with django_assert_max_num_queries(10) as few:
        manager.get(reverse("po-list"))
    _orders(supplier, warehouse, 10)
    with django_assert_max_num_queries(10) as many:
        manager.get(reverse("po-list"))
    assert len(few.captured_queries) == len(many.captured_queries)

    number = Discrepancy.objects.order_by("pk").last().purchase_order.number
    with django_assert_max_num_queries(12) as detail:
        response = manager.get(reverse("po-detail", args=[number]))
    assert response.status_code == 200
    first = len(detail.captured_queries)
    po = Discrepancy.objects.order_by("pk").last().purchase_order
    receive(po, *[(line.sku, 1) for line in po.lines.all()])
    with django_assert_max_num_queries(first):
        manager.get(reverse("po-detail", args=[number]))
    with django_assert_max_num_queries(9):
        manager.get(reverse("discrepancy-list"))
    with django_assert_max_num_queries(10):
        manager.get(reverse("putaway-queue"))


def test_po_detail_shows_everything_and_actions_work(manager, supplier, warehouse, places, sku):
    stranger = factories.sku()
    po = make_po(supplier, warehouse, (sku, 5), status=PurchaseOrderStatus.DRAFT)
    url = reverse("po-detail", args=[po.number])
    assert "Open (sent to supplier)" in manager.get(url).content.decode()
    response = manager.post(reverse("po-action", args=[po.number, "open"]), follow=True)
    assert "is open" in response.content.decode()
    receive(po, (sku, 3), (stranger, 1))
    page = manager.get(url).content.decode()
    for text in ("Partially received", stranger.code, "SKU not on the PO", "#", "A-01"):
        assert text in page, text
    refused = manager.post(reverse("po-action", args=[po.number, "cancel"]), follow=True)
    assert "cannot be cancelled" in refused.content.decode()
    closed = manager.post(reverse("po-action", args=[po.number, "close"]), follow=True)
    assert "closed short" in closed.content.decode()
    assert Discrepancy.objects.filter(code="short").count() == 1
    assert manager.get(reverse("po-detail", args=["NOPE"])).status_code == 404
    assert manager.post(reverse("po-action", args=[po.number, "explode"])).status_code == 404


def test_dock_scan_opens_the_po(associate, supplier, warehouse, places, sku):
    po = make_po(supplier, warehouse, (sku, 5), number="PO-55")
    make_po(supplier, warehouse, (sku, 5), number="PO-DRAFT", status=PurchaseOrderStatus.DRAFT)
    listed = associate.get(reverse("receiving-dock")).content.decode()
    assert "PO-55" in listed
    assert "PO-DRAFT" not in listed
    scanned = associate.get(reverse("receiving-dock") + "?scan=po-55")
    assert scanned.status_code == 302
    assert scanned.url == reverse("receiving-receive", args=[po.number])
    missing = associate.get(reverse("receiving-dock") + "?scan=PO-DRAFT", follow=True)
    assert "No open purchase order" in missing.content.decode()


def test_dock_adds_lines_with_htmx_and_shows_discrepancies_at_once(
    associate, supplier, warehouse, places, sku, lot_sku
):
    po = make_po(supplier, warehouse, (sku, 5), (lot_sku, 2))
    url = reverse("receiving-receive", args=[po.number])
    assert associate.get(url).status_code == 200
    first = associate.post(url, {"sku": sku.code, "quantity": 6, "damaged": 0}, **HTMX)
    html = first.content.decode()
    assert html.lstrip().startswith('<div id="dock-panel">')
    assert "Over-receipt" in html
    assert 'role="alert"' in html
    receipt = po.receipts.get()
    assert f'name="receipt" value="{receipt.pk}"' in html
    second = associate.post(
        url, {"sku": lot_sku.code, "quantity": 2, "receipt": receipt.pk, "damaged": 1}, **HTMX
    ).content.decode()
    assert "Missing lot" in second
    assert "Damaged" in second
    assert po.receipts.count() == 1
    assert receipt.lines.count() == 2
    bad = associate.post(url, {"sku": "NOPE", "quantity": 1, "receipt": receipt.pk}, **HTMX)
    assert "No SKU has the code or barcode NOPE." in bad.content.decode()
    assert 'aria-invalid="true"' in bad.content.decode()
    lot_on_plain = associate.post(url, {"sku": sku.code, "quantity": 1, "lot": "L-1"}, **HTMX)
    assert "not lot-tracked" in lot_on_plain.content.decode()
    assert receipt.lines.count() == 2


def test_dock_without_javascript_redirects_after_post(associate, supplier, warehouse, places, sku):
    barcode_sku = factories.sku(barcode="5012345678900")
    po = make_po(supplier, warehouse, (barcode_sku, 3), (sku, 1))
    url = reverse("receiving-receive", args=[po.number])
    response = associate.post(url, {"sku": "5012345678900", "quantity": 3})
    receipt = po.receipts.get()
    assert response.status_code == 302
    assert response.url == f"{url}?receipt={receipt.pk}"
    page = associate.get(response.url).content.decode()
    assert f"receipt #{receipt.pk}" in page
    zero = associate.post(url, {"sku": sku.code, "quantity": 0})
    assert zero.status_code == 200
    assert 'aria-invalid="true"' in zero.content.decode()


def test_dock_refuses_a_closed_po_in_words(associate, supplier, warehouse, places, sku):
    from receiving.services import purchase_order_close

    po = make_po(supplier, warehouse, (sku, 3))
    purchase_order_close(purchase_order=po)
    response = associate.post(
        reverse("receiving-receive", args=[po.number]), {"sku": sku.code, "quantity": 1}, **HTMX
    )
    assert "nothing more can be received" in response.content.decode()


def test_sku_lookup(associate, supplier, warehouse, places, sku, lot_sku):
    po = make_po(supplier, warehouse, (lot_sku, 4))
    url = reverse("receiving-sku-lookup", args=[po.number])
    found = associate.get(url, {"code": lot_sku.code}).json()
    assert found == {
        "found": True,
        "code": lot_sku.code,
        "name": lot_sku.name,
        "lot_tracked": True,
        "on_po": True,
        "ordered": 4,
        "received": 0,
    }
    assert associate.get(url, {"code": sku.code}).json()["on_po"] is False
    assert associate.get(url, {"code": "NOPE"}).status_code == 404


def test_discrepancy_list_and_resolve(manager, supplier, warehouse, places, sku, user):
    stranger = factories.sku()
    po = make_po(supplier, warehouse, (sku, 1))
    receive(po, (sku, 2), (stranger, 3))
    url = reverse("discrepancy-list")
    html = manager.get(url).content.decode()
    assert "Over-receipt" in html
    assert "SKU not on the PO" in html
    only = manager.get(url + "?code=unexpected_sku").content.decode()
    assert "Over-receipt</span>" not in only
    flag = Discrepancy.objects.get(code="unexpected_sku")
    resolve = reverse("discrepancy-resolve", args=[flag.pk])
    empty = manager.post(resolve, {"note": ""}, **HTMX).content.decode()
    assert "This field is required." in empty
    assert "<details" in empty
    row = manager.post(resolve, {"note": "Buyer keeps them", "release": "on"}, **HTMX)
    assert row.status_code == 200
    text = row.content.decode()
    assert text.lstrip().startswith(f'<tr id="discrepancy-{flag.pk}"')
    assert "Put-away task" in text
    flag.refresh_from_db()
    assert flag.resolved
    assert flag.resolved_by == user
    assert PutawayTask.objects.filter(discrepancy=flag).exists()
    assert "Buyer keeps them" not in manager.get(url).content.decode()  # open ones by default
    assert "Buyer keeps them" in manager.get(url + "?resolved=true").content.decode()
    again = manager.post(resolve, {"note": "twice"}, follow=True)
    assert "already resolved" in again.content.decode()


def test_putaway_queue_and_confirm_by_scanning(associate, supplier, warehouse, places, sku):
    po = make_po(supplier, warehouse, (sku, 5))
    [task] = receive(po, (sku, 5)).tasks
    queue = associate.get(reverse("putaway-queue")).content.decode()
    assert f'data-task="{task.pk}"' in queue
    assert "A-01" in queue
    scanned = associate.get(reverse("putaway-queue") + f"?q={sku.code}")
    assert scanned.status_code == 302
    assert scanned.url == reverse("putaway-task", args=[task.pk])
    url = reverse("putaway-task", args=[task.pk])
    page = associate.get(url).content.decode()
    assert 'id="suggested-bin">A-01<' in page
    wrong = associate.post(url, {"location": "QUAR", "quantity": 5}).content.decode()
    assert "not a bin" in wrong
    unknown = associate.post(url, {"location": "Z-99", "quantity": 5}).content.decode()
    assert "has no location Z-99" in unknown
    done = associate.post(url, {"location": "a-01", "quantity": 2}, follow=True).content.decode()
    assert "Put 2 of" in done
    assert "3 still to put away" in done
    assert WarehouseStock.objects.get(sku=sku).on_hand == 2
    again = associate.get(url, follow=True).content.decode()
    assert "already done" in again
