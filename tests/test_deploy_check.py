"""Production values: `manage.py check --deploy` reports nothing, and /healthz answers over plain
HTTP (load balancers probe it so) while everything else is redirected to https."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.test import Client, override_settings

ROOT = Path(__file__).resolve().parent.parent
# Our own switches: a developer's environment must not change what production gets by default.
OVERRIDDEN = ("SECURE_", "SESSION_COOKIE_", "CSRF_COOKIE_", "IMS_", "AXES_", "DJANGO_")


def test_deploy_check_is_clean_with_production_values():
    env = {k: v for k, v in os.environ.items() if not k.startswith(OVERRIDDEN)}
    env.update(
        DJANGO_SETTINGS_MODULE="ims.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="example.com",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@override_settings(SECURE_SSL_REDIRECT=True, ALLOWED_HOSTS=["example.com"])
def test_healthz_is_exempt_from_the_https_redirect(db):
    client = Client(HTTP_HOST="example.com")
    assert client.get("/healthz").status_code in {200, 503}
    redirected = client.get("/api/v1/schema/")
    assert redirected.status_code == 301
    assert redirected["Location"].startswith("https://example.com/")
