"""Signing in with the school's Microsoft 365, Google Workspace or other OpenID Connect provider
(issue 20): the rules, and what the provider publishes.

The protocol is the libraries': mozilla-django-oidc builds the authorisation request (state, nonce,
PKCE) and exchanges the code; PyJWT checks the ID token's signature against the provider's
published keys (``PyJWKClient``, which fetches the key set again when a token names a key it has
not seen: the provider rotated its keys) and its issuer, audience, expiry and nonce. What is here
is Safeguard's part: which issuer a school's settings mean, which claims say who someone is, and
the words a refusal is given in. Nothing here writes to the database (``safeguard.services.sign_in``
does), and no token, claim or email is ever written to the application log.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import jwt
import requests
from django.core.cache import cache

from safeguard.network import is_loopback_host

#: Seconds a provider may take to answer any one request before Safeguard gives up on it.
HTTP_TIMEOUT = 5
#: Clock difference tolerated between Safeguard and the provider when checking exp, iat and auth_time.
CLOCK_SKEW_SECONDS = 120
#: The signature algorithms accepted (asymmetric only: an HS256 token signed with the client secret,
#: or "none", is refused).
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]
#: How long the provider's published configuration is kept, and how long a failure to read it is.
DISCOVERY_CACHE_SECONDS = 3600
DISCOVERY_FAILURE_SECONDS = 60
#: After fetching the provider's keys, a token naming a key not among them waits this long before
#: the keys are fetched again (PyJWT's cooldown): a flood of made-up key ids cannot hammer the
#: provider, and a real rotation is picked up within seconds.
KEY_REFRESH_COOLDOWN_SECONDS = 5
#: The client secret is read from an environment variable whose name starts with this, so a
#: provider's settings can never send another of the server's secrets (the database password, the
#: secret key) to whatever token endpoint they name.
SECRET_ENV_PREFIX = "SAFEGUARD_OIDC_SECRET_"  # noqa: S105 - the name of a variable, not a secret
#: A re-authentication at the provider (to confirm it is you before an export) must be this fresh.
REAUTH_MAX_AGE_SECONDS = 300
BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"

ENTRA = "entra"
GOOGLE = "google"
OTHER = "oidc"

#: What a member of staff calls each kind of provider, on the login page and in messages.
PROVIDER_WORDS = {ENTRA: "Microsoft 365", GOOGLE: "Google", OTHER: "your school account"}

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,99}$")


class ProviderUnavailable(Exception):
    """The provider cannot be used now (unreachable, or not what its settings say). ``str()`` is the
    reason in the IT administrator's words."""


@dataclass
class SignInRefused(Exception):
    """A sign-in that was refused. ``code`` goes in the audit log; ``words`` are shown to the person."""

    code: str
    words: str
    #: The account it was about, when Safeguard knows it (for the audit log).
    user: object = None

    def __str__(self) -> str:
        return self.code


def words_for(kind: str) -> str:
    return PROVIDER_WORDS.get(kind, PROVIDER_WORDS[OTHER])


def is_loopback_url(url: str) -> bool:
    return is_loopback_host(urlsplit(url).hostname or "")


def directory_problem(kind: str, directory: str) -> str | None:
    """Why the tenant, domain or issuer the IT admin typed cannot be right (None when it can)."""
    value = directory.strip()
    if kind == ENTRA:
        if not _GUID.match(value):
            return (
                "Give the directory (tenant) ID: 36 characters like 0a1b2c3d-1234-4abc-9def-0123456789ab, from "
                "the Microsoft Entra admin centre's Overview page."
            )
    elif kind == GOOGLE:
        if not _DOMAIN.match(value.lower()):
            return "Give the school's Google Workspace domain, for example school.example.org."
    elif kind == OTHER:
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment:
            return "Give the provider's issuer URL, for example https://sso.school.example.org/realms/staff."
        if parts.scheme == "http" and not is_loopback_url(value):
            return "The issuer URL must start with https:// (plain http is only for a provider on this server)."
    else:
        return "Choose the kind of account the school's staff sign in with."
    return None


def secret_env_problem(name: str) -> str | None:
    value = name.strip()
    if not _ENV_NAME.match(value) or not value.startswith(SECRET_ENV_PREFIX) or value == SECRET_ENV_PREFIX:
        return (
            f"Give the name of the server's environment variable holding the client secret: capital letters, "
            f"digits and underscores, starting {SECRET_ENV_PREFIX} (for example {SECRET_ENV_PREFIX}HILLSIDE)."
        )
    return None


