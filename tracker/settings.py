"""Factdesk settings, read from the environment (DESIGN §6).

Every value has one helper that fails loudly with ImproperlyConfigured, so a
typo in a deployment stops the process at start-up instead of misbehaving.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}.")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    items = [item.strip() for item in raw.split(",") if item.strip()]
    if not items:
        raise ImproperlyConfigured(f"{name} is set but lists nothing.")
    return items


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}.")
    return value


def env_proxy_header(name: str) -> tuple[str, str] | None:
    """Return the SECURE_PROXY_SSL_HEADER for a header name such as X-Forwarded-Proto, or None when unset."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    if not all(part.isalnum() for part in raw.split("-")):
        raise ImproperlyConfigured(f"{name} must be a header name such as X-Forwarded-Proto; got {raw!r}.")
    return "HTTP_" + raw.upper().replace("-", "_"), "https"


def env_url(name: str, default: str) -> str:
    raw = os.environ.get(name, default).strip()
    parts = urlsplit(raw)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ImproperlyConfigured(f"{name} must be an absolute http(s) URL; got {raw!r}.")
    return raw.rstrip("/")


def env_choice(name: str, default: str, choices: set[str]) -> str:
    raw = os.environ.get(name, default).strip().upper()
    if raw not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(sorted(choices))}; got {raw!r}.")
    return raw


def env_origins(name: str) -> list[str]:
    origins = env_list(name, [])
    for origin in origins:
        parts = urlsplit(origin)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ImproperlyConfigured(f"{name} must list origins such as https://desk.example.org; got {origin!r}.")
    return origins


def _secret_key(debug: bool) -> str:
    key = os.environ.get("SECRET_KEY", "").strip()
    if key:
        # Django's own bar (check security.W009), enforced rather than warned
        # about: a short key lets anyone forge sessions and password-reset links.
        if not debug and (len(key) < 50 or len(set(key)) < 5 or key.startswith("django-insecure-")):
            raise ImproperlyConfigured(
                "SECRET_KEY is too weak for DEBUG off: use at least 50 random characters, e.g. from "
                "python -c 'import secrets; print(secrets.token_urlsafe(50))'."
            )
        return key
    if not debug:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # A development checkout gets a random key of its own, kept out of git, so
    # sessions survive restarts of `make run` without a key in the repository.
    path = BASE_DIR / ".dev-secret-key"
    if not path.exists():
        path.write_text(get_random_secret_key())
    return path.read_text().strip()


def _databases(debug: bool) -> dict:
    url = os.environ.get("DATABASE_URL", "").strip() or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from exc
    engine = config["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        if config["NAME"] in {"", ":memory:"}:
            # Every connection would get an empty database of its own.
            raise ImproperlyConfigured(
                "DATABASE_URL must name a SQLite file, e.g. sqlite:////srv/factdesk/db.sqlite3."
            )
        name = Path(config["NAME"])
        config["CONN_MAX_AGE"] = 0
        # Several editors write at once: WAL lets readers run beside the one
        # writer, IMMEDIATE takes the write lock at BEGIN (so two transactions
        # never deadlock upgrading read locks), and the busy timeout queues
        # writers instead of failing with "database is locked".
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
        # Tests use a file, not memory, so threaded tests exercise real locking.
        config["TEST"] = {"NAME": str(name.with_name(f"test_{name.name}"))}
    elif engine != "django.db.backends.postgresql":
        raise ImproperlyConfigured(f"DATABASE_URL must point at SQLite or PostgreSQL; got {engine}.")
    elif not config.get("NAME"):
        raise ImproperlyConfigured(
            "DATABASE_URL must name the PostgreSQL database, e.g. postgres://user@host/factdesk."
        )
    return {"default": config}


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = _secret_key(DEBUG)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_origins("CSRF_TRUSTED_ORIGINS")

FACTDESK_ORG_NAME = os.environ.get("FACTDESK_ORG_NAME", "Factdesk").strip() or "Factdesk"
FACTDESK_SITE_URL = env_url("FACTDESK_SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "tracker",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "tracker.middleware.DatabaseUnavailableMiddleware",
    "csp.middleware.CSPMiddleware",
    "tracker.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "tracker.urls"
WSGI_APPLICATION = "tracker.wsgi.application"

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
                "tracker.context_processors.factdesk",
            ],
        },
    },
]

