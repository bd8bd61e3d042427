"""Schemathesis fuzzing of the receiving API, in process through Django's WSGI app.

Bounded and deterministic, like tests/api/test_fuzz.py: for every generated request (valid and
deliberately broken), no 5xx, a documented status code and content type, and a body matching
the documented schema (so every 4xx is in the contract's error shape).
"""

import pytest
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

from receiving.models import PurchaseOrderStatus
from receiving.services import supplier_create
from tests import factories
from tests.api.fuzzing import (
    CHECKS,
    fuzz_settings,
    keep_test_connection,  # noqa: F401 (the _keep_test_connection fixture)
    load_schema,
)
from tests.receiving.builders import make_po, receive

EXAMPLES_PER_OPERATION = 25

schema = load_schema("receiving.api.urls", examples=EXAMPLES_PER_OPERATION)

# Known values of the world below, mixed into generated requests so they reach the services.
SKUS = ["SKU-A", "SKU-LOT", "SKU-B"]
KNOWN = {
    "sku": SKUS,
    "supplier": ["ACME"],
    "warehouse": ["WH1"],
    "location": ["A-01", "A-02", "QUAR"],
    "dock": ["DOCK"],
    "quantity": [1, 3],
    "quantity_ordered": [1, 5],
    "status": ["open", "draft"],
    "lot": [None, ""],
    "expiry": [None],
    "damaged": [0, 1, True],
    "note": ["fuzz"],
}
PATH_KNOWN = {
    "number": ["PO-OPEN", "PO-DRAFT", "PO-PART", "PO-DONE"],
    "code": ["ACME"],
    "id": [1, 2, 3],
}


def _steer(values: dict, known: dict) -> st.SearchStrategy:
    def pick(use_known: bool):
        fields = {
            key: st.sampled_from(known[key]) if use_known and key in known else st.just(value)
            for key, value in values.items()
        }
        return st.fixed_dictionaries(fields)

    return st.sampled_from([True, True, False]).flatmap(pick)


def _steer_body(body):
    if not isinstance(body, dict):
        return st.just(body)
    lines = body.get("lines")
    if isinstance(lines, list) and lines and all(isinstance(line, dict) for line in lines):
        return st.tuples(
            _steer({k: v for k, v in body.items() if k != "lines"}, KNOWN),
            st.tuples(*[_steer(line, KNOWN) for line in lines]),
        ).map(lambda parts: {**parts[0], "lines": list(parts[1])})
    return _steer(body, KNOWN)


@schema.hook
def flatmap_case(context, case):
    def with_values(parts):
        body, query, path_parameters = parts
        if body is not None:
            case.body = body
        if query is not None:
            case.query = query
        if path_parameters is not None:
            case.path_parameters = path_parameters
        return case

    return st.tuples(
        _steer_body(case.body) if case.body is not None else st.just(None),
        _steer(case.query, KNOWN) if isinstance(case.query, dict) else st.just(None),
        _steer(case.path_parameters, PATH_KNOWN)
        if isinstance(case.path_parameters, dict)
        else st.just(None),
    ).map(with_values)


@pytest.fixture
def token(db, _keep_test_connection):
    """Purchase orders in several states, tasks and discrepancies for requests to hit."""
    user = factories.user("fuzzer", is_superuser=True)
    warehouse = factories.warehouse("WH1")
    factories.places(warehouse)
    supplier = supplier_create(code="ACME", name="Acme")
    a, lot, b = (
        factories.sku("SKU-A"),
        factories.sku("SKU-LOT", lot_tracked=True),
        factories.sku("SKU-B"),
    )
    make_po(supplier, warehouse, (a, 5), (lot, 5), number="PO-OPEN")
    make_po(supplier, warehouse, (a, 5), number="PO-DRAFT", status=PurchaseOrderStatus.DRAFT)
    part = make_po(supplier, warehouse, (a, 5), (b, 5), number="PO-PART")
    receive(part, (a, 2), (lot, 1))
    done = make_po(supplier, warehouse, (b, 2), number="PO-DONE")
    receive(done, (b, 3, None, 1))
    return Token.objects.create(user=user).key


@schema.parametrize()
@fuzz_settings(EXAMPLES_PER_OPERATION)
def test_receiving_api_fuzz(case, token):
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
