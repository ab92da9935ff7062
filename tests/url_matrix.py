"""The URL × role matrix (pretix's test_permissions.py, zulip's "Some URLs are untested!").

Every named URL is listed with how to build its arguments and the status each persona gets on
GET. ``test_every_url_is_in_the_matrix`` fails when a new URL is added without a row here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

PERSONAS = ("anon", "dsl", "deputy", "pastoral", "pastoral_unassigned", "head", "it_admin", "staff_member", "other_dsl")

ALL_LOGGED_IN = {p: 200 for p in PERSONAS if p != "anon"}


def statuses(default: int | None = None, **overrides: int) -> dict[str, int]:
    table = {p: default for p in PERSONAS if p != "anon"} if default is not None else {}
    table.setdefault("anon", 302)
    table.update(overrides)
    return table


@dataclass(frozen=True)
class Row:
    args: Callable[[dict], list] = field(default=lambda ctx: [])
    get: dict[str, int] = field(default_factory=dict)
    #: POST-only URLs answer GET with 405 to everyone logged in.
    post_only: bool = False
    query: str = ""


CASE_READERS = {"dsl": 200, "deputy": 200, "pastoral": 200, "head": 200}
CASE_HIDDEN = {"pastoral_unassigned": 404, "it_admin": 404, "staff_member": 404, "other_dsl": 404}

MATRIX: dict[str, Row] = {
    "home": Row(get=statuses(200)),
    "healthz": Row(get=statuses(200, anon=200)),
    "login": Row(get=statuses(302, anon=200)),
    "logout": Row(post_only=True, get=statuses(405)),
    "password_reset": Row(get=statuses(200, anon=200)),
    "password_reset_sent": Row(get=statuses(200, anon=200)),
    "password_set_confirm": Row(args=lambda ctx: ["MQ", "bad-token"], get=statuses(200, anon=200)),
    "password_set_done": Row(get=statuses(200, anon=200)),
    "school_switch": Row(post_only=True, get=statuses(405)),
    "notification_list": Row(get=statuses(200)),
    "notification_read": Row(post_only=True, get=statuses(405)),
    "staff_list": Row(get=statuses(403, it_admin=200)),
    "staff_add": Row(get=statuses(403, it_admin=200)),
    "staff_edit": Row(args=lambda ctx: [ctx["staff_member"].pk], get=statuses(403, it_admin=200)),
    "staff_deactivate": Row(args=lambda ctx: [ctx["staff_member"].pk], post_only=True, get=statuses(405)),
    "staff_reactivate": Row(args=lambda ctx: [ctx["staff_member"].pk], post_only=True, get=statuses(405)),
    "staff_send_link": Row(args=lambda ctx: [ctx["staff_member"].pk], post_only=True, get=statuses(405)),
    "case_list": Row(get=statuses(403, dsl=200, deputy=200, pastoral=200, pastoral_unassigned=200, head=200, other_dsl=200)),
    "case_detail": Row(args=lambda ctx: [ctx["case"].pk], get=statuses(None, **CASE_READERS, **CASE_HIDDEN)),
    "case_assign": Row(args=lambda ctx: [ctx["case"].pk], post_only=True, get=statuses(405)),
    "case_unassign": Row(args=lambda ctx: [ctx["case"].pk, ctx["pastoral"].pk], post_only=True, get=statuses(405)),
}
