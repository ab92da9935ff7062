"""Writes for subject access requests (UK GDPR Art. 15), each audited in its own transaction.

The request is recorded with the proof of identity seen (ICO: be satisfied who is asking before
answering) and is due one calendar month after it was received (Art. 12(3)). The records are
gathered once into a frozen draft, the other children lettered (Art. 15(4)); each further
redaction has a reason, an undone redaction is kept, and any change to the redactions after the
draft was reviewed clears the review, so that what is released is what someone reviewed. The
release is the draft with the redactions applied, as a PDF kept with its SHA-256.

The audit records codes, counts and places in the draft ("cases.0.notes.2.text"), never the
requester's name, the reasons written out or any record's words. Reminders and their emails say
"A records request", and nothing more (nothing about a request reaches anyone but the DSLs).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cases.models import Pupil, Redaction, RequesterKind, RequestStatus, SubjectAccessRequest
from desk.child_file.records import child_file
from desk.child_file.render import render_records_pdf
from desk.sar import rules
from desk.sar.redact import (
    OTHER_CHILDREN_REASON,
    RULE_OTHER_CHILDREN,
    RULE_PREFIX,
    UNDO_PREFIX,
    item_for,
    other_children_description,
    reason_words,
)
from desk.sar.selectors import (
    OPEN_STATUSES,
    active_redactions,
    document_path,
    document_storage,
    release_records,
    withheld_targets,
)
from safeguard.audit import audit_record
from safeguard.models import School, User
from safeguard.roles import SAFEGUARDING_LEADS
from safeguard.selectors import users_with_role
from safeguard.services.alerts import Alert, alert_send, notifications_clear

#: The kinds of alert (desk/alert_kinds.py) and what each reminder says: "A records request", no more.
REMINDER_KIND = "records_request_due"
REMINDER_TITLES = {
    rules.REMIND_WEEK: "A records request is due in a week",
    rules.REMIND_DUE: "A records request is due today",
    rules.REMIND_OVERDUE: "A records request is overdue",
}
REQUIRED_IDENTITY = (
    "Record the proof of identity you saw (for example a passport and a council tax bill): "
    "a request cannot be recorded without it."
)


def request_title(request: SubjectAccessRequest, pupil_name: str = "") -> str:
    return f"Records about {pupil_name or request.pupil.full_name}: response to a subject access request"


def _subject(request: SubjectAccessRequest) -> str:
    return f"records_request:{request.pk}"


def _lock(request: SubjectAccessRequest) -> SubjectAccessRequest:
    return SubjectAccessRequest.objects.select_for_update(of=("self",)).select_related("school", "pupil").get(pk=request.pk)


def _audit(actor, action: str, request: SubjectAccessRequest, **extra) -> None:
    audit_record(actor=actor, action=action, obj=request, school=request.school_id, extra=extra)


@dataclass(frozen=True)
class RequestInput:
    requester_name: str
    requester_kind: str
    identity_checked: str
    received_on: date | None


def request_refusals(*, data: RequestInput, school: School, pupil: Pupil | None, today: date) -> dict[str, str]:
    """What is wrong with a request as typed, by field, in the DSL's words (empty when nothing)."""
    errors: dict[str, str] = {}
    if pupil is None or pupil.school_id != school.pk:
        errors["pupil"] = "Choose the pupil the request is about: a pupil of this school, on roll or former."
    if not data.requester_name.strip():
        errors["requester_name"] = "Say who asked."
    if data.requester_kind not in RequesterKind.values:
        errors["requester_kind"] = "Say who they are: the young person, a parent or carer, or someone acting for them."
    if not data.identity_checked.strip():
        errors["identity_checked"] = REQUIRED_IDENTITY
    why = rules.received_refusal(data.received_on, today)
    if why:
        errors["received_on"] = why
    return errors


@transaction.atomic
def request_record(*, actor: User, school: School, pupil: Pupil | None, data: RequestInput) -> SubjectAccessRequest:
    """Record a subject access request. Refused (ValidationError, by field) without the proof of
    identity seen, with a date received in the future, or for a pupil of another school."""
    today = timezone.localdate()
    errors = request_refusals(data=data, school=school, pupil=pupil, today=today)
    if errors:
        raise ValidationError(errors)
    request = SubjectAccessRequest.objects.create(
        school=school,
        pupil=pupil,
        requester_name=data.requester_name.strip(),
        requester_kind=data.requester_kind,
        identity_checked=data.identity_checked.strip(),
        received_on=data.received_on,
        due_on=rules.due_on(data.received_on),
        recorded_by=actor,
    )
    _audit(actor, "desk.sar.recorded", request, requester_kind=data.requester_kind, due_on=request.due_on.isoformat())
    return request


def _refuse_unless_open(request: SubjectAccessRequest, *, allowed=OPEN_STATUSES) -> None:
    if request.status == RequestStatus.RELEASED:
        raise ValidationError("This request has been answered: the response was released and cannot be changed.")
    if request.status == RequestStatus.WITHDRAWN:
        raise ValidationError("This request was withdrawn.")
    if request.status not in allowed:
        raise ValidationError("This cannot be done at this stage of the request.")


