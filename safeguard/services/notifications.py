"""In-app notifications, and the email that tells someone to look."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from safeguard.models import Notification, School, User


def notification_create(*, recipients: Iterable[User], school: School, kind: str, title: str, url: str) -> list[Notification]:
    """In-app notifications. ``title`` names the kind of thing and a case reference, never a child."""
    now = timezone.now()
    return Notification.objects.bulk_create(
        [Notification(recipient=user, school=school, kind=kind, title=title, url=url, created_at=now) for user in recipients]
    )


def alert_staff(*, recipients: Iterable[User], school: School, kind: str, title: str, url: str, body: str) -> list[Notification]:
    """An in-app notification now, and an email once the transaction commits, to each recipient.

    For matters of the school's staff accounts (a role waiting for approval): ``title`` and ``body``
    may name members of staff, never a child or a case's content."""
    people = [user for user in recipients if user.is_active]
    created = notification_create(recipients=people, school=school, kind=kind, title=title, url=url)
    text = render_to_string(
        "safeguard/email/staff_alert.txt", {"title": title, "body": body, "link": settings.BASE_URL + url, "school": school}
    )
    addresses = [user.email for user in people]

    def send() -> None:
        for address in addresses:
            send_mail(f"Safeguard: {title}", text, None, [address])

    if addresses:
        transaction.on_commit(send, robust=True)
    return created


@transaction.atomic
def notification_mark_read(*, user: User, notification_ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())
