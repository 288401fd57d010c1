"""Oneway settings: everything comes from environment variables (see README)."""

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from oneway.env import envbool, envint, envlist, envsecret, envstr, generated_secret

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(envstr("ONEWAY_DATA_DIR", str(Path.cwd() / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

# The key earlier versions used by default: public, so never accepted in production.
DEVELOPMENT_SECRET_KEY = "oneway-development-secret-key-do-not-use-in-production"

PRODUCTION = envbool("ONEWAY_PRODUCTION", False)
DEBUG = envbool("ONEWAY_DEBUG", not PRODUCTION)
SECRET_KEY = envsecret("ONEWAY_SECRET_KEY")
if not SECRET_KEY and not PRODUCTION:
    # No public default (it would let anyone sign media URLs): a random key made once into
    # the data directory (file mode 0600) and kept across restarts (issue 13).
    SECRET_KEY = generated_secret(DATA_DIR / "secret_key")

if PRODUCTION:
    if DEBUG:
        raise ImproperlyConfigured("ONEWAY_DEBUG must be off when ONEWAY_PRODUCTION is on.")
    if (
        SECRET_KEY == DEVELOPMENT_SECRET_KEY
        or len(SECRET_KEY) < 50
        or SECRET_KEY.startswith("django-insecure")
    ):
        raise ImproperlyConfigured(
            "ONEWAY_SECRET_KEY (or ONEWAY_SECRET_KEY_FILE) must be set to a random value of "
            "at least 50 characters in production."
        )

BASE_URL = envstr("ONEWAY_BASE_URL", f"http://127.0.0.1:{envint('PORT', 8000)}").rstrip("/")
_base = urlparse(BASE_URL)
ALLOWED_HOSTS = envlist("ONEWAY_ALLOWED_HOSTS", [_base.hostname or "127.0.0.1"])
if not PRODUCTION:
    ALLOWED_HOSTS += ["127.0.0.1", "localhost", "testserver"]
CSRF_TRUSTED_ORIGINS = [f"{_base.scheme}://{_base.netloc}"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "huey.contrib.djhuey",
    "axes",
    "csp",
    "ninja",
    "oneway.accounts",
    "oneway.core",
    "oneway.uploads",
    "oneway.media",
    "oneway.candidate",
    "oneway.dashboard",
    "oneway.live",
    "oneway.reviews",
    "oneway.api",
]

MIDDLEWARE = [
    # Request id, request metrics and the JSON access line (issue 14): first, so they see
    # every response, redirects and refusals included.
    "oneway.core.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # English for staff, the candidate's language on candidate pages (issue 16).
    "oneway.candidate.language.CandidateLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "oneway.accounts.middleware.OrganisationMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "oneway.urls"
WSGI_APPLICATION = "oneway.wsgi.application"
ASGI_APPLICATION = "oneway.asgi.application"

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
                "oneway.accounts.context_processors.organisation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASE_URL = envstr("DATABASE_URL", f"sqlite:///{DATA_DIR / 'oneway.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server and the worker read while the other writes.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
elif envstr("ONEWAY_TEST_DB_NAME"):
    # Lets several test runs share one PostgreSQL server without colliding.
    DATABASES["default"]["TEST"] = {"NAME": envstr("ONEWAY_TEST_DB_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes: lock out an account, and an IP, after repeated failures.
AXES_FAILURE_LIMIT = envint("ONEWAY_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("ONEWAY_LOGIN_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_CALLABLE = "oneway.accounts.views.locked_out"
AXES_RESET_ON_SUCCESS = True
# The client address comes from one proxy-aware function (ONEWAY_PROXY_COUNT, issue 13).
AXES_CLIENT_IP_CALLABLE = "oneway.core.audit.client_ip"
AXES_VERBOSE = False

# --- Sessions and security ------------------------------------------------------------
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = envbool("ONEWAY_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = envint("ONEWAY_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = envbool("ONEWAY_HSTS_PRELOAD", True)
    if envbool("ONEWAY_BEHIND_PROXY", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "en"
# Candidates read their invitation's language (issue 16); staff pages stay English. Each
# language is named in itself, as the candidate's language switcher shows it.
LANGUAGES = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("es", "Español"),
    ("nl", "Nederlands"),
    ("pt-br", "Português (Brasil)"),
    ("pl", "Polski"),
    ("ar", "العربية"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# The project-wide files (oneway.css ...); each app's own static/ is found as usual.
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_ROOT = Path(envstr("ONEWAY_MEDIA_ROOT", str(DATA_DIR / "media"))).resolve()
# Media is never served as public files: only through authorised, signed views.
MEDIA_URL = "/media-not-public/"

S3_BUCKET = envstr("ONEWAY_S3_BUCKET")
if S3_BUCKET:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": envstr("ONEWAY_S3_ENDPOINT_URL") or None,
            "region_name": envstr("ONEWAY_S3_REGION") or None,
            "access_key": envsecret("ONEWAY_S3_ACCESS_KEY") or None,
            "secret_key": envsecret("ONEWAY_S3_SECRET_KEY") or None,
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": envint("ONEWAY_MEDIA_URL_SECONDS", 300),
            "file_overwrite": True,
            "addressing_style": envstr("ONEWAY_S3_ADDRESSING_STYLE", "path"),
            "signature_version": "s3v4",
        },
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": MEDIA_URL},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
FILE_UPLOAD_PERMISSIONS = 0o640
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Cache (rate limits) --------------------------------------------------------------
REDIS_URL = envstr("ONEWAY_REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    # A database cache keeps rate limits correct across several processes.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "oneway_cache",
        }
    }

# --- Background jobs (Huey) -----------------------------------------------------------
HUEY_IMMEDIATE = envbool("ONEWAY_HUEY_IMMEDIATE", False)
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "oneway",
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": envint("ONEWAY_WORKERS", 2), "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "oneway",
        "filename": str(DATA_DIR / "huey.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": envint("ONEWAY_WORKERS", 2), "worker_type": "thread"},
    }

# --- Email ----------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = envstr("ONEWAY_FROM_EMAIL", "Oneway <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_URL = envsecret("EMAIL_URL")
EMAIL_TIMEOUT = 20
if EMAIL_URL:
    _email = urlparse(EMAIL_URL)
    _query = parse_qs(_email.query)
    if _email.scheme == "console":
        EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    elif _email.scheme in ("smtp", "smtps", "submission"):
        EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        EMAIL_HOST = _email.hostname or "localhost"
        EMAIL_PORT = _email.port or {"smtp": 25, "smtps": 465, "submission": 587}[_email.scheme]
        EMAIL_HOST_USER = unquote(_email.username or "")
        EMAIL_HOST_PASSWORD = unquote(_email.password or "")
        EMAIL_USE_SSL = _email.scheme == "smtps"
        EMAIL_USE_TLS = _email.scheme == "submission" or _query.get("tls", ["0"])[0] in (
            "1",
            "true",
        )
    else:
        raise ImproperlyConfigured(f"EMAIL_URL: unsupported scheme {_email.scheme!r}")
elif envstr("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = envstr("EMAIL_HOST")
    EMAIL_PORT = envint("EMAIL_PORT", 587)
    EMAIL_HOST_USER = envstr("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = envsecret("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
    EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", False)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# --- Logging --------------------------------------------------------------------------
LOG_FORMAT = envstr("ONEWAY_LOG_FORMAT", "plain").strip().lower()
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"ONEWAY_LOG_FORMAT must be plain or json, got {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "oneway.core.logformat.JsonFormatter"},
    },
    # Capability tokens in paths never reach the log (issue 13): on the handler, and on
    # the loggers that print paths (their records reach handlers Django set up too). The
    # JSON formatter (issue 14) logs URL patterns, not paths, and redacts on its own too.
    "filters": {"redact_tokens": {"()": "oneway.core.logfilters.RedactTokens"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["redact_tokens"],
        }
    },
    "root": {"handlers": ["console"], "level": envstr("ONEWAY_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "django.request": {"filters": ["redact_tokens"]},
        "django.server": {"filters": ["redact_tokens"]},
        "django.security": {"filters": ["redact_tokens"]},
        # granian's access log (when on) goes through the console handler above.
        "granian.access": {
            "filters": ["redact_tokens"],
            "handlers": ["console"],
            "propagate": False,
        },
    },
}

# --- Product settings -----------------------------------------------------------------
# Candidate links: attempts per IP per minute before answering 429.
CANDIDATE_LINK_RATE_LIMIT = envint("ONEWAY_CANDIDATE_LINK_RATE_LIMIT", 30)
# Minutes after the deadline during which an invitation still accepts answers.
DEADLINE_GRACE_MINUTES = envint("ONEWAY_DEADLINE_GRACE_MINUTES", 15)
# Lifetime of signed media URLs given to reviewers.
MEDIA_URL_SECONDS = envint("ONEWAY_MEDIA_URL_SECONDS", 300)
# Where in-progress resumable uploads are kept (local disk).
UPLOAD_TEMP_DIR = Path(envstr("ONEWAY_UPLOAD_DIR", str(DATA_DIR / "uploads"))).resolve()
UPLOAD_MAX_SIZE = envint("ONEWAY_UPLOAD_MAX_SIZE", 1024 * 1024 * 1024)
UPLOAD_MAX_CHUNK_SIZE = envint("ONEWAY_UPLOAD_MAX_CHUNK_SIZE", 64 * 1024 * 1024)
# A request body up to this size waits in memory; a bigger one goes to a scratch file.
UPLOAD_MEMORY_BUFFER = envint("ONEWAY_UPLOAD_MEMORY_BUFFER", 1024 * 1024)
UPLOAD_EXPIRY_HOURS = envint("ONEWAY_UPLOAD_EXPIRY_HOURS", 72)
UPLOAD_CORS_ORIGINS = envlist("ONEWAY_UPLOAD_CORS_ORIGINS")
# With S3 storage, in-progress uploads become S3 multipart parts of this size (>= 5 MiB);
# the chunks of the tail below it wait as objects in the bucket (issue 14), never on a web
# host's disk. "auto": S3 parts when storage is S3.
UPLOAD_S3_PART_SIZE = envint("ONEWAY_UPLOAD_S3_PART_SIZE", 5 * 1024 * 1024)
UPLOAD_BACKEND = envstr("ONEWAY_UPLOAD_BACKEND", "auto")
# nginx X-Accel-Redirect prefix for local media (empty: Django streams the file).
MEDIA_ACCEL_REDIRECT_PREFIX = envstr("ONEWAY_MEDIA_ACCEL_REDIRECT_PREFIX")
# Media processing (oneway.media): x264 preset for transcoded video (chosen by measurement,
# bench/README.md), seconds a worker's claim on a job lasts without renewal (a killed
# worker's job is queued again after it), attempts before a job is marked failed, and the
# local scratch folder for work in progress.
MEDIA_X264_PRESET = envstr("ONEWAY_MEDIA_X264_PRESET", "veryfast")
MEDIA_LEASE_SECONDS = envint("ONEWAY_MEDIA_LEASE_SECONDS", 120)
MEDIA_MAX_ATTEMPTS = envint("ONEWAY_MEDIA_MAX_ATTEMPTS", 4)
MEDIA_WORK_DIR = Path(envstr("ONEWAY_MEDIA_WORK_DIR", str(DATA_DIR / "media-work"))).resolve()

# --- Transcripts (issue 18) ---
# "whisper" (Whisper base from the pinned model packages, or the CTranslate2 model in
# ONEWAY_WHISPER_MODEL_DIR), "pocketsphinx" (English only, lighter), "none", or the dotted
# path of a oneway.media.transcribe.Transcriber subclass.
TRANSCRIBER = envstr("ONEWAY_TRANSCRIBER", "whisper")
WHISPER_MODEL_DIR = envstr("ONEWAY_WHISPER_MODEL_DIR")

# --- Hardening (issue 13) --------------------------------------------------------------
# Trusted reverse proxies in front of Oneway: the client address is the one the outermost
# of them saw (oneway.core.audit.client_ip, used by rate limits, axes and the audit log).
ONEWAY_PROXY_COUNT = envint("ONEWAY_PROXY_COUNT", 0)
# Slow request bodies (oneway.core.bodygate): requests reading a body at once per web
# process (keep it at least 2 below granian's --blocking-threads), and the seconds a body may go
# without a piece (16 KiB for a new or slow client, more for a fast one) before its read fails.
BODY_SLOTS = envint("ONEWAY_BODY_SLOTS", 4)
BODY_IDLE_SECONDS = envint("ONEWAY_BODY_IDLE_SECONDS", 10)


def s3_media_sources(bucket: str, endpoint: str, region: str, addressing_style: str) -> list[str]:
    """CSP sources covering the signed URLs django-storages makes for ``bucket``."""
    if not bucket:
        return []
    if endpoint:
        parts = urlparse(endpoint.rstrip("/"))
        if addressing_style == "virtual":
            return [f"{parts.scheme}://{bucket}.{parts.netloc}"]
        return [f"{parts.scheme}://{parts.netloc}{parts.path}/{bucket}/"]
    hosts = ["s3.amazonaws.com"] + ([f"s3.{region}.amazonaws.com"] if region else [])
    if addressing_style == "virtual":
        return [f"https://{bucket}.{host}" for host in hosts]
    return [f"https://{host}/{bucket}/" for host in hosts]


# Content-Security-Policy on every response (django-csp): scripts and styles only from
# Oneway's own static files (no inline code or style attributes), media from Oneway and
# the S3 bucket; blob: lets a candidate play back the take just recorded in the browser.
_media_sources = s3_media_sources(
    S3_BUCKET,
    envstr("ONEWAY_S3_ENDPOINT_URL"),
    envstr("ONEWAY_S3_REGION"),
    envstr("ONEWAY_S3_ADDRESSING_STYLE", "path"),
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", *_media_sources],
        "media-src": ["'self'", "blob:", *_media_sources],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Candidates' data rights (issue 12) ---
# Hours a download link for a candidate's data (on their page and in the email) works.
DATA_EXPORT_LINK_HOURS = envint("ONEWAY_DATA_EXPORT_LINK_HOURS", 24)
# Data rights requests (download, delete) per client address per hour.
DATA_RIGHTS_RATE_LIMIT = envint("ONEWAY_DATA_RIGHTS_RATE_LIMIT", 10)

# --- Reviewing at volume (issue 17) ---------------------------------------------------
# Staff pages show times in the member's own zone; ``staff_time`` says which zone.
MIDDLEWARE.append("oneway.accounts.middleware.StaffTimezoneMiddleware")
TEMPLATES[0]["OPTIONS"]["builtins"] = [  # type: ignore[index]
    "oneway.core.templatetags.staff_times",
    "oneway.core.templatetags.audit_words",
    # {{ when|local_date:"j F Y" }}: dates in the reader's language (issue 16).
    "oneway.core.templatetags.local_dates",
]

# --- REST API and webhooks (issue 15) -------------------------------------------------
# Requests per API key per minute (RateLimit headers tell clients where they stand).
API_RATE_LIMIT = envint("ONEWAY_API_RATE_LIMIT", 400)
# Largest request body the API accepts, in bytes (bigger answers 413).
API_MAX_BODY = envint("ONEWAY_API_MAX_BODY", 1024 * 1024)
# Webhooks may reach private, loopback and link-local addresses only when this is on.
WEBHOOK_ALLOW_PRIVATE = envbool("ONEWAY_WEBHOOK_ALLOW_PRIVATE", False)
# Seconds to wait for a webhook receiver; days an endpoint may fail before it is disabled.
WEBHOOK_TIMEOUT = envint("ONEWAY_WEBHOOK_TIMEOUT", 10)
WEBHOOK_DISABLE_AFTER_DAYS = envint("ONEWAY_WEBHOOK_DISABLE_AFTER_DAYS", 3)

# --- Operations: health, metrics, logs, sessions (issue 14) ---------------------------
# Prometheus metrics of every process on this host (web server workers, job consumer)
# are kept in this folder and summed at each scrape (prometheus-client's multiprocess
# mode). A tmpfs such as /run/oneway/metrics in production: emptied at boot.
METRICS_DIR = Path(envstr("ONEWAY_METRICS_DIR", str(DATA_DIR / "metrics"))).resolve()
METRICS_DIR.mkdir(parents=True, exist_ok=True)
# prometheus-client reads this when it is first imported (after the settings).
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(METRICS_DIR)
# /metrics answers only requests bearing this token (Authorization: Bearer ...); without
# one, /metrics answers 404 and worker hosts use `python -m oneway metrics_exporter`.
METRICS_TOKEN = envsecret("ONEWAY_METRICS_TOKEN")
# Probes and scrapes on plain HTTP from the load balancer are not redirected to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
# Sessions stay in the database (django.contrib.sessions' default): they outlive a Redis
# restart, and every web host sees them through the one database.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Every email is counted (oneway_emails_total) on its way to the backend chosen above.
EMAIL_DELIVERY_BACKEND = EMAIL_BACKEND
EMAIL_BACKEND = "oneway.core.mailbackend.MeteredEmailBackend"
