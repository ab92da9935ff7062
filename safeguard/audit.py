"""The audit log: one function writes every event, inside the caller's transaction.

Services call :func:`audit_record` beside the change they make, so the change and its audit
event commit or roll back together (as zulip's ``RealmAuditLog`` and pretix's ``log_action``).
Where the request came from (IP address, request id) is taken from a context variable that
:class:`safeguard.middleware.RequestContextMiddleware` sets, so services need not pass requests.

Events never hold case content: ``extra`` carries field names, codes and counts only.

Each school's events form one hash chain (events that belong to no school form one more): every
event carries the HMAC-SHA256 of the event before it in its chain, keyed with ``AUDIT_KEY``
(``SAFEGUARD_AUDIT_KEY``), which is kept outside the database. Someone who can write to the
database but has not got the key can change or delete rows, but cannot compute the hashes that
would make the change pass :func:`verify_log`. Each check of the log is recorded, with the head
of every chain and a seal made with the same key, so events removed from the end of a chain are
found by the next check.
"""

from __future__ import annotations

import contextvars
import hmac
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

GENESIS_HASH = "0" * 64
#: The first key of PostgreSQL's two-key advisory locks that order the writers of one chain; the
#: second key is the school's id (0 for events of no school). Any fixed 32-bit number.
CHAIN_LOCK_NAMESPACE = 0x5AFE_A0D1
_INT4 = 2**31


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


# --- The keyed hash -------------------------------------------------------------------------------


# What json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=True) does, made once:
# seed data hashes millions of events.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def _mac(key: bytes | None, parts: list) -> str:
    payload = _ENCODER.encode(parts).encode()
    return hmac.digest(settings.AUDIT_KEY if key is None else key, payload, "sha256").hex()


def _instant(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


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
    key: bytes | None = None,
) -> str:
    """The chain hash of one event: HMAC-SHA256, keyed with ``AUDIT_KEY`` (or ``key``), over the
    previous event's hash in the same chain and every field of this one."""
    # "event" keeps an event's hash from ever equalling a verification record's seal.
    return _mac(
        key,
        [
            "event",
            prev_hash,
            _instant(occurred_at),
            actor_id,
            school_id,
            action,
            object_type,
            object_id,
            ip_address,
            request_id,
            extra,
        ],
    )


def chain_head(school_id: int | None) -> tuple[int, str] | None:
    """The (id, hash) of the last event in a school's chain (``None``: the events of no school).

    Read from the end of the chain's own index (``audit_chain_head_idx``, school then id), whatever
    the rest of the log holds. Asked plainly ("this school's events, newest id first"), PostgreSQL
    walks the whole log's primary key backwards until it meets one of the school's events: cheap
    while the school writes often, but a school quiet while others wrote (a holiday; the first
    school seeded) made it step over every later event, under the chain's lock — seconds at
    twenty million events, long enough for every worker writing there to time out (issue 22). The
    row comparison and the two-column order are satisfied only by the chain's index."""
    from safeguard.models import AuditEvent

    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        if school_id is None:
            cursor.execute(
                f"SELECT id, hash FROM {table} WHERE school_id IS NULL "  # noqa: S608 - the model's own table name
                "ORDER BY school_id DESC NULLS FIRST, id DESC LIMIT 1"
            )
        else:
            cursor.execute(
                f"SELECT id, hash FROM {table} WHERE school_id = %s AND (school_id, id) <= (%s, %s) "  # noqa: S608
                "ORDER BY school_id DESC, id DESC LIMIT 1",
                [school_id, school_id, 2**63 - 1],
            )
        row = cursor.fetchone()
    return (row[0], row[1]) if row else None


def chain_lock_key(school_id: int | None) -> int:
    """The second advisory-lock key of a chain: a 32-bit number. Two schools whose ids share it
    (only past two thousand million schools) would merely wait for each other."""
    return (school_id or 0) % _INT4


