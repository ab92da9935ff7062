"""Concerns raised by any member of staff, and disclosures being typed (drafts)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from cases.models.cases import Case
from safeguard.models import School


class ConcernStatus(models.TextChoices):
    NEW = "new", "Waiting for the DSL"
    CASE_OPENED = "case_opened", "Case opened"
    NO_FURTHER_ACTION = "no_further_action", "No further action"


class Concern(models.Model):
    """A concern raised by any member of staff for the DSLs. The person who raised it cannot read it back."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="concerns")
    reference = models.CharField(max_length=30, unique=True)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(default=timezone.now)
    children = models.CharField("which child or children", max_length=300)
    what_happened = models.TextField("what you saw, heard or were told")
    status = models.CharField(max_length=20, choices=ConcernStatus.choices, default=ConcernStatus.NEW)
    triaged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    triaged_at = models.DateTimeField(null=True, blank=True)
    nfa_reason = models.TextField("reason for no further action", blank=True)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="concerns")

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["school", "status", "raised_at"])]

    def __str__(self) -> str:
        return self.reference


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
