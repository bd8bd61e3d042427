"""Schemathesis's coverage phase over every operation of the API schema, in process through
Django's WSGI app, as an admin.

The coverage phase is deterministic by construction: per operation, a schema-conforming
request, then each parameter and body property at its boundaries (minimum and maximum, one past
them, lengths, enum values), missing where required, of the wrong type, and a few deliberately
broken requests (methods the path does not take, wrong content types). No randomness and no
example database: the same cases every run.

Checks as in tests/api/test_fuzz.py (CHECKS): no 5xx, a documented status code and content
type, a body matching the documented schema (so every 4xx is in the contract's error shape).

The coverage phase's base value for a string is "0", so the world below names its warehouse,
bin, SKU, supplier, purchase order, channel and a user "0": boundary cases of one field land on
real objects and reach the services behind. Where the base value can never work (a path id
of 0, a create naming an object the world has, an empty list of lines, a hold that expired in
2000), `_steer` puts in a working value, only in the fields the case does not vary.

Nothing is excluded. Channel "0" is a webhook channel whose endpoint is a closed local port:
test-connection calls it and fails at once, offline; pull-orders answers that a webhook channel
does not pull; resync only queues pushes (never sent: the test's transaction never commits).

Bounded: 78 operations, about 3,700 requests; some 35 s on SQLite and 50 s on PostgreSQL on a
2-core machine. The world is built once per module, each test rolls back what it changed.
"""

import copy
import itertools

import pytest
from django.db import transaction
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token
from schemathesis.core.parameters import ParameterLocation

from accounts.models import AuditEntry
from channels.models import PickTask
from channels.services import channel_key_create, listing_create
from inventory.imports.jobs import import_job_submit
from inventory.models import StockMovement
from inventory.services import location_create
from receiving.models import Discrepancy, PutawayTask
from receiving.services import supplier_create
from replenishment.models import ReplenishmentAlert
from replenishment.services import reorder_rule_create
from tests import factories
from tests.api.fuzzing import (
    CHECKS,
    fuzz_settings,
    keep_test_connection,  # noqa: F401 (the _keep_test_connection fixture)
    load_schema,
)
from tests.channels.helpers import make_channel, place
from tests.receiving.builders import make_po, receive

# Every operation the root urlconf serves under /api/v1/ (ims.api.urls includes every app's
# API urls); only the coverage phase (`examples` is the fuzzing phase's, unused here).
schema = load_schema("ims.api.urls", examples=1, phases=["coverage"])

# Nothing listens there: a channel's outbound calls (test-connection) fail at once.
CLOSED_ENDPOINT = "http://127.0.0.1:9/"
JSON = "application/json"


@schema.hook
def filter_case(context, case):
    """Bodies as JSON where the operation takes JSON. The contract is JSON in and out; DRF's
    form and multipart parsers would repeat every body case twice more in another encoding (as
    many requests again, for the same validation). Those parsers still meet the random phase of
    the other fuzz modules. Multipart-only operations (imports), content-type probes and cases
    about the query or the path keep their media type."""
    if _coverage(case, "parameter_location") != ParameterLocation.BODY:
        return True
    accepted = {alternative.media_type for alternative in context.operation.body}
    return case.media_type == JSON or JSON not in accepted or case.media_type not in accepted