def _lock_chain(school_id: int | None) -> None:
    """Serialise writers of one school's chain until the surrounding transaction ends.

    PostgreSQL: a transaction-scoped advisory lock on (namespace, school), so writers at
    different schools never wait for each other. SQLite: transactions are IMMEDIATE (see
    settings), so the writer already holds the database's only write lock.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [CHAIN_LOCK_NAMESPACE, chain_lock_key(school_id)])


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
        # The head is read after the lock is taken: under READ COMMITTED (Django's default) that
        # read sees the event the previous holder of the lock committed.
        _lock_chain(school_id)
        head = chain_head(school_id)
        prev_hash = head[1] if head else GENESIS_HASH
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


class ChainSealer:
    """Hashes for events written in bulk (seed data, benchmarks), as :func:`audit_record` would
    have written them: one chain per school, each continuing from its head in the database.

    Events must then be inserted in the order they were sealed, with no other writer at the
    same time (nothing takes the chain locks here).
    """

    def __init__(self, heads: dict[int | None, str] | None = None) -> None:
        """``heads``: the hash each named chain continues from, where the caller has read it
        already; the others are read from the database when first sealed."""
        self._key = settings.AUDIT_KEY
        self._heads: dict[int | None, str] = dict(heads or {})

    def seal(self, *, school_id: int | None, **fields) -> tuple[str, str]:
        """``(prev_hash, hash)`` of the next event of ``school_id``'s chain."""
        prev = self._heads.get(school_id)
        if prev is None:
            head = chain_head(school_id)
            prev = head[1] if head else GENESIS_HASH
        digest = event_hash(prev_hash=prev, school_id=school_id, key=self._key, **fields)
        self._heads[school_id] = digest
        return prev, digest


# --- Verifying the chains -------------------------------------------------------------------------

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

#: A chain's head as a check recorded it: school id (``None``: no school) -> (last event id, hash).
Heads = dict[int | None, tuple[int, str]]


@dataclass(frozen=True)
class BrokenLink:
    """The first item of the log whose place does not hold: an event, or a verification record."""

    event_id: int | None
    problem: str  # "prev_hash", "hash", "missing_end" or "seal"
    detail: str
    verification_id: int | None = None

    @property
    def where(self) -> str:
        if self.problem == "seal":
            return f"verification record {self.verification_id}"
        return f"event {self.event_id}"


@dataclass(frozen=True)
class ChainReport:
    events_checked: int
    broken: BrokenLink | None
    last_event_id: int | None
    last_hash: str
    heads: Heads = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.broken is None

    @property
    def chains_checked(self) -> int:
        return len(self.heads)


def _chain_words(school_id: int | None) -> str:
    from safeguard.models import School

    if school_id is None:
        return "the chain of events that belong to no school"
    name = School.objects.filter(pk=school_id).values_list("name", flat=True).first()
    return f"the chain of {name}" if name else f"the chain of school {school_id}"


def verify_chain(*, anchor: Heads | None = None, chunk_size: int = 5000) -> ChainReport:
    """Walk every audit event once, in id order, and recompute its keyed hash; report the first
    broken link.

    - ``prev_hash`` mismatch: the event does not follow the one before it in its school's chain
      (an event was removed or inserted before it);
    - ``hash`` mismatch: the event's own fields were changed after it was written (whoever changed
      them could not compute the hash without the key).

    ``anchor`` holds the chain heads a previous check recorded: if one of those events is gone or
    changed, events were removed from the end of that chain (``missing_end``), which the chain
    alone cannot show. Events are streamed with ``.iterator()``: memory holds one head per chain,
    however long the log is.
    """
    from safeguard.models import AuditEvent

    key = settings.AUDIT_KEY
    heads: Heads = {}
    # The anchor's events, by id: each must still be there, in the same chain, with the same hash.
    expected = {event_id: (school_id, digest) for school_id, (event_id, digest) in (anchor or {}).items()}
    seen: set[int] = set()
    checked = 0
    last_id: int | None = None
    last_hash = GENESIS_HASH

    def report(broken: BrokenLink | None) -> ChainReport:
        return ChainReport(checked, broken, last_id, last_hash, heads)

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
        head = heads.get(school_id)
        if prev_hash != (head[1] if head else GENESIS_HASH):
            return report(
                BrokenLink(
                    event_id,
                    "prev_hash",
                    f"Event {event_id} does not follow the event before it in {_chain_words(school_id)}: "
                    "an event was removed, inserted or rewritten.",
                )
            )
        digest = event_hash(
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
            key=key,
        )
        if not hmac.compare_digest(stored, digest):
            return report(
                BrokenLink(
                    event_id, "hash", f"Event {event_id} was changed after it was written: its hash does not match its contents."
                )
            )
        if expected.get(event_id) == (school_id, stored):
            seen.add(event_id)
        heads[school_id] = (event_id, stored)
        last_id, last_hash = event_id, stored
    for event_id in sorted(set(expected) - seen):
        school_id = expected[event_id][0]
        return report(
            BrokenLink(
                event_id,
                "missing_end",
                f"Event {event_id}, the last event of {_chain_words(school_id)} an earlier check saw, is missing or changed: "
                "events were removed from the end of the log.",
            )
        )
    return report(None)


