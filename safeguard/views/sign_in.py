"""Signing in with the school's Microsoft 365, Google or other OpenID Connect account (issue 20):
the button's redirect to the provider, the provider's answer, its back-channel logout, and the IT
administrator's settings page.

Every refusal is shown in the member of staff's words on the login page (with the password form,
where the school allows passwords) and written to the audit log with its reason's code; no token,
claim or email address is written to the application log.
"""

from __future__ import annotations

import os
import time
from urllib.parse import parse_qs, urlencode, urlsplit

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from safeguard import selectors, sign_in
from safeguard.forms import SignInProviderForm, add_service_errors
from safeguard.middleware import SIGN_IN_SESSION_KEY
from safeguard.models import SignInProvider
from safeguard.oidc_backend import BACKEND_PATH, SchoolProviderBackend
from safeguard.redirects import safe_next
from safeguard.services.sign_in import (
    identity_user,
    provider_logout_record,
    provider_problem,
    sign_in_provider_record_check,
    sign_in_provider_save,
    sign_in_refused_record,
    sign_in_succeeded_record,
)
from safeguard.views.account import REAUTH_PROVIDER_KEY, REAUTH_SESSION_KEY, recent_authentication_required
from safeguard.views.core import staff_school

#: Sign-ins started in this browser and not yet answered: ``{state: {provider, purpose, next, at}}``.
#: mozilla-django-oidc keeps the nonce and PKCE verifier under the same state (``oidc_states``).
PENDING_KEY = "safeguard_sign_in_pending"
#: A sign-in started more than this long ago is not finished (the provider's page was left open).
PENDING_SECONDS = 600
PENDING_MAX = 10
SIGN_IN, REAUTH = "sign_in", "reauth"


def _password_words(provider: SignInProvider) -> str:
    if provider.password_sign_in:
        return "Log in with your Safeguard password below, or try again in a few minutes."
    return "Try again in a few minutes; if it goes on, tell your school's IT administrator."


def _unavailable(request, provider: SignInProvider, problem: str, purpose: str):
    """The provider cannot be used: the IT admin sees why on the settings page; the person is offered
    the password where the school allows it."""
    sign_in_provider_record_check(provider, problem)
    sign_in_refused_record(provider=provider, code="provider_unavailable", purpose=purpose, user=_signed_in(request))
    messages.error(
        request,
        f"Signing in with {sign_in.words_for(provider.kind)} is not working at the moment. {_password_words(provider)}",
    )
    return redirect("reauth" if purpose == REAUTH else "login")


def _signed_in(request):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


class ProviderStartView(OIDCAuthenticationRequestView):
    """The button on the login page: off to the school's provider, with state, nonce and PKCE
    (mozilla-django-oidc makes them and keeps them in the session)."""

    purpose = SIGN_IN

    def __init__(self, **kwargs):
        # The library reads one provider from settings; each school brings its own.
        View.__init__(self, **kwargs)
        self.provider: SignInProvider | None = None

    def provider_for(self, request, school_code: str | None) -> SignInProvider:
        provider = SignInProvider.objects.select_related("school").filter(school__code=school_code, enabled=True).first()
        if provider is None:
            raise Http404("This school does not sign in with its own accounts.")
        return provider

    def get(self, request, school_code: str | None = None):
        self.provider = provider = self.provider_for(request, school_code)
        issuer = sign_in.expected_issuer(provider.kind, provider.directory)
        if not os.environ.get(provider.secret_env.strip()):
            return _unavailable(request, provider, provider_problem(provider), self.purpose)
        try:
            document = sign_in.discovery(issuer)
        except sign_in.ProviderUnavailable as problem:
            return _unavailable(request, provider, str(problem), self.purpose)
        self.OIDC_OP_AUTH_ENDPOINT = document["authorization_endpoint"]
        self.OIDC_RP_CLIENT_ID = provider.client_id
        response = super().get(request)
        state = parse_qs(urlsplit(response.url).query)["state"][0]
        now = time.time()
        pending = {
            key: value
            for key, value in request.session.get(PENDING_KEY, {}).items()
            if isinstance(value, dict) and now - value.get("at", 0) < PENDING_SECONDS
        }
        while len(pending) >= PENDING_MAX:
            pending.pop(min(pending, key=lambda key: pending[key]["at"]))
        pending[state] = {"provider": provider.pk, "purpose": self.purpose, "next": safe_next(request), "at": now}
        request.session[PENDING_KEY] = pending
        request.session.pop("oidc_login_next", None)
        return response

    def get_extra_params(self, request):
        params = {}
        if self.provider.kind == SignInProvider.Kind.GOOGLE:
            params["hd"] = self.provider.directory
        if self.purpose == REAUTH:
            # Confirming it is you: the provider asks again, whatever its own session; max_age makes
            # the ID token carry auth_time (OpenID Connect Core 3.1.2.1), which is checked on return.
            params.update({"prompt": "login", "max_age": str(sign_in.REAUTH_MAX_AGE_SECONDS)})
        elif self.provider.kind in (SignInProvider.Kind.ENTRA, SignInProvider.Kind.GOOGLE):
            # A shared school computer: let the person choose their account, not the last one used.
            params["prompt"] = "select_account"
        return params


