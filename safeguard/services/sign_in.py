"""Writes for signing in with the school's provider (issue 20): its settings, the link between a
provider's account and a Safeguard account, the regular check that it works, and the audit of
sign-ins refused. The rules are in ``safeguard.sign_in``."""

from __future__ import annotations

import logging
import os

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from safeguard import sign_in
from safeguard.audit import audit_record
from safeguard.models import School, SignInIdentity, SignInProvider, User
from safeguard.permissions import roles_at
from safeguard.roles import Role, can_manage_staff
from safeguard.selectors import users_with_role
from safeguard.services.alerts import Alert, alert_send, notifications_clear

logger = logging.getLogger(__name__)

SETTINGS_FIELDS = ("kind", "enabled", "directory", "client_id", "secret_env", "password_sign_in", "trust_provider_mfa")


def _require_it_admin(actor: User, school: School) -> None:
    if not can_manage_staff(roles_at(actor, school.pk)):
        raise PermissionDenied("Only the school's IT administrator can set up signing in with the school's accounts.")


@transaction.atomic
def sign_in_provider_save(
    *,
    actor: User,
    school: School,
    kind: str,
    directory: str,
    client_id: str,
    secret_env: str,
    enabled: bool,
    password_sign_in: bool,
    trust_provider_mfa: bool,
) -> SignInProvider:
    """Set up or change the school's sign-in provider (the IT admin). Audited with which settings
    changed, never their values' secrets (the secret itself is never in the database)."""
    _require_it_admin(actor, school)
    errors = {}
    if kind not in SignInProvider.Kind.values:
        errors["kind"] = "Choose the kind of account the school's staff sign in with."
    elif problem := sign_in.directory_problem(kind, directory):
        errors["directory"] = problem
    if problem := sign_in.secret_env_problem(secret_env):
        errors["secret_env"] = problem
    if not client_id.strip():
        errors["client_id"] = "Give the client (application) ID the provider gave Safeguard."
    if errors:
        raise ValidationError(errors)
    values = {
        "kind": kind,
        "directory": directory.strip().lower() if kind != SignInProvider.Kind.OTHER else directory.strip().rstrip("/"),
        "client_id": client_id.strip(),
        "secret_env": secret_env.strip(),
        "enabled": enabled,
        "password_sign_in": password_sign_in,
        "trust_provider_mfa": trust_provider_mfa,
    }
    provider = SignInProvider.objects.select_for_update().filter(school=school).first()
    if provider is None:
        provider = SignInProvider.objects.create(school=school, updated_by=actor, **values)
        changed = sorted(values)
    else:
        changed = sorted(name for name, value in values.items() if getattr(provider, name) != value)
        for name, value in values.items():
            setattr(provider, name, value)
        provider.updated_by = actor
        provider.save()
    audit_record(
        actor=actor,
        action="safeguard.sign_in.saved",
        obj=provider,
        school=school,
        extra={
            "fields": changed,
            "kind": kind,
            "enabled": enabled,
            "password_sign_in": password_sign_in,
            "trust_provider_mfa": trust_provider_mfa,
        },
    )
    return provider


def provider_problem(provider: SignInProvider, *, fresh: bool = False) -> str:
    """Why sign-in through ``provider`` would not work now, in the IT admin's words ("" when it would)."""
    if not os.environ.get(provider.secret_env.strip()):
        return f"The environment variable {provider.secret_env} is not set on the server, so Safeguard has no client secret."
    try:
        sign_in.discovery(sign_in.expected_issuer(provider.kind, provider.directory), fresh=fresh)
    except sign_in.ProviderUnavailable as problem:
        return str(problem)
    return ""


def _subject(provider: SignInProvider) -> str:
    return f"sign_in_provider:{provider.pk}"


def sign_in_provider_record_check(provider: SignInProvider, problem: str) -> bool:
    """Record how the provider answered. When it stops working the IT admins are told (once, until
    it works again, when the alert clears itself). Returns whether the problem is new."""
    with transaction.atomic():
        locked = SignInProvider.objects.select_for_update().get(pk=provider.pk)
        was = locked.problem
        locked.problem = problem[:300]
        locked.last_checked_at = timezone.now()
        locked.save(update_fields=["problem", "last_checked_at"])
        provider.problem, provider.last_checked_at = locked.problem, locked.last_checked_at
        if problem and not was:
            audit_record(
                actor=None,
                action="safeguard.sign_in.broken",
                obj=locked,
                school=locked.school,
                extra={"kind": locked.kind},
            )
            alert_send(
                alert=Alert(
                    kind="sign_in_problem",
                    title=f"Signing in with {sign_in.words_for(locked.kind)} is not working at {locked.school.name}",
                    url=reverse("sign_in_settings"),
                    subject=_subject(locked),
                    detail="Staff can still use their Safeguard passwords where the school allows them. The settings page says why.",
                ),
                recipients=users_with_role(locked.school_id, {Role.IT_ADMIN}),
                school=locked.school,
            )
        elif was and not problem:
            audit_record(
                actor=None, action="safeguard.sign_in.working", obj=locked, school=locked.school, extra={"kind": locked.kind}
            )
            notifications_clear(subject=_subject(locked))
    return bool(problem and not was)


