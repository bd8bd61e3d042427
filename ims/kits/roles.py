"""PRODUCT.md "Who may do what", as data: the roles (Django groups), the role set of each row of
the table, and the warehouses a person acts in.

Everything that decides who may pass reads from here: the screen decorator and the DRF
permission (ims.kits.access), the navigation, and the selectors' warehouse scoping.
"""

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MANAGER = "manager", "Warehouse manager"
    PURCHASING = "purchasing", "Purchasing"
    ASSOCIATE = "associate", "Warehouse associate"
    VIEWER = "viewer", "Viewer"


ADMIN, MANAGER, PURCHASING, ASSOCIATE, VIEWER = (
    Role.ADMIN,
    Role.MANAGER,
    Role.PURCHASING,
    Role.ASSOCIATE,
    Role.VIEWER,
)

# Managers and associates act only in the warehouses assigned to them (Warehouse.staff); the
# other roles act in every warehouse.
WAREHOUSE_BOUND = frozenset({MANAGER, ASSOCIATE})

# The rows of the table, one role set each.
EVERYONE = frozenset(Role)
READ_STOCK = EVERYONE  # stock, availability, ledger, orders, pick tasks; SKUs and locations
HANDLE_STOCK = frozenset({ADMIN, MANAGER})  # adjust, move, resolve, approve, assign
FLOOR = frozenset({ADMIN, MANAGER, ASSOCIATE})  # dock, put-away, picks, counts, move tasks
CATALOG = frozenset({ADMIN, MANAGER})  # create and change SKUs, warehouses' locations
WAREHOUSES = frozenset({ADMIN})  # create and rename warehouses (not in the table: admin-only)
BUYING = frozenset({ADMIN, MANAGER, PURCHASING})  # suppliers, POs, reorder rules, alerts
BUYING_READ = BUYING | {VIEWER}
# Associates receive against a PO at the dock, so they read their warehouse's POs and the
# discrepancies found there; they cannot list suppliers or change a PO.
RECEIVING_READ = BUYING_READ | {ASSOCIATE}
ORDER_CREATE = frozenset({ADMIN, MANAGER})
ORDER_HANDLE = frozenset({ADMIN, MANAGER})  # cancel, put back, confirm a hold
ORDER_SHIP = frozenset({ADMIN, MANAGER, ASSOCIATE})
CHANNEL_READ = frozenset({ADMIN, MANAGER, VIEWER})
CHANNEL_OPERATE = frozenset({ADMIN, MANAGER})  # listings, resync, test connection, pull
CHANNEL_CONFIGURE = frozenset({ADMIN})  # endpoint, credentials, keys, warehouses, buffer
IMPORTS = frozenset({ADMIN, MANAGER, PURCHASING})  # each kind narrows it (imports registry)
EXPORTS = frozenset({ADMIN, MANAGER, PURCHASING, VIEWER})
ADMINS = frozenset({ADMIN})  # users, roles, audit log


def roles_of(user) -> frozenset[str]:
    """The roles a person holds (superusers hold all); cached on the user object, which lives
    for one request."""
    if not getattr(user, "is_authenticated", False) or getattr(user, "pk", None) is None:
        return frozenset()
    cached = getattr(user, "_ims_roles", None)
    if cached is None:
        if user.is_superuser:
            cached = frozenset(Role.values)
        else:
            names = user.groups.values_list("name", flat=True)
            cached = frozenset(name for name in names if name in Role.values)
        user._ims_roles = cached
    return cached


def own_warehouse_ids(user) -> frozenset[int]:
    cached = getattr(user, "_ims_warehouses", None)
    if cached is None:
        cached = frozenset(user.warehouses.values_list("pk", flat=True))
        user._ims_warehouses = cached
    return cached


def warehouse_scope(user, allowed=EVERYONE) -> frozenset[int] | None:
    """The warehouses `user` may act in through one of the `allowed` roles: None for every
    warehouse (admin, purchasing, viewer), else the ids of the warehouses assigned to them (a
    manager or associate; none assigned means none)."""
    held = roles_of(user) & allowed
    if held - WAREHOUSE_BOUND:
        return None
    if held:
        return own_warehouse_ids(user)
    return frozenset()


def in_scope(queryset, warehouses, field: str = "warehouse"):
    """`queryset` narrowed to rows of the given warehouses (None: all of them)."""
    if warehouses is None:
        return queryset
    return queryset.filter(**{f"{field}__in": warehouses})


def may_act_in(user, warehouse_id: int, allowed) -> bool:
    scope = warehouse_scope(user, allowed)
    return scope is None or warehouse_id in scope
