"""Addresses: the one definition of "on this server" that every outgoing connection's rule uses
(a transfer inbox, a sign-in provider: plain http only to this machine)."""

from __future__ import annotations

import ipaddress


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
