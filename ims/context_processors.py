"""Navigation by role, for the base layout.

Each screen's app adds its entry to NAV: (label, url name, roles that see it). A view may pass
`nav_section` (a NAV url name) in its context to light up its section, e.g. the SKU page lights
up "Stock".
"""

import logging

from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string

from ims.kits import roles
from ims.kits.roles import Role, roles_of, warehouse_scope

logger = logging.getLogger(__name__)

NAV = [
    # (label, url name, roles that see it: the role set of the screen it opens)
    ("Dashboard", "dashboard", roles.READ_STOCK),
    ("Stock", "stock-search", roles.READ_STOCK),
    ("Purchase orders", "po-list", roles.BUYING_READ),
    ("Receiving", "receiving-dock", roles.FLOOR),
    ("Put-away", "putaway-queue", roles.FLOOR),
    ("Counts", "count-list", roles.FLOOR),
    ("Moves", "move-task-list", roles.FLOOR),
    ("Discrepancies", "discrepancy-list", roles.BUYING_READ),
    ("Orders", "order-list", roles.READ_STOCK),
    ("My picks", "my-picks", {roles.ASSOCIATE}),
    ("Pick queue", "pick-queue", roles.HANDLE_STOCK),
    ("Approvals", "count-approvals", roles.HANDLE_STOCK),
    ("Slotting", "slotting-recommendations", roles.HANDLE_STOCK),
    ("Velocity", "velocity-list", roles.READ_STOCK),
    ("Channels", "channel-list", roles.CHANNEL_READ),
    ("Alerts", "replenishment-alerts", roles.BUYING_READ),
    ("Imports", "import-jobs", roles.IMPORTS),
]
# Count badges beside NAV entries: url name → dotted path of a function of `warehouses` (the
# ids the user sees through the entry's roles; None: all) returning a number (0 shows no
# badge). Keep each to one cheap query: it runs on every page.
BADGES = {
    "replenishment-alerts": "replenishment.selectors.open_alert_count",
    "count-approvals": "inventory.selectors.counts.held_count_total",
}


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_roles": set(), "user_role_labels": []}
    held = roles_of(user)
    items = []
    for label, name, allowed in NAV:
        if not held.intersection(allowed):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            # A screen whose URLs are not wired yet must not take every other page down with it;
            # tests/inventory/test_views.py checks that every entry resolves.
            logger.warning("NAV entry %r names an unknown URL %r", label, name)
            continue
        item = {"label": label, "url_name": name, "url": url}
        if name in BADGES:
            scope = warehouse_scope(user, allowed)
            item["badge"] = import_string(BADGES[name])(warehouses=scope)
        items.append(item)
    labels = [role.label for role in Role if role.value in held]
    return {"nav_items": items, "user_roles": set(held), "user_role_labels": labels}
