"""The second factor (django-otp): TOTP from an authenticator app, with single-use backup codes.

Who may do what (the rules the attacker's path is tested against):
- Someone with no second factor may enrol one (a new member of staff's first login).
- Someone who has one may only replace it from a session that entered a code (verified) and
  proved it was them again in the last few minutes (password and code): a password alone never
  starts, confirms or replaces a device. A replacement is audited as such and the owner is told
  by email, so a replacement they did not make is noticed.
- A wrong code is recorded, and django-otp's throttle counts it, in a transaction of its own:
  the refusal of the request must not roll either back (otherwise a code could be guessed
  without limit).

No secret, code or backup code is ever logged or audited.
"""

from __future__ import annotations

import io
import secrets
from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime

import segno
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from safeguard.audit import audit_record
from safeguard.sessions import end_sessions

APP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"

WRONG_CODE = "That code is not right. Type the 6 digits your app shows now, or one of your backup codes."
WRONG_ENROL_CODE = "That code is not right. Check the time on your phone, then type the 6 digits it shows now."
ALREADY_SET_UP = (
    "You already have a second factor. To replace it, enter a code from it, then choose "
    "“Replace your authenticator app” and confirm it is you."
)


@dataclass(frozen=True)
class SessionProof:
    """What the current session has proved: a code entered (``verified``), and the password and a
    code entered again in the last few minutes (``recent``)."""

    verified: bool
    recent: bool


def has_second_factor(user) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def _require_may_enrol(user, proof: SessionProof) -> bool:
    """True when this would replace an existing second factor. Refuses unless the session may."""
    replacing = has_second_factor(user)
    if replacing and not (proof.verified and proof.recent):
        raise PermissionDenied(ALREADY_SET_UP)
    return replacing


@transaction.atomic
def second_factor_start(*, user, proof: SessionProof) -> TOTPDevice:
    """An unconfirmed authenticator device to enrol (the same one until it is confirmed)."""
    _require_may_enrol(user, proof)
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
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _record_failure(user, stage: str, *, throttled: bool = False) -> None:
    # Its own transaction, committed before the refusal is raised: the failure stays on record.
    with transaction.atomic():
        audit_record(
            actor=user, action="safeguard.second_factor.failed", obj=user, extra={"stage": stage, "throttled": throttled}
        )


def _throttled_until(devices) -> datetime | None:
    """When the soonest of these devices accepts a code again, if every one is throttled now."""
    waits = []
    for device in devices:
        allowed, data = device.verify_is_allowed()
        if allowed:
            return None
        waits.append((data or {}).get("locked_until"))
    known = [when for when in waits if when is not None]
    return min(known) if known else (timezone.now() if waits else None)


def _wait_message(until: datetime) -> str:
    seconds = max(1, round((until - timezone.now()).total_seconds()))
    wait = f"{seconds} seconds" if seconds < 120 else f"{round(seconds / 60)} minutes"
    return f"Too many wrong codes. Wait {wait}, then type the code your app shows at that moment."


def second_factor_confirm(*, user, device: TOTPDevice, token: str, proof: SessionProof) -> list[str]:
    """Confirm the authenticator with a code from it; returns new backup codes (shown once).

    Not one transaction on purpose: a wrong code's throttle count and audit row are committed
    before it is refused (see the module's docstring)."""
    replacing = _require_may_enrol(user, proof)
    if device.user_id != user.pk or device.confirmed:
        raise PermissionDenied("That is not a second factor being set up for you.")
    token = "".join(token.split())
    until = _throttled_until([device])
    if until is not None:
        _record_failure(user, "enrol", throttled=True)
        raise ValidationError({"token": _wait_message(until)})
    # verify_token saves the throttle count itself, outside any transaction of ours.
    if not device.verify_token(token):
        _record_failure(user, "enrol")
        raise ValidationError({"token": WRONG_ENROL_CODE})
    return _enrol(user=user, device=device, replacing=replacing)


@transaction.atomic
def _enrol(*, user, device: TOTPDevice, replacing: bool) -> list[str]:
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    codes = _new_backup_codes(user)
    if replacing:
        audit_record(actor=user, action="safeguard.second_factor.replaced", obj=user)
        _tell_owner(user, "replaced")
    else:
        audit_record(actor=user, action="safeguard.second_factor.enrolled", obj=user)
    return codes


def _tell_owner(user, what: str) -> None:
    """Email the owner of the account about a change to its second factor (after commit)."""
    body = render_to_string(
        "safeguard/email/second_factor_changed.txt",
        {"user": user, "what": what, "when": timezone.localtime(), "base_url": settings.BASE_URL},
    )

    def send() -> None:
        send_mail("Your Safeguard second factor was changed", body, None, [user.email])

    transaction.on_commit(send, robust=True)


def _new_backup_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [f"{secrets.randbelow(10**8):08d}" for _ in range(settings.SAFEGUARD_BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def backup_codes_regenerate(*, user, proof: SessionProof) -> list[str]:
    if not has_second_factor(user):
        raise ValidationError("Set up your authenticator app first.")
    if not (proof.verified and proof.recent):
        raise PermissionDenied("Confirm it is you before making new backup codes.")
    codes = _new_backup_codes(user)
    audit_record(actor=user, action="safeguard.second_factor.backup_codes_renewed", obj=user)
    return codes


def second_factor_check(*, user, token: str, stage: str = "verify"):
    """The device that accepts ``token`` (an app code or an unused backup code), or a ValidationError.

    Not atomic on purpose: django-otp saves each device's throttle count as it checks the code,
    and a failure's audit row is committed in its own transaction before the refusal is raised.
    Call it outside any transaction (views are not atomic)."""
    token = "".join(token.split())
    devices = list(devices_for_user(user, confirmed=True))
    until = _throttled_until(devices)
    if until is not None:
        _record_failure(user, stage, throttled=True)
        raise ValidationError({"token": _wait_message(until)})
    matched = None
    if token:
        for device in devices:
            if device.verify_token(token):
                matched = device
                break
    if matched is None:
        _record_failure(user, stage)
        raise ValidationError({"token": WRONG_CODE})
    return matched


def second_factor_remove(*, actor, school, user, approved_by=None) -> None:
    """Take away someone's second factor (a lost phone): their sessions end and they set up a new
    one at their next login. Called by the staff services inside their transaction, once the IT
    administrator may do it (and, for someone who reads cases, a second person approved)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    end_sessions(user)
    extra = {"approved_by": approved_by.pk} if approved_by is not None else {}
    audit_record(actor=actor, action="safeguard.second_factor.reset", obj=user, school=school, extra=extra)
    _tell_owner(user, "reset")
