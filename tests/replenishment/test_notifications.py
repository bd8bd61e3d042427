"""Alerts notify the purchasing role by e-mail in batches: a busy hour sends one digest per
recipient, never one message per alert (locmem e-mail backend, ims.test_settings)."""

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from replenishment.models import AlertDigest, ReplenishmentAlert
from replenishment.notifications import alert_digest_send
from replenishment.services import alerts_dismiss
from replenishment.tasks import alert_digest_task
from tests import factories
from tests.replenishment.helpers import open_alerts, rule, sell, stock

pytestmark = pytest.mark.django_db


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("the mail server is down")


@pytest.fixture
def buyers(db):
    factories.user("buyer1", role="purchasing", email="buyer1@example.com")
    factories.user("buyer2", role="purchasing", email="buyer2@example.com")
    factories.user("nomail", role="purchasing")  # no address: nothing to send to
    factories.user("gone", role="purchasing", email="gone@example.com", is_active=False)
    factories.user("boss", role="manager", email="boss@example.com")  # not purchasing
    return ["buyer1@example.com", "buyer2@example.com"]


def busy_hour(warehouse, places, skus: int, prefix: str = "B"):
    """`skus` SKUs each sold down through their reorder point by several orders."""
    for i in range(skus):
        sku = factories.sku(f"{prefix}-{i:02}")
        stock(sku, places.bin1, 12)
        rule(sku, warehouse, point=5, quantity=24)
        for n in range(3):
            sell(sku, warehouse, places.bin1, 3, reference=f"{prefix}-{i}-{n}")


def test_a_busy_hour_sends_one_digest_per_recipient(buyers, warehouse, places):
    busy_hour(warehouse, places, 30)
    assert len(open_alerts()) == 30
    assert mail.outbox == []  # raising alerts sends nothing by itself
    assert alert_digest_task() == 30
    assert sorted(m.to[0] for m in mail.outbox) == buyers
    assert all(len(m.to) == 1 for m in mail.outbox)
    message = mail.outbox[0]
    assert message.subject == "[IMS] 30 new replenishment alerts"
    for i in range(30):
        assert f"B-{i:02} (Item B-{i:02}) in {warehouse.code}: projected 3" in message.body
    assert "suggested order 24 (no supplier set)" in message.body
    assert "/replenishment/alerts/" in message.body
    digest = AlertDigest.objects.get()
    assert (digest.alert_count, digest.recipients) == (30, buyers)
    assert ReplenishmentAlert.objects.filter(notified_at__isnull=True).count() == 0
    # Nothing new: nothing sent.
    assert alert_digest_task() == 0
    assert len(mail.outbox) == 2


def test_the_next_digest_carries_only_new_open_alerts(buyers, warehouse, places):
    busy_hour(warehouse, places, 2, prefix="OLD")
    alert_digest_send()
    mail.outbox.clear()
    busy_hour(warehouse, places, 2, prefix="NEW")
    dismissed = open_alerts()[-1]
    alerts_dismiss(ids=[dismissed.pk], reason="already handled by phone")
    assert alert_digest_task() == 1
    body = mail.outbox[0].body
    assert mail.outbox[0].subject == "[IMS] 1 new replenishment alert"
    assert "NEW-00" in body
    assert "NEW-01" not in body
    assert "OLD-" not in body


def test_a_failed_send_marks_nothing_and_the_next_run_retries(buyers, warehouse, places, settings):
    busy_hour(warehouse, places, 3)
    settings.EMAIL_BACKEND = "tests.replenishment.test_notifications.FailingBackend"
    with pytest.raises(ConnectionRefusedError):
        alert_digest_task()
    assert ReplenishmentAlert.objects.filter(notified_at__isnull=True).count() == 3
    assert AlertDigest.objects.count() == 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert alert_digest_task() == 3
    assert len(mail.outbox) == 2


def test_without_purchasing_users_alerts_are_marked_but_nobody_is_mailed(warehouse, places):
    busy_hour(warehouse, places, 2)
    digest = alert_digest_send()
    assert (digest.alert_count, digest.recipients) == (2, [])
    assert mail.outbox == []
    assert alert_digest_send() is None


def test_the_digest_and_the_daily_sweep_are_scheduled():
    from django_q.models import Schedule

    schedules = {s.name: s for s in Schedule.objects.all()}
    digest = schedules["Replenishment alert digest"]
    assert (digest.func, digest.schedule_type, digest.minutes) == (
        "replenishment.tasks.alert_digest_task",
        Schedule.MINUTES,
        15,
    )
    sweep = schedules["Replenishment daily sweep"]
    assert (sweep.func, sweep.schedule_type) == (
        "replenishment.tasks.reorder_sweep_task",
        Schedule.DAILY,
    )
