"""Attachments to a case: checked by content, stored outside the web root, every access audited."""

from __future__ import annotations

import errno
import hashlib
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from cases.attachments import classify, safe_filename
from cases.models import Attachment, Case
from safeguard.audit import audit_record
from safeguard.models import DocumentImages
from safeguard.storage import is_no_room

logger = logging.getLogger(__name__)

DESCRIPTION_MAX = 300
#: The server's disk (or quota) is full: nothing was saved, and nothing else was lost.
NO_ROOM = (
    "The server has no room left to save this file, so it was not attached. Nothing else was lost: "
    "tell your school's IT administrator that Safeguard's disk is full, then attach it again."
)
DESCRIPTION_REQUIRED = "Say what this document is, for example 'police referral form'."
DESCRIPTION_TOO_LONG = f"Keep the description to {DESCRIPTION_MAX} characters."
CONFIRMATION_REQUIRED = (
    "Tick the box to confirm this file holds no image of a child. If it might, do not attach it: "
    "describe what it shows in words in the disclosure instead."
)


def _refuse(*, actor, case: Case, reason: str, size: int, errors: dict) -> None:
    # Written in its own transaction: the refusal is recorded although the upload fails. Never
    # the file's name or content: its size and why it was refused.
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="cases.attachment.refused",
            obj=case,
            school=case.school_id,
            extra={"size": size, "reason": reason},
        )
    raise ValidationError(errors)


def attachment_add(*, actor, case: Case, upload, description: str, confirmed_no_child_images: bool) -> Attachment:
    """Accept a PDF or office document up to the size limit; refuse anything else, saying why.

    UKCIS: imagery of under-18s is never stored. Three layers keep it out: the uploader says
    what the document is, confirms it holds no image of a child, and the file is checked (an
    image or video is refused, and so is a document holding video, or a picture the nudity
    check flags or cannot check). Under the school's REMOVE setting the document is stored with
    every picture and video taken out instead; ``pictures_removed`` on the result says how many.
    """
    description = (description or "").strip()
    size = upload.size or 0
    if not description:
        _refuse(actor=actor, case=case, reason="no_description", size=size, errors={"description": DESCRIPTION_REQUIRED})
    if len(description) > DESCRIPTION_MAX:
        _refuse(actor=actor, case=case, reason="description_too_long", size=size, errors={"description": DESCRIPTION_TOO_LONG})
    if confirmed_no_child_images is not True:
        _refuse(
            actor=actor, case=case, reason="not_confirmed", size=size, errors={"confirmed_no_child_images": CONFIRMATION_REQUIRED}
        )
    limit = settings.ATTACHMENT_MAX_MB * 1024 * 1024
    too_large = {
        "file": f"The file is larger than {settings.ATTACHMENT_MAX_MB} MB. Attach a smaller file (for example a PDF of the letter)."
    }
    if size > limit:
        _refuse(actor=actor, case=case, reason="too_large", size=size, errors=too_large)
    data = upload.read(limit + 1)
    if len(data) > limit:
        _refuse(actor=actor, case=case, reason="too_large", size=len(data), errors=too_large)
    # Checked outside any transaction: it can take a second or two, and touches no table.
    verdict = classify(data, remove_pictures=case.school.document_images == DocumentImages.REMOVE)
    if not verdict.accepted:
        _refuse(actor=actor, case=case, reason=verdict.reason, size=len(data), errors={"file": verdict.message})
    stored = verdict.data
    try:
        return _store(actor=actor, case=case, upload=upload, description=description, verdict=verdict, stored=stored)
    except OSError as error:
        if not is_no_room(error):
            raise
        # The row and its audit event rolled back with the write; the storage left no half file.
        logger.error("An attachment was not saved: the file store is full (%s).", errno.errorcode.get(error.errno, error.errno))
        _refuse(actor=actor, case=case, reason="no_room", size=len(stored), errors={"file": NO_ROOM})


def _store(*, actor, case: Case, upload, description: str, verdict, stored: bytes) -> Attachment:
    with transaction.atomic():
        attachment = Attachment(
            case=case,
            original_name=safe_filename(upload.name or "attachment", verdict.extension)[:120],
            description=description,
            content_type=verdict.content_type,
            extension=verdict.extension,
            size=len(stored),
            sha256=hashlib.sha256(stored).hexdigest(),
            uploaded_by=actor,
        )
        attachment.file.save("upload", ContentFile(stored), save=False)
        attachment.save()
        audit_record(
            actor=actor,
            action="cases.attachment.added",
            obj=case,
            school=case.school_id,
            extra={"attachment_id": attachment.pk, "type": verdict.extension, "size": len(stored), "removed": verdict.removed},
        )
    attachment.pictures_removed = verdict.removed
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
