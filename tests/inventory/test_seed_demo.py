"""seed_demo on a small scale: a believable operation whose books balance."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from ims.demo import DEMO_PASSWORD, DEMO_USERS
from inventory.audit import stock_drift
from inventory.models import (
    BinStock,
    Location,
    LocationType,
    Lot,
    Sku,
    StockMovement,
    Warehouse,
    WarehouseStock,
)

pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", "--skus", "40", "--bins", "24", *args, stdout=out)
    return out.getvalue()


def test_seed_demo_builds_a_balanced_operation():
    output = seed()
    assert stock_drift() == []
    assert dict(Warehouse.objects.values_list("code", "name")) == {
        "WH1": "Leeds DC",
        "WH2": "Bristol",
    }
    for warehouse in Warehouse.objects.all():
        types = set(warehouse.locations.values_list("type", flat=True))
        assert set(LocationType.values) <= types
        bins = warehouse.locations.filter(type=LocationType.BIN).order_by("travel_cost")
        assert bins.count() == 24
        assert all(b.path.count("/") == 5 for b in bins)  # zone / aisle / shelf / bin
        # walking cost grows with distance: aisle 1 of zone A is nearer than the last aisle
        assert bins.first().code.startswith("A-01-01")
    assert Sku.objects.count() == 40
    assert Sku.objects.filter(lot_tracked=True).count() == 6  # 15%
    assert Sku.objects.filter(barcode__isnull=True).count() == 0
    # opening stock went through the services: every unit has its movement; the later steps
    # (receipts, put-away, picks) write theirs too, and the books balance (checked below)
    assert StockMovement.objects.filter(reason__startswith="opening stock").count() >= 40
    assert set(StockMovement.objects.values_list("kind", flat=True)) >= {
        "adjust",
        "receive",
        "pick",
    }
    assert not BinStock.objects.filter(sku__lot_tracked=True, lot__isnull=True).exists()
    assert Lot.objects.filter(expiry__isnull=True).count() == 0
    assert WarehouseStock.objects.filter(on_hand__gt=0).count() > 20
    assert BinStock.objects.filter(location__type=LocationType.QUARANTINE).exists()
    assert "Demo logins" in output
    assert DEMO_PASSWORD in output


def test_seed_demo_users_hold_their_roles_and_warehouses():
    seed()
    users = {u.username: u for u in get_user_model().objects.prefetch_related("groups")}
    for spec in DEMO_USERS:
        user = users[spec.username]
        assert user.check_password(DEMO_PASSWORD)
        assert spec.role in {g.name for g in user.groups.all()}
        assert set(user.warehouses.values_list("code", flat=True)) == set(spec.warehouses)
    assert users["admin"].is_superuser
    assert not users["manager"].is_staff


def test_seed_demo_if_empty_adds_nothing_but_prints_the_logins():
    seed()
    counts = (Sku.objects.count(), Location.objects.count(), StockMovement.objects.count())
    output = seed("--if-empty")
    assert (Sku.objects.count(), Location.objects.count(), StockMovement.objects.count()) == counts
    assert "nothing added" in output
    assert all(spec.username in output for spec in DEMO_USERS)


def test_seed_demo_refuses_a_database_with_data():
    Warehouse.objects.create(code="REAL", name="Real warehouse")
    with pytest.raises(CommandError, match="--if-empty"):
        seed()
    assert not Sku.objects.exists()
    assert "No demo users" in seed("--if-empty")


def test_seed_demo_leaves_an_existing_account_alone():
    get_user_model().objects.create_user("admin", password="my-own-secret")
    seed()
    admin = get_user_model().objects.get(username="admin")
    assert admin.check_password("my-own-secret")
    assert not admin.is_superuser