# --- Verification records: the anchors ------------------------------------------------------------


def heads_to_json(heads: Heads) -> list:
    """Chain heads as stored in a verification record: ``[[school id or null, event id, hash], ...]``."""
    return [[school_id, event_id, digest] for school_id, (event_id, digest) in sorted(heads.items(), key=_school_order)]


def heads_from_json(value) -> Heads:
    return {school_id: (event_id, digest) for school_id, event_id, digest in value or []}


def _school_order(item) -> tuple:
    return (item[0] is None, item[0] or 0)


def verification_seal(
    *,
    ran_at: datetime,
    events_checked: int,
    chains_checked: int,
    ok: bool,
    first_broken_id: int | None,
    detail: str,
    last_event_id: int | None,
    last_hash: str,
    heads: list,
    key: bytes | None = None,
) -> str:
    """The seal of one verification record: HMAC-SHA256 with the audit key over all it says."""
    return _mac(
        key,
        [
            "verification",
            _instant(ran_at),
            events_checked,
            chains_checked,
            ok,
            first_broken_id,
            detail,
            last_event_id,
            last_hash,
            heads,
        ],
    )


SEALED_FIELDS = (
    "ran_at",
    "events_checked",
    "chains_checked",
    "ok",
    "first_broken_id",
    "detail",
    "last_event_id",
    "last_hash",
    "heads",
)


def verification_record(report: ChainReport, *, ran_at: datetime | None = None):
    """Record one check with the head of every chain it checked, sealed with the audit key.

    The record is append-only (database triggers, and only INSERT is granted to the application)
    and its seal covers every field, so a record rewritten to hide a truncation is found.
    """
    from safeguard.models import AuditVerification

    fields = {
        "ran_at": ran_at or timezone.now(),
        "events_checked": report.events_checked,
        "chains_checked": report.chains_checked,
        "ok": report.ok,
        "first_broken_id": report.broken.event_id if report.broken else None,
        "detail": report.broken.detail[:300] if report.broken else "",
        "last_event_id": report.last_event_id,
        "last_hash": report.last_hash if report.last_event_id else "",
        "heads": heads_to_json(report.heads),
    }
    return AuditVerification.objects.create(**fields, seal=verification_seal(**fields))


def verify_log(*, chunk_size: int = 5000) -> ChainReport:
    """The whole check: every verification record's seal, then every event, with the chain heads
    of the latest intact, correctly sealed record as the anchor.

    A changed event is reported first; failing that, a verification record whose seal does not
    match ("was changed"); failing that, the log is intact.
    """
    from safeguard.models import AuditVerification

    key = settings.AUDIT_KEY
    anchor: Heads | None = None
    changed: int | None = None
    for record in AuditVerification.objects.order_by("ran_at", "id").values_list("id", "seal", *SEALED_FIELDS).iterator():
        record_id, seal, *values = record
        expected = verification_seal(**dict(zip(SEALED_FIELDS, values, strict=True)), key=key)
        if not hmac.compare_digest(seal, expected):
            changed = record_id if changed is None else changed
        elif values[SEALED_FIELDS.index("ok")]:
            anchor = heads_from_json(values[SEALED_FIELDS.index("heads")])
    report = verify_chain(anchor=anchor, chunk_size=chunk_size)
    if report.ok and changed is not None:
        broken = BrokenLink(None, "seal", f"Verification record {changed} was changed: its seal does not match.", changed)
        report = replace(report, broken=broken)
    return report
