"""A safeguarding case, the children on it, who is assigned to it, its notes, corrections,
closures and reviews."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from cases.criteria import OUTCOME_WORDS, Outcome
from cases.models.pupils import Pupil
from safeguard.models import School

OUTCOME_CHOICES = [
    (Outcome.REQUIRED.value, OUTCOME_WORDS[Outcome.REQUIRED]),
    (Outcome.NOT_REQUIRED.value, OUTCOME_WORDS[Outcome.NOT_REQUIRED]),
    (Outcome.PROVISIONAL.value, OUTCOME_WORDS[Outcome.PROVISIONAL]),
]


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Case(models.Model):
    """A safeguarding case: one disclosure (or concern) and everything done about it."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="cases")
    reference = models.CharField(max_length=30, unique=True, editable=False)
    status = models.CharField(max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    #: KCSIE: "a clear and comprehensive summary of the concern".
    summary = models.TextField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    #: The latest assessment's outcome, kept beside the case so lists need no join.
    outcome = models.CharField(max_length=20, choices=OUTCOME_CHOICES, blank=True)
    current_assessment = models.ForeignKey(
        "Assessment", on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    #: Every open case is reviewed at least every N days (a school setting, 14 by default).
    review_due = models.DateField(null=True, blank=True)
    #: KCSIE: how the concern was followed up and resolved; written when the case closes.
    closure_summary = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    #: An open restriction (cases.models.restrictions), kept beside the case so lists need no join.
    is_restricted = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["school", "status", "created_at"]),
            models.Index(fields=["school", "status", "review_due"]),
            # The few restricted cases of a school, read on every request of a whole-school
            # reader (cases.access.cases_hidden_from) without reading every case of the school.
            models.Index(fields=["school"], condition=models.Q(is_restricted=True), name="case_restricted_idx"),
        ]
        # Only the object-level permission guardian grants on assignment; Django's defaults
        # (add/change/delete) are not used anywhere.
        default_permissions = ("view",)
        permissions = [
            ("read_restricted", "Named in the case's restriction"),
            ("read_granted", "Granted this one case by a DSL of its school (a trust safeguarding lead)"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def police_required(self) -> bool:
        """The criteria say a police referral is required (the latest assessment)."""
        return self.outcome == Outcome.REQUIRED

    @property
    def police_not_required(self) -> bool:
        return self.outcome == Outcome.NOT_REQUIRED

    @property
    def provisional(self) -> bool:
        return self.outcome == Outcome.PROVISIONAL


class ChildPart(models.TextChoices):
    HARMED = "harmed", "Harmed"
    HARMED_OTHERS = "harmed_others", "Harmed others"
    WITNESS = "witness", "Witness"
    SHARED_CONTENT = "shared_content", "Shared content"


class CaseChild(models.Model):
    """A pupil of the school involved in a case, and their part in it. Removed with a reason, never deleted."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="children")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="case_links")
    part = models.CharField(max_length=20, choices=ChildPart.choices)
    added_at = models.DateTimeField(default=timezone.now)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    removed_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "pupil"], condition=models.Q(removed_at__isnull=True), name="case_child_unique_current"
            )
        ]

    def __str__(self) -> str:
        return f"{self.pupil} ({self.get_part_display()})"


class AssignmentEnd(models.TextChoices):
    UNASSIGNED = "unassigned", "Unassigned by a DSL"
    LEFT = "left", "They left"


class AssignmentView(models.TextChoices):
    SUPPORT = "support", "The support view: what support to give, not what happened"
    FULL = "full", "The full case"


class CaseAssignment(models.Model):
    """A member of pastoral staff assigned to a case. Ended, never deleted. When the assignment
    ended because they left, the case waits on every DSL's home page ("Needs a new owner") until a
    DSL assigns someone new or says nobody new is needed (``followed_up_at``)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_because = models.CharField(max_length=12, choices=AssignmentEnd.choices, blank=True)
    #: For an assignment that ended because they left: when a DSL assigned someone new, or said nobody new is needed.
    followed_up_at = models.DateTimeField(null=True, blank=True)
    #: What the DSL chose this person sees (issue 17): the support view unless they chose the full case.
    view = models.CharField(max_length=10, choices=AssignmentView.choices, default=AssignmentView.SUPPORT)

    class Meta:
        ordering = ["assigned_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "user"], condition=models.Q(ended_at__isnull=True), name="one_open_assignment_per_person"
            )
        ]
        indexes = [
            # "Needs a new owner": the few assignments that ended because the person left and wait
            # for a DSL, read without scanning every assignment of the trust.
            models.Index(
                fields=["case"],
                condition=models.Q(ended_because="left", followed_up_at__isnull=True),
                name="assignment_left_waiting_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.case}"


# guardian's direct foreign-key permission models: a real FK to Case instead of the generic
# (content type, text object id) pair, so permission checks and the pastoral case list are
# plain indexed joins (guardian docs, "Direct foreign keys").


class CaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class Note(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notes")
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    #: A DSL shares it with pastoral staff on the support view (issue 17); their own notes they always see.
    for_support = models.BooleanField("Share with staff on the support view", default=False)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Note {self.pk} on {self.case_id}"


class Correction(models.Model):
    """A correction to narrative text: the earlier text stays in the record, with the reason."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="corrections")
    field = models.CharField(max_length=40)
    note = models.ForeignKey(Note, on_delete=models.PROTECT, null=True, blank=True, related_name="corrections")
    previous_text = models.TextField(blank=True)
    new_text = models.TextField()
    reason = models.TextField()
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["made_at", "id"]

    def __str__(self) -> str:
        return f"Correction of {self.field} on {self.case_id}"


class CaseStatusChange(models.Model):
    """Closing is a status and reopening is allowed (KCSIE): each change is kept with its reason."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=10, choices=CaseStatus.choices)
    to_status = models.CharField(max_length=10, choices=CaseStatus.choices)
    reason = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_status} → {self.to_status}"


class CaseReview(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reviews")
    notes = models.TextField()
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(default=timezone.now)
    next_review_due = models.DateField()

    class Meta:
        ordering = ["reviewed_at", "id"]

    def __str__(self) -> str:
        return f"Review of {self.case_id}"
