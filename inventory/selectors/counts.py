"""Reads of cycle counts, scoped to the caller's warehouses (and, for associates, to their own
and unassigned counts). Blindness is the serializers' and templates' job: `count.blind`."""

from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Prefetch, Q, QuerySet

from ims.kits.roles import Role, in_scope
from inventory.models import CountStatus, CycleCount, CycleCountLine, Location, Sku, Warehouse


def count_list(*, warehouses=None, assignee_or_unassigned=None) -> QuerySet[CycleCount]:
    """Counts with their lines (one query for the page, one for its lines). `warehouses`: ids
    or None (all); `assignee_or_unassigned`: a user whose own and unassigned counts are the
    only ones shown (an associate's view)."""
    counts = in_scope(
        CycleCount.objects.select_related(
            "warehouse", "assignee", "submitted_by", "location", "sku", "zone"
        ),
        warehouses,
    ).prefetch_related(
        Prefetch(
            "lines",
            queryset=CycleCountLine.objects.select_related("location", "sku", "lot").order_by(
                "location__path", "sku__code", "pk"
            ),
        )
    )
    if assignee_or_unassigned is not None:
        counts = counts.filter(Q(assignee=assignee_or_unassigned) | Q(assignee__isnull=True))
    return counts.annotate(line_count=Count("lines", distinct=True))


def held_count_total(*, warehouses=None) -> int:
    """For the navigation badge: counts waiting for a manager of `warehouses` (ids; None: all).
    One COUNT over the (warehouse, status) index."""
    held = CycleCount.objects.filter(status=CountStatus.PENDING_APPROVAL)
    return in_scope(held, warehouses).count()


def count_associates(*, warehouses=None) -> dict[int, list]:
    """Active associates per warehouse id: whom a count may be given to. One query."""
    people = get_user_model().objects.filter(groups__name=Role.ASSOCIATE, is_active=True)
    if warehouses is not None:
        people = people.filter(warehouses__in=warehouses)
    by_warehouse = defaultdict(list)
    for person in people.annotate(warehouse_id=F("warehouses")).order_by("username"):
        if person.warehouse_id is not None:
            by_warehouse[person.warehouse_id].append(person)
    return by_warehouse


def location_by_scan(warehouse: Warehouse, value: str) -> Location | None:
    """A location of `warehouse` by its code, also as the screens print it ("WH1:A-01")."""
    value = (value or "").strip()
    prefix = f"{warehouse.code}:"
    code = value[len(prefix) :] if value.startswith(prefix) else value
    if not code or "\x00" in code or len(code) > 64:
        return None
    return Location.objects.filter(warehouse=warehouse, code=code).first()


def sku_by_scan(value: str) -> Sku | None:
    """A SKU by its code or its barcode (what a scanner reads off the label)."""
    value = (value or "").strip()
    if not value or "\x00" in value or len(value) > 64:
        return None
    found = list(Sku.objects.filter(Q(code=value) | Q(barcode=value))[:2])
    return next((sku for sku in found if sku.code == value), found[0] if found else None)


def count_takes_bin(count: CycleCount, location: Location, line_bins: set[int]) -> bool:
    """Whether a unit found in `location` belongs to `count`: its bin, a bin of its zone, or
    (a count by SKU) one of the bins its lines are in (`line_bins`)."""
    if location.warehouse_id != count.warehouse_id or not location.holds_stock:
        return False
    if count.location_id:
        return location.pk == count.location_id
    if count.zone_id:
        return location.path.startswith(count.zone.path)
    return location.pk in line_bins
