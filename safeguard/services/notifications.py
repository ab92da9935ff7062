"""In-app notifications, and the email that tells someone to look."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from safeguard.models import Notification, School, User


def notification_create(*, recipients: Iterable[User], school: School, kind: str, title: str, url: str) -> list[Notification]:
    """In-app notifications. ``title`` names the kind of thing and a case reference, never a child."""
    now = timezone.now()
    return Notification.objects.bulk_create(
        [Notification(recipient=user, school=school, kind=kind, title=title, url=url, created_at=now) for user in recipients]
    )


@transaction.atomic
def notification_mark_read(*, user: User, notification_ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())
