"""The replenishment screens through Django's client: alerts (filters, bulk draft POs, dismiss
with a reason), reorder rules, the rule editor of a SKU and the reorder panel of the SKU page.
Query counts are pinned at two data sizes: the cap holds for a few rows and for a full page."""

import pytest
from django.urls import reverse

from receiving.models import PurchaseOrder, PurchaseOrderStatus
from replenishment.models import AlertStatus, ReorderRule, ReplenishmentAlert
from tests import factories
from tests.replenishment.helpers import open_alerts, rule, sell, stock, supplier

pytestmark = pytest.mark.django_db
ALERTS = reverse("replenishment-alerts")
RULES = reverse("reorder-rules")
WINTER = {"start": "11-15", "end": "01-31", "reorder_point": 60, "reorder_quantity": 200}
# A season with the all-year figures: seasons are shown, and no test depends on today's date.
SAME = {"start": "11-15", "end": "01-31", "reorder_point": 5, "reorder_quantity": 12}
# Session, user, the user's groups twice (the screen's role check, the navigation), the nav
# badge, then the screen's own reads (figures, the page, the filter choices).
ALERTS_MAX_QUERIES = 9
RULES_MAX_QUERIES = 9
EDITOR_MAX_QUERIES = 9
SKU_PAGE_MAX_QUERIES = 12  # the SKU page includes its ghost-stock panel (one query)


@pytest.fixture
def buyer(client):
    person = factories.user("buyer", role="purchasing")
    client.force_login(person)
    return client


def low_stock(warehouse, places, count: int, *, prefix: str = "L", vendor=None):
    """`count` SKUs each at 2 units against a point of 5: an open alert each."""
    made = []
    for i in range(count):
        sku = factories.sku(f"{prefix}-{i:03}")
        stock(sku, places.bin1, 2)
        rule(sku, warehouse, point=5, quantity=12, supplier=vendor, seasonal=[SAME])
        made.append(sku)
    return made


def test_screens_need_the_purchasing_or_manager_role(client, warehouse, places):
    (sku,) = low_stock(warehouse, places, 1)
    urls = [ALERTS, RULES, reverse("reorder-rule-edit", args=[sku.code])]
    for url in urls:
        assert client.get(url).status_code == 302  # to the login page
    client.force_login(factories.user("picker", role="associate"))
    for url in urls:
        assert client.get(url).status_code == 403
    client.force_login(factories.user("boss", role="manager"))
    for url in urls:
        assert client.get(url).status_code == 200


def test_the_nav_shows_alerts_with_the_open_count(buyer, warehouse, places):
    low_stock(warehouse, places, 3)
    response = buyer.get(reverse("dashboard"))
    alerts_item = next(i for i in response.context["nav_items"] if i["label"] == "Alerts")
    assert alerts_item["badge"] == 3
    assert '>Alerts <span class="badge">3</span></a>' in response.content.decode()


def test_the_alerts_list_shows_open_alerts_with_their_figures(buyer, warehouse, places):
    acme = supplier()
    (tee,) = low_stock(warehouse, places, 1, prefix="TEE", vendor=acme)
    sell(tee, warehouse, places.bin1, 1)  # now 1, raised at 2
    response = buyer.get(ALERTS)
    assert response.status_code == 200
    html = response.content.decode()
    (row,) = response.context["rows"]
    assert (row.projected, row.current_projected, row.suggested_quantity) == (2, 1, 12)
    assert "TEE-000" in html
    assert "now 1" in html
    assert "Create draft POs" in html
    assert "ACME" in html