def expected_issuer(kind: str, directory: str) -> str:
    """The issuer every ID token of this school's provider must name (and its discovery document)."""
    value = directory.strip()
    if kind == ENTRA:
        return f"https://login.microsoftonline.com/{value.lower()}/v2.0"
    if kind == GOOGLE:
        return "https://accounts.google.com"
    return value.rstrip("/")


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def _endpoint_problem(url: object, issuer: str) -> bool:
    if not isinstance(url, str) or not url:
        return True
    scheme = urlsplit(url).scheme
    return not (scheme == "https" or (scheme == "http" and is_loopback_url(url) and is_loopback_url(issuer)))


def discovery(issuer: str, *, fresh: bool = False) -> dict:
    """The provider's published configuration (cached for an hour; a failure for a minute, so a
    provider that is down is not asked again on every click). ProviderUnavailable with the reason."""
    key = "sign_in:discovery:" + issuer
    if not fresh:
        held = cache.get(key)
        if held is not None:
            if "problem" in held:
                raise ProviderUnavailable(held["problem"])
            return held
    try:
        document = _fetch_discovery(issuer)
    except ProviderUnavailable as problem:
        cache.set(key, {"problem": str(problem)}, DISCOVERY_FAILURE_SECONDS)
        raise
    cache.set(key, document, DISCOVERY_CACHE_SECONDS)
    return document


def _fetch_discovery(issuer: str) -> dict:
    url = discovery_url(issuer)
    try:
        response = requests.get(url, timeout=HTTP_TIMEOUT, allow_redirects=False)
    except requests.RequestException:
        raise ProviderUnavailable(f"Safeguard could not reach {url}.") from None
    if response.status_code != 200:
        raise ProviderUnavailable(f"{url} answered {response.status_code}, not the provider's settings.")
    try:
        document = response.json()
    except ValueError:
        raise ProviderUnavailable(f"{url} did not answer with the provider's settings.") from None
    if not isinstance(document, dict):
        raise ProviderUnavailable(f"{url} did not answer with the provider's settings.")
    published = document.get("issuer")
    if published != issuer:
        raise ProviderUnavailable(
            f"The provider says its issuer is {str(published)[:120]!r}, not {issuer!r}: check the tenant, domain or issuer URL."
        )
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if _endpoint_problem(document.get(name), issuer):
            raise ProviderUnavailable(f"The provider's settings give no usable {name.replace('_', ' ')} (https is required).")
    return document


_jwk_clients: dict[str, jwt.PyJWKClient] = {}
_jwk_lock = threading.Lock()


def jwk_client(jwks_uri: str) -> jwt.PyJWKClient:
    """One key-set client per provider and process: it keeps the keys, and fetches them again when a
    token names a key it does not hold (``get_signing_key_from_jwt``)."""
    with _jwk_lock:
        client = _jwk_clients.get(jwks_uri)
        if client is None:
            client = jwt.PyJWKClient(
                jwks_uri,
                cache_keys=True,
                lifespan=DISCOVERY_CACHE_SECONDS,
                timeout=HTTP_TIMEOUT,
                cooldown_duration=KEY_REFRESH_COOLDOWN_SECONDS,
            )
            _jwk_clients[jwks_uri] = client
        return client


def _signing_key(token: str, jwks_uri: str):
    try:
        return jwk_client(jwks_uri).get_signing_key_from_jwt(token).key
    except jwt.PyJWKClientConnectionError:
        raise ProviderUnavailable("Safeguard could not fetch the provider's signing keys.") from None
    except (jwt.PyJWKClientError, jwt.DecodeError):
        raise SignInRefused(
            "signature",
            "The sign-in could not be checked (it was signed with a key the provider does not publish), so it was refused.",
        ) from None


def _decode(token: str, *, jwks_uri: str, issuer: str, client_id: str, required: list[str], now: float | None = None) -> dict:
    if not isinstance(token, str) or not token:
        raise SignInRefused("no_id_token", "The provider sent no proof of who you are, so the sign-in was refused.")
    key = _signing_key(token, jwks_uri)
    try:
        return jwt.decode(
            token,
            key,
            algorithms=ALGORITHMS,
            audience=client_id,
            issuer=issuer,
            leeway=CLOCK_SKEW_SECONDS,
            options={"require": required},
        )
    except jwt.ExpiredSignatureError:
        raise SignInRefused("expired", "The sign-in had expired by the time it reached Safeguard. Please try again.") from None
    except jwt.InvalidAudienceError:
        raise SignInRefused("audience", "The sign-in was meant for another service, not Safeguard, so it was refused.") from None
    except jwt.InvalidIssuerError:
        raise SignInRefused(
            "issuer", "The sign-in came from a different provider than the school's, so it was refused."
        ) from None
    except jwt.ImmatureSignatureError:
        raise SignInRefused("not_yet_valid", "The sign-in is dated in the future, so it was refused. Please try again.") from None
    except jwt.InvalidSignatureError:
        raise SignInRefused("signature", "The sign-in's signature is not the provider's, so it was refused.") from None
    except jwt.InvalidTokenError:
        raise SignInRefused("malformed", "The sign-in could not be checked, so it was refused.") from None


