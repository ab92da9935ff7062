"""Request context for the audit log and log lines, and the security middleware: headers, session
lifetime, and the second factor. Imported by the logging configuration before Django's apps are
ready, so anything touching models is imported inside functions."""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import time
import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control

from safeguard.audit import current_context, request_context


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in settings.TRUSTED_PROXIES)


def client_ip(request, *args) -> str | None:
    """The client's IP address. X-Forwarded-For counts only when the request came from a
    configured proxy (``SAFEGUARD_TRUSTED_PROXIES``): each proxy appends the address it saw, so
    the first address from the right that is not one of our proxies is the client."""
    candidate = request.META.get("REMOTE_ADDR", "")
    if settings.TRUSTED_PROXIES and _trusted(candidate):
        for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
            hop = hop.strip()
            if not hop:
                continue
            candidate = hop
            if not _trusted(hop):
                break
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


class TrustedProxyMiddleware:
    """Drops X-Forwarded-For and X-Forwarded-Proto unless the request came from a trusted proxy,
    so neither the client address nor "this was HTTPS" can be forged by a client."""

    FORWARDED = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PORT")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not (settings.TRUSTED_PROXIES and _trusted(request.META.get("REMOTE_ADDR", ""))):
            for header in self.FORWARDED:
                request.META.pop(header, None)
        return self.get_response(request)


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = uuid.uuid4().hex
        request.client_ip = client_ip(request)
        with request_context(request.client_ip, request.request_id):
            response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


class RequestContextLogFilter(logging.Filter):
    """Adds ``request_id`` to every log record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_context().request_id or "-"
        return True


def login_username(request, credentials) -> str:
    """The email as django-axes counts it: trimmed and lower-case, like the login itself."""
    value = (credentials or {}).get("username") or request.POST.get("username", "")
    return str(value).replace("\x00", "").strip().lower()[:254]


class SecurityHeadersMiddleware:
    """Headers Django does not set itself: Permissions-Policy, CORP, and no caching of pages
    that hold safeguarding records (a shared school computer must not keep them)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(settings.STATIC_URL):
            patch_cache_control(response, no_store=True, private=True, max_age=0)
        return response


SESSION_STARTED_KEY = "safeguard_auth_started"


class SessionLifetimeMiddleware:
    """An absolute limit on a session (one school day by default) on top of the idle timeout."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.get(SESSION_STARTED_KEY)
            now = time.time()
            if started is None:
                request.session[SESSION_STARTED_KEY] = now
            elif now - started > settings.SESSION_MAX_HOURS * 3600:
                from django.contrib import messages
                from django.contrib.auth import logout
                from django.contrib.auth.views import redirect_to_login

                logout(request)
                messages.info(request, f"For safety, sessions end after {settings.SESSION_MAX_HOURS} hours. Please log in again.")
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)


#: What someone without a verified second factor may reach: logging in and out, entering the
#: second factor (or setting one up, if they have none yet), and raising a concern (as in CPOMS).
WITHOUT_SECOND_FACTOR = frozenset(
    {
        "login",
        "logout",
        "healthz",
        "readyz",
        "metrics",
        "password_reset",
        "password_reset_sent",
        "password_set_confirm",
        "password_set_done",
        "otp_setup",
        "otp_verify",
        "concern_new",
        "concern_pupil_search",
        "concern_sent",
        "home",
        "school_switch",
        "sign_in_provider_start",
        "sign_in_provider_callback",
        "sign_in_provider_logout",
    }
)
#: Reached without a verified second factor only by someone who has none yet: whoever has one
#: enters it first (a password alone must never reach enrolment, which would replace it).
ONLY_WITHOUT_A_DEVICE = frozenset({"otp_setup"})


#: A session that began with the school's provider (issue 20): ``{provider, issuer, subject,
#: mfa_trusted}``. Set after the login (the login signal clears it), so it is never carried into
#: a session that began with a password.
SIGN_IN_SESSION_KEY = "safeguard_sign_in"


class ProviderMultiFactorMiddleware:
    """A session that signed in through a school's provider that the school trusts for multi-factor
    sign-in, and whose token said a second factor was checked (``amr`` holds "mfa"), counts as
    verified: ``user.is_verified()`` is true as if a code had been entered. Recorded on the session
    at sign-in and in the audit log (``safeguard.login.provider``). After django-otp's middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        held = session.get(SIGN_IN_SESSION_KEY) if session is not None else None
        if isinstance(held, dict) and held.get("mfa_trusted") and getattr(request, "user", None) is not None:
            from django.utils.functional import SimpleLazyObject

            user = request.user
            request.user = SimpleLazyObject(lambda: self._trusted(request, user, held))
        return self.get_response(request)

    @staticmethod
    def _trusted(request, user, held):
        from safeguard.models import SignInProvider

        if getattr(user, "is_authenticated", False):
            # Only while the school still trusts the provider's multi-factor sign-in.
            still = SignInProvider.objects.filter(pk=held.get("provider"), enabled=True, trust_provider_mfa=True).exists()
            if still:
                user.is_verified = lambda: True
        return user


class SessionHashMiddleware:
    """Puts a SHA-256 of the session key on the user, for the permission gateway: a restricted
    case opened by breaking the glass is open for that one session (``cases.access``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = getattr(getattr(request, "session", None), "session_key", None)
        if key and getattr(request.user, "is_authenticated", False):
            request.user._safeguard_session_hash = hashlib.sha256(key.encode()).hexdigest()
        return self.get_response(request)


class SecondFactorMiddleware:
    """Requires a verified second factor. DSLs, deputies, heads, IT admins and trust safeguarding
    leads are sent to set one up (or to enter their code) before anything else; other staff can only raise concerns until
    they have one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        match = request.resolver_match
        name = match.url_name if match else None
        if name in WITHOUT_SECOND_FACTOR:
            # Home, straight after the password: anyone who has a second factor, or whose role
            # needs one, is asked for it; the others may raise concerns without one.
            if name == "home" and (second_factor_required(user) or has_device(user)):
                return redirect(second_factor_url(user, request.get_full_path()))
            if name in ONLY_WITHOUT_A_DEVICE and has_device(user):
                return redirect(second_factor_url(user, request.get_full_path()))
            return None
        return redirect(second_factor_url(user, request.get_full_path()))


def second_factor_required(user) -> bool:
    """Whether ``user`` must verify a second factor before anything but raising a concern: a role
    that needs one at any school (``safeguard.roles.SECOND_FACTOR_REQUIRED``), or an appointment as
    a trust's safeguarding lead, who sees every school's figures and the cases granted to them
    (DfE: multi-factor authentication for accounts that reach sensitive personal data)."""
    from safeguard.permissions import trust_lead_of, user_roles
    from safeguard.roles import needs_second_factor

    return any(needs_second_factor(roles) for roles in user_roles(user).values()) or bool(trust_lead_of(user))


def has_device(user) -> bool:
    from safeguard.second_factor import has_second_factor

    return has_second_factor(user)


def second_factor_url(user, next_path: str) -> str:
    target = "otp_verify" if has_device(user) else "otp_setup"
    return f"{reverse(target)}?{urlencode({'next': next_path})}"
