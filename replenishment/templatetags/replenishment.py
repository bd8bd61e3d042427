"""`{% replenishment_panel sku %}`: the SKU page's reorder panel (templates/replenishment/
_sku_panel.html) — the rule in force per warehouse, projected stock and its chart against the
reorder point. Two queries (replenishment.selectors.sku_replenishment) whatever the
number of warehouses."""

from django import template

from ims.kits.roles import BUYING, READ_STOCK, roles_of, warehouse_scope
from replenishment.selectors import sku_replenishment

register = template.Library()


@register.inclusion_tag("replenishment/_sku_panel.html", takes_context=True)
def replenishment_panel(context, sku):
    user = getattr(context.get("request"), "user", None)
    scope = warehouse_scope(user, READ_STOCK) if user is not None else frozenset()
    return {
        "sku": sku,
        "panels": sku_replenishment(sku=sku, warehouses=scope),
        "can_edit": bool(roles_of(user) & BUYING),
    }
