"""IMS settings, read from the environment (see README "Configuration")."""

import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-dev-only-key-never-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "axes",
    "ims",
    "ims.throttling",
    "accounts",
    "inventory",
    "receiving",
    "replenishment",
    "channels",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a sign-in that django-axes locked out into ims.throttling.lockout's answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ims.urls"
WSGI_APPLICATION = "ims.wsgi.application"
ASGI_APPLICATION = "ims.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ims.context_processors.navigation",
            ],
        },
    },
]

# SQLite by default (embedded, zero set-up); PostgreSQL whenever DATABASE_URL is set.
# The web process and the worker share the SQLite file: WAL plus IMMEDIATE transactions and a
# busy timeout make them queue instead of failing with "database is locked".
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if IS_POSTGRES:
    # The few statements every stock change sends are bound on the server and prepared after
    # this many runs on a connection (inventory/services/_sql.py); Django's own cursors bind on
    # the client and never prepare. "off" for a pooler that can't keep prepared statements
    # (PgBouncer in transaction mode before 1.21).
    _prepare = os.environ.get("DATABASE_PREPARE_THRESHOLD", "5").strip().lower()
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        None if _prepare in {"off", "none", ""} else int(_prepare)
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = BASE_DIR / "media"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Production hardening: on by default whenever DEBUG is off (`manage.py check --deploy` is clean).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
# Load balancers probe the health check over plain HTTP; everything else is redirected.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Sign-in lockout (django-axes, attempts kept in the database, so every process sees them): after
# AXES_FAILURE_LIMIT failures for one username from one address, that pair is refused (429 with
# Retry-After) for the cool-off, even with the right password; a success resets the count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
# Username and address together: one associate's typos never lock out a whole warehouse behind
# one NAT address, and nobody elsewhere can lock a user out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "ims.throttling.lockout.lockout_response"

# Throttle counters live in the cache, so it must be shared by every process: Redis when
# REDIS_URL is set, else the database (its table is made by ims.throttling's migration); a
# process-local cache only for development.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
elif DEBUG:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "ims_cache",
        }
    }

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        # Api-Key <key>: a sales channel, only on the endpoints that allow channel keys.
        "channels.api.auth.ApiKeyAuthentication",
    ],
    # Every API view names the roles of each action (ims.kits.access, PRODUCT.md's table).
    "DEFAULT_PERMISSION_CLASSES": ["ims.kits.access.RolePermission"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "ims.kits.pagination.ResultsPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "ims.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Rate limits per token (or session) user and per channel key; generous, so only a runaway
    # client meets them. Over the limit: 429 {"code": "throttled"} with Retry-After.
    "DEFAULT_THROTTLE_CLASSES": [
        "ims.throttling.throttles.UserThrottle",
        "ims.throttling.throttles.ChannelKeyThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": os.environ.get("IMS_API_RATE_USER", "60000/min"),
        "channel_key": os.environ.get("IMS_API_RATE_CHANNEL_KEY", "60000/min"),
        # POST /auth/token/ per client address (besides the lockout per username and address).
        "sign_in": os.environ.get("IMS_API_RATE_SIGN_IN", "300/min"),
    },
}

# Channel endpoints (channels/connectors/endpoints.py): loopback, private and link-local
# addresses are refused unless this is on (development and tests, whose peers run on
# 127.0.0.1); plain http is refused when IMS_ENDPOINTS_HTTPS_ONLY is on.
IMS_ALLOW_PRIVATE_ENDPOINTS = env_bool("IMS_ALLOW_PRIVATE_ENDPOINTS", DEBUG)
IMS_ENDPOINTS_HTTPS_ONLY = env_bool("IMS_ENDPOINTS_HTTPS_ONLY", not DEBUG)

SPECTACULAR_SETTINGS = {
    "TITLE": "IMS API",
    "DESCRIPTION": "The IMS integration contract (REST API v1).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several documents have a "status"; name each enum after its document.
    "ENUM_NAME_OVERRIDES": {
        "ImportStatusEnum": "inventory.models.ImportStatus",
        "CycleCountStatusEnum": "inventory.models.CountStatus",
        "CycleCountOriginEnum": "inventory.models.CountOrigin",
        "AlertStatusEnum": "replenishment.models.AlertStatus",
        "PurchaseOrderStatusEnum": "receiving.models.PurchaseOrderStatus",
        "PutawayStatusEnum": "receiving.models.PutawayStatus",
        "DiscrepancyCodeEnum": "receiving.models.DiscrepancyCode",
        "SyncStatusEnum": "channels.models.SyncStatus",
        "OrderStatusEnum": "channels.models.OrderStatus",
        "PickTaskStatusEnum": "channels.models.PickTaskStatus",
    },
}

# django-q2: the ORM broker by default (no extra service), Redis when REDIS_URL is set.
REDIS_URL = os.environ.get("REDIS_URL", "")
Q_CLUSTER = {
    "name": "ims",
    "workers": int(os.environ.get("Q_WORKERS", "2")),
    "timeout": 60,
    "retry": 120,
    "max_attempts": 3,
    "catch_up": False,
    "ack_failures": True,
    "poll": 0.2,
    "label": "Tasks",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# Uploads and imports (inventory.imports.limits): refused with a 400 naming the limit, before
# the file is parsed. Files above FILE_UPLOAD_MAX_MEMORY_SIZE are spooled to a temporary file,
# not held in memory; DATA_UPLOAD_MAX_MEMORY_SIZE caps a request's non-file body.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440))
FILE_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("FILE_UPLOAD_MAX_MEMORY_SIZE", 2_621_440))
IMPORT_MAX_FILE_BYTES = int(os.environ.get("IMPORT_MAX_FILE_BYTES", 20 * 1024 * 1024))
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", 100_000))
IMPORT_MAX_COLUMNS = int(os.environ.get("IMPORT_MAX_COLUMNS", 200))
IMPORT_MAX_UNCOMPRESSED_BYTES = int(
    os.environ.get("IMPORT_MAX_UNCOMPRESSED_BYTES", 50 * 1024 * 1024)
)
IMPORT_MAX_COMPRESSION_RATIO = int(os.environ.get("IMPORT_MAX_COMPRESSION_RATIO", 100))
IMPORT_INLINE_MAX_ROWS = int(os.environ.get("IMPORT_INLINE_MAX_ROWS", 500))
# Exports: text cells are made formula-safe by ims.kits.exports; control characters that XLSX
# cannot hold are replaced instead of failing the export (inventory.imports.exports).

# Receipts above ordered quantity by more than this share are flagged as over-receipt.
RECEIVING_OVER_RECEIPT_TOLERANCE_PERCENT = Decimal(
    os.environ.get("RECEIVING_OVER_RECEIPT_TOLERANCE_PERCENT", "0")
)

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "ims@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
