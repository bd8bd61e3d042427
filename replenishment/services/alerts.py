"""Acting on replenishment alerts: order them (draft purchase orders) or dismiss them.

Invariants kept here:
- An alert is closed once: open → ordered or open → dismissed (ALERT_TRANSITIONS), with the
  alert rows locked in primary-key order, so two people acting on the same alerts at once
  never order them twice (the second is refused with 409 `invalid_state`).
- Ordering makes one draft purchase order per supplier and warehouse (one line per SKU, the
  alert's suggested quantity) through receiving.services.purchase_order_create. A draft is not
  incoming: its quantity counts once the PO is opened.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ims.kits.inputs import acting_user
from ims.kits.roles import in_scope
from inventory.errors import InvalidState
from receiving.models import PurchaseOrder, PurchaseOrderStatus
from receiving.services import PurchaseLineRequest, purchase_order_create
from replenishment.models import AlertStatus, ReplenishmentAlert

MAX_ALERTS_PER_ACTION = 1000


@dataclass
class AlertOrderResult:
    purchase_orders: list[PurchaseOrder] = field(default_factory=list)
    ordered: list[ReplenishmentAlert] = field(default_factory=list)
    # (alert, reason) for open alerts left open: no supplier to order from.
    skipped: list[tuple[ReplenishmentAlert, str]] = field(default_factory=list)


def _clean_ids(ids) -> list[int]:
    if not isinstance(ids, list | tuple) or not ids:
        raise ValidationError({"ids": "Select at least one alert."})
    if len(ids) > MAX_ALERTS_PER_ACTION:
        raise ValidationError({"ids": f"At most {MAX_ALERTS_PER_ACTION} alerts at once."})
    if any(isinstance(i, bool) or not isinstance(i, int) for i in ids):
        raise ValidationError({"ids": "Alert ids are whole numbers."})
    return sorted(set(ids))


def _lock(ids: list[int] | None, warehouses=None) -> list[ReplenishmentAlert]:
    """The alerts, locked in primary-key order; every named id must exist (in `warehouses`,
    ids or None for all) and be open."""
    alerts = ReplenishmentAlert.objects.select_for_update(of=("self",)).select_related(
        "sku", "warehouse", "rule__supplier"
    )
    alerts = in_scope(alerts, warehouses)
    if ids is None:
        return list(alerts.filter(status=AlertStatus.OPEN).order_by("pk")[:MAX_ALERTS_PER_ACTION])
    found = list(alerts.filter(pk__in=ids).order_by("pk"))
    missing = sorted(set(ids) - {alert.pk for alert in found})
    if missing:
        raise ValidationError(
            {
                "ids": f"Unknown alert{'s' if len(missing) > 1 else ''} "
                f"{', '.join(map(str, missing))}."
            }
        )
    closed = [alert for alert in found if alert.status != AlertStatus.OPEN]
    if closed:
        raise InvalidState(
            "Only open alerts can be acted on; "
            + ", ".join(
                f"alert {a.pk} ({a.sku.code} in {a.warehouse.code}) is {a.status}" for a in closed
            )
            + ". Nothing was changed."
        )
    return found


@transaction.atomic
def alerts_order(
    *, ids: list[int] | None = None, actor: AbstractBaseUser | None = None, warehouses=None
) -> AlertOrderResult:
    """Turn open alerts (`ids`, or every open alert when None) into draft purchase orders, one
    per supplier (the rule's preferred supplier) and warehouse, and mark them ordered. Alerts
    whose rule names no supplier stay open and are returned in `skipped`. The expected date is
    today plus the longest lead time among the PO's rules."""
    alerts = _lock(None if ids is None else _clean_ids(ids), warehouses)
    result = AlertOrderResult()
    groups: dict[tuple[int, int], list[ReplenishmentAlert]] = defaultdict(list)
    for alert in alerts:
        supplier = alert.rule.supplier if alert.rule_id else None
        if supplier is None:
            reason = (
                "its rule names no supplier" if alert.rule_id else "its reorder rule was deleted"
            )
            result.skipped.append((alert, f"{alert.sku.code} in {alert.warehouse.code}: {reason}."))
            continue
        groups[(supplier.pk, alert.warehouse_id)].append(alert)
    now = timezone.now()
    today = timezone.localdate()
    for group in groups.values():
        first = group[0]
        lead_time = max((a.rule.lead_time_days for a in group), default=0)
        purchase_order = purchase_order_create(
            supplier=first.rule.supplier,
            warehouse=first.warehouse,
            lines=[
                PurchaseLineRequest(sku=a.sku, quantity_ordered=a.suggested_quantity) for a in group
            ],
            status=PurchaseOrderStatus.DRAFT,
            expected_date=today + datetime.timedelta(days=lead_time) if lead_time else None,
            note="Drafted from replenishment alert"
            + ("s " if len(group) > 1 else " ")
            + ", ".join(str(a.pk) for a in group)
            + ".",
            actor=actor,
        )
        ReplenishmentAlert.objects.filter(pk__in=[a.pk for a in group]).update(
            status=AlertStatus.ORDERED,
            purchase_order=purchase_order,
            closed_by=acting_user(actor),
            closed_at=now,
        )
        for alert in group:
            alert.status, alert.purchase_order, alert.closed_at = (
                AlertStatus.ORDERED,
                purchase_order,
                now,
            )
        result.purchase_orders.append(purchase_order)
        result.ordered.extend(group)
    return result


@transaction.atomic
def alerts_dismiss(
    *, ids: list[int], reason: str, actor: AbstractBaseUser | None = None, warehouses=None
) -> list[ReplenishmentAlert]:
    """Close open alerts without ordering, saying why. The rule stays disarmed: no new alert
    until projected stock has been above the point again and falls back to it."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the alert is dismissed."})
    if len(reason) > 200:
        raise ValidationError({"reason": "At most 200 characters."})
    alerts = _lock(_clean_ids(ids), warehouses)
    now = timezone.now()
    ReplenishmentAlert.objects.filter(pk__in=[a.pk for a in alerts]).update(
        status=AlertStatus.DISMISSED,
        dismiss_reason=reason,
        closed_by=acting_user(actor),
        closed_at=now,
    )
    for alert in alerts:
        alert.status, alert.dismiss_reason, alert.closed_at = AlertStatus.DISMISSED, reason, now
    return alerts
