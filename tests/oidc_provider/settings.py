"""Settings of the test OpenID Connect provider (not Safeguard's): `tests.oidc_provider.run` sets
OIDC_PROVIDER_DATA (its data directory) and OIDC_PROVIDER_PORT before Django loads them."""

import os
from pathlib import Path

from tests.oidc_provider import state

DATA = state.data_dir()
state.ensure_files(DATA)
PORT = int(os.environ.get("OIDC_PROVIDER_PORT", "8100"))
ISSUER = f"http://127.0.0.1:{PORT}/o"

SECRET_KEY = state.secret_key(DATA)
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "oauth2_provider",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "tests.oidc_provider.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).resolve().parent / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA / "provider.sqlite3",
        # The server is threaded: wait for a writer rather than fail with "database is locked".
        "OPTIONS": {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"

# Safeguard runs on 127.0.0.1 too, on another port, and cookies are not kept apart by port.
SESSION_COOKIE_NAME = "provider_sessionid"
CSRF_COOKIE_NAME = "provider_csrftoken"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/accounts/login/"
AUTHENTICATION_BACKENDS = ["tests.oidc_provider.backends.EmailOrUsernameBackend"]
# Test-only: a fast hasher for users' passwords and the client secret (DOT hashes it with the
# default hasher and checks it on every token request).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

_signing_key, _retired_keys = state.read_keys(DATA)
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_ISS_ENDPOINT": ISSUER,
    "OIDC_RSA_PRIVATE_KEY": _signing_key,
    "OIDC_RSA_PRIVATE_KEYS_INACTIVE": _retired_keys,
    "PKCE_REQUIRED": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"],
    "SCOPES": {"openid": "OpenID Connect", "email": "Email address", "profile": "Name"},
    "DEFAULT_SCOPES": ["openid"],
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_VALIDATOR_CLASS": "tests.oidc_provider.validators.SafeguardTestValidator",
    # RFC 9700: refuse what no relying party of ours should ask for (S256 PKCE only, no implicit or
    # password grant, no access token in a query string).
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO"},
        "oauth2_provider": {"handlers": ["console"], "level": "INFO"},
    },
}
