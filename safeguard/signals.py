"""Audit events for authentication, which happens inside Django and django-axes (no service of
ours runs there, so signals are the one way in)."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from safeguard.middleware import SESSION_STARTED_KEY, SIGN_IN_SESSION_KEY, login_username


def _known_user(username: str):
    from safeguard.models import User

    try:
        return User.objects.get_by_natural_key(username) if username else None
    except User.DoesNotExist:
        return None


@receiver(user_logged_in)
def on_logged_in(sender, request, user, **kwargs):
    import time

    from safeguard.services import auth_event_record

    if request is not None and hasattr(request, "session"):
        request.session[SESSION_STARTED_KEY] = time.time()
        # Whatever a provider's sign-in left is for that sign-in only (it sets its own after this).
        request.session.pop(SIGN_IN_SESSION_KEY, None)
    auth_event_record(action="safeguard.login.succeeded", user=user)


@receiver(user_logged_out)
def on_logged_out(sender, request, user, **kwargs):
    from safeguard.services import auth_event_record

    if user is not None:
        auth_event_record(action="safeguard.logout", user=user)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    from safeguard.services import auth_event_record

    user = _known_user(login_username(request, credentials)) if request is not None else None
    auth_event_record(action="safeguard.login.failed", user=user, extra={"known_account": user is not None})


@receiver(user_locked_out)
def on_locked_out(sender, request, username=None, ip_address=None, **kwargs):
    from safeguard.services import auth_event_record

    user = _known_user(str(username or "").strip().lower())
    auth_event_record(action="safeguard.login.locked_out", user=user, extra={"known_account": user is not None})
