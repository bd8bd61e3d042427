"""Settings for the test suite: the real settings with development defaults and fast hashing."""

import os

os.environ.setdefault("DEBUG", "1")

from ims.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405

# Channel peers in tests run on 127.0.0.1 over plain http (tests/channels/receivers.py).
IMS_ALLOW_PRIVATE_ENDPOINTS = True
IMS_ENDPOINTS_HTTPS_ONLY = False
