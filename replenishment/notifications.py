"""The purchasing digest: one e-mail per recipient listing the alerts raised since the last one.

Alerts are never mailed one by one: a scheduled task (every 15 minutes, migration 0006) claims
every open alert not yet notified, records an AlertDigest, marks the alerts with it and sends
one message to each active user in the purchasing role that has an e-mail address, all in one
transaction. If sending fails the transaction rolls back and the next run tries again; two
workers running at once claim different alerts (SKIP LOCKED), so none is mailed twice.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from ims.kits.roles import Role
from replenishment.models import AlertDigest, AlertStatus, ReplenishmentAlert

MAX_LISTED = 200  # alerts listed in one e-mail; the rest are counted and linked


def purchasing_recipients() -> list[str]:
    users = get_user_model().objects.filter(is_active=True, groups__name=Role.PURCHASING)
    return sorted(set(users.exclude(email="").values_list("email", flat=True)))


@transaction.atomic
def alert_digest_send(*, now=None) -> AlertDigest | None:
    """Mail the digest of open alerts not yet notified; None when there is nothing new. The
    alerts are marked notified even when nobody holds the purchasing role (the digest records
    no recipients), so a role granted later does not receive months of old alerts."""
    pending = list(
        ReplenishmentAlert.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("sku", "warehouse", "rule__supplier")
        .filter(status=AlertStatus.OPEN, notified_at__isnull=True)
        .order_by("pk")
    )
    if not pending:
        return None
    now = now or timezone.now()
    recipients = purchasing_recipients()
    digest = AlertDigest.objects.create(alert_count=len(pending), recipients=recipients)
    ReplenishmentAlert.objects.filter(pk__in=[a.pk for a in pending]).update(
        notified_at=now, digest=digest
    )
    if recipients:
        context = {
            "alerts": pending[:MAX_LISTED],
            "more": max(len(pending) - MAX_LISTED, 0),
            "count": len(pending),
            "url": getattr(settings, "IMS_BASE_URL", "").rstrip("/")
            + reverse("replenishment-alerts"),
        }
        subject = f"[IMS] {len(pending)} new replenishment alert{'s' if len(pending) != 1 else ''}"
        body = render_to_string("replenishment/email/digest.txt", context)
        messages = [
            EmailMessage(subject=subject, body=body, to=[address]) for address in recipients
        ]
        get_connection().send_messages(messages)
    return digest
