"""Pupils and cases. The disclosure facts and assessments live beside them (see below)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from safeguard.models import School


class Pupil(models.Model):
    """A pupil on the school roll, as the school's management information system (MIS) holds them."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="pupils")
    upn = models.CharField("UPN", max_length=13, help_text="Unique Pupil Number (13 characters).")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    year_group = models.SmallIntegerField(help_text="0 for Reception, 1–13 for Years 1–13.")

    # C5: "already recognised as vulnerable by children's social care or the police" — read from
    # the pupil record, never asked again per case.
    child_protection_plan = models.BooleanField("child protection plan", default=False)
    child_in_need_plan = models.BooleanField("child in need plan", default=False)
    looked_after = models.BooleanField("looked-after child", default=False)
    open_to_social_care = models.BooleanField("open to children's social care", default=False)
    known_to_police = models.BooleanField("known to police or youth justice", default=False)

    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [models.UniqueConstraint(fields=["school", "upn"], name="pupil_upn_unique_in_school")]
        indexes = [
            models.Index(fields=["school", "last_name", "first_name"]),
        ]

    VULNERABILITY_FIELDS = (
        "child_protection_plan",
        "child_in_need_plan",
        "looked_after",
        "open_to_social_care",
        "known_to_police",
    )

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def year_group_label(self) -> str:
        return "Reception" if self.year_group == 0 else f"Year {self.year_group}"

    def vulnerabilities(self) -> list[str]:
        """The recorded vulnerability flags, in the words of the pupil record."""
        return [str(self._meta.get_field(name).verbose_name) for name in self.VULNERABILITY_FIELDS if getattr(self, name)]


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Case(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="cases")
    reference = models.CharField(max_length=30, unique=True, editable=False)
    status = models.CharField(max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    #: KCSIE: "a clear and comprehensive summary of the concern".
    summary = models.TextField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["school", "status", "created_at"])]
        # Only the object-level permission guardian grants on assignment; Django's defaults
        # (add/change/delete) are not used anywhere.
        default_permissions = ("view",)

    def __str__(self) -> str:
        return self.reference


class ChildPart(models.TextChoices):
    HARMED = "harmed", "Harmed"
    HARMED_OTHERS = "harmed_others", "Harmed others"
    WITNESS = "witness", "Witness"
    SHARED_CONTENT = "shared_content", "Shared content"


class CaseChild(models.Model):
    """A pupil of the school involved in a case, and their part in it."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="children")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="case_links")
    part = models.CharField(max_length=20, choices=ChildPart.choices)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["case", "pupil"], name="case_child_unique")]

    def __str__(self) -> str:
        return f"{self.pupil} ({self.get_part_display()})"


class CaseAssignment(models.Model):
    """A member of pastoral staff assigned to a case. Ended, never deleted."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assigned_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "user"], condition=models.Q(ended_at__isnull=True), name="one_open_assignment_per_person"
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
