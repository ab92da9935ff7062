"""Pupils on the school roll (as the MIS holds them), corrections to their records, and imports."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

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

    #: The pupil left the school's roll on this date (by hand, or by the MIS import); never deleted.
    #: Marking a pupil as left starts the checklist for their child protection file (issue 18).
    left_on = models.DateField("left the school on", null=True, blank=True)

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
    def upn_tail(self) -> str:
        """The end of the UPN: enough to tell two pupils of the same name apart, and no photograph."""
        return f"…{self.upn[-4:]}" if self.upn else ""

    @property
    def on_roll(self) -> bool:
        return self.left_on is None

    @property
    def year_group_label(self) -> str:
        return "Reception" if self.year_group == 0 else f"Year {self.year_group}"

    def vulnerabilities(self) -> list[str]:
        """The recorded vulnerability flags, in the words of the pupil record."""
        return [str(self._meta.get_field(name).verbose_name) for name in self.VULNERABILITY_FIELDS if getattr(self, name)]


class PupilChange(models.Model):
    """A correction to a pupil record made in Safeguard, with its reason and the values either side.

    Changes made by an MIS import are recorded on the PupilImport's report instead."""

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="changes")
    fields = models.JSONField(default=list)
    before = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    after = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    reason = models.TextField()
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["made_at", "id"]

    def __str__(self) -> str:
        return f"Change to pupil {self.pupil_id}"


class PupilImport(models.Model):
    """An MIS export uploaded for import: previewed first (dry run), then applied whole or not at all."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "Checked, not yet imported"
        APPLIED = "applied", "Imported"
        #: The nightly import could not use the file: kept with the reason, nothing changed.
        FAILED = "failed", "Not imported"

    class Source(models.TextChoices):
        UPLOAD = "upload", "Uploaded"
        NIGHTLY = "nightly", "Nightly from the MIS"

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    #: Who uploaded it; empty for the nightly import, which no person starts.
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.UPLOAD)
    #: Why the nightly import refused the file, in the DSL's words (never a row's content).
    problem = models.TextField(blank=True)
    #: The nightly file's name, size, modification time and SHA-256: the same file is read once.
    fingerprint = models.CharField(max_length=200, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)
    filename = models.CharField(max_length=200)
    content = models.TextField()
    report = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREVIEWED)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"


class RollFeed(models.Model):
    """Where the school's MIS drops its nightly pupil export, and how to read it (set by the IT admin).

    ``folder`` is relative to ``settings.SAFEGUARD_ROLL_ROOT``: the IT admin cannot point the worker
    at any other folder on the server. The newest CSV file there is imported once it has stopped
    changing (its size and modification time the same at two looks, and older than
    ``settle_minutes``), with the usual import's checks; pupils on Safeguard who are not in it are
    marked as left on that day."""

    class Preset(models.TextChoices):
        SIMS = "sims", "SIMS"
        ARBOR = "arbor", "Arbor"
        BROMCOM = "bromcom", "Bromcom"
        CUSTOM = "custom", "Another MIS (headings set here)"

    school = models.OneToOneField(School, on_delete=models.PROTECT, related_name="roll_feed")
    enabled = models.BooleanField(default=True)
    folder = models.CharField(max_length=200)
    preset = models.CharField(max_length=10, choices=Preset.choices, default=Preset.SIMS)
    #: field → the heading the school's report uses, where it differs from the preset.
    headings = models.JSONField(default=dict, blank=True)
    settle_minutes = models.PositiveSmallIntegerField(default=10)
    #: The file seen at the last look, not yet imported: "name|size|mtime" (to see it is complete).
    seen = models.CharField(max_length=300, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    #: What the last look found, in words for the IT admin (no pupil's data).
    last_outcome = models.CharField(max_length=300, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Nightly roll import for school {self.school_id}"
