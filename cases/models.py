"""Pupils and cases. The disclosure facts and assessments live beside them (see below)."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from cases.criteria import OUTCOME_WORDS, Outcome
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


OUTCOME_CHOICES = [
    (Outcome.REQUIRED.value, OUTCOME_WORDS[Outcome.REQUIRED]),
    (Outcome.NOT_REQUIRED.value, OUTCOME_WORDS[Outcome.NOT_REQUIRED]),
    (Outcome.PROVISIONAL.value, OUTCOME_WORDS[Outcome.PROVISIONAL]),
]


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

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["school", "status", "created_at"]),
            models.Index(fields=["school", "status", "review_due"]),
        ]
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


# --- The disclosure ------------------------------------------------------------------------------


class DisclosureMethod(models.TextChoices):
    IN_PERSON = "in_person", "Told a member of staff in person"
    IN_WRITING = "in_writing", "In writing (a note, message or email)"
    THROUGH_FRIEND = "through_friend", "Through a friend"
    THROUGH_PARENT = "through_parent", "Through a parent or carer"
    STAFF_NOTICED = "staff_noticed", "A member of staff noticed or was shown it"
    OTHER = "other", "Another way"


class HarassmentKind(models.TextChoices):
    """Childnet, Project deSHAME: the four kinds of online sexual harassment. A case may be several."""

    IMAGE_SHARING = "image_sharing", "Non-consensual sharing of sexual images or videos"
    EXPLOITATION = "exploitation", "Exploitation, coercion and threats (including sexual extortion)"
    SEXUALISED_BULLYING = "sexualised_bullying", "Sexualised bullying"
    UNWANTED_SEXUALISATION = (
        "unwanted_sexualisation",
        "Unwanted sexualisation (sexual comments, requests for images, unwanted content)",
    )


class AnswerChoice(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    UNKNOWN = "unknown", "Not known yet"


class AdultInvolvement(models.TextChoices):
    NONE = "none", "No adult involved"
    UNKNOWN = "unknown", "Not known yet"
    STRANGER = "stranger", "An adult stranger"
    KNOWN_ADULT = "known_adult", "An adult the child knows"
    STAFF = "staff", "A member of staff (involve the LADO)"


class ImageryChoice(models.TextChoices):
    SOME = "some", "Yes"
    NONE = "none", "No"
    UNKNOWN = "unknown", "Not known yet"


class ImageryKindChoice(models.TextChoices):
    NUDE_U18 = "nude_u18", "Nude or semi-nude imagery of an under-18"
    CRIME_RECORDING = "crime_recording", "A recording of an assault or other crime"
    OTHER = "other", "Other imagery"


class AgeBandChoice(models.TextChoices):
    UNDER_13 = "under_13", "Under 13"
    AGE_13_15 = "13_15", "13 to 15"
    AGE_16_17 = "16_17", "16 or 17"
    UNKNOWN = "unknown", "Not known"


NARRATIVE_MAX = 50_000


class Disclosure(models.Model):
    """What the child disclosed, and the facts the criteria read. Descriptions only: never imagery."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, primary_key=True, related_name="disclosure")
    disclosed_at = models.DateTimeField("when the child disclosed")
    method = models.CharField("how the child disclosed", max_length=20, choices=DisclosureMethod.choices)
    disclosed_to = models.CharField("who the child told", max_length=200)
    child_account = models.TextField("the child's account, in their own words")
    incident_date = models.DateField("date of the incident")
    incident_date_approximate = models.BooleanField("the date is approximate", default=False)

    kind_image_sharing = models.BooleanField(HarassmentKind.IMAGE_SHARING.label, default=False)
    kind_exploitation = models.BooleanField(HarassmentKind.EXPLOITATION.label, default=False)
    kind_sexualised_bullying = models.BooleanField(HarassmentKind.SEXUALISED_BULLYING.label, default=False)
    kind_unwanted_sexualisation = models.BooleanField(HarassmentKind.UNWANTED_SEXUALISATION.label, default=False)

    adult_involvement = models.CharField(max_length=20, choices=AdultInvolvement.choices, default=AdultInvolvement.UNKNOWN)
    imagery = models.CharField("imagery involved", max_length=10, choices=ImageryChoice.choices, default=ImageryChoice.UNKNOWN)
    imagery_nude_u18 = models.BooleanField(ImageryKindChoice.NUDE_U18.label, default=False)
    imagery_crime_recording = models.BooleanField(ImageryKindChoice.CRIME_RECORDING.label, default=False)
    imagery_other = models.BooleanField(ImageryKindChoice.OTHER.label, default=False)
    imagery_description = models.TextField("description of the imagery (never the imagery itself)", blank=True)

    answer_c1 = models.CharField(max_length=10, choices=AnswerChoice.choices, default=AnswerChoice.UNKNOWN)
    answer_c2 = models.CharField(max_length=10, choices=AnswerChoice.choices, default=AnswerChoice.UNKNOWN)
    answer_c4 = models.CharField(max_length=10, choices=AnswerChoice.choices, default=AnswerChoice.UNKNOWN)
    answer_c6 = models.CharField(max_length=10, choices=AnswerChoice.choices, default=AnswerChoice.UNKNOWN)

    unidentified_children = models.PositiveIntegerField("children not yet identified", default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    KIND_FIELDS = {
        HarassmentKind.IMAGE_SHARING: "kind_image_sharing",
        HarassmentKind.EXPLOITATION: "kind_exploitation",
        HarassmentKind.SEXUALISED_BULLYING: "kind_sexualised_bullying",
        HarassmentKind.UNWANTED_SEXUALISATION: "kind_unwanted_sexualisation",
    }
    IMAGERY_KIND_FIELDS = {
        ImageryKindChoice.NUDE_U18: "imagery_nude_u18",
        ImageryKindChoice.CRIME_RECORDING: "imagery_crime_recording",
        ImageryKindChoice.OTHER: "imagery_other",
    }
    ANSWER_FIELDS = {"C1": "answer_c1", "C2": "answer_c2", "C4": "answer_c4", "C6": "answer_c6"}
    #: Narrative fields: changed only by a correction with a reason; the earlier text is kept.
    NARRATIVE_FIELDS = ("child_account", "imagery_description", "disclosed_to")

    def __str__(self) -> str:
        return f"Disclosure for {self.case_id}"

    def kinds(self) -> list[str]:
        return [kind for kind, name in self.KIND_FIELDS.items() if getattr(self, name)]

    def kind_labels(self) -> list[str]:
        return [HarassmentKind(k).label for k in self.kinds()]

    def imagery_kinds(self) -> list[str]:
        return [kind for kind, name in self.IMAGERY_KIND_FIELDS.items() if getattr(self, name)]

    def imagery_kind_labels(self) -> list[str]:
        return [ImageryKindChoice(k).label for k in self.imagery_kinds()]


class CasePlatform(models.Model):
    """An app or service involved (for the platform report and for the head's reports)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="platforms")
    name = models.CharField(max_length=60)
    added_at = models.DateTimeField(default=timezone.now)
    #: Taken off the list by a change of facts (the change and its reason are a FactChange).
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "name"], condition=models.Q(removed_at__isnull=True), name="case_platform_unique"
            )
        ]
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name


class OtherChild(models.Model):
    """A child involved who is not a pupil of the school (or not yet identified by name)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="other_children")
    description = models.CharField(max_length=200, help_text="For example: “Year 10 girl at another school”.")
    part = models.CharField(max_length=20, choices=ChildPart.choices)
    age = models.PositiveSmallIntegerField("age at the time of the incident", null=True, blank=True)
    age_band = models.CharField(max_length=10, choices=AgeBandChoice.choices, blank=True)
    known_to_services = models.BooleanField("known to children's social care or the police", default=False)
    added_at = models.DateTimeField(default=timezone.now)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    removed_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description


