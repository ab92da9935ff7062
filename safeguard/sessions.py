"""Ending someone's sessions at once (a role removed, an account deactivated, a second factor reset)."""

from __future__ import annotations

from django.db.models import F

from safeguard.models import User


def end_sessions(user: User) -> None:
    """Every session of ``user`` ends at its next request (see User.get_session_auth_hash)."""
    User.objects.filter(pk=user.pk).update(session_version=F("session_version") + 1)
    user.refresh_from_db(fields=["session_version"])
