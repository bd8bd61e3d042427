"""What a test needs from the machine. PostgreSQL-only, browser and peer tests skip on a
newcomer's machine with a line saying how to run them; in CI (CI=true) such a skip fails the run
instead."""

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = "/usr/bin/chromium"


def skip_or_fail(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"CI must not skip: {reason}", pytrace=False)
    pytest.skip(reason)