def _world() -> dict:
    """Objects for the cases to meet; returns the admin's token and the ids a path may name."""
    admin = factories.user("fuzzer", role="admin", email="fuzzer@example.com")
    picker = factories.user("0", role="associate", email="picker@example.com")
    warehouse = factories.warehouse("0")
    warehouse.staff.add(picker)
    places = factories.places(warehouse)
    bin0 = location_create(warehouse=warehouse, code="0", parent=places.zone, travel_cost=2)
    sku = factories.sku("0")
    lot_sku = factories.sku("LOT", lot_tracked=True)
    factories.stock(sku, bin0, 100)
    factories.stock(sku, places.bin1, 20)
    factories.stock(lot_sku, places.bin1, 20, lot_number="L1")

    supplier = supplier_create(code="0", name="Supplier 0", email="supplier@example.com")
    purchase_order = make_po(supplier, warehouse, (sku, 10), (lot_sku, 5), number="0")
    # A damaged unit and a lot-tracked line without its lot: discrepancies and put-aways.
    receive(purchase_order, (sku, 4, None, 1), (lot_sku, 2))

    channel = make_channel("0", warehouse, endpoint_url=CLOSED_ENDPOINT, secret="fuzz-secret")
    # SKU "0" has no listing and no rule: the creates may list it and give it one.
    listing_create(channel=channel, sku=lot_sku, external_id="LOT", actor=admin)
    key, _ = channel_key_create(channel=channel, name="fuzz", actor=admin)
    order = place(channel, "0", (sku, 2))
    rule = reorder_rule_create(
        sku=lot_sku, warehouse=warehouse, reorder_point=1000, reorder_quantity=10, supplier=supplier
    )
    job = import_job_submit(
        kind="skus", file_name="skus.csv", content=b"code,name\nIMP-1,Imported\n", user=admin
    )

    def first(queryset):
        return queryset.order_by("pk").values_list("pk", flat=True).first()

    ids = {
        "audit-log": first(AuditEntry.objects.all()),
        "discrepancies": first(Discrepancy.objects.all()),
        "imports": job.pk,
        "movements": first(StockMovement.objects.all()),
        "orders": order.pk,
        "pick-tasks": first(PickTask.objects.filter(order=order)),
        "putaway-tasks": first(PutawayTask.objects.all()),
        "reorder-rules": rule.pk,
        "replenishment-alerts": first(ReplenishmentAlert.objects.filter(rule=rule)),
        "keys": key.pk,
    }
    assert all(ids.values()), ids
    return {"token": Token.objects.create(user=admin).key, "ids": ids}


