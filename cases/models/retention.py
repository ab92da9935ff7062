"""Retention and data protection (issue 19): how long a pupil's records are kept, the reviews of
them, legal holds, destruction by two people, and subject access requests.

IRMS Information Management Toolkit for Schools: a child protection file is kept until the child's
date of birth + 25 years, then reviewed. A school may set its own period, with a recorded reason
(``RetentionRule``; each change is a new row). A review keeps the records (with a reason and the
next review date) or starts their destruction (``Destruction``), which needs a DSL and the head,
two different people. What is destroyed leaves a ``Tombstone``: kinds and counts, the UPN hashed,
when, who approved, on what basis — never content. The audit log is kept as it is: it holds no
case content, so its hash chain stays intact after a destruction.

A ``LegalHold`` (an inquiry, a court case, a police investigation, a complaint) on a pupil or a
case stops destruction; cases that fit the inquiry instruction (sexual abuse of a child, an
allegation against staff) are held by rule without a row (``desk.retention.rules``).

A ``SubjectAccessRequest`` (UK GDPR Art. 15) is answered within one calendar month: the records
gathered, a draft with other children and third parties removed and further redactions each with
a reason (``Redaction``), reviewed, then released as a PDF with the record of what was withheld.
Only the school's DSLs and the head see requests.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from cases.models.cases import Case
from cases.models.pupils import Pupil
from safeguard.models import School

#: IRMS: the child's date of birth + 25 years.
DEFAULT_RETENTION_YEARS = 25


class RetentionRule(models.Model):
    """The school's retention period for pupils' safeguarding records, when it differs from the
    IRMS default, with its reason. The newest row is the rule; earlier rows are its history."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="retention_rules")
    years = models.PositiveSmallIntegerField("keep until the date of birth plus (years)")
    reason = models.TextField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-set_at", "-id"]

    def __str__(self) -> str:
        return f"{self.years} years at {self.school_id}"


class ReviewOutcome(models.TextChoices):
    KEEP = "keep", "Keep, and review again"
    DESTROY = "destroy", "Destroy"


class RetentionReview(models.Model):
    """A review of one pupil's records: kept until a new date (with a reason), or put forward for
    destruction. The pupil reference is lost when the records are destroyed; the review stays."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.SET_NULL, null=True, blank=True, related_name="retention_reviews")
    outcome = models.CharField(max_length=10, choices=ReviewOutcome.choices)
    reason = models.TextField()
    next_review_on = models.DateField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-reviewed_at", "-id"]
        indexes = [models.Index(fields=["pupil", "reviewed_at"])]

    def __str__(self) -> str:
        return f"Review of {self.pupil_id}: {self.outcome}"


class HoldKind(models.TextChoices):
    INQUIRY = "inquiry", "A public inquiry"
    COURT = "court", "A court case"
    POLICE = "police", "A police investigation"
    COMPLAINT = "complaint", "A complaint"
    OTHER = "other", "Another reason"


class LegalHold(models.Model):
    """Records that must not be destroyed while it stands: a pupil's (all of them) or one case's."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="legal_holds")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, null=True, blank=True, related_name="legal_holds")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="legal_holds")
    kind = models.CharField(max_length=10, choices=HoldKind.choices)
    reason = models.TextField()
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField(default=timezone.now)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pupil__isnull=False, case__isnull=True) | models.Q(pupil__isnull=True, case__isnull=False),
                name="legal_hold_on_a_pupil_or_a_case",
            )
        ]

    def __str__(self) -> str:
        return f"Hold {self.pk} ({self.kind})"


class DestructionStatus(models.TextChoices):
    PROPOSED = "proposed", "Waiting for the second person"
    DONE = "done", "Destroyed"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Destruction(models.Model):
    """Destroying one pupil's records: proposed by one of the DSL and the head, approved by the
    other (two different people, each after recent re-authentication), then carried out at once."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=10, choices=DestructionStatus.choices, default=DestructionStatus.PROPOSED)
    #: On what basis: the review reached, or the reason recorded for destroying early.
    basis = models.TextField()
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil"], condition=models.Q(status="proposed"), name="one_open_destruction_per_pupil"
            )
        ]

    def __str__(self) -> str:
        return f"Destruction {self.pk} ({self.status})"


class Tombstone(models.Model):
    """What a destruction left: what kinds of records and how many, the pupil's UPN hashed (keyed,
    so the same UPN can be recognised, never read back), when, who approved, on what basis."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="tombstones")
    destruction = models.OneToOneField(Destruction, on_delete=models.PROTECT, related_name="tombstone")
    upn_hash = models.CharField(max_length=64)
    year_of_birth = models.PositiveSmallIntegerField(null=True, blank=True)
    #: {"cases": 2, "notes": 5, "steps": 7, "attachments": 1, ...}
    counts = models.JSONField(default=dict)
    case_references = models.JSONField(default=list)
    destroyed_at = models.DateTimeField(default=timezone.now)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    basis = models.TextField()

    class Meta:
        ordering = ["-destroyed_at", "-id"]

    def __str__(self) -> str:
        return f"Tombstone {self.pk}"


class RequesterKind(models.TextChoices):
    CHILD = "child", "The young person themselves"
    PARENT = "parent", "A parent or carer, on the child's behalf"
    REPRESENTATIVE = "representative", "Someone acting for them (a solicitor, an advocate)"


class RequestStatus(models.TextChoices):
    OPEN = "open", "Gathering the records"
    DRAFT = "draft", "Draft ready for review"
    REVIEWED = "reviewed", "Draft reviewed"
    RELEASED = "released", "Released"
    WITHDRAWN = "withdrawn", "Withdrawn"


class SubjectAccessRequest(models.Model):
    """A subject access request (UK GDPR Art. 15) for one pupil's records: due one calendar month
    after it was received. Seen only by the school's DSLs and the head."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="subject_access_requests")
    pupil = models.ForeignKey(Pupil, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN)
    requester_name = models.CharField("who asked", max_length=200)
    requester_kind = models.CharField("who they are", max_length=20, choices=RequesterKind.choices)
    identity_checked = models.TextField(
        "proof of identity seen", help_text="What was seen, e.g. passport and a council tax bill."
    )
    received_on = models.DateField("received on")
    due_on = models.DateField("due by")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    #: The records gathered (the child's file's JSON), frozen when the draft is made.
    draft = models.JSONField(null=True, blank=True)
    drafted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    released_at = models.DateTimeField(null=True, blank=True)
    document_sha256 = models.CharField(max_length=64, blank=True)
    withdrawn_reason = models.TextField(blank=True)
    reminded_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["school", "status", "due_on"])]

    def __str__(self) -> str:
        return f"Subject access request {self.pk}"


class Redaction(models.Model):
    """Something withheld from a request's release, and why: other children and third parties
    (by rule, recorded when the draft is made) and what the DSL removes (each with its reason,
    e.g. the serious-harm exemption, DPA 2018 Sch. 3)."""

    request = models.ForeignKey(SubjectAccessRequest, on_delete=models.PROTECT, related_name="redactions")
    #: Where in the draft: a path such as "cases.0.notes.2.text", or "cases.1" for a whole record.
    target = models.CharField(max_length=200)
    #: What it is, in words for the record ("a note of 3 March 2026"), never the withheld text.
    description = models.CharField(max_length=300)
    reason = models.TextField()
    by_rule = models.BooleanField(default=False)
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    made_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["made_at", "id"]

    def __str__(self) -> str:
        return f"Redaction {self.pk} of {self.request_id}"
