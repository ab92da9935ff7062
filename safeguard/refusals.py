"""Refused access, on the record: every refusal is audited, and a burst is one counted event.

docs/domain.md: every failed access of a case is logged. A refusal is written in a transaction of its
own, so it stands although the request that caused it fails. A person refused again and again in
quick succession (a script trying case numbers) would otherwise write one row per request; the
first refusal of a burst is an event at once, the rest are counted in a ``RefusalBurst`` row, and
when the burst ends one more event records how many there were and what was asked for.

What was asked for is kept as text exactly as it arrived (bounded in length): it is never cast back
to a number, so no value can break a report; and a case number that did not exist at the time is
never recorded as that case, so it cannot later read as an attempt on the case that got the number.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from safeguard.audit import audit_record
from safeguard.models import RefusalBurst

#: A burst ends when the same person has not been refused the same way for this long.
BURST_WINDOW = timedelta(minutes=10)
#: How many of the distinct things asked for a burst keeps.
ASKED_FOR_KEPT = 20
ASKED_FOR_MAX = 40


def asked_for_text(value) -> str:
    """What was asked for, as printable text of bounded length (never a number to cast back)."""
    text = "".join(ch for ch in str(value) if ch.isprintable())
    return text[:ASKED_FOR_MAX]


def refusal_record(*, actor, action: str, obj=None, school=None, extra: dict | None = None, asked_for: str = "") -> None:
    """Record one refusal in its own transaction (it must outlive the failed request)."""
    now = timezone.now()
    school_id = getattr(school, "pk", school)
    reason = str((extra or {}).get("reason", ""))[:30]
    with transaction.atomic():
        if actor is None or not getattr(actor, "is_authenticated", False):
            audit_record(actor=None, action=action, obj=obj, school=school_id, extra={**(extra or {}), "asked_for": asked_for})
            return
        burst = (
            RefusalBurst.objects.select_for_update()
            .filter(actor=actor, action=action, reason=reason, closed_at__isnull=True, last_at__gte=now - BURST_WINDOW)
            .order_by("-last_at")
            .first()
        )
        if burst is not None:
            burst.more += 1
            burst.last_at = now
            if asked_for and asked_for not in burst.asked_for and len(burst.asked_for) < ASKED_FOR_KEPT:
                burst.asked_for = [*burst.asked_for, asked_for]
            burst.save(update_fields=["more", "last_at", "asked_for"])
            return
        _close(RefusalBurst.objects.select_for_update().filter(actor=actor, action=action, reason=reason, closed_at__isnull=True))
        event = audit_record(
            actor=actor, action=action, obj=obj, school=school_id, extra={**(extra or {}), "asked_for": asked_for, "count": 1}
        )
        RefusalBurst.objects.create(
            actor=actor,
            school_id=school_id,
            action=action,
            reason=reason,
            started_at=now,
            last_at=now,
            first_event_id=event.pk,
        )


def _close(bursts) -> int:
    closed = 0
    for burst in bursts:
        if burst.more:
            audit_record(
                actor=burst.actor,
                action=burst.action,
                school=burst.school_id,
                occurred_at=burst.last_at,
                extra={
                    "reason": burst.reason,
                    "count": burst.more,
                    "burst_of": burst.first_event_id,
                    "from": burst.started_at.isoformat(),
                    "asked_for": burst.asked_for,
                },
            )
        burst.closed_at = timezone.now()
        burst.save(update_fields=["closed_at"])
        closed += 1
    return closed


@transaction.atomic
def refusal_bursts_close(*, now=None) -> int:
    """Close the bursts nobody added to for BURST_WINDOW (Celery beat, every few minutes)."""
    now = now or timezone.now()
    stale = RefusalBurst.objects.select_for_update().filter(closed_at__isnull=True, last_at__lt=now - BURST_WINDOW)
    # In school order: each school's audit chain is locked as its event is written, and two
    # sweeps taking those locks in different orders could deadlock.
    return _close(stale.select_related("actor").order_by("school_id", "pk"))