class ProviderReauthView(ProviderStartView):
    """Confirm it is you (before an export or a role change) by signing in at the provider again."""

    purpose = REAUTH

    def provider_for(self, request, school_code: str | None) -> SignInProvider:
        held = request.session.get(SIGN_IN_SESSION_KEY) or {}
        provider = SignInProvider.objects.select_related("school").filter(pk=held.get("provider"), enabled=True).first()
        if provider is None:
            raise Http404("This session did not start with the school's accounts.")
        return provider


def _refused(request, provider: SignInProvider | None, refusal: sign_in.SignInRefused, purpose: str):
    sign_in_refused_record(provider=provider, code=refusal.code, user=refusal.user or _signed_in(request), purpose=purpose)
    messages.error(request, refusal.words)
    if purpose == REAUTH and _signed_in(request):
        return redirect("reauth")
    return redirect("login")


@require_GET
@login_not_required
def provider_callback(request):
    """Where the provider sends the person back, with a code (or an error) and the state."""
    state = request.GET.get("state", "")
    pending_all = request.session.get(PENDING_KEY, {})
    flows = request.session.get("oidc_states", {})
    pending = pending_all.pop(state, None) if isinstance(pending_all, dict) else None
    flow = flows.pop(state, None) if isinstance(flows, dict) else None
    request.session.modified = True
    provider = None
    if pending is not None:
        provider = SignInProvider.objects.select_related("school").filter(pk=pending.get("provider")).first()
    purpose = pending.get("purpose", SIGN_IN) if pending else SIGN_IN
    if pending is None or flow is None or provider is None or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return _refused(
            request,
            provider,
            sign_in.SignInRefused(
                "state", "That sign-in was already used, has expired or was started in another browser. Please start again."
            ),
            purpose,
        )
    word = sign_in.words_for(provider.kind)
    if request.GET.get("error"):
        cancelled = request.GET["error"] in ("access_denied", "login_required", "interaction_required")
        words = f"The sign-in with {word} was cancelled." if cancelled else f"{word} did not sign you in. Please try again."
        return _refused(request, provider, sign_in.SignInRefused("provider_error", words), purpose)
    if not request.GET.get("code"):
        return _refused(
            request, provider, sign_in.SignInRefused("no_code", f"{word} did not sign you in. Please try again."), purpose
        )
    backend = SchoolProviderBackend()
    try:
        document = sign_in.discovery(sign_in.expected_issuer(provider.kind, provider.directory))
        user = backend.authenticate(
            request,
            sign_in_provider=provider,
            document=document,
            nonce=flow.get("nonce"),
            code_verifier=flow.get("code_verifier"),
        )
    except sign_in.SignInRefused as refusal:
        return _refused(request, provider, refusal, purpose)
    except sign_in.ProviderUnavailable as problem:
        return _unavailable(request, provider, str(problem), purpose)
    if user is None:
        return _refused(
            request, provider, sign_in.SignInRefused("no_code", f"{word} did not sign you in. Please try again."), purpose
        )
    claims = backend.claims
    mfa_claimed = sign_in.multi_factor(claims)
    mfa_trusted = provider.trust_provider_mfa and mfa_claimed
    if purpose == REAUTH:
        return _reauthenticated(
            request, provider, user, claims, mfa_claimed=mfa_claimed, mfa_trusted=mfa_trusted, next_path=pending["next"]
        )
    auth_login(request, user, backend=BACKEND_PATH)
    request.session[SIGN_IN_SESSION_KEY] = {
        "provider": provider.pk,
        "issuer": backend.issuer,
        "subject": claims["sub"],
        "mfa_trusted": mfa_trusted,
    }
    if mfa_trusted:
        # A fresh sign-in with the provider's second factor is as good as a password and a code.
        request.session[REAUTH_SESSION_KEY] = time.time()
    sign_in_succeeded_record(provider=provider, user=user, mfa_claimed=mfa_claimed, mfa_trusted=mfa_trusted, purpose=SIGN_IN)
    return redirect(safe_next(request, candidate=pending["next"]))


