"""The account's security: set up and enter the second factor, and prove it is you again."""

from __future__ import annotations

import time
from functools import wraps
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django_otp import login as otp_login

from safeguard import second_factor
from safeguard.forms import add_service_errors

REAUTH_SESSION_KEY = "safeguard_reauth_at"


class CodeForm(forms.Form):
    token = forms.CharField(
        label="Code",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
        error_messages={"required": "Type the code."},
    )


class ReauthForm(CodeForm):
    password = forms.CharField(label="Your password", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    field_order = ["password", "token"]


def _next(request, default: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse(default)


def otp_setup(request):
    """Enrol an authenticator app: scan the code, type one code it shows, keep the backup codes."""
    user = request.user
    if second_factor.has_second_factor(user) and request.method == "GET":
        if request.user.is_verified():
            return render(request, "safeguard/otp_manage.html", {})
        return redirect(f"{reverse('otp_verify')}?{urlencode({'next': _next(request)})}")
    device = second_factor.second_factor_start(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = second_factor.second_factor_confirm(user=user, device=device, token=form.cleaned_data["token"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            otp_login(request, device)
            request.session[REAUTH_SESSION_KEY] = time.time()
            return render(request, "safeguard/otp_backup_codes.html", {"codes": codes, "next": _next(request)})
    return render(
        request,
        "safeguard/otp_setup.html",
        {
            "form": form,
            "qr": mark_safe(second_factor.qr_svg(device)),  # noqa: S308 - SVG we generate from our own otpauth URL
            "secret": second_factor.secret_for_typing(device),
            "next": _next(request),
            "required": _required(user),
        },
    )


def _required(user) -> bool:
    from safeguard.middleware import second_factor_required

    return second_factor_required(user)


def otp_verify(request):
    """Enter a code from the app (or a backup code) after the password."""
    if not second_factor.has_second_factor(request.user):
        return redirect(f"{reverse('otp_setup')}?{urlencode({'next': _next(request)})}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = second_factor.second_factor_check(user=request.user, token=form.cleaned_data["token"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            otp_login(request, device)
            request.session[REAUTH_SESSION_KEY] = time.time()
            return redirect(_next(request))
    return render(request, "safeguard/otp_verify.html", {"form": form, "next": _next(request)})


def otp_backup_codes(request):
    """New backup codes (the old ones stop working); asks for the password and a code first."""
    if request.method != "POST":
        return redirect("otp_setup")
    if not _recent(request):
        return redirect(f"{reverse('reauth')}?{urlencode({'next': reverse('otp_setup')})}")
    try:
        codes = second_factor.backup_codes_regenerate(user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("otp_setup")
    return render(request, "safeguard/otp_backup_codes.html", {"codes": codes, "next": reverse("home")})


def _recent(request) -> bool:
    at = request.session.get(REAUTH_SESSION_KEY)
    return at is not None and time.time() - at < settings.SAFEGUARD_REAUTH_MINUTES * 60


def recent_authentication_required(view):
    """Exports and role changes: the password and a code again, if the last proof is over 5 minutes old."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if _recent(request):
            return view(request, *args, **kwargs)
        if request.method != "GET":
            messages.info(request, "Please confirm it is you, then do that again.")
            target = request.META.get("HTTP_REFERER") or request.get_full_path()
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
                target = reverse("home")
        else:
            target = request.get_full_path()
        return redirect(f"{reverse('reauth')}?{urlencode({'next': target})}")

    return wrapped


def reauth(request):
    """Prove it is you again: password and a code."""
    form = ReauthForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(request, username=request.user.email, password=form.cleaned_data["password"])
        if user is None or user.pk != request.user.pk:
            form.add_error("password", "That password is not right.")
        else:
            try:
                second_factor.second_factor_check(user=request.user, token=form.cleaned_data["token"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                request.session[REAUTH_SESSION_KEY] = time.time()
                return redirect(_next(request))
    return render(request, "safeguard/reauth.html", {"form": form, "next": _next(request)})