def sign_in_providers_check() -> dict[str, int]:
    """The regular look at every enabled provider (Celery beat): working or not, and why."""
    counts = {"working": 0, "broken": 0}
    for provider in SignInProvider.objects.filter(enabled=True).select_related("school"):
        problem = provider_problem(provider, fresh=True)
        sign_in_provider_record_check(provider, problem)
        counts["broken" if problem else "working"] += 1
    return counts


def sign_in_refused_record(
    *, provider: SignInProvider | None, code: str, user: User | None = None, purpose: str = "sign_in"
) -> None:
    """A sign-in through a provider that was refused, with the reason's code (never a token or claim)."""
    with transaction.atomic():
        audit_record(
            actor=user,
            action="safeguard.login.provider_refused",
            obj=user,
            school=provider.school if provider is not None else None,
            extra={"reason": code, "purpose": purpose, "known_account": user is not None},
        )


def sign_in_succeeded_record(*, provider: SignInProvider, user: User, mfa_claimed: bool, mfa_trusted: bool, purpose: str) -> None:
    with transaction.atomic():
        audit_record(
            actor=user,
            action="safeguard.login.provider" if purpose == "sign_in" else "safeguard.reauth.provider",
            obj=user,
            school=provider.school,
            extra={"kind": provider.kind, "provider_mfa": mfa_claimed, "mfa_trusted": mfa_trusted},
        )


def account_for_sign_in(*, provider: SignInProvider, issuer: str, claims: dict) -> User:
    """The Safeguard account the provider's verified claims name, or SignInRefused.

    After the first sign-in the link is the provider's stable subject (``sub``) only; the first time,
    the account is found by the email address the provider vouches for and the link is made. No
    account is ever created here, and none is found by a display name."""
    word = sign_in.words_for(provider.kind)
    subject = claims["sub"]
    identity = SignInIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
    if identity is not None:
        user = identity.user
    else:
        email = sign_in.verified_email(provider.kind, provider.directory, claims)
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise sign_in.SignInRefused(
                "unknown_account",
                f"There is no Safeguard account for {email}. Ask your school's IT administrator to add you; signing in does not make an account.",
            )
    if not user.is_active:
        raise sign_in.SignInRefused(
            "inactive", "Your Safeguard account is switched off. Ask your school's IT administrator.", user
        )
    if not roles_at(user, provider.school_id):
        raise sign_in.SignInRefused(
            "not_at_school",
            f"Your Safeguard account is not at {provider.school.name}, so you cannot sign in with its {word} accounts.",
            user,
        )
    if identity is None:
        elsewhere = SignInIdentity.objects.filter(user=user, issuer=issuer).exclude(subject=subject).exists()
        if elsewhere:
            raise sign_in.SignInRefused(
                "linked_elsewhere",
                f"Your Safeguard account is linked to a different {word} account. Ask your school's IT administrator.",
                user,
            )
        try:
            with transaction.atomic():
                SignInIdentity.objects.create(user=user, issuer=issuer, subject=subject)
                audit_record(
                    actor=user, action="safeguard.sign_in.linked", obj=user, school=provider.school, extra={"kind": provider.kind}
                )
        except IntegrityError:
            # The same first sign-in twice at once: the other one made the link.
            if not SignInIdentity.objects.filter(user=user, issuer=issuer, subject=subject).exists():
                raise
    else:
        SignInIdentity.objects.filter(pk=identity.pk).update(last_used_at=timezone.now())
    return user


def identity_user(*, issuer: str, subject: str) -> User | None:
    identity = SignInIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
    return identity.user if identity is not None else None


def provider_logout_record(*, provider: SignInProvider, user: User | None) -> None:
    """The provider said someone signed out (back-channel logout): their sessions end, audited."""
    from safeguard.sessions import end_sessions

    with transaction.atomic():
        if user is not None:
            end_sessions(user)
        audit_record(
            actor=user,
            action="safeguard.logout.provider",
            obj=user,
            school=provider.school,
            extra={"kind": provider.kind, "known_account": user is not None},
        )