def _reauthenticated(request, provider, user, claims, *, mfa_claimed: bool, mfa_trusted: bool, next_path: str):
    word = sign_in.words_for(provider.kind)
    if not request.user.is_authenticated or user.pk != request.user.pk:
        refusal = sign_in.SignInRefused(
            "other_account", f"That was a different {word} account from the one you are signed in with."
        )
        return _refused(request, provider, refusal, REAUTH)
    if not sign_in.fresh_authentication(claims):
        refusal = sign_in.SignInRefused(
            "not_fresh", f"{word} did not ask for your password again, so it cannot confirm it is you."
        )
        return _refused(request, provider, refusal, REAUTH)
    sign_in_succeeded_record(provider=provider, user=user, mfa_claimed=mfa_claimed, mfa_trusted=mfa_trusted, purpose=REAUTH)
    if mfa_trusted:
        request.session[REAUTH_SESSION_KEY] = time.time()
        return redirect(safe_next(request, candidate=next_path))
    # The provider stands in for the password; Safeguard's code is still asked for.
    request.session[REAUTH_PROVIDER_KEY] = time.time()
    return redirect(f"{reverse('reauth')}?{urlencode({'next': next_path})}")


@csrf_exempt
@require_POST
@login_not_required
def provider_logout(request):
    """OpenID Connect Back-Channel Logout: the provider says someone signed out there, so every
    Safeguard session of theirs ends (single logout)."""
    token = request.POST.get("logout_token", "")
    issuer = sign_in.unverified_issuer(token)
    candidates = [
        provider
        for provider in SignInProvider.objects.filter(enabled=True).select_related("school")
        if sign_in.expected_issuer(provider.kind, provider.directory) == issuer
    ]
    for provider in candidates:
        try:
            document = sign_in.discovery(issuer)
            claims = sign_in.verify_logout_token(
                token, jwks_uri=document["jwks_uri"], issuer=issuer, client_id=provider.client_id
            )
        except sign_in.SignInRefused as refusal:
            if refusal.code == "audience":
                continue
            sign_in_refused_record(provider=provider, code=refusal.code, purpose="logout")
            return _logout_answer("invalid_request", 400)
        except sign_in.ProviderUnavailable:
            return _logout_answer("temporarily_unavailable", 503)
        provider_logout_record(provider=provider, user=identity_user(issuer=issuer, subject=str(claims.get("sub", ""))))
        return _logout_answer(None, 200)
    return _logout_answer("invalid_request", 400)


def _logout_answer(error: str | None, status: int):
    response = JsonResponse({"error": error}, status=status) if error else HttpResponse(status=status)
    response["Cache-Control"] = "no-cache, no-store"
    return response


@recent_authentication_required
def sign_in_settings(request):
    """The school's sign-in provider (the IT admin): what to register at the provider, the settings,
    and whether it works now (and if not, why)."""
    school = staff_school(request)
    provider = selectors.sign_in_provider_of(school)
    initial = {"enabled": True, "password_sign_in": True, "kind": SignInProvider.Kind.ENTRA}
    if provider is not None:
        initial = {name: getattr(provider, name) for name in SignInProviderForm.base_fields}
    form = SignInProviderForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            provider = sign_in_provider_save(actor=request.user, school=school, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            problem = provider_problem(provider, fresh=True) if provider.enabled else ""
            sign_in_provider_record_check(provider, problem)
            if problem:
                messages.warning(request, f"Saved, but signing in with it does not work yet: {problem}")
            else:
                messages.success(request, "Saved. The provider answered as it should: staff can sign in with it.")
            return redirect("sign_in_settings")
    return render(
        request,
        "safeguard/sign_in_settings.html",
        {
            "school": school,
            "provider": provider,
            "form": form,
            "secret_set": bool(provider is not None and os.environ.get(provider.secret_env.strip())),
            "redirect_uri": request.build_absolute_uri(reverse("sign_in_provider_callback")),
            "logout_uri": request.build_absolute_uri(reverse("sign_in_provider_logout")),
            "prefix": sign_in.SECRET_ENV_PREFIX,
        },
    )