@transaction.atomic
def request_gather(*, actor: User, request: SubjectAccessRequest) -> SubjectAccessRequest:
    """Gather every case and concern about the pupil that ``actor`` may read into the draft, the
    other children lettered ("Child B"), and record that removal as a redaction by rule (UK GDPR
    Art. 15(4)). The draft is frozen: later changes to the records are not in it."""
    request = _lock(request)
    _refuse_unless_open(request, allowed=(RequestStatus.OPEN,))
    if request.pupil is None:
        raise ValidationError("The pupil's records are no longer held: there is nothing to gather.")
    file = child_file(request.pupil, viewer=actor, name_others=False)
    now = timezone.now()
    request.draft = file.records
    request.drafted_at = now
    request.status = RequestStatus.DRAFT
    request.save(update_fields=["draft", "drafted_at", "status"])
    others = len(file.records.get("other_children") or [])
    if others:
        Redaction.objects.create(
            request=request,
            target=RULE_OTHER_CHILDREN,
            description=other_children_description(others),
            reason=OTHER_CHILDREN_REASON,
            by_rule=True,
            made_by=None,
            made_at=now,
        )
    _audit(
        actor,
        "desk.sar.gathered",
        request,
        cases=file.case_count,
        concerns=file.concern_count,
        other_children=others,
        restricted_left_out=file.restricted_left_out,
    )
    return request


def _clear_review(request: SubjectAccessRequest) -> bool:
    if request.reviewed_by_id is None:
        return False
    request.reviewed_by = None
    request.reviewed_at = None
    request.status = RequestStatus.DRAFT
    request.save(update_fields=["reviewed_by", "reviewed_at", "status"])
    return True


@transaction.atomic
def redaction_make(
    *, actor: User, request: SubjectAccessRequest, target: str, reason_kind: str, reason_text: str = ""
) -> Redaction:
    """Withhold a record or a passage of the draft, for a reason (the serious-harm test of DPA
    2018 Sch. 3, another person's information, legal privilege, crime, or one written out). The
    draft is not changed; a review already made is cleared."""
    request = _lock(request)
    _refuse_unless_open(request, allowed=(RequestStatus.DRAFT, RequestStatus.REVIEWED))
    item = item_for(request.draft or {}, target)
    if item is None:
        raise ValidationError("Choose what to withhold from the draft.")
    try:
        reason = reason_words(reason_kind, reason_text)
    except ValueError as error:
        raise ValidationError(str(error)) from None
    if target in withheld_targets(active_redactions(request)):
        raise ValidationError("That is withheld already.")
    redaction = Redaction.objects.create(
        request=request, target=target, description=item.description, reason=reason, by_rule=False, made_by=actor
    )
    cleared = _clear_review(request)
    _audit(actor, "desk.sar.withheld", request, target=target, reason_kind=reason_kind, review_cleared=cleared)
    return redaction


@transaction.atomic
def redaction_undo(*, actor: User, request: SubjectAccessRequest, redaction: Redaction, reason: str) -> Redaction:
    """Undo a redaction, with a reason: both are kept (the undoing is a row of its own), and a
    review already made is cleared. The other children's removal by rule cannot be undone here:
    naming them is the child's file's choice, for a reason, and never part of a response."""
    request = _lock(request)
    _refuse_unless_open(request, allowed=(RequestStatus.DRAFT, RequestStatus.REVIEWED))
    if redaction.request_id != request.pk or redaction.target.startswith(UNDO_PREFIX):
        raise ValidationError("That is not one of this request's redactions.")
    if redaction.target.startswith(RULE_PREFIX):
        raise ValidationError("The other children are always left out of a response (UK GDPR Art. 15(4)).")
    if Redaction.objects.filter(request=request, target=f"{UNDO_PREFIX}{redaction.pk}").exists():
        raise ValidationError("That redaction was undone already.")
    if not (reason or "").strip():
        raise ValidationError("Say why it is no longer withheld: the reason is kept.")
    undo = Redaction.objects.create(
        request=request,
        target=f"{UNDO_PREFIX}{redaction.pk}",
        description=f"Undone: {redaction.description}"[:300],
        reason=reason.strip(),
        by_rule=False,
        made_by=actor,
    )
    cleared = _clear_review(request)
    _audit(actor, "desk.sar.redaction_undone", request, target=redaction.target, review_cleared=cleared)
    return undo


@transaction.atomic
def request_mark_reviewed(*, actor: User, request: SubjectAccessRequest) -> SubjectAccessRequest:
    """A DSL or the head has read the draft and the redactions, and the response may go."""
    request = _lock(request)
    _refuse_unless_open(request, allowed=(RequestStatus.DRAFT, RequestStatus.REVIEWED))
    request.reviewed_by = actor
    request.reviewed_at = timezone.now()
    request.status = RequestStatus.REVIEWED
    request.save(update_fields=["reviewed_by", "reviewed_at", "status"])
    _audit(actor, "desk.sar.reviewed", request, redactions=len(active_redactions(request)))
    return request


