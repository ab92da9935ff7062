"""Where to go next after a form: only a path on this site, never a view name or another site."""

from __future__ import annotations

from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def is_local_path(target: str, request) -> bool:
    """A path on this site: starts with one slash (not ``//host`` or ``/\\host``), no scheme."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    return url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure())


def safe_next(request, default: str = "home", *, candidate: str | None = None) -> str:
    """The ``next`` the request asks for (POST, then GET) if it is a local path, else ``default``
    (a URL name). ``redirect()`` would treat a bare word such as ``abc`` as a view name."""
    target = candidate if candidate is not None else (request.POST.get("next") or request.GET.get("next") or "")
    return target if is_local_path(target, request) else reverse(default)