def test_filters_search_sort_and_pages(buyer, warehouse, places):
    other = factories.warehouse("WH-B")
    low_stock(warehouse, places, 30, prefix="A")
    low_stock(other, factories.places(other), 2, prefix="B")
    dismissed = open_alerts()[0]
    ReplenishmentAlert.objects.filter(pk=dismissed.pk).update(
        status=AlertStatus.DISMISSED, dismiss_reason="test"
    )
    page = buyer.get(ALERTS)
    assert page.context["page"].paginator.count == 31  # open only, by default
    assert len(page.context["rows"]) == 25
    assert buyer.get(ALERTS, {"page": 2}).context["page"].number == 2
    assert buyer.get(ALERTS, {"per": 50}).context["page"].paginator.num_pages == 1
    assert buyer.get(ALERTS, {"status": ""}).context["page"].paginator.count == 32
    assert buyer.get(ALERTS, {"status": "dismissed"}).context["page"].paginator.count == 1
    assert buyer.get(ALERTS, {"warehouse": "WH-B"}).context["page"].paginator.count == 2
    assert buyer.get(ALERTS, {"q": "a-00"}).context["page"].paginator.count == 9
    by_sku = buyer.get(ALERTS, {"sort": "sku"}).context["rows"]
    assert [a.sku.code for a in by_sku][:2] == ["A-001", "A-002"]
    partial = buyer.get(ALERTS, {"q": "B-"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="alert-results")
    assert partial.content.decode().lstrip().startswith('<div id="alert-results">')
    assert buyer.get(ALERTS, {"status": "bogus"}).status_code == 200  # said next to the field


def test_bulk_create_draft_purchase_orders(buyer, warehouse, places):
    acme, bolt = supplier("ACME"), supplier("BOLT")
    tees = low_stock(warehouse, places, 2, prefix="T", vendor=acme)
    caps = low_stock(warehouse, places, 1, prefix="C", vendor=bolt)
    (loose,) = low_stock(warehouse, places, 1, prefix="N")  # no supplier
    ids = [a.pk for a in open_alerts()]
    response = buyer.post(ALERTS, {"action": "order", "ids": ids}, follow=True)
    assert response.status_code == 200
    texts = [str(m) for m in response.context["messages"]]
    assert sum(t.startswith("Drafted PO-") for t in texts) == 2
    assert any("ACME → " in t and "2 lines" in t for t in texts)
    assert any(t.startswith("Not ordered: N-000") for t in texts)
    assert PurchaseOrder.objects.filter(status=PurchaseOrderStatus.DRAFT).count() == 2
    assert {a.sku for a in open_alerts()} == {loose}
    ordered = ReplenishmentAlert.objects.filter(status=AlertStatus.ORDERED)
    assert {a.sku for a in ordered} == {*tees, *caps}


def test_bulk_dismiss_needs_a_reason_said_next_to_the_field(buyer, warehouse, places):
    low_stock(warehouse, places, 2)
    ids = [a.pk for a in open_alerts()]
    response = buyer.post(ALERTS, {"action": "dismiss", "ids": ids, "reason": " "})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Say why the selected alerts are dismissed." in html
    assert html.count(" checked") == 2  # the selection is kept
    assert len(open_alerts()) == 2
    nothing = buyer.post(ALERTS, {"action": "dismiss", "reason": "x"})
    assert "Select at least one alert." in nothing.content.decode()
    done = buyer.post(ALERTS, {"action": "dismiss", "ids": ids, "reason": "end of line"})
    assert done.status_code == 302
    assert open_alerts() == []
    again = buyer.post(ALERTS, {"action": "order", "ids": ids})
    assert "is dismissed" in again.content.decode()


def test_the_rules_list_shows_the_point_in_force(buyer, warehouse, places):
    low_stock(warehouse, places, 3, vendor=supplier())
    response = buyer.get(RULES)
    assert response.status_code == 200
    assert len(response.context["rows"]) == 3
    rule_, threshold = response.context["rows"][0]
    assert threshold == rule_.in_force()
    assert buyer.get(RULES, {"seasonal": "false"}).context["page"].paginator.count == 0
    assert buyer.get(RULES, {"q": "L-001"}).context["page"].paginator.count == 1


def test_the_rule_editor_adds_changes_and_removes_a_rule(buyer, warehouse, places):
    sku = factories.sku("TEE")
    stock(sku, places.bin1, 20)
    acme = supplier()
    url = reverse("reorder-rule-edit", args=["TEE"])
    page = buyer.get(url)
    assert page.status_code == 200
    assert f"Add a rule for {warehouse.code}" in page.content.decode()
    prefix = f"wh{warehouse.pk}"
    form = {
        "warehouse": warehouse.code,
        f"{prefix}-reorder_point": "8",
        f"{prefix}-reorder_quantity": "40",
        f"{prefix}-lead_time_days": "5",
        f"{prefix}-supplier": "ACME",
        f"{prefix}-pack_size": "",
        f"{prefix}-season-TOTAL_FORMS": "2",
        f"{prefix}-season-INITIAL_FORMS": "0",
        f"{prefix}-season-0-start": "11-15",
        f"{prefix}-season-0-end": "01-31",
        f"{prefix}-season-0-reorder_point": "60",
        f"{prefix}-season-0-reorder_quantity": "200",
        f"{prefix}-season-1-start": "",
        f"{prefix}-season-1-end": "",
        f"{prefix}-season-1-reorder_point": "",
        f"{prefix}-season-1-reorder_quantity": "",
    }
    created = buyer.post(url, form)
    assert created.status_code == 302
    saved = ReorderRule.objects.get(sku=sku)
    assert (saved.reorder_point, saved.reorder_quantity, saved.supplier) == (8, 40, acme)
    assert saved.seasonal == [WINTER]
    shown = buyer.get(url).content.decode()
    assert "In force today" in shown
    assert 'value="11-15"' in shown
    form[f"{prefix}-reorder_point"] = "25"
    form[f"{prefix}-season-TOTAL_FORMS"] = "1"
    form[f"{prefix}-season-0-start"] = ""
    form[f"{prefix}-season-0-end"] = ""
    form[f"{prefix}-season-0-reorder_point"] = ""
    form[f"{prefix}-season-0-reorder_quantity"] = ""
    assert buyer.post(url, form).status_code == 302
    saved.refresh_from_db()
    assert (saved.reorder_point, saved.seasonal) == (25, [])
    assert len(open_alerts()) == 1  # 20 <= 25: raised by the save
    removed = buyer.post(url, {"warehouse": warehouse.code, "action": "delete"})
    assert removed.status_code == 302
    assert not ReorderRule.objects.exists()


def test_the_rule_editor_says_what_is_wrong_next_to_the_field(buyer, warehouse, places):
    sku = factories.sku("TEE")
    url = reverse("reorder-rule-edit", args=[sku.code])
    prefix = f"wh{warehouse.pk}"
    base = {
        "warehouse": warehouse.code,
        f"{prefix}-reorder_point": "-1",
        f"{prefix}-reorder_quantity": "0",
        f"{prefix}-season-TOTAL_FORMS": "2",
        f"{prefix}-season-INITIAL_FORMS": "0",
        f"{prefix}-season-0-start": "13-01",
        f"{prefix}-season-0-end": "01-31",
        f"{prefix}-season-0-reorder_point": "6",
        f"{prefix}-season-0-reorder_quantity": "",
    }
    response = buyer.post(url, base)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Ensure this value is greater than or equal to 0." in html
    assert "Ensure this value is greater than or equal to 1." in html
    assert "&#x27;13-01&#x27; is not a day of the year." in html
    assert "Required for a season." in html
    overlapping = {
        **base,
        f"{prefix}-reorder_point": "5",
        f"{prefix}-reorder_quantity": "10",
        f"{prefix}-season-0-start": "11-15",
        f"{prefix}-season-0-reorder_quantity": "10",
        f"{prefix}-season-1-start": "01-10",
        f"{prefix}-season-1-end": "02-10",
        f"{prefix}-season-1-reorder_point": "1",
        f"{prefix}-season-1-reorder_quantity": "1",
    }
    response = buyer.post(url, overlapping)
    assert response.status_code == 400
    assert "overlaps season 1" in response.content.decode()
    assert not ReorderRule.objects.exists()
    assert buyer.get(reverse("reorder-rule-edit", args=["NOPE"])).status_code == 404


def test_the_sku_page_shows_the_rule_in_force_and_its_chart(buyer, warehouse, places):
    sku = factories.sku("TEE")
    stock(sku, places.bin1, 40)
    rule(sku, warehouse, point=10, quantity=30, lead_time_days=7)
    for n in range(3):
        sell(sku, warehouse, places.bin1, 5, reference=f"o{n}")  # 25 left, 15 picked in 30 days
    html = buyer.get(reverse("sku-detail", args=["TEE"])).content.decode()
    assert 'id="reorder"' in html
    assert "Point in force <b data-point>10</b>" in html
    assert "Projected <b data-projected>25</b>" in html
    assert '<svg class="projection"' in html
    # 0.5 a day: 25 → 10 in 30 days; order 7 days before
    assert "At 0.5 units a day, projected stock (25 now) reaches the reorder point on" in html
    assert "(in 30 days)" in html
    assert "7-day lead time" in html
    bare = factories.sku("BARE")
    assert (
        "No reorder rule for BARE"
        in buyer.get(reverse("sku-detail", args=["BARE"])).content.decode()
    )
    assert bare


@pytest.mark.parametrize(
    ("url", "cap"),
    [(ALERTS, ALERTS_MAX_QUERIES), (RULES, RULES_MAX_QUERIES)],
)
def test_lists_run_a_constant_number_of_queries(
    buyer, warehouse, places, url, cap, django_assert_max_num_queries
):
    vendor = supplier()
    low_stock(warehouse, places, 2, prefix="F", vendor=vendor)
    with django_assert_max_num_queries(cap):
        assert len(buyer.get(url).context["rows"]) == 2
    low_stock(warehouse, places, 30, prefix="M", vendor=vendor)
    with django_assert_max_num_queries(cap):
        assert len(buyer.get(url, {"per": 50}).context["rows"]) == 32


def test_editor_and_sku_page_run_a_constant_number_of_queries(
    buyer, warehouse, places, django_assert_max_num_queries
):
    sku = factories.sku("TEE")
    stock(sku, places.bin1, 40)
    rule(sku, warehouse, point=10, seasonal=[WINTER])
    editor = reverse("reorder-rule-edit", args=["TEE"])
    page = reverse("sku-detail", args=["TEE"])
    with django_assert_max_num_queries(EDITOR_MAX_QUERIES):
        buyer.get(editor)
    with django_assert_max_num_queries(SKU_PAGE_MAX_QUERIES):
        buyer.get(page)
    for n in range(6):
        other = factories.warehouse(f"WX{n}")
        stock(sku, factories.places(other).bin1, 5)
        rule(sku, other, point=1, supplier=supplier(f"S{n}"), seasonal=[WINTER])
    with django_assert_max_num_queries(EDITOR_MAX_QUERIES):
        assert len(buyer.get(editor).context["cards"]) == 7
    with django_assert_max_num_queries(SKU_PAGE_MAX_QUERIES):
        buyer.get(page)
