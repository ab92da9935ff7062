"""Concerns raised by any member of staff, and disclosures being typed (drafts)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from cases.models.cases import Case
from cases.models.pupils import Pupil
from safeguard.models import School


class ConcernStatus(models.TextChoices):
    NEW = "new", "Waiting for the DSL"
    CASE_OPENED = "case_opened", "Case opened"
    ADDED_TO_CASE = "added_to_case", "Added to an open case"
    PUPIL_RECORD = "pupil_record", "Kept on the pupil's record"
    NO_FURTHER_ACTION = "no_further_action", "No further action"


class Concern(models.Model):
    """A concern raised by any member of staff for the DSLs. The person who raised it cannot read it back.

    The DSL triages it into a new case, an open case of one of its pupils (it joins that case's
    chronology), the pupil's record only (a low-level concern, kept so that patterns show), or no
    further action, always with a reason where it is not a case."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="concerns")
    reference = models.CharField(max_length=30, unique=True)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(default=timezone.now)
    #: The pupils named, picked from the school's roll (there may be none: the raiser may not know).
    pupils = models.ManyToManyField(Pupil, through="ConcernPupil", related_name="concerns", blank=True)
    #: Who else it is about, in the raiser's words (a child they cannot name, a description).
    children = models.CharField("which child or children", max_length=300, blank=True)
    what_happened = models.TextField("what you saw, heard or were told")
    happened_at = models.DateTimeField("when it happened, or when you were told", null=True, blank=True)
    where = models.CharField("where", max_length=200, blank=True)
    child_words = models.TextField("what the child said, in their own words", blank=True)
    told = models.CharField("who you have told", max_length=300, blank=True)
    #: "Is a child in immediate danger?" answered yes: the DSLs are told at once, whatever the hour.
    urgent = models.BooleanField(default=False)
    #: Others the raiser chose to tell (CPOMS's habit): the school's DSLs, deputies or pastoral staff.
    also_alerted = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)
    status = models.CharField(max_length=20, choices=ConcernStatus.choices, default=ConcernStatus.NEW)
    triaged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    triaged_at = models.DateTimeField(null=True, blank=True)
    #: Why it went to the pupil's record only, or needs no further action.
    nfa_reason = models.TextField("reason recorded at triage", blank=True)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="concerns")
    #: A member of staff the concern is about (an allegation): they never read it, whatever their roles.
    staff_member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="the member of staff",
    )

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["school", "status", "raised_at"])]

    def __str__(self) -> str:
        return self.reference


class ConcernPupil(models.Model):
    """A pupil named in a concern."""

    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="pupil_links")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="concern_links")

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["concern", "pupil"], name="concern_pupil_unique")]

    def __str__(self) -> str:
        return f"{self.pupil_id} in {self.concern_id}"


class DisclosureDraft(models.Model):
    """A disclosure being typed: saved as the DSL types, so a closed tab loses nothing."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(default=dict)
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "school"], name="one_draft_per_person_per_school")]

    def __str__(self) -> str:
        return f"Draft by {self.user_id}"
