"""The account's security: set up, replace and enter the second factor, and prove it is you again."""

from __future__ import annotations

import time
from functools import wraps
from urllib.parse import urlencode, urlsplit

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from safeguard import second_factor
from safeguard.forms import add_service_errors
from safeguard.middleware import second_factor_required
from safeguard.redirects import is_local_path, safe_next

REAUTH_SESSION_KEY = "safeguard_reauth_at"
#: When the person last signed in again at the school's provider to confirm it is you (issue 20):
#: it stands in for the password on the confirm page, for SAFEGUARD_REAUTH_MINUTES.
REAUTH_PROVIDER_KEY = "safeguard_reauth_provider_at"


class CodeForm(forms.Form):
    token = forms.CharField(
        label="Code",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
        error_messages={"required": "Type the code.", "max_length": "A code is at most 20 characters."},
    )


class ReauthForm(CodeForm):
    password = forms.CharField(
        label="Your password",
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Type your password."},
    )

    field_order = ["password", "token"]


def _recent(request) -> bool:
    at = request.session.get(REAUTH_SESSION_KEY)
    return at is not None and time.time() - at < settings.SAFEGUARD_REAUTH_MINUTES * 60


def recently_authenticated(request) -> bool:
    """Whether this person proved who they are (password and code) within SAFEGUARD_REAUTH_MINUTES."""
    return _recent(request)


def session_proof(request) -> second_factor.SessionProof:
    return second_factor.SessionProof(verified=request.user.is_verified(), recent=_recent(request))


def _code_entered(request, device) -> None:
    """A code was accepted: a new session key (the password-only session's key is not reused),
    the session marked verified, and the proof of who this is made fresh."""
    request.session.cycle_key()
    otp_login(request, device)
    request.session[REAUTH_SESSION_KEY] = time.time()


def _verify_url(request) -> str:
    return f"{reverse('otp_verify')}?{urlencode({'next': safe_next(request)})}"


def otp_setup(request):
    """Enrol an authenticator app: scan the code, type one code it shows, keep the backup codes.

    Someone who already has one sees how to manage it; from a session that has not entered a
    code, they are sent to enter one (GET or POST: a password alone never reaches enrolment)."""
    user = request.user
    if second_factor.has_second_factor(user):
        if not user.is_verified():
            return redirect(_verify_url(request))
        return render(request, "safeguard/otp_manage.html", {})
    return _enrol(request, template="safeguard/otp_setup.html", done_next=safe_next(request))


def recent_authentication_required(view):
    """Exports, role changes and replacing the second factor: the password and a code again, if the
    last proof is over SAFEGUARD_REAUTH_MINUTES old."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if _recent(request):
            return view(request, *args, **kwargs)
        if request.method != "GET":
            messages.info(request, "Please confirm it is you, then do that again.")
            referer = request.META.get("HTTP_REFERER", "")
            # The Referer is a full URL: keep only its path, and only if it is on this site.
            parts = urlsplit(referer)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            same_site = parts.netloc in ("", request.get_host())
            target = path if same_site and is_local_path(path, request) else reverse("home")
        else:
            target = request.get_full_path()
        return redirect(f"{reverse('reauth')}?{urlencode({'next': target})}")

    return wrapped


@recent_authentication_required
def otp_replace(request):
    """Replace the authenticator app (a new phone): from a verified session, after the password and
    a code again. The old app and backup codes stop working; the owner is told by email."""
    user = request.user
    if not second_factor.has_second_factor(user):
        return redirect("otp_setup")
    if not user.is_verified():
        return redirect(_verify_url(request))
    return _enrol(request, template="safeguard/otp_replace.html", done_next=reverse("home"))


def _enrol(request, *, template: str, done_next: str):
    user = request.user
    proof = session_proof(request)
    try:
        device = second_factor.second_factor_start(user=user, proof=proof)
    except PermissionDenied:
        return redirect(_verify_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = second_factor.second_factor_confirm(user=user, device=device, token=form.cleaned_data["token"], proof=proof)
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied:
            return redirect(_verify_url(request))
        else:
            _code_entered(request, device)
            return render(request, "safeguard/otp_backup_codes.html", {"codes": codes, "next": done_next})
    return render(
        request,
        template,
        {
            "form": form,
            "qr": mark_safe(second_factor.qr_svg(device)),  # noqa: S308 - SVG we generate from our own otpauth URL
            "secret": second_factor.secret_for_typing(device),
            "next": done_next,
            "required": second_factor_required(user),
        },
    )


def otp_verify(request):
    """Enter a code from the app (or a backup code) after the password."""
    if not second_factor.has_second_factor(request.user):
        return redirect(f"{reverse('otp_setup')}?{urlencode({'next': safe_next(request)})}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = second_factor.second_factor_check(user=request.user, token=form.cleaned_data["token"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            _code_entered(request, device)
            return redirect(safe_next(request))
    return render(request, "safeguard/otp_verify.html", {"form": form, "next": safe_next(request)})


@require_POST
@recent_authentication_required
def otp_backup_codes(request):
    """New backup codes (the old ones stop working); asks for the password and a code first."""
    try:
        codes = second_factor.backup_codes_regenerate(user=request.user, proof=session_proof(request))
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect("otp_setup")
    return render(request, "safeguard/otp_backup_codes.html", {"codes": codes, "next": reverse("home")})


def _provider_proof(request) -> bool:
    at = request.session.get(REAUTH_PROVIDER_KEY)
    return at is not None and time.time() - at < settings.SAFEGUARD_REAUTH_MINUTES * 60


def _provider_words(provider_id) -> str:
    """What the provider this session signed in with is called ("" if it did not)."""
    from safeguard.models import SignInProvider
    from safeguard.sign_in import words_for

    provider = SignInProvider.objects.filter(pk=provider_id, enabled=True).first() if provider_id else None
    return words_for(provider.kind) if provider is not None else ""


def reauth(request):
    """Prove it is you again: password and a code. Someone who signed in with the school's
    provider may sign in there again instead of typing the password; the code is still asked for
    unless the school trusts the provider's own multi-factor sign-in."""
    from safeguard.middleware import SIGN_IN_SESSION_KEY

    provider_proof = _provider_proof(request)
    form = (CodeForm if provider_proof else ReauthForm)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = request.user if provider_proof else None
        if user is None:
            user = authenticate(request, username=request.user.email, password=form.cleaned_data["password"])
        if user is None or user.pk != request.user.pk:
            form.add_error("password", "That password is not right.")
        else:
            try:
                second_factor.second_factor_check(user=request.user, token=form.cleaned_data["token"], stage="reauth")
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                request.session[REAUTH_SESSION_KEY] = time.time()
                request.session.pop(REAUTH_PROVIDER_KEY, None)
                return redirect(safe_next(request))
    held = request.session.get(SIGN_IN_SESSION_KEY) or {}
    return render(
        request,
        "safeguard/reauth.html",
        {
            "form": form,
            "next": safe_next(request),
            "provider_proof": provider_proof,
            "provider_words": _provider_words(held.get("provider")),
        },
    )