@pytest.fixture(scope="module")
def _module_world(django_db_setup, django_db_blocker):
    """The world, built once: in a transaction rolled back after the module's last test. Each
    test runs in a savepoint inside it (pytest-django's `db`), so every operation starts from
    the same world, whatever the one before it changed."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _world()
        transaction.set_rollback(True)


@pytest.fixture
def world(_module_world, db, _keep_test_connection):
    return {**_module_world, "fresh": itertools.count(1)}


# -- steering ----------------------------------------------------------------------------------

FRESH = object()  # a name no object has yet: N1, N2, ... per operation
DROP = object()  # leave the field out

STRONG_PASSWORD = "fuzz-Pass-1234!"
LINE = {"sku": "0", "quantity": 1}

# Per operation: a body field (a "lines.sku" names the field in each line) → (the coverage
# phase's base value there, what it becomes). Callables get the world.
BODY = {
    "/api/v1/skus/": {"code": ("0", FRESH)},
    "/api/v1/warehouses/": {"code": ("0", FRESH)},
    "/api/v1/locations/": {"code": ("0", FRESH), "parent": ("0", "A")},  # bin 0 has no children
    "/api/v1/suppliers/": {"code": ("0", FRESH)},
    "/api/v1/channels/": {"code": ("0", FRESH)},
    "/api/v1/users/": {"username": ("0", FRESH), "password": ("0", STRONG_PASSWORD)},
    "/api/v1/users/{username}/": {"password": ("0", STRONG_PASSWORD)},
    "/api/v1/stock/adjust/": {"quantity": (0, 3)},  # a signed change, never 0
    "/api/v1/stock/move/": {"to_location": ("0", "A-01")},  # not bin 0 again
    "/api/v1/imports/": {"kind": ("0", "skus")},
    "/api/v1/purchase-orders/": {
        "number": ("0", FRESH),
        "lines": ([], [{"sku": "0", "quantity_ordered": 1}]),
    },
    "/api/v1/purchase-orders/{number}/receipts/": {
        "dock": ("0", "DOCK"),
        "lines": ([], [LINE]),
        "lines.sku": ("", "0"),
        "lines.expiry": ("2000-01-01", DROP),  # SKU 0 is not lot-tracked
    },
    "/api/v1/orders/": {
        "external_id": ("0", FRESH),
        "lines": ([], [LINE]),
        # A hold in the future, given once (expires_at or hold_minutes, not both).
        "expires_at": ("2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z"),
        "hold_minutes": (1, DROP),
    },
    "/api/v1/reorder-rules/": {"seasonal.start": ("0", "11-15"), "seasonal.end": ("0", "01-31")},
    "/api/v1/reorder-rules/{id}/": {
        "sku": ("0", "LOT"),  # the world's rule is LOT's; a rule's SKU never changes
        "seasonal.start": ("0", "11-15"),
        "seasonal.end": ("0", "01-31"),
    },
    "/api/v1/replenishment-alerts/dismiss/": {
        "ids": ([], lambda world: [world["ids"]["replenishment-alerts"]])
    },
}


def _coverage(case, attribute: str):
    data = case.meta.phase.data if case.meta is not None else None
    return getattr(data, attribute, None)


def _varied(case) -> tuple[str, ...] | None:
    """The body field a coverage case is about, as a path ("lines", "sku"); () for the body as
    a whole (a required property left out); None for a case not about one field."""
    location = _coverage(case, "location")
    if not location or _coverage(case, "parameter_location") != ParameterLocation.BODY:
        return None
    parts = location.strip("/").split("/")
    return tuple(parts[i + 1] for i, part in enumerate(parts[:-1]) if part == "properties")


def _replace(container: dict, field: str, base, value, world: dict) -> None:
    current = container.get(field, DROP)
    if type(current) is not type(base) or current != base:
        return
    if value is DROP:
        del container[field]
    elif value is FRESH:
        container[field] = f"N{next(world['fresh'])}"
    else:
        container[field] = copy.deepcopy(value(world) if callable(value) else value)


def _steer(case, world: dict) -> None:
    """Working values in place of the base ones, never in the field the case is about."""
    collection = case.operation.path.removeprefix("/api/v1/").split("/")[0]
    for name in list(case.path_parameters or {}):
        if _coverage(case, "parameter_location") == ParameterLocation.PATH and (
            _coverage(case, "parameter") == name
        ):
            continue  # the id itself is what this case varies
        if name == "id" and collection in world["ids"]:
            case.path_parameters[name] = world["ids"][collection]
        elif name == "key_id":
            case.path_parameters[name] = world["ids"]["keys"]
    if not isinstance(case.body, dict):
        return
    varied = _varied(case)
    for field, (base, value) in BODY.get(case.operation.path, {}).items():
        path = tuple(field.split("."))
        if varied is not None and path[: len(varied)] == varied:
            continue
        if len(path) == 1:
            _replace(case.body, field, base, value, world)
            continue
        items = case.body.get(path[0])
        for item in items if isinstance(items, list) else ():
            if isinstance(item, dict):
                _replace(item, path[1], base, value, world)


@schema.parametrize()
@fuzz_settings(1)
def test_api_coverage(case, world):
    _steer(case, world)
    case.call_and_validate(headers={"Authorization": f"Token {world['token']}"}, checks=CHECKS)


def test_every_served_operation_is_under_coverage():
    """What the root urlconf serves under /api/v1/ (the schema at /api/v1/schema/) is exactly
    what the coverage test runs over: a new app's routes, or a new route, cannot be missed."""
    served = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    expected = {
        f"{method.upper()} {path}"
        for path, operations in served.items()
        for method in operations
        if method in {"get", "put", "post", "patch", "delete"}
    }
    covered = {result.ok().label for result in schema.get_all_operations()}
    assert covered == expected
    assert len(covered) >= 78
