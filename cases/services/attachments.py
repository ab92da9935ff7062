"""Attachments to a case: checked by content, stored outside the web root, every access audited."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from cases.attachments import HEAD_BYTES, classify, safe_filename
from cases.models import Attachment, Case
from safeguard.audit import audit_record


@transaction.atomic
def attachment_add(*, actor, case: Case, upload, description: str = "") -> Attachment:
    """Accept a PDF or office document up to the size limit; refuse anything else, saying why.

    UKCIS: imagery is never stored; an image or video is refused with the explanation.
    """
    limit = settings.ATTACHMENT_MAX_MB * 1024 * 1024
    if upload.size > limit:
        raise ValidationError(
            {
                "file": f"The file is larger than {settings.ATTACHMENT_MAX_MB} MB. Attach a smaller file (for example a PDF of the letter)."
            }
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError({"file": f"The file is larger than {settings.ATTACHMENT_MAX_MB} MB."})
    verdict = classify(data[:HEAD_BYTES])
    if not verdict.accepted:
        audit_record(actor=actor, action="cases.attachment.refused", obj=case, school=case.school_id, extra={"size": len(data)})
        raise ValidationError({"file": verdict.message})
    if len(description) > 300:
        raise ValidationError({"description": "Keep the description to 300 characters."})
    attachment = Attachment(
        case=case,
        original_name=safe_filename(upload.name or "attachment", verdict.extension)[:120],
        description=description.strip(),
        content_type=verdict.content_type,
        extension=verdict.extension,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=actor,
    )
    attachment.file.save("upload", ContentFile(data), save=False)
    attachment.save()
    audit_record(
        actor=actor,
        action="cases.attachment.added",
        obj=case,
        school=case.school_id,
        extra={"attachment_id": attachment.pk, "type": verdict.extension},
    )
    return attachment


@transaction.atomic
def attachment_record_download(*, actor, attachment: Attachment) -> None:
    audit_record(
        actor=actor,
        action="cases.attachment.downloaded",
        obj=attachment.case,
        school=attachment.case.school_id,
        extra={"attachment_id": attachment.pk},
    )
