"""Reads for subject access requests: the school's requests, a request's redactions, the release.

Every read here is for someone the gateway (``cases.access.get_request_for_reader``,
``request_school_ids``) has already let in: the school's DSLs, deputies and the head.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import FileSystemStorage

from cases.models import Pupil, Redaction, RequestStatus, SubjectAccessRequest
from desk.sar.redact import RULE_PREFIX, UNDO_PREFIX, Withheld, apply_redactions, numbered, withholdable
from safeguard.models import School
from safeguard.storage import WholeFileStorage

OPEN_STATUSES = (RequestStatus.OPEN, RequestStatus.DRAFT, RequestStatus.REVIEWED)


def requests_of(school: School) -> dict[str, list[SubjectAccessRequest]]:
    """The school's requests: those still to answer (soonest due first), and those answered or
    withdrawn (newest first). One query."""
    rows = list(SubjectAccessRequest.objects.filter(school=school).select_related("pupil").order_by("due_on", "id"))
    open_ = [r for r in rows if r.status in OPEN_STATUSES]
    done = sorted((r for r in rows if r.status not in OPEN_STATUSES), key=lambda r: r.recorded_at, reverse=True)
    return {"open": open_, "done": done}


def pupils_for_request(school: School):
    """Who a request may be for: any pupil of the school, on roll or former."""
    return Pupil.objects.filter(school=school).order_by("last_name", "first_name", "id")


@dataclass(frozen=True)
class RedactionView:
    redaction: Redaction
    number: int | None
    undone_by: Redaction | None

    @property
    def active(self) -> bool:
        return self.undone_by is None


def redactions_of(request: SubjectAccessRequest) -> tuple[list[RedactionView], list[Redaction]]:
    """The request's redactions in the order made, each with its number in the response (when it
    stands) or the row that undid it; and the undo rows themselves."""
    rows = list(Redaction.objects.filter(request=request).select_related("made_by").order_by("made_at", "id"))
    undos = [r for r in rows if r.target.startswith(UNDO_PREFIX)]
    undone = {int(r.target[len(UNDO_PREFIX) :]): r for r in undos if r.target[len(UNDO_PREFIX) :].isdigit()}
    views, number = [], 0
    for r in rows:
        if r.target.startswith(UNDO_PREFIX):
            continue
        by = undone.get(r.pk)
        if by is None:
            number += 1
        views.append(RedactionView(r, number if by is None else None, by))
    return views, undos


def active_redactions(request: SubjectAccessRequest) -> list[Redaction]:
    views, _ = redactions_of(request)
    return [v.redaction for v in views if v.active]


def release_records(request: SubjectAccessRequest, active: list[Redaction] | None = None) -> dict:
    """The response's records: the frozen draft with the redactions that stand applied."""
    active = active_redactions(request) if active is None else active
    withheld: list[Withheld] = numbered(r.target for r in active)
    return apply_redactions(request.draft or {}, withheld)


def withheld_targets(active: list[Redaction]) -> set[str]:
    return {r.target for r in active if not r.target.startswith(RULE_PREFIX)}


def draft_items(request: SubjectAccessRequest):
    return withholdable(request.draft or {})


def document_storage() -> FileSystemStorage:
    # Outside the web root, beside the attachments: served only by the view that audits each read.
    return WholeFileStorage(location=settings.ATTACHMENT_ROOT, base_url=None)


def document_path(request: SubjectAccessRequest) -> str:
    return f"{request.school_id}/requests/{request.pk}.pdf"


def released_document(request: SubjectAccessRequest) -> bytes | None:
    """The PDF as it was released, or None when it is missing or no longer matches its SHA-256."""
    storage = document_storage()
    path = document_path(request)
    if not request.document_sha256 or not storage.exists(path):
        return None
    with storage.open(path, "rb") as fh:
        content = fh.read()
    return content if hashlib.sha256(content).hexdigest() == request.document_sha256 else None
