"""Safeguard settings: one module, configured from the environment (see README, "Configuration").

Development needs nothing set: SQLite and a file-system Celery broker under var/. Production
(SAFEGUARD_ENV=production) refuses to start without a real secret, allowed hosts and e-mail.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from safeguard.conf import (
    development_key,
    development_secret,
    env_bool,
    env_choice,
    env_int,
    env_key,
    env_list,
    env_networks,
    env_str,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent

SAFEGUARD_ENV = env_choice("SAFEGUARD_ENV", ("development", "production"), "development")
PRODUCTION = SAFEGUARD_ENV == "production"

VAR_DIR = Path(env_str("SAFEGUARD_VAR_DIR", str(BASE_DIR / "var"))).resolve()

DEBUG = env_bool("SAFEGUARD_DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("SAFEGUARD_DEBUG must be off when SAFEGUARD_ENV=production.")

if PRODUCTION:
    SECRET_KEY = env_str("SAFEGUARD_SECRET_KEY", required=True)
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure"):
        raise ImproperlyConfigured(
            "Environment variable SAFEGUARD_SECRET_KEY must be a random value of at least 50 characters "
            '(for example from: python -c "import secrets; print(secrets.token_urlsafe(64))").'
        )
    ALLOWED_HOSTS = env_list("SAFEGUARD_ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("Environment variable SAFEGUARD_ALLOWED_HOSTS is required when SAFEGUARD_ENV=production.")
else:
    SECRET_KEY = env_str("SAFEGUARD_SECRET_KEY") or development_secret(VAR_DIR)
    ALLOWED_HOSTS = env_list("SAFEGUARD_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])

BASE_URL = (env_url("SAFEGUARD_BASE_URL", ("http", "https")) or "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = [BASE_URL]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "guardian",
    "django_htmx",
    "django_celery_beat",
    "safeguard",
    "cases",
    "referrals",
    "desk",
]

MIDDLEWARE = [
    # First: forwarded headers from anyone but the configured proxy are dropped before anything reads them.
    "safeguard.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "safeguard.middleware.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "safeguard.middleware.RequestContextMiddleware",
    # Request latency by view, for Prometheus (issue 21; /metrics, off unless SAFEGUARD_METRICS=1).
    "safeguard.metrics.RequestMetricsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "safeguard.middleware.SessionHashMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "safeguard.middleware.SessionLifetimeMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # After django-otp's: a provider's multi-factor sign-in, where the school trusts it (issue 20).
    "safeguard.middleware.ProviderMultiFactorMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "safeguard.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "desk.urls"
WSGI_APPLICATION = "safeguard.wsgi.application"

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
                "safeguard.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_url("DATABASE_URL", ("postgres", "postgresql", "sqlite"))
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("SAFEGUARD_DB_CONN_MAX_AGE", 60, minimum=0))}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": VAR_DIR / "safeguard.sqlite3"}}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock at BEGIN, so concurrent writers (web, worker,
    # beat) queue instead of failing, and the audit hash chain is extended by one writer at a time.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    )

# Migrations run as the tables' owner; the application connects (DATABASE_URL) as a role that may
# only read and add audit rows, so it can neither rewrite the audit log nor lift its triggers.
# Set SAFEGUARD_DATABASE_OWNER_URL only where `manage.py migrate` runs: that command then connects
# as the owner and afterwards grants the application role its rights (safeguard/database_roles.py).
_owner_url = env_url("SAFEGUARD_DATABASE_OWNER_URL", ("postgres", "postgresql"))
DATABASE_APP_ROLE = env_str("SAFEGUARD_DATABASE_APP_ROLE") or DATABASES["default"].get("USER") or ""
if _owner_url:
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("SAFEGUARD_DATABASE_OWNER_URL is set, so DATABASE_URL must be a PostgreSQL URL too.")
    DATABASES["owner"] = dj_database_url.parse(_owner_url, conn_max_age=0)
    # The test runner makes its database with DATABASE_URL; the owner alias then points at it.
    DATABASES["owner"]["TEST"] = {"MIRROR": "default"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Audit log key --------------------------------------------------------------------------------
# The audit hash chains are keyed (HMAC-SHA256) with this key, kept outside the database: whoever
# can write to the database but has not got it cannot re-forge the chains. Without it the log
# cannot be verified, so the school keeps a copy off this server (README, "Reports and the audit log").
AUDIT_KEY = env_key("SAFEGUARD_AUDIT_KEY")
if AUDIT_KEY is None:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "Environment variable SAFEGUARD_AUDIT_KEY is required when SAFEGUARD_ENV=production: it keys the audit "
            'log\'s hash chains. Generate one with: python -c "import secrets; print(secrets.token_urlsafe(48))" '
            "and keep a copy off this server: without it the audit log cannot be verified."
        )
    AUDIT_KEY = development_key(VAR_DIR / "audit_key")

# --- Cache and Celery -------------------------------------------------------------------------
REDIS_URL = env_url("REDIS_URL", ("redis", "rediss"))
if REDIS_URL:
    # A miss, not an error, while Redis restarts (safeguard/cache.py); short timeouts, so a request
    # never waits long for a Redis that is away.
    CACHES = {
        "default": {
            "BACKEND": "safeguard.cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    # A task a worker took and did not finish (killed mid-send) goes back on the queue after this
    # long; sending is idempotent (each reminder's claim), so it goes out once.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("SAFEGUARD_BROKER_VISIBILITY_SECONDS", 3600, minimum=10, maximum=86400)
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": VAR_DIR / "cache"}}
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "control", "processed"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    # kombu's file-system transport, writing each message whole before a worker can read it
    # (safeguard/broker.py).
    CELERY_BROKER_URL = "safeguard-files://localhost//"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
    }

CELERY_TIMEZONE = "Europe/London"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A page that queues a task must not hang when the broker is down: publish fails fast and the
# database row the task is about stays pending for the next sweep.
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_ALWAYS_EAGER = False
# django-celery-beat's schedule in the database, with each run claimed once (safeguard/beat.py), so
# two or more beats (one per server) never run a job twice.
CELERY_BEAT_SCHEDULER = "safeguard.beat:SingleRunScheduler"
#: How often the reminder and alert-email sweeps run (seconds).
SWEEP_SECONDS = env_int("SAFEGUARD_SWEEP_SECONDS", 120, minimum=5, maximum=900)
from celery.schedules import crontab  # noqa: E402 - beside the one schedule that needs it

CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "safeguard.tasks.heartbeat", "schedule": 30.0},
    "check-platform-reports": {"task": "referrals.tasks.check_platform_reports", "schedule": 15 * 60.0},
    "sweep-reminders": {"task": "referrals.tasks.sweep_reminders", "schedule": float(SWEEP_SECONDS)},
    "sweep-alert-emails": {"task": "safeguard.tasks.sweep_alert_emails", "schedule": float(SWEEP_SECONDS)},
    # Every night at 02:15 UK time (CELERY_TIMEZONE): check the whole audit hash chain.
    "verify-audit-chain": {"task": "safeguard.tasks.verify_audit_chain", "schedule": crontab(hour=2, minute=15)},
    # Who may read a case (guardian's permission) and the assignments' history agree.
    "check-assignments": {"task": "cases.tasks.check_assignments", "schedule": crontab(hour=2, minute=30)},
    # Each school's sign-in provider answers as it should (issue 20); the IT admins hear if not.
    "check-sign-in-providers": {"task": "safeguard.tasks.check_sign_in_providers", "schedule": 5 * 60.0},
    # The MIS's nightly pupil export (issue 20): a look at each school's folder (one stat when
    # nothing is new); a file is imported at the first look after it has stopped changing.
    "import-rolls": {"task": "cases.tasks.import_rolls", "schedule": 10 * 60.0},
    # Refusals in quick succession are one counted audit event: close the bursts that have ended.
    "close-refusal-bursts": {"task": "safeguard.tasks.close_refusal_bursts", "schedule": 5 * 60.0},
    # Children's files due, overdue or with no receipt (issue 18): each reminder is sent once, so
    # sweeping as often as the steps' reminders costs one indexed query when there is nothing new.
    "transfer-reminders": {"task": "desk.tasks.transfer_reminders", "schedule": 2 * 60.0},
    # Bundles to another Safeguard still without a signed receipt are posted again.
    "deliver-bundles": {"task": "desk.tasks.deliver_bundles_sweep", "schedule": 60 * 60.0},
    # Subject access requests a week before, on and after their due day (issue 19): each once.
    "records-request-reminders": {"task": "desk.tasks.records_request_reminders", "schedule": 60 * 60.0},
}
HEARTBEAT_STALE_SECONDS = 300

# --- Authentication ---------------------------------------------------------------------------
AUTH_USER_MODEL = "safeguard.User"
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out email and address pair never reaches the password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Signing in with the school's provider (issue 20); answers only a call that names the provider.
    "safeguard.oidc_backend.SchoolProviderBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# mozilla-django-oidc, for the parts that are the same for every school (each school's provider,
# client and endpoints come from its SignInProvider; see safeguard.sign_in).
OIDC_RP_SCOPES = "openid email profile"
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_AUTHENTICATION_CALLBACK_URL = "sign_in_provider_callback"
OIDC_TIMEOUT = 5
OIDC_VERIFY_SSL = True
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Second factor (django-otp): TOTP with backup codes. Required for DSL, Deputy DSL, head and IT
# admin before anything but raising a concern; anyone without one can only raise concerns.
OTP_TOTP_ISSUER = "Safeguard"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
SAFEGUARD_BACKUP_CODES = 10
#: Exports and role changes ask for the password and a code again after this many minutes.
SAFEGUARD_REAUTH_MINUTES = 5

# Lockout (django-axes) on the email and address together, so one attacker cannot lock a whole
# staff room out: the sixth wrong password for that email from that address locks it.
AXES_FAILURE_LIMIT = 6
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = datetime.timedelta(minutes=30)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "safeguard/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "safeguard.middleware.client_ip"
AXES_USERNAME_CALLABLE = "safeguard.middleware.login_username"
AXES_VERBOSE = False

# Sessions: 20 minutes idle (the cookie's age is renewed by every request) and at most one school
# day from login, whatever the activity. A role change or deactivation ends them at once.
SESSION_IDLE_MINUTES = env_int("SAFEGUARD_SESSION_IDLE_MINUTES", 20, minimum=1, maximum=240)
SESSION_MAX_HOURS = env_int("SAFEGUARD_SESSION_MAX_HOURS", 10, minimum=1, maximum=24)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# guardian's anonymous user needs a username; Safeguard has no anonymous access to anything.
ANONYMOUS_USER_NAME = None
GUARDIAN_MONKEY_PATCH_USER = False
GUARDIAN_MONKEY_PATCH_GROUP = False

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("SAFEGUARD_STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    # Written whole or not at all (a full disk leaves no half-written file): safeguard/storage.py.
    "default": {"BACKEND": "safeguard.storage.WholeFileStorage", "OPTIONS": {"location": VAR_DIR / "files"}},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- E-mail ---------------------------------------------------------------------------------------
EMAIL_HOST = env_str("SAFEGUARD_EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("SAFEGUARD_EMAIL_PORT", 587, minimum=1, maximum=65535)
    EMAIL_HOST_USER = env_str("SAFEGUARD_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = env_str("SAFEGUARD_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("SAFEGUARD_EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = 20
elif PRODUCTION:
    raise ImproperlyConfigured("Environment variable SAFEGUARD_EMAIL_HOST is required when SAFEGUARD_ENV=production.")
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("SAFEGUARD_EMAIL_FROM", "Safeguard <safeguard@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security -------------------------------------------------------------------------------------
# X-Forwarded-For and X-Forwarded-Proto are believed only from these addresses (the school's
# reverse proxy): from anyone else they are dropped before anything reads them, so a forged
# header can neither dodge the lockout nor write a false address into the audit log.
if env_str("SAFEGUARD_TRUST_PROXY_HEADERS"):
    raise ImproperlyConfigured(
        "SAFEGUARD_TRUST_PROXY_HEADERS is no longer read: set SAFEGUARD_TRUSTED_PROXIES to the address of "
        "your reverse proxy instead (for example 172.30.0.1), so that forwarded headers are believed only from it."
    )
TRUSTED_PROXIES = env_networks("SAFEGUARD_TRUSTED_PROXIES")
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), interest-cohort=()"
# A strict Content-Security-Policy: no inline script or style anywhere, nothing from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = PRODUCTION and env_bool("SAFEGUARD_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env_int("SAFEGUARD_HSTS_SECONDS", 31536000, minimum=0) if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION and env_bool("SAFEGUARD_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [
    # security.W021 (HSTS preload): preloading binds every sub-domain of the school's domain into
    # browsers for years; that is the school's IT decision, made with SAFEGUARD_HSTS_PRELOAD=1.
    "security.W021",
]
if PRODUCTION and not SECURE_SSL_REDIRECT:
    # security.W008: a school may terminate TLS at a proxy that already redirects; they say so
    # explicitly with SAFEGUARD_SSL_REDIRECT=0.
    SILENCED_SYSTEM_CHECKS.append("security.W008")

# --- Logging: never case content; the request id ties a log line to an audit event --------------
LOG_LEVEL = env_choice("SAFEGUARD_LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO")
#: JSON lines in production (for a log collector), plain lines in development (for a person).
LOG_FORMAT = env_choice("SAFEGUARD_LOG_FORMAT", ("json", "plain"), "json" if PRODUCTION else "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_context": {"()": "safeguard.logging.RequestIdLogFilter"},
        "refused_request": {"()": "safeguard.logging.RefusedRequestFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [req %(request_id)s] %(message)s"},
        # One JSON object a line (python-json-logger), for a log collector: time, level, logger,
        # request id, message (and an exception's traceback). Never case content (the filters).
        "json": {
            "()": "safeguard.logging.JsonLineFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_context"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # A refused request (403, 404) is one line, not a traceback (safeguard/logging.py).
        "django.request": {"filters": ["refused_request"]},
        "axes": {"level": "WARNING"},
        "pikepdf": {"level": "WARNING"},
        # WeasyPrint narrates each step at INFO; its warnings (a missing font) are kept. Its
        # messages never quote the document's text.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "ERROR"},
    },
}

# --- Attachments: stored outside the web root, served only through the permission gateway -----
ATTACHMENT_ROOT = VAR_DIR / "attachments"
#: The nightly pupil import (issue 20) reads only folders inside this one: where the MIS's
#: scheduled export is saved (a share mounted on the worker, for example).
SAFEGUARD_ROLL_ROOT = Path(env_str("SAFEGUARD_ROLL_ROOT", str(VAR_DIR / "roll"))).resolve()
ATTACHMENT_MAX_MB = env_int("SAFEGUARD_ATTACHMENT_MAX_MB", 10, minimum=1, maximum=100)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Backups (issue 21; safeguard/backup.py, `manage.py backup` and `restore`) ---------------------
#: The school's age public key (age1...): archives are encrypted to it; its private key, which
#: alone opens them, is kept off this server (`manage.py backup_key` makes a pair).
SAFEGUARD_BACKUP_RECIPIENT = env_str("SAFEGUARD_BACKUP_RECIPIENT", "")
#: Where archives are written (copy them off the server: README, "Backups"). Outside var/ by
#: default, so that a lost data folder does not take its backups with it.
SAFEGUARD_BACKUP_DIR = Path(env_str("SAFEGUARD_BACKUP_DIR", str(BASE_DIR / "backups"))).resolve()
SAFEGUARD_BACKUP_KEEP = env_int("SAFEGUARD_BACKUP_KEEP", 14, minimum=1, maximum=365)
#: For `manage.py restore` only (on the machine restoring): the file holding the private key.
SAFEGUARD_BACKUP_KEY_FILE = env_str("SAFEGUARD_BACKUP_KEY_FILE", "")

# --- Health you can see (issue 21): /readyz always; /metrics for Prometheus when turned on --------
SAFEGUARD_METRICS = env_bool("SAFEGUARD_METRICS", False)
#: With metrics on, a scraper not on this machine sends "Authorization: Bearer <token>".
SAFEGUARD_METRICS_TOKEN = env_str("SAFEGUARD_METRICS_TOKEN", "")
#: Read by Prometheus's client itself: where each process keeps its samples (gunicorn's several
#: workers; safeguard/gunicorn.py empties it at start). Made here so every process finds it.
PROMETHEUS_MULTIPROC_DIR = env_str("PROMETHEUS_MULTIPROC_DIR", "")
if PROMETHEUS_MULTIPROC_DIR:
    Path(PROMETHEUS_MULTIPROC_DIR).mkdir(parents=True, exist_ok=True)

# --- Children's files to another Safeguard (issue 18; desk/transfers/keys.py) -------------------
# This instance's identity: one 32-byte seed (base64) from which its Ed25519 signing key and its
# X25519 encryption key are derived. From SAFEGUARD_TRANSFER_KEY when set (production: keep a
# copy off this server), else a file under var/ made on first use with mode 0600.
TRANSFER_KEY = env_key("SAFEGUARD_TRANSFER_KEY", min_length=43)
TRANSFER_KEY_FILE = Path(env_str("SAFEGUARD_TRANSFER_KEY_FILE", str(VAR_DIR / "transfer_key")))
#: How this Safeguard is named on its "send a child's file to us" card (e.g. the trust).
TRANSFER_INSTANCE_NAME = env_str("SAFEGUARD_INSTANCE_NAME", "")
#: Plain HTTP to another Safeguard only on this machine (two instances on loopback, in tests
#: and development); anything else must be HTTPS.
TRANSFER_ALLOW_HTTP_LOOPBACK = env_bool("SAFEGUARD_TRANSFER_ALLOW_HTTP_LOOPBACK", not PRODUCTION)
#: The largest bundle the transfer inbox takes.
TRANSFER_BUNDLE_MAX_MB = env_int("SAFEGUARD_TRANSFER_BUNDLE_MAX_MB", 50, minimum=1, maximum=500)

# --- Safeguard ------------------------------------------------------------------------------------
# The published password of the fictional demo accounts; seed_demo refuses to run in production.
SAFEGUARD_DEMO_PASSWORD = "safeguard-demo-2026"  # noqa: S105
