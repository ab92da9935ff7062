"""The sign-in page, `max_age` on the authorization endpoint, and the control API the tests drive.

The control API is test-only: JSON POSTs from loopback, no authentication, no CSRF.
"""

import functools
import json
import os
import time
import uuid

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import render, resolve_url
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from jwcrypto import jwt
from oauth2_provider import views as oauth2_views
from oauth2_provider.models import get_application_model
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.utils import jwk_from_pem

from tests.oidc_provider import state

BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"


class SignInForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email or username"


class LoginView(auth_views.LoginView):
    """Always shows the form, signed in or not: DOT's prompt=login sends the user here to sign in again."""

    template_name = "provider/login.html"
    form_class = SignInForm


def home(request):
    return render(request, "provider/home.html")


class AuthorizationView(oauth2_views.AuthorizationView):
    """DOT's, plus OIDC `max_age`: a sign-in older than that many seconds means signing in again.

    (DOT handles prompt=login itself: it sends the user to LOGIN_URL with `next` the same request
    less `prompt`. `max_age` is dropped from `next` the same way, so the fresh sign-in satisfies it.)
    """

    def get(self, request, *args, **kwargs):
        prompt = set(request.GET.get("prompt", "").split())
        max_age = request.GET.get("max_age", "")
        if request.user.is_authenticated and max_age.isdigit() and not prompt & {"login", "none"}:
            last_login = request.user.last_login
            if last_login is None or (timezone.now() - last_login).total_seconds() > int(max_age):
                query = request.GET.copy()
                del query["max_age"]
                return redirect_to_login(
                    f"{request.path}?{query.urlencode()}", resolve_url(self.get_login_url()), self.get_redirect_field_name()
                )
        return super().get(request, *args, **kwargs)


# The control API


class BadRequest(Exception):
    pass


def control(view):
    @csrf_exempt
    @require_POST
    @functools.wraps(view)
    def wrapper(request):
        if request.META.get("REMOTE_ADDR") not in {"127.0.0.1", "::1"}:
            return JsonResponse({"error": "loopback only"}, status=403)
        try:
            data = json.loads(request.body or b"{}")
            if not isinstance(data, dict):
                raise BadRequest("send a JSON object")
            result = view(request, data)
            return result if isinstance(result, JsonResponse) else JsonResponse(result)
        except (ValueError, KeyError, BadRequest) as error:
            return JsonResponse({"error": f"{type(error).__name__}: {error}"}, status=400)

    return wrapper


def _user(data):
    try:
        return get_user_model()._default_manager.get(username=data["username"])
    except get_user_model().DoesNotExist:
        raise BadRequest(f"no user {data['username']!r}") from None


def save_user(data: dict) -> dict:
    """Create or update (by username) a user; the pk, so the `sub`, survives a change of email."""
    if not isinstance(data.get("amr", []), list):
        raise BadRequest("amr is a list")
    user, created = get_user_model()._default_manager.get_or_create(username=data["username"])
    if "email" in data:
        user.email = data["email"]
    if data.get("password"):
        user.set_password(data["password"])
    elif created:
        user.set_unusable_password()
    user.is_active = bool(data.get("is_active", True))
    user.save()
    directory = state.data_dir()
    profile = state.profile(directory, user.pk)
    profile.update({key: data[key] for key in ("email_verified", "name", "amr") if key in data})
    profile.setdefault("email_verified", True)
    profile.setdefault("amr", ["pwd"])
    state.set_profile(directory, user.pk, **profile)
    return {"sub": str(user.pk), "created": created}


@control
def users(request, data):
    return save_user(data)


@control
def deactivate(request, data):
    user = _user(data)
    user.is_active = False
    user.save(update_fields=["is_active"])
    return {"sub": str(user.pk)}


@control
def fault(request, data):
    state.set_fault(state.data_dir(), data["mode"])
    return {"mode": data["mode"]}


def apply_keys(signing_key: str, retired_keys: list[str]) -> None:
    """Make DOT sign with `signing_key` and publish both, in this process, from the next request on.

    DOT reads OIDC_RSA_PRIVATE_KEY(S_INACTIVE) from `oauth2_settings` on each JWKS request and each
    signature (Application.jwk_key), and `oauth2_settings` caches them as instance attributes:
    setting those is the change. The settings dict is updated too, so a settings reload agrees.
    The retired list goes first, so a JWKS read in between lists the old key twice, never not at all.
    """
    settings.OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEYS_INACTIVE"] = retired_keys
    settings.OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"] = signing_key
    oauth2_settings.OIDC_RSA_PRIVATE_KEYS_INACTIVE = retired_keys
    oauth2_settings.OIDC_RSA_PRIVATE_KEY = signing_key
    oauth2_settings._cached_attrs.update({"OIDC_RSA_PRIVATE_KEYS_INACTIVE", "OIDC_RSA_PRIVATE_KEY"})


@control
def rotate(request, data):
    previous = jwk_from_pem(oauth2_settings.OIDC_RSA_PRIVATE_KEY).thumbprint()
    signing_key, retired_keys = state.rotate_keys(state.data_dir())
    apply_keys(signing_key, retired_keys)
    return {"kid": jwk_from_pem(signing_key).thumbprint(), "previous_kid": previous}


def _logout_token(user, aud=None) -> str:
    """An OpenID Connect Back-Channel Logout 1.0 logout token, signed with the current signing key."""
    if not aud:
        aud = os.environ.get("OIDC_PROVIDER_CLIENT_ID")
    if not aud:
        application = get_application_model().objects.order_by("pk").first()
        if application is None:
            raise BadRequest("no application registered")
        aud = application.client_id
    key = jwk_from_pem(oauth2_settings.OIDC_RSA_PRIVATE_KEY)
    now = int(time.time())
    claims = {
        "iss": oauth2_settings.OIDC_ISS_ENDPOINT,
        "aud": aud,
        "iat": now,
        "exp": now + 120,
        "jti": uuid.uuid4().hex,
        "sub": str(user.pk),
        "events": {BACKCHANNEL_LOGOUT_EVENT: {}},
    }
    header = {"alg": "RS256", "typ": "logout+jwt", "kid": key.thumbprint()}
    token = jwt.JWT(header=json.dumps(header), claims=json.dumps(claims))
    token.make_signed_token(key)
    return token.serialize()


@control
def logout_token(request, data):
    return {"logout_token": _logout_token(_user(data), data.get("aud"))}


@control
def backchannel_logout(request, data):
    """POSTs a logout token to the relying party's back-channel logout URI, as a provider would."""
    token = _logout_token(_user(data), data.get("aud"))
    session = requests.Session()
    session.trust_env = False  # loopback: no proxy
    try:
        response = session.post(data["uri"], data={"logout_token": token}, timeout=20, allow_redirects=False)
    except requests.RequestException as error:
        return JsonResponse({"error": f"could not POST to {data['uri']}: {error}"}, status=502)
    return {"status": response.status_code, "body": response.text[:10000]}
