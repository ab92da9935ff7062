"""The demo school's sign-in with its own accounts (issue 20), set up as its IT admin would: the
test OpenID Connect provider that ``make provider`` runs on this machine (``tests/oidc_provider``),
with demo staff whose email addresses match the demo accounts."""

from __future__ import annotations

from safeguard.models import School, SignInProvider, User
from safeguard.services.sign_in import sign_in_provider_save

DEMO_PROVIDER_PORT = 8100
DEMO_PROVIDER_ISSUER = f"http://127.0.0.1:{DEMO_PROVIDER_PORT}/o"
DEMO_CLIENT_ID = "safeguard-demo"
#: ``make run`` and ``make provider`` set it to the same demo value (never a real secret).
DEMO_SECRET_ENV = "SAFEGUARD_OIDC_SECRET_DEMO"  # noqa: S105 - the name of a variable, not a secret


def seed_demo_sign_in(*, school: School, it_admin: User) -> SignInProvider:
    return sign_in_provider_save(
        actor=it_admin,
        school=school,
        kind=SignInProvider.Kind.OTHER,
        directory=DEMO_PROVIDER_ISSUER,
        client_id=DEMO_CLIENT_ID,
        secret_env=DEMO_SECRET_ENV,
        enabled=True,
        password_sign_in=True,
        trust_provider_mfa=False,
    )
