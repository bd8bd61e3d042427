"""The suggested order quantity of a replenishment alert.

    shortfall = reorder_point - projected + 1        (units to bring projected above the point)
    quantity  = max(shortfall, reorder_quantity)     (never less than the reorder quantity)
    suggested = ceil(quantity / pack_size) x pack_size   (when the rule has a pack size)

`projected` = available (on hand - reserved) + incoming (open PO quantity) + units at the dock
awaiting put-away; the point and quantity are those in force (seasonal or all-year).
"""

import math


def suggested_quantity(
    *, projected: int, reorder_point: int, reorder_quantity: int, pack_size: int | None = None
) -> int:
    shortfall = reorder_point - projected + 1
    quantity = max(shortfall, reorder_quantity, 1)
    if pack_size:
        quantity = math.ceil(quantity / pack_size) * pack_size
    return quantity