DATABASES = _databases(DEBUG)

# Permissions cached between requests, dropped when roles change (tracker.auth).
AUTHENTICATION_BACKENDS = ["tracker.auth.CachedPermissionBackend"]


THROTTLE_CACHE_TABLE = "factdesk_throttle_cache"


def _caches(debug: bool) -> dict:
    # "throttle" holds the login and token throttles' counts: they must be one
    # count across workers and servers, so it is Redis when CACHE_URL says so,
    # else the database (a table of migration 0007; it works on SQLite and
    # PostgreSQL alike) whenever DEBUG is off. "default" stays in process
    # memory without CACHE_URL: it only saves work (permissions, suggestions).
    url = os.environ.get("CACHE_URL", "").strip()
    if not url:
        local = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
        shared = {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": THROTTLE_CACHE_TABLE}
        return {"default": local, "throttle": {**local, "LOCATION": "throttle"} if debug else shared}
    if urlsplit(url).scheme not in {"redis", "rediss"}:
        raise ImproperlyConfigured(f"CACHE_URL must be a redis:// or rediss:// URL; got {url!r}.")
    redis = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    return {"default": redis, "throttle": {**redis, "KEY_PREFIX": "throttle"}}


CACHES = _caches(DEBUG)


def _trusted_proxies() -> list:
    from tracker.clients import parse_networks

    try:
        return parse_networks(os.environ.get("FACTDESK_TRUSTED_PROXIES", ""))
    except ValueError as exc:
        raise ImproperlyConfigured(f"FACTDESK_TRUSTED_PROXIES must list IP addresses or networks: {exc}.") from exc


# Proxies whose X-Forwarded-For names the client (for throttles); none by default.
FACTDESK_TRUSTED_PROXIES = _trusted_proxies()


def _email() -> dict:
    """Return Django's mail settings: SMTP when EMAIL_HOST is set, else none (mail is optional)."""
    host = os.environ.get("EMAIL_HOST", "").strip()
    backend = os.environ.get("EMAIL_BACKEND", "").strip()
    if not backend:
        backend = "django.core.mail.backends.smtp.EmailBackend" if host else ""
    return {
        "EMAIL_BACKEND": backend or "django.core.mail.backends.locmem.EmailBackend",
        "EMAIL_HOST": host or "localhost",
        "EMAIL_PORT": env_int("EMAIL_PORT", 25, minimum=1),
        "EMAIL_HOST_USER": os.environ.get("EMAIL_HOST_USER", ""),
        "EMAIL_HOST_PASSWORD": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "EMAIL_USE_TLS": env_bool("EMAIL_USE_TLS", False),
        "EMAIL_USE_SSL": env_bool("EMAIL_USE_SSL", False),
        "DEFAULT_FROM_EMAIL": os.environ.get("DEFAULT_FROM_EMAIL", "").strip() or "factdesk@localhost",
        # Notifications go out by mail only where someone configured a way to send it.
        "FACTDESK_EMAIL_ENABLED": bool(backend or host),
    }


globals().update(_email())

# Background work (DESIGN §8): Django's task API with the ORM queue, so a
# worker (`manage.py run_worker`) needs nothing but the database.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Hosts that may be fetched although they resolve to private or loopback
# addresses (intranets, tests); everything else must be a public address.
FACTDESK_FETCH_ALLOWED_HOSTS = [host.lower() for host in env_list("FACTDESK_FETCH_ALLOWED_HOSTS", [])]
FACTDESK_FETCH_TIMEOUT = env_int("FACTDESK_FETCH_TIMEOUT", 15, minimum=1)
FACTDESK_FETCH_MAX_BYTES = env_int("FACTDESK_FETCH_MAX_BYTES", 5 * 1024 * 1024, minimum=1024)
FACTDESK_FEED_INTERVAL_MINUTES = env_int("FACTDESK_FEED_INTERVAL_MINUTES", 30, minimum=1)
# A job that fails is tried again after 30 s, 1 min, 2 min ... (doubling, capped at an hour).
FACTDESK_JOB_RETRY_SECONDS = env_int("FACTDESK_JOB_RETRY_SECONDS", 30)
# A worker that has not been heard from for this long is taken as dead, and its job is run again.
FACTDESK_WORKER_STALE_SECONDS = env_int("FACTDESK_WORKER_STALE_SECONDS", 60, minimum=1)
# Finding (DESIGN §6): the languages a search word is stemmed in (the desk's claims' languages; each
# adds alternatives a word may match), and whether the optional semantic layer is used when installed.
FACTDESK_SEARCH_LANGUAGES = [code.lower() for code in env_list("FACTDESK_SEARCH_LANGUAGES", ["en", "ru"])]
# On by default, but only does anything with the extra installed (`make semantic`); 0 turns it off regardless.
FACTDESK_SEMANTIC = env_bool("FACTDESK_SEMANTIC", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files browsers and crawlers ask for at the site's root (/favicon.ico, /robots.txt).
WHITENOISE_ROOT = BASE_DIR / "webroot"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Uploaded article files are small text; anything bigger is refused early.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "tracker.uploads.SizeLimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# HTTPS settings are opt-in: `make run` serves plain http, and HSTS sent by
# mistake locks browsers out of a site that is not (yet) on https.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Only behind a proxy that sets this header itself: a client could otherwise claim https.
SECURE_PROXY_SSL_HEADER = env_proxy_header("SECURE_PROXY_SSL_HEADER")

# A strict Content-Security-Policy: scripts and styles from this site only (a
# nonce for the few inline scripts, e.g. Swagger UI's loader), no plugins, no
# framing, forms post only here. Images may be data: URLs (Swagger UI's icons).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        # Two <style> elements that libraries insert from their scripts, allowed by
        # their hashes (tests/browser/test_csp.py tells when an upgrade changes one):
        # Swagger UI's on /api/docs/, and the admin's autocomplete widgets'.
        "style-src": [
            "'self'",
            "'sha256-MMpT0iDxyjALd9PdfepImGX3DBfJPXZ4IlDWdPAgtn0='",
            "'sha256-y0OvYHy8q8zDxGeJI/kNLTkXO1qUET+kngCpU8YvQV0='",
        ],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Powerful browser features the desk never uses, switched off for every page.
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), "
    "magnetometer=(), gyroscope=(), accelerometer=()"
)

