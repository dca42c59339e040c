"""Settings for the NTM Portal: one file, configured by the environment, failing loudly.

Every value that differs between a laptop and production comes from an environment variable.
A bad value raises ImproperlyConfigured at start-up instead of silently meaning something else.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    if raw.strip().lower() in _TRUE:
        return True
    if raw.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false, yes/no), not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_rate(name: str, default: str) -> str:
    """A rate limit as DRF reads it: a whole number of requests per second, minute, hour or
    day ("600/minute"); a bad value stops start-up, not each request later (a 500)."""
    raw = os.environ.get(name, default).strip()
    number, _, period = raw.partition("/")
    if not (number.isascii() and number.isdigit() and period[:1] in ("s", "m", "h", "d")) or (
        "/" in period
    ):
        raise ImproperlyConfigured(f"{name} must be a rate such as 600/minute, not {raw!r}")
    return raw


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off "
            "(set DJANGO_DEBUG=1 for local development)."
        )
    SECRET_KEY = "insecure-development-key-only-used-when-DJANGO_DEBUG-is-on"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "axes",
    "csp",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "communes",
    "accounts",
    "criteria",
    "ocop",
    "programme",
    "stats",
    "web",
    "demo",
    "jobs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Lets the audit trail (django-simple-history) record who made each change.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Personal and draft data is never cached: core.middleware.
    "core.middleware.PrivateNoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its 429 answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ntm_portal.urls"
WSGI_APPLICATION = "ntm_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.context_processors.portal",
            ],
        },
    },
]

# SQLite by default so that a new user runs the portal with no database server;
# production and CI point DATABASE_URL at PostgreSQL.
# An empty DATABASE_URL (as .env files often have) counts as unset.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded database has one writer at a time. A transaction takes the write lock as it
    # begins (IMMEDIATE), so a second writer (two imports at once under `make run`) waits for
    # the first, up to the timeout: begun as readers, it found the lock taken when it came to
    # write, and SQLite refused it at once ("database is locked", a 500).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("DJANGO_SQLITE_TIMEOUT", 30),
    } | DATABASES["default"].get("OPTIONS", {})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-axes first: it refuses a locked-out account or address before a password is checked,
# on every login path (pages, admin, API token).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Reviewers' view permissions in the admin follow their portal role.
    "accounts.permissions.PortalRoleBackend",
]
# Lockout: after this many failed logins for one account, or from one address, further
# attempts are refused (429) for the cool-off time, even with the right password. A success
# clears the account's count.
AXES_FAILURE_LIMIT = env_int("NTM_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("NTM_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "core.client.client_address"
AXES_LOCKOUT_CALLABLE = "accounts.security.lockout_response"
AXES_VERBOSE = False  # the security log (accounts.security) says it, one line per event
# Behind a proxy the client's address is taken from X-Forwarded-For only through this many
# proxies (core.client); 0 ignores the header.
NTM_TRUSTED_PROXIES = env_int("DJANGO_TRUSTED_PROXIES", 0)
if NTM_TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured("DJANGO_TRUSTED_PROXIES must be 0 or more")

# A session ends after this long without a request (each request renews it).
SESSION_COOKIE_AGE = 60 * env_int("NTM_IDLE_TIMEOUT_MINUTES", 30)
if SESSION_COOKIE_AGE <= 0:
    raise ImproperlyConfigured("NTM_IDLE_TIMEOUT_MINUTES must be a positive number of minutes")
SESSION_SAVE_EVERY_REQUEST = True

# The shared cache (throttle counts, sessions) is Redis when REDIS_URL is set, so that every
# worker and server counts together; the embedded default is this process's memory.
REDIS_URL = os.environ.get("REDIS_URL", "")
# The statistics' answers stay in the cache this long at most; they are never stale: a write
# they read makes the next request count again (stats.freshness).
NTM_STATS_CACHE_SECONDS = env_int("NTM_STATS_CACHE_SECONDS", 86400)
# An assessment's detail likewise (core.answers, the version stats.freshness counts); entries
# are many and larger, so they live apart from the statistics' (in their own part of the local
# memory, which drops the oldest third when full) and expire sooner.
NTM_DETAIL_CACHE_SECONDS = env_int("NTM_DETAIL_CACHE_SECONDS", 600)
NTM_DETAIL_CACHE_ENTRIES = env_int("NTM_DETAIL_CACHE_ENTRIES", 500)
# And the pages of the assessments', communes' and OCOP products' lists (core.api.kept_page;
# up to 250 KB each for 500 rows).
NTM_LIST_CACHE_SECONDS = env_int("NTM_LIST_CACHE_SECONDS", 600)
NTM_LIST_CACHE_ENTRIES = env_int("NTM_LIST_CACHE_ENTRIES", 50)


def _cache(prefix: str, entries: int | None = None) -> dict:
    if REDIS_URL:
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    local = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": prefix}
    return local | ({"OPTIONS": {"MAX_ENTRIES": entries}} if entries else {})


CACHES = {
    "default": _cache(""),
    "details": _cache("details", NTM_DETAIL_CACHE_ENTRIES),
    "lists": _cache("lists", NTM_LIST_CACHE_ENTRIES),
}
# Sessions are read from the shared cache and written through to the database, so that every
# server sees a login (and a logout) at once and a flushed Redis logs nobody out. Without
# Redis they stay in the database alone: a per-process cache would keep a logged-out session
# alive in the other workers.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if REDIS_URL
    else "django.contrib.sessions.backends.db"
)

# Background jobs (jobs/): sent to Celery workers (make worker) through this broker when it is
# set, e.g. redis://127.0.0.1:6379/1; run inline, in the request or command that starts them,
# when it is not. Not taken from REDIS_URL: a broker without a worker would queue jobs forever.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
# A job's status, progress and result are stored on its row (jobs.models.Job), not by Celery.
CELERY_TASK_IGNORE_RESULT = True
# Jobs are long: a worker process takes one at a time instead of reserving several.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Asia/Ho_Chi_Minh"

# Password reset mails; the console on the embedded default.
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "ntm-portal@localhost")

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "pages:overview"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
# Dates written 10/03/2022 in Vietnamese, as decisions write them (ntm_portal/formats/vi).
FORMAT_MODULE_PATH = ["ntm_portal.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Front-end libraries come from the npm registry (package.json, installed by `make install`)
# and are served as static files with their licences: the dashboards' charts (Chart.js, MIT)
# at static/vendor/chart.js/ (dist/chart.umd.min.js, LICENSE.md). Without them the
# dashboards still show every figure in their tables.
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    (f"vendor/{package}", NODE_MODULES / package)
    for package in ("chart.js",)
    if (NODE_MODULES / package).is_dir()
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
# The largest evidence file an officer may attach (criteria.services.attach_evidence); the web
# server in front should accept request bodies at least this large.
NTM_EVIDENCE_MAX_BYTES = env_int("NTM_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
if NTM_EVIDENCE_MAX_BYTES <= 0:
    raise ImproperlyConfigured("NTM_EVIDENCE_MAX_BYTES must be a positive number of bytes")
# How long before its rating ends an OCOP certificate shows as expiring (time to re-evaluate):
# the pages, admin and statistics all read this. Not from the environment: the statistics
# API names it in a field (ocop.expiring_90_days).
NTM_OCOP_EXPIRING_DAYS = 90

# HTTPS hardening: on by default whenever debug is off, each switchable for a proxy setup.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_HTTPS_PROXY", False) else None
)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# The pages load only the portal's own scripts, styles, images and fonts; no inline script,
# no frames, forms post only here. The API docs page loosens styles alone (web.views.docs).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    # DRF's JSON, written by orjson (core.renderers), and the browsable API.
    "DEFAULT_RENDERER_CLASSES": [
        "core.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # DRF's parsers, with the JSON one bounded (nesting depth, storable text): core.parsers.
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Token first, so that a request without credentials is told how to authenticate (401).
    # Tokens expire and are revoked at logout (django-rest-knox, accounts.api).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    # Per address for anonymous requests, per user for logged-in ones (core.throttles).
    "DEFAULT_THROTTLE_CLASSES": ["core.throttles.AnonThrottle", "core.throttles.UserThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_rate("DJANGO_ANON_THROTTLE", "600/minute"),
        "user": env_rate("DJANGO_USER_THROTTLE", "1200/minute"),
        "login": env_rate("DJANGO_LOGIN_THROTTLE", "20/minute"),
    },
    "NUM_PROXIES": NTM_TRUSTED_PROXIES,
}

REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=env_int("NTM_TOKEN_HOURS", 10)),
    "AUTH_HEADER_PREFIX": "Token",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "NTM Portal API",
    "DESCRIPTION": (
        "Read Vietnam's administrative units and the New Rural Development (Nông thôn mới) "
        "programme's data commune by commune."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Served from our own static files: officers' networks and CI have no CDN access.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Fields of the same name with different choices get names that say which they are.
    "ENUM_NAME_OVERRIDES": {
        "StructureEnum": "communes.models.Structure",
        "CommuneKindEnum": "communes.models.Commune.Kind",
        "AssessmentStatusEnum": "criteria.models.Assessment.Status",
        "CriterionStatusEnum": ["met", "not_met", "incomplete"],
        "EditionStatusEnum": "criteria.models.Edition.Status",
        "EditionChangeKindEnum": "criteria.models.EditionChange.Kind",
        "FigureSourceEnum": "stats.annual.SOURCES",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # One JSON line per security event (accounts.security), for the deployment's log shipper.
    # django-axes's own lines repeat what that log says.
    "loggers": {"ntm.security": {"level": "INFO"}, "axes": {"level": "WARNING"}},
}
