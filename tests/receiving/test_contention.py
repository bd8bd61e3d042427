"""Contention in receiving is never an error (issue #11): receipts of the same SKUs in opposite
line order on two POs, and put-aways racing the receipts that feed the same dock rows, on
PostgreSQL with real threads. Every transaction takes its stock rows in primary-key order, so
none deadlocks: not even a retried one (each retry is logged, and the tests look for none);
the books agree with the ledger afterwards."""

import logging

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from inventory.audit import stock_drift
from inventory.models import BinStock, WarehouseStock
from receiving.models import PurchaseOrder, PutawayTask
from receiving.services import ReceiveLine, putaway_complete, receipt_create
from tests import factories
from tests.receiving.builders import make_po
from tests.threads import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 25


@pytest.fixture
def retries(caplog):
    """The contention retries logged while the test runs (there must be none)."""
    caplog.set_level(logging.WARNING, logger="inventory.services.contention")
    return lambda: [r.getMessage() for r in caplog.records if "retry" in r.getMessage()]


def test_opposite_line_order_receipts_on_two_pos_never_deadlock(
    supplier, warehouse, places, retries
):
    errors = []
    for round_ in range(ROUNDS):
        # Fresh SKUs every other round: then the dock rows do not exist yet and are created
        # by the receipts themselves, also in a fixed order.
        if round_ % 2 == 0:
            a, b = factories.sku(), factories.sku()
        po1 = make_po(supplier, warehouse, (a, 5), (b, 5))
        po2 = make_po(supplier, warehouse, (b, 5), (a, 5))
        outcomes = run_together(
            lambda po1=po1, a=a, b=b: receipt_create(
                purchase_order=PurchaseOrder.objects.get(pk=po1.pk),
                lines=[ReceiveLine(sku=a, quantity=5), ReceiveLine(sku=b, quantity=5)],
            ),
            lambda po2=po2, a=a, b=b: receipt_create(
                purchase_order=PurchaseOrder.objects.get(pk=po2.pk),
                lines=[ReceiveLine(sku=b, quantity=5), ReceiveLine(sku=a, quantity=5)],
            ),
        )
        errors += [o for o in outcomes if isinstance(o, Exception)]
    assert errors == []
    assert retries() == []
    for sku in (a, b):  # the last pair was fresh in round 24: received once, by both POs
        assert BinStock.objects.get(sku=sku, location=places.dock).quantity == 10
    assert stock_drift() == []


def test_opposite_line_order_receipts_through_the_api_are_never_a_500(
    supplier, warehouse, places, user, retries
):
    token, _ = Token.objects.get_or_create(user=user)
    a, b = factories.sku(), factories.sku()
    statuses = []
    for _ in range(10):
        po1 = make_po(supplier, warehouse, (a, 3), (b, 3))
        po2 = make_po(supplier, warehouse, (b, 3), (a, 3))

        def post(po, first, second):
            client = APIClient()  # one client per thread
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
            return client.post(
                f"/api/v1/purchase-orders/{po.number}/receipts/",
                {
                    "lines": [
                        {"sku": first.code, "quantity": 3},
                        {"sku": second.code, "quantity": 3},
                    ]
                },
                format="json",
            ).status_code

        outcomes = run_together(lambda po1=po1: post(po1, a, b), lambda po2=po2: post(po2, b, a))
        statuses += outcomes
    assert statuses == [201] * 20
    assert retries() == []
    assert stock_drift() == []


def test_putaways_race_receipts_of_the_same_skus(supplier, warehouse, places, retries):
    a, b = factories.sku(), factories.sku()
    errors = []
    for _ in range(ROUNDS):
        po = make_po(supplier, warehouse, (a, 4), (b, 4))
        first = receipt_create(
            purchase_order=po,
            lines=[ReceiveLine(sku=a, quantity=4), ReceiveLine(sku=b, quantity=4)],
        )
        other = make_po(supplier, warehouse, (b, 4), (a, 4))
        tasks = list(first.tasks)
        outcomes = run_together(
            lambda tasks=tasks: [
                putaway_complete(task=PutawayTask.objects.get(pk=t.pk), location=places.bin1)
                for t in reversed(tasks)
            ],
            lambda other=other: receipt_create(
                purchase_order=PurchaseOrder.objects.get(pk=other.pk),
                lines=[ReceiveLine(sku=b, quantity=4), ReceiveLine(sku=a, quantity=4)],
            ),
        )
        errors += [o for o in outcomes if isinstance(o, Exception)]
    assert errors == []
    assert retries() == []
    assert WarehouseStock.objects.get(sku=a, warehouse=warehouse).on_hand == 4 * ROUNDS
    assert stock_drift() == []
