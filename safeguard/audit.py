"""The audit log: one function writes every event, inside the caller's transaction.

Services call :func:`audit_record` beside the change they make, so the change and its audit
event commit or roll back together (as zulip's ``RealmAuditLog`` and pretix's ``log_action``).
Where the request came from (IP address, request id) is taken from a context variable that
:class:`safeguard.middleware.RequestContextMiddleware` sets, so services need not pass requests.

Events never hold case content: ``extra`` carries field names, codes and counts only.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection, transaction
from django.utils import timezone

GENESIS_HASH = "0" * 64
# Any fixed 64-bit number: the PostgreSQL advisory lock that orders writers of the hash chain.
_CHAIN_LOCK_KEY = 0x5AFE_6A4D_0001


@dataclass(frozen=True)
class RequestContext:
    ip_address: str | None = None
    request_id: str = ""


_context: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "audit_context",
    default=RequestContext(),  # noqa: B039 - a frozen dataclass: immutable
)


def current_context() -> RequestContext:
    return _context.get()


@contextmanager
def request_context(ip_address: str | None, request_id: str) -> Iterator[None]:
    token = _context.set(RequestContext(ip_address=ip_address, request_id=request_id))
    try:
        yield
    finally:
        _context.reset(token)


def _ref(obj) -> tuple[str, str]:
    if obj is None:
        return "", ""
    if isinstance(obj, tuple):
        return str(obj[0]), str(obj[1])
    return obj._meta.label_lower, str(obj.pk)


def event_hash(
    *,
    prev_hash: str,
    occurred_at: datetime,
    actor_id: int | None,
    school_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    ip_address: str | None,
    request_id: str,
    extra: dict,
) -> str:
    """The chain hash of one event: SHA-256 over the previous hash and every field."""
    payload = json.dumps(
        [
            prev_hash,
            occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
            actor_id,
            school_id,
            action,
            object_type,
            object_id,
            ip_address,
            request_id,
            extra,
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _lock_chain() -> None:
    """Serialise writers of the hash chain until the surrounding transaction ends.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: transactions are IMMEDIATE (see
    settings), so the writer already holds the database's only write lock.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])


def audit_record(
    *,
    actor,
    action: str,
    obj=None,
    school=None,
    extra: dict | None = None,
    occurred_at: datetime | None = None,
):
    """Append one audit event. Call it inside the service's transaction, beside the change.

    ``obj`` is a model instance or an ``(object_type, object_id)`` pair; ``extra`` must hold
    no case content (field names, codes and counts only).
    """
    from safeguard.models import AuditEvent

    ctx = current_context()
    # Hash the address exactly as the database will store it (IPv6 is normalised on save), so
    # verify_chain recomputes the same hash from the stored row.
    ip_address = AuditEvent._meta.get_field("ip_address").get_prep_value(ctx.ip_address) or None
    object_type, object_id = _ref(obj)
    extra = extra or {}
    actor_id = getattr(actor, "pk", None) if actor is not None and getattr(actor, "is_authenticated", True) else None
    school_id = school.pk if hasattr(school, "pk") else school
    # No savepoint of its own: inside a service's transaction the event stands or falls with the
    # change; called alone it is its own transaction.
    with transaction.atomic(savepoint=False):
        _lock_chain()
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        prev_hash = last or GENESIS_HASH
        when = occurred_at or timezone.now()
        digest = event_hash(
            prev_hash=prev_hash,
            occurred_at=when,
            actor_id=actor_id,
            school_id=school_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            ip_address=ip_address,
            request_id=ctx.request_id,
            extra=extra,
        )
        return AuditEvent.objects.create(
            occurred_at=when,
            actor_id=actor_id,
            school_id=school_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            ip_address=ip_address,
            request_id=ctx.request_id,
            extra=extra,
            prev_hash=prev_hash,
            hash=digest,
        )


# --- Verifying the chain ---------------------------------------------------------------------------

HASH_FIELDS = (
    "id",
    "prev_hash",
    "hash",
    "occurred_at",
    "actor_id",
    "school_id",
    "action",
    "object_type",
    "object_id",
    "ip_address",
    "request_id",
    "extra",
)


@dataclass(frozen=True)
class BrokenLink:
    """The first event whose place in the chain does not hold."""

    event_id: int | None
    problem: str  # "prev_hash", "hash" or "missing_end"
    detail: str


@dataclass(frozen=True)
class ChainReport:
    events_checked: int
    broken: BrokenLink | None
    last_event_id: int | None
    last_hash: str

    @property
    def ok(self) -> bool:
        return self.broken is None


def verify_chain(*, anchor: tuple[int, str] | None = None, chunk_size: int = 5000) -> ChainReport:
    """Walk every audit event in id order and recompute its hash; report the first broken link.

    - ``prev_hash`` mismatch: the event does not follow the one before it (an event was removed
      or inserted before it, or the one before was rewritten with a recomputed hash);
    - ``hash`` mismatch: the event's own fields were changed after it was written.

    ``anchor`` is the (id, hash) of the last event a previous check saw: if that event is gone
    or changed, events were removed from the end of the log (``missing_end``), which the chain
    alone cannot show. Events are streamed with ``.iterator()``: memory stays flat however long
    the log is.
    """
    from safeguard.models import AuditEvent

    previous = GENESIS_HASH
    checked = 0
    last_id: int | None = None
    anchor_seen = anchor is None
    rows = AuditEvent.objects.order_by("id").values_list(*HASH_FIELDS).iterator(chunk_size=chunk_size)
    for (
        event_id,
        prev_hash,
        stored,
        occurred_at,
        actor_id,
        school_id,
        action,
        object_type,
        object_id,
        ip,
        request_id,
        extra,
    ) in rows:
        checked += 1
        if prev_hash != previous:
            return ChainReport(
                checked,
                BrokenLink(
                    event_id,
                    "prev_hash",
                    f"Event {event_id} does not follow the event before it: an event was removed, inserted or rewritten.",
                ),
                last_id,
                previous,
            )
        expected = event_hash(
            prev_hash=prev_hash,
            occurred_at=occurred_at,
            actor_id=actor_id,
            school_id=school_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            ip_address=ip,
            request_id=request_id,
            extra=extra,
        )
        if stored != expected:
            return ChainReport(
                checked,
                BrokenLink(
                    event_id, "hash", f"Event {event_id} was changed after it was written: its hash does not match its contents."
                ),
                last_id,
                previous,
            )
        if anchor is not None and event_id == anchor[0]:
            anchor_seen = stored == anchor[1]
        previous, last_id = stored, event_id
    if not anchor_seen:
        return ChainReport(
            checked,
            BrokenLink(
                anchor[0],
                "missing_end",
                f"Event {anchor[0]}, the last one an earlier check saw, is missing or changed: events were removed from the end of the log.",
            ),
            last_id,
            previous,
        )
    return ChainReport(checked, None, last_id, previous)