def verify_id_token(token: str, *, jwks_uri: str, issuer: str, client_id: str, nonce: str | None) -> dict:
    """The ID token's claims, once its signature, issuer, audience, expiry and nonce are right."""
    claims = _decode(token, jwks_uri=jwks_uri, issuer=issuer, client_id=client_id, required=["exp", "iat", "iss", "aud", "sub"])
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise SignInRefused("audience", "The sign-in was meant for another service, not Safeguard, so it was refused.")
    if nonce is None or claims.get("nonce") != nonce:
        raise SignInRefused(
            "nonce", "The sign-in does not belong to the one Safeguard started, so it was refused. Please start again."
        )
    if not isinstance(claims["sub"], str) or not claims["sub"]:
        raise SignInRefused("malformed", "The sign-in could not be checked, so it was refused.")
    return claims


def verify_logout_token(token: str, *, jwks_uri: str, issuer: str, client_id: str) -> dict:
    """A back-channel logout token's claims (OpenID Connect Back-Channel Logout 1.0, section 2.6)."""
    claims = _decode(token, jwks_uri=jwks_uri, issuer=issuer, client_id=client_id, required=["iat", "iss", "aud", "jti"])
    events = claims.get("events")
    if not isinstance(events, dict) or BACKCHANNEL_LOGOUT_EVENT not in events:
        raise SignInRefused("not_logout", "Not a logout token.")
    if "nonce" in claims:
        raise SignInRefused("not_logout", "A logout token carries no nonce.")
    if not claims.get("sub") and not claims.get("sid"):
        raise SignInRefused("not_logout", "A logout token names the person (sub) or the session (sid).")
    if time.time() - float(claims["iat"]) > DISCOVERY_CACHE_SECONDS:
        raise SignInRefused("expired", "The logout token is too old.")
    return claims


def unverified_issuer(token: str) -> str:
    """The issuer a token claims, read without checking it: only to choose whose keys check it."""
    try:
        issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
    except jwt.InvalidTokenError:
        return ""
    return issuer if isinstance(issuer, str) else ""


def verified_email(kind: str, directory: str, claims: dict) -> str:
    """The email address the provider vouches for, lower-case; SignInRefused when it vouches for none.

    Microsoft Entra ID: ``email`` or else ``preferred_username`` (the user principal name), both the
    tenant's own since the issuer pins the tenant. Google: ``email`` with ``email_verified`` true and
    ``hd`` the school's Workspace domain (a personal Gmail account has no ``hd``). Another
    provider: ``email`` with ``email_verified`` true."""
    word = words_for(kind)
    if kind == ENTRA:
        email = claims.get("email") or claims.get("preferred_username") or ""
    else:
        email = claims.get("email") or ""
        if claims.get("email_verified") is not True and str(claims.get("email_verified")).lower() != "true":
            raise SignInRefused(
                "email_unverified",
                f"{word} has not confirmed your email address, so Safeguard cannot tell which account is yours. Ask your school's IT administrator.",
            )
        if kind == GOOGLE and str(claims.get("hd", "")).lower() != directory.strip().lower():
            raise SignInRefused(
                "wrong_domain",
                f"That Google account is not one of the school's ({directory.strip().lower()}). Sign in with your school account.",
            )
    email = str(email).strip().lower()
    if "@" not in email or len(email) > 254:
        raise SignInRefused(
            "no_email", f"{word} did not say your email address, so Safeguard cannot tell which account is yours."
        )
    return email


def fresh_authentication(claims: dict, *, now: float | None = None) -> bool:
    """Whether the provider says the person signed in again just now (after ``prompt=login``)."""
    auth_time = claims.get("auth_time")
    if not isinstance(auth_time, int | float):
        return False
    now = time.time() if now is None else now
    return now - auth_time <= REAUTH_MAX_AGE_SECONDS + CLOCK_SKEW_SECONDS


def multi_factor(claims: dict) -> bool:
    """Whether the provider says it checked a second factor (RFC 8176: ``amr`` holds "mfa")."""
    amr = claims.get("amr")
    return isinstance(amr, list) and "mfa" in amr