SIMPLE_HISTORY_REVERT_DISABLED = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "tracker.api.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["tracker.api.filters.FilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["tracker.api.renderers.FastJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "tracker.api.parsers.StrictContentNegotiation",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Factdesk API",
    "DESCRIPTION": (
        "Fact-check claim tracker: articles, anchored claims, evidence, verification workflow, ClaimReview."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Separate FooRequest components, so generated clients do not demand read-only fields
    # (id, body_sha256, created_at, ...) in the bodies they send.
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ClaimStatusEnum": "tracker.models.Claim.Status",
        "ClaimantKindEnum": "tracker.models.Claimant.Kind",
        "SourceKindEnum": "tracker.models.Source.Kind",
        "MatchKindEnum": "tracker.finding.matching.MATCH_KINDS",
    },
    # The JSON body of factchecks/import/ (tracker.api.finding), one component for both of its
    # JSON media types, so generated clients get one model for it.
    "APPEND_COMPONENTS": {
        "schemas": {
            "ClaimReviewDocument": {
                "type": "object",
                "additionalProperties": True,
                "description": (
                    "A JSON-LD object: a ClaimReview, a DataFeed of them (dataFeedElement) or an ItemList "
                    "(itemListElement), with schema.org's keys (@type, claimReviewed, url, reviewRating, ...)."
                ),
            },
            "ClaimReviewImport": {
                "oneOf": [
                    {"$ref": "#/components/schemas/ClaimReviewDocument"},
                    {"type": "array", "items": {"$ref": "#/components/schemas/ClaimReviewDocument"}},
                ],
                "description": "One ClaimReview (or DataFeed, or ItemList), or a list of them.",
            },
        }
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": env_choice("LOG_LEVEL", "INFO", {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}),
    },
}
