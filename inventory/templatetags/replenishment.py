"""`{% replenishment_panel sku %}`: the SKU page's reorder panel (templates/replenishment/
_sku_panel.html) — the rule in force per warehouse, projected stock and its chart against the
reorder point. Two queries (inventory.replenishment.selectors.sku_replenishment) whatever the
number of warehouses."""

from django import template

from ims.roles import Role, user_roles
from inventory.replenishment.selectors import sku_replenishment

register = template.Library()
EDITORS = {Role.ADMIN, Role.MANAGER, Role.PURCHASING}


@register.inclusion_tag("replenishment/_sku_panel.html", takes_context=True)
def replenishment_panel(context, sku):
    roles = context.get("user_roles")  # from ims.context_processors.navigation
    if roles is None:
        user = getattr(context.get("request"), "user", None)
        roles = user_roles(user) if user is not None else set()
    return {
        "sku": sku,
        "panels": sku_replenishment(sku=sku),
        "can_edit": bool(roles & EDITORS),
    }
