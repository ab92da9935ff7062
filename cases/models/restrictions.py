"""Need to know (issue 17): a case restricted to named people, the member of staff an allegation
is about (who never opens it), and break glass (someone outside a restriction opening it for one
session, with a written reason, on the record).

Who is named in a restriction is a django-guardian object permission on the case
(``cases.read_restricted``, granted and removed only by ``cases.services.restrictions``); these
models hold the restriction itself, the people kept out, and each break-glass opening. Nothing
here is deleted: a restriction lifted, a person no longer kept out, a break glass ended, each
keeps its row with who ended it and when.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from cases.models.cases import Case

#: The guardian permission that names someone in a case's restriction.
READ_RESTRICTED_PERMISSION = "read_restricted"
#: The guardian permission a DSL grants a trust safeguarding lead on one named case.
READ_GRANTED_PERMISSION = "read_granted"


class RestrictionKind(models.TextChoices):
    DSL = "dsl", "Restricted by a DSL"
    STAFF = "staff", "An allegation against a member of staff"
    HEAD = "head", "An allegation against the head teacher"


class CaseRestriction(models.Model):
    """A case restricted to the people named in it (guardian permissions). One open at a time."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="restrictions")
    kind = models.CharField(max_length=10, choices=RestrictionKind.choices)
    reason = models.TextField()
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(ended_at__isnull=True), name="one_open_restriction_per_case"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.case_id}"


class CaseExclusion(models.Model):
    """A member of staff an allegation on this case is about: they never open it, whatever their
    roles, and see no sign that it exists."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="exclusions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    named_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    named_at = models.DateTimeField(default=timezone.now)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["named_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "user"], condition=models.Q(ended_at__isnull=True), name="one_open_exclusion_per_person"
            )
        ]
        indexes = [models.Index(fields=["user", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} kept out of {self.case_id}"


class BreakGlass(models.Model):
    """Someone outside a restriction opened the case with a written reason, for one session."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="break_glass")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    #: A SHA-256 of the session key: the opening holds for that session only (never the key itself).
    session_hash = models.CharField(max_length=64)
    reason = models.TextField()
    opened_at = models.DateTimeField(default=timezone.now)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["user", "case", "session_hash"])]

    def __str__(self) -> str:
        return f"{self.user_id} broke the glass on {self.case_id}"