@transaction.atomic
def request_release(*, actor: User, request: SubjectAccessRequest) -> bytes:
    """Release the response: the draft with the redactions applied, as a PDF (the child's file's
    renderer) ending with what was withheld and why. Refused for a draft no one reviewed. The PDF
    is kept, with its SHA-256, to be downloaded again."""
    request = _lock(request)
    _refuse_unless_open(request, allowed=(RequestStatus.DRAFT, RequestStatus.REVIEWED))
    if request.reviewed_by_id is None or request.status != RequestStatus.REVIEWED:
        raise ValidationError(
            "No one has reviewed this draft since it last changed: a DSL or the head marks it reviewed before it is released."
        )
    now = timezone.now()
    active = active_redactions(request)
    content = render_records_pdf(
        release_records(request, active),
        made_by=actor,
        made_at=now,
        extra=release_context(request, active),
    )
    digest = hashlib.sha256(content).hexdigest()
    storage = document_storage()
    path = document_path(request)
    if storage.exists(path):
        storage.delete(path)
    storage.save(path, ContentFile(content))
    request.status = RequestStatus.RELEASED
    request.released_by = actor
    request.released_at = now
    request.document_sha256 = digest
    request.save(update_fields=["status", "released_by", "released_at", "document_sha256"])
    _audit(
        actor,
        "desk.sar.released",
        request,
        sha256=digest,
        redactions=len(active),
        on_time=timezone.localdate(now) <= request.due_on,
    )
    notifications_clear(subject=_subject(request))
    return content


def release_context(request: SubjectAccessRequest, active: list[Redaction]) -> dict:
    """What the document template adds for a response: its title, and the last section."""
    return {
        "doc_title": request_title(request, (request.draft or {}).get("pupil", {}).get("full_name", "")),
        "appendix": "desk/sar/_withheld.html",
        "withheld": [{"number": n, "description": r.description, "reason": r.reason} for n, r in enumerate(active, start=1)],
        "sar": {"received_on": request.received_on, "requester_kind": request.get_requester_kind_display()},
    }


def request_document_downloaded(*, actor: User, request: SubjectAccessRequest) -> None:
    """The released PDF was downloaded again: on the record each time."""
    _audit(actor, "desk.sar.document_downloaded", request)


@transaction.atomic
def request_withdraw(*, actor: User, request: SubjectAccessRequest, reason: str) -> SubjectAccessRequest:
    """The request is withdrawn (the person asking no longer wants it), with a reason."""
    request = _lock(request)
    _refuse_unless_open(request)
    if not (reason or "").strip():
        raise ValidationError("Say why the request is withdrawn: the reason is kept.")
    request.status = RequestStatus.WITHDRAWN
    request.withdrawn_reason = reason.strip()
    request.save(update_fields=["status", "withdrawn_reason"])
    _audit(actor, "desk.sar.withdrawn", request)
    notifications_clear(subject=_subject(request))
    return request


def request_reminders_sweep(*, today: date | None = None) -> dict[str, int]:
    """Tell the school's DSLs and deputies of a request due in a week, due today, or overdue,
    each once (``rules.reminder_due``; ``reminded_on`` is the day of the last one sent, written
    before the alert in the same transaction, so a sweep run twice sends it once). The alert says
    "A records request" and nothing more: no child, no requester."""
    today = today or timezone.localdate()
    counts = {rules.REMIND_WEEK: 0, rules.REMIND_DUE: 0, rules.REMIND_OVERDUE: 0}
    waiting = SubjectAccessRequest.objects.filter(status__in=OPEN_STATUSES, due_on__lte=today + rules.WEEK_BEFORE)
    for pk, due, reminded in waiting.values_list("pk", "due_on", "reminded_on"):
        if rules.reminder_due(due=due, today=today, reminded_on=reminded) is None:
            continue
        with transaction.atomic():
            request = _lock(SubjectAccessRequest(pk=pk))
            kind = rules.reminder_due(due=request.due_on, today=today, reminded_on=request.reminded_on)
            if request.status not in OPEN_STATUSES or kind is None:
                continue
            request.reminded_on = today
            request.save(update_fields=["reminded_on"])
            audit_record(actor=None, action="desk.sar.reminded", obj=request, school=request.school_id, extra={"kind": kind})
            alert_send(
                alert=Alert(
                    kind=REMINDER_KIND,
                    title=f"{REMINDER_TITLES[kind]} (no. {request.pk})",
                    url=reverse("sar_detail", args=[request.pk]),
                    subject=_subject(request),
                    detail="UK GDPR: a records request is answered within one calendar month. Open Safeguard to see it.",
                ),
                recipients=users_with_role(request.school_id, SAFEGUARDING_LEADS),
                school=request.school,
            )
            counts[kind] += 1
    return counts
