"""The provider's claims, and the faults a test can switch on to see the relying party refuse a token.

DOT builds an ID token in two steps: oauthlib starts it (aud, iat, nonce, at_hash), then
`finalize_id_token` adds `get_id_token_dictionary()` (the user's claims, iss, exp, auth_time from
`last_login`, jti) with `dict.update`, and signs it with the application's key. Claim faults are
made in `get_id_token_dictionary` (its values win); the key fault re-signs the finished token.
"""

import json
import time

from jwcrypto import jwk, jws, jwt
from oauth2_provider.oauth2_validators import OAuth2Validator

from tests.oidc_provider import state

WRONG_AUDIENCE = "someone-else"
WRONG_NONCE = "not-the-nonce-you-sent"
WRONG_ISSUER = "http://127.0.0.1:1/o"


class SafeguardTestValidator(OAuth2Validator):
    # DOT drops a claim whose scope was not granted; `amr` is about the sign-in, so it goes with openid.
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "amr": "openid"}

    def get_additional_claims(self, request):
        user = request.user
        profile = state.profile(state.data_dir(), user.pk)
        return {
            "email": user.email,
            "email_verified": bool(profile.get("email_verified", False)),
            "name": profile.get("name") or user.get_full_name() or user.get_username(),
            "amr": list(profile.get("amr") or ["pwd"]),
        }

    def get_discovery_claims(self, request):
        return ["sub", "email", "email_verified", "name", "amr", "auth_time"]

    def get_id_token_dictionary(self, token, token_handler, request):
        claims, expiration_time = super().get_id_token_dictionary(token, token_handler, request)
        fault = state.fault(state.data_dir())
        if fault == "audience":
            claims["aud"] = WRONG_AUDIENCE
        elif fault == "expired":
            now = int(time.time())
            claims.update(iat=now - 2 * 3600, exp=now - 3600, auth_time=min(claims["auth_time"], now - 2 * 3600))
        elif fault == "nonce":
            claims["nonce"] = WRONG_NONCE
        elif fault == "issuer":
            claims["iss"] = WRONG_ISSUER
        return claims, expiration_time

    def finalize_id_token(self, id_token, token, token_handler, request):
        signed = super().finalize_id_token(id_token, token, token_handler, request)
        if state.fault(state.data_dir()) != "unpublished_key":
            return signed
        # The same claims, signed with a key the JWKS has never listed.
        unverified = jws.JWS()
        unverified.deserialize(signed)
        key = jwk.JWK.generate(kty="RSA", size=2048)
        header = {"typ": "JWT", "alg": "RS256", "kid": key.thumbprint()}
        resigned = jwt.JWT(header=json.dumps(header), claims=unverified.objects["payload"].decode())
        resigned.make_signed_token(key)
        return resigned.serialize()
