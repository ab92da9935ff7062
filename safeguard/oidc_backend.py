"""The authentication backend for a school's OpenID Connect provider (issue 20).

mozilla-django-oidc's backend exchanges the code (with the PKCE verifier) at the provider's token
endpoint; Safeguard gives it the school's endpoints and client per sign-in, checks the ID token
with ``safeguard.sign_in.verify_id_token`` (the library's own check skips the audience), and finds
the account with ``safeguard.services.sign_in.account_for_sign_in``: never creating one.

It is listed in AUTHENTICATION_BACKENDS so a session it started finds its user again; a password
login never reaches it (``authenticate`` answers only a call that names a provider).
"""

from __future__ import annotations

import os

import requests
from django.contrib.auth.backends import ModelBackend
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from safeguard import sign_in
from safeguard.models import SignInProvider, User

#: The dotted path Django stores in the session for a sign-in through a provider.
BACKEND_PATH = "safeguard.oidc_backend.SchoolProviderBackend"


class SchoolProviderBackend(OIDCAuthenticationBackend):
    def __init__(self, *args, **kwargs):
        # mozilla-django-oidc reads one provider from settings; a school's comes with each sign-in.
        ModelBackend.__init__(self, *args, **kwargs)
        self.UserModel = User
        self.provider: SignInProvider | None = None
        self.issuer = ""
        self.claims: dict = {}

    def configure(self, provider: SignInProvider, document: dict) -> None:
        self.provider = provider
        self.issuer = sign_in.expected_issuer(provider.kind, provider.directory)
        self.document = document
        self.OIDC_OP_TOKEN_ENDPOINT = document["token_endpoint"]
        self.OIDC_OP_JWKS_ENDPOINT = document["jwks_uri"]
        self.OIDC_OP_USER_ENDPOINT = document.get("userinfo_endpoint")
        self.OIDC_RP_CLIENT_ID = provider.client_id
        self.OIDC_RP_CLIENT_SECRET = os.environ.get(provider.secret_env.strip(), "")
        self.OIDC_RP_SIGN_ALGO = "RS256"

    def authenticate(self, request, sign_in_provider=None, document=None, nonce=None, code_verifier=None, **kwargs):
        """The account the provider's ID token names, or SignInRefused / ProviderUnavailable with
        the reason. Only a call naming ``sign_in_provider`` is answered."""
        if sign_in_provider is None or request is None:
            return None
        self.configure(sign_in_provider, document)
        if not self.OIDC_RP_CLIENT_SECRET:
            raise sign_in.ProviderUnavailable(f"The environment variable {sign_in_provider.secret_env} is not set on the server.")
        try:
            return super().authenticate(request, nonce=nonce, code_verifier=code_verifier)
        except requests.HTTPError as error:
            status = getattr(error.response, "status_code", 0)
            if status in (400, 401):
                raise sign_in.SignInRefused(
                    "code_refused",
                    f"{sign_in.words_for(sign_in_provider.kind)} did not accept the sign-in: it was already used or has "
                    "expired. Please start again.",
                ) from None
            raise sign_in.ProviderUnavailable(f"The provider's token endpoint answered {status}.") from None
        except requests.RequestException:
            raise sign_in.ProviderUnavailable("Safeguard could not reach the provider's token endpoint.") from None

    def verify_token(self, token, **kwargs):
        self.claims = sign_in.verify_id_token(
            token,
            jwks_uri=self.OIDC_OP_JWKS_ENDPOINT,
            issuer=self.issuer,
            client_id=self.OIDC_RP_CLIENT_ID,
            nonce=kwargs.get("nonce"),
        )
        return self.claims

    def store_tokens(self, access_token, id_token):
        """Safeguard keeps no provider tokens in the session: it never calls the provider's APIs."""

    def get_or_create_user(self, access_token, id_token, payload):
        from safeguard.services.sign_in import account_for_sign_in

        return account_for_sign_in(provider=self.provider, issuer=self.issuer, claims=payload)

    def get_user(self, user_id):
        return ModelBackend.get_user(self, user_id)
