"""The second factor (django-otp): TOTP from an authenticator app, with single-use backup codes.

Services here write the audit event in the same transaction as the change. No secret, code or
backup code is ever logged or audited.
"""

from __future__ import annotations

import io
import secrets

import segno
from django.core.exceptions import ValidationError
from django.db import transaction
from django_otp import devices_for_user, match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from safeguard.audit import audit_record

APP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"


def has_second_factor(user) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


@transaction.atomic
def second_factor_start(*, user) -> TOTPDevice:
    """An unconfirmed authenticator device to enrol (the same one until it is confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def qr_svg(device: TOTPDevice) -> str:
    """The enrolment QR code as inline SVG (no script, no style: it passes the CSP)."""
    buffer = io.BytesIO()
    segno.make(device.config_url, error="m").save(buffer, kind="svg", xmldecl=False, svgns=True, nl=False, scale=5, border=2)
    return buffer.getvalue().decode()


def secret_for_typing(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, for people who cannot scan the code."""
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@transaction.atomic
def second_factor_confirm(*, user, device: TOTPDevice, token: str) -> list[str]:
    """Confirm the authenticator with a code from it; returns new backup codes (shown once)."""
    token = "".join(token.split())
    if not token.isdigit() or not device.verify_token(token):
        audit_record(actor=user, action="safeguard.second_factor.failed", obj=user, extra={"stage": "enrol"})
        raise ValidationError(
            {"token": "That code is not right. Check the time on your phone, then type the 6 digits it shows now."}
        )
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    codes = _new_backup_codes(user)
    audit_record(actor=user, action="safeguard.second_factor.enrolled", obj=user)
    return codes


def _new_backup_codes(user, count: int = 10) -> list[str]:
    from django.conf import settings

    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [f"{secrets.randbelow(10**8):08d}" for _ in range(getattr(settings, "SAFEGUARD_BACKUP_CODES", count))]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def backup_codes_regenerate(*, user) -> list[str]:
    if not has_second_factor(user):
        raise ValidationError("Set up your authenticator app first.")
    codes = _new_backup_codes(user)
    audit_record(actor=user, action="safeguard.second_factor.backup_codes_renewed", obj=user)
    return codes


@transaction.atomic
def second_factor_check(*, user, token: str):
    """The device that accepts ``token`` (an app code or an unused backup code), or a ValidationError."""
    token = "".join(token.split())
    device = match_token(user, token) if token else None
    if device is None:
        audit_record(actor=user, action="safeguard.second_factor.failed", obj=user, extra={"stage": "verify"})
        raise ValidationError(
            {"token": "That code is not right. Type the 6 digits your app shows now, or one of your backup codes."}
        )
    return device


@transaction.atomic
def second_factor_reset(*, actor, school, user) -> None:
    """The IT administrator resets a lost second factor: the person sets up a new one at next login."""
    from safeguard.permissions import roles_at
    from safeguard.roles import can_manage_staff

    if not can_manage_staff(roles_at(actor, school.pk)):
        raise ValidationError("Only the school's IT administrator can reset a second factor.")
    if user.pk == actor.pk:
        raise ValidationError("You cannot reset your own second factor. Ask another IT administrator.")
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    from safeguard.services import end_sessions

    end_sessions(user)
    audit_record(actor=actor, action="safeguard.second_factor.reset", obj=user, school=school)
