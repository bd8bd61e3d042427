"""Every replenishment write (DESIGN.md, "Where logic lives"): one module per topic."""

from replenishment.services.alerts import (
    AlertOrderResult,
    alerts_dismiss,
    alerts_order,
)
from replenishment.services.rules import (
    SweepResult,
    reorder_rule_create,
    reorder_rule_delete,
    reorder_rule_update,
    reorder_sweep,
)

__all__ = [
    "AlertOrderResult",
    "SweepResult",
    "alerts_dismiss",
    "alerts_order",
    "reorder_rule_create",
    "reorder_rule_delete",
    "reorder_rule_update",
    "reorder_sweep",
]
