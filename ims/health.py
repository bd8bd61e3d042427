"""GET /healthz: 200 when the database and the task queue answer, 503 naming what is down."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from ims.kits.access import public


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:  # any failure means "down"; the message says why
        return f"down: {exc.__class__.__name__}"


def _queue() -> str:
    try:
        from django_q.brokers import get_broker

        broker = get_broker()
        return "ok" if broker.ping() else "down: broker did not answer"
    except Exception as exc:  # a broker error of any kind means "down"
        return f"down: {exc.__class__.__name__}"


@public
@require_GET
def healthz(request):
    checks = {"database": _database(), "queue": _queue()}
    checks["broker"] = "redis" if settings.REDIS_URL else "orm"
    healthy = all(v == "ok" for k, v in checks.items() if k != "broker")
    return JsonResponse(checks, status=200 if healthy else 503)