class AssessmentTrigger(models.TextChoices):
    RECORDED = "recorded", "Disclosure recorded"
    FACTS_CHANGED = "facts_changed", "Facts changed"
    CHILDREN_CHANGED = "children_changed", "Children involved changed"
    PUPIL_RECORD_CHANGED = "pupil_record_changed", "A pupil record changed"
    SETTING_CHANGED = "setting_changed", "The school's threshold changed"


class Assessment(models.Model):
    """One run of the criteria engine, kept for ever with the facts it read and its rule-set version."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="assessments")
    created_at = models.DateTimeField(default=timezone.now)
    trigger = models.CharField(max_length=30, choices=AssessmentTrigger.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    ruleset_version = models.CharField(max_length=20)
    outcome = models.CharField(max_length=20, choices=OUTCOME_CHOICES)
    complete = models.BooleanField()
    met = models.JSONField(default=list)
    facts = models.JSONField()
    result = models.JSONField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"])]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.outcome} ({self.ruleset_version})"


class DecisionChoice(models.TextChoices):
    REFER = "refer", "Refer to the police"
    NOT_REFER = "not_refer", "Do not refer to the police"
    ALREADY_REFERRED = "already_referred", "Already referred to the police"


class Decision(models.Model):
    """The DSL's decision on police referral. Never overwritten: a new one supersedes the old."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="decisions")
    decision = models.CharField(max_length=20, choices=DecisionChoice.choices)
    rationale = models.TextField(blank=True)
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="+")
    assessment_outcome = models.CharField(max_length=20, choices=OUTCOME_CHOICES)
    differs_from_assessment = models.BooleanField()
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["made_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.get_decision_display()}"


class Note(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notes")
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

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


class FactChange(models.Model):
    """A change to the structured facts, with its reason and the values before and after."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="fact_changes")
    fields = models.JSONField(default=list)
    before = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    after = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    reason = models.TextField()
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["made_at", "id"]

    def __str__(self) -> str:
        return f"Facts changed on {self.case_id}"


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


class PupilImport(models.Model):
    """An MIS export uploaded for import: previewed first (dry run), then applied whole or not at all."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "Checked, not yet imported"
        APPLIED = "applied", "Imported"

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
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


def _attachment_storage():
    from django.core.files.storage import FileSystemStorage

    # Outside the web root (under var/), with no URL: files are served only by the case's own view.
    return FileSystemStorage(location=settings.ATTACHMENT_ROOT, base_url=None)


def _attachment_path(instance, filename: str) -> str:
    import uuid

    return f"{instance.case.school_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A referral form or letter (PDF or office document, checked by content). Never imagery."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(storage=_attachment_storage, upload_to=_attachment_path, max_length=200)
    original_name = models.CharField(max_length=120)
    description = models.CharField(max_length=300, blank=True)
    content_type = models.CharField(max_length=120)
    extension = models.CharField(max_length=10)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name
