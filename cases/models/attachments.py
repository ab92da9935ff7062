"""Attachments to a case: referral forms and letters, stored outside the web root. Never imagery."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from cases.models.cases import Case
from safeguard.storage import WholeFileStorage


def _attachment_storage():
    # Outside the web root (under var/), with no URL: files are served only by the case's own view.
    return WholeFileStorage(location=settings.ATTACHMENT_ROOT, base_url=None)


def _attachment_path(instance, filename: str) -> str:
    return f"{instance.case.school_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A referral form or letter (PDF or office document, checked by content). Never imagery."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(storage=_attachment_storage, upload_to=_attachment_path, max_length=200)
    original_name = models.CharField(max_length=120)
    description = models.CharField(max_length=300, blank=True)
    content_type = models.CharField(max_length=120)
    extension = models.CharField(max_length=10)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name
