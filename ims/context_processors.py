"""Navigation by role, for the base layout.

Each screen's app adds its entry to NAV: (label, url name, roles that see it). A view may pass
`nav_section` (a NAV url name) in its context to light up its section, e.g. the SKU page lights
up "Stock".
"""

import logging

from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string

from ims.roles import Role, user_roles

logger = logging.getLogger(__name__)

EVERYONE = None
NAV = [
    # (label, url name, roles that see it; EVERYONE = everyone signed in)
    ("Dashboard", "dashboard", EVERYONE),
    ("Stock", "stock-search", EVERYONE),
    ("Purchase orders", "po-list", [Role.MANAGER, Role.PURCHASING, Role.ADMIN]),
    ("Receiving", "receiving-dock", [Role.ASSOCIATE, Role.MANAGER, Role.ADMIN]),
    ("Put-away", "putaway-queue", [Role.ASSOCIATE, Role.MANAGER, Role.ADMIN]),
    ("Discrepancies", "discrepancy-list", [Role.MANAGER, Role.PURCHASING, Role.ADMIN]),
    ("Orders", "order-list", [Role.MANAGER, Role.ADMIN]),
    ("My picks", "my-picks", [Role.ASSOCIATE]),
    ("Pick queue", "pick-queue", [Role.MANAGER, Role.ADMIN]),
    ("Channels", "channel-list", [Role.MANAGER, Role.ADMIN]),
    ("Alerts", "replenishment-alerts", [Role.MANAGER, Role.PURCHASING, Role.ADMIN]),
]
# Count badges beside NAV entries: url name → dotted path of a function returning a number (0
# shows no badge). Keep each to one cheap query: it runs on every page.
BADGES = {
    "replenishment-alerts": "inventory.replenishment.selectors.open_alert_count",
}
_ = Role  # roles named in NAV entries use Role.MANAGER etc.


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_roles": set(), "user_role_labels": []}
    roles = user_roles(user)
    items = []
    for label, name, allowed in NAV:
        if allowed is not EVERYONE and not roles & set(allowed):
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
            item["badge"] = import_string(BADGES[name])()
        items.append(item)
    labels = [role.label for role in Role if role.value in roles]
    return {"nav_items": items, "user_roles": roles, "user_role_labels": labels}
