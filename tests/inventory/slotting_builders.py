"""Builders for the slotting and move-task tests: bins with a travel cost and capacity, stock put
in through the services, stored velocity, and a swap recommendation ready to apply."""

from django.utils import timezone

from inventory.models import SkuVelocity
from inventory.selectors.slotting import recommendation_list
from inventory.services import location_create
from inventory.services.slotting import slotting_recommend
from tests import factories


def bin_at(warehouse, code: str, cost: int, capacity: int | None = None):
    return location_create(warehouse=warehouse, code=code, travel_cost=cost, capacity=capacity)


def picks(warehouse, sku, per_90_days: int) -> SkuVelocity:
    """Stored velocity, as `velocity_recompute` would leave it (per_90_days / 90 x 7 a week)."""
    row, _ = SkuVelocity.objects.update_or_create(
        sku=sku,
        warehouse=warehouse,
        defaults={
            "picks_90d": per_90_days,
            "units_90d": per_90_days,
            "picks_30d": per_90_days // 3,
            "units_30d": per_90_days // 3,
            "computed_at": timezone.now(),
        },
    )
    return row


def stocked(warehouse, code: str, location, quantity: int, per_90_days: int = 0, **sku_kwargs):
    """A SKU with `quantity` units in `location` and the velocity given."""
    sku = factories.sku(code, **sku_kwargs)
    factories.stock(sku, location, quantity)
    picks(warehouse, sku, per_90_days)
    return sku


def swap_layout(warehouse, *, near_capacity=None, far_capacity=None):
    """FAST (90 picks in 90 days: 7 a week, 18 units) far away in B-09 (cost 9); SLOW (9 picks,
    5 units) near packing in B-01 (cost 1). Returns (near, far, fast, slow)."""
    near = bin_at(warehouse, "B-01", 1, near_capacity)
    far = bin_at(warehouse, "B-09", 9, far_capacity)
    fast = stocked(warehouse, "FAST", far, 18, per_90_days=90, barcode="4000000000018")
    slow = stocked(warehouse, "SLOW", near, 5, per_90_days=9)
    return near, far, fast, slow


def recommended(warehouse):
    """Recompute the warehouse's recommendations; the open ones, best first."""
    slotting_recommend(warehouses=[warehouse.pk])
    return list(
        warehouse_recommendations(warehouse).select_related(
            "sku", "from_location", "to_location", "swap_sku"
        )
    )


def warehouse_recommendations(warehouse):
    return recommendation_list(warehouses=[warehouse.pk])


def associate_of(warehouse, username: str):
    person = factories.user(username, role="associate")
    warehouse.staff.add(person)
    return person
