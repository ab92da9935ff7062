"""What the child disclosed, and the facts the police-referral criteria read. The choices take
their values from the criteria (``cases.criteria``): one definition of each."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from cases.criteria import Adult, AgeBand, Answer, Imagery, ImageryKind
from cases.models.cases import Case, ChildPart


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
    YES = Answer.YES, "Yes"
    NO = Answer.NO, "No"
    UNKNOWN = Answer.UNKNOWN, "Not known yet"


class AdultInvolvement(models.TextChoices):
    NONE = Adult.NONE, "No adult involved"
    UNKNOWN = Adult.UNKNOWN, "Not known yet"
    STRANGER = Adult.STRANGER, "An adult stranger"
    KNOWN_ADULT = Adult.KNOWN_ADULT, "An adult the child knows"
    STAFF = Adult.STAFF, "A member of staff (involve the LADO)"


class ImageryChoice(models.TextChoices):
    SOME = Imagery.SOME, "Yes"
    NONE = Imagery.NONE, "No"
    UNKNOWN = Imagery.UNKNOWN, "Not known yet"


class ImageryKindChoice(models.TextChoices):
    NUDE_U18 = ImageryKind.NUDE_U18, "Nude or semi-nude imagery of an under-18"
    CRIME_RECORDING = ImageryKind.CRIME_RECORDING, "A recording of an assault or other crime"
    OTHER = ImageryKind.OTHER, "Other imagery"


class AgeBandChoice(models.TextChoices):
    UNDER_13 = AgeBand.UNDER_13, "Under 13"
    AGE_13_15 = AgeBand.AGE_13_15, "13 to 15"
    AGE_16_17 = AgeBand.AGE_16_17, "16 or 17"
    UNKNOWN = AgeBand.UNKNOWN, "Not known"


NARRATIVE_MAX = 50_000
#: The narrative fields a DSL may correct (with a reason; the earlier text stays), as a page names them.
NARRATIVE_LABELS = {
    "summary": "Summary of the concern",
    "child_account": "The child's account",
    "imagery_description": "Description of the imagery",
    "disclosed_to": "Who the child told",
}


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
    #: The member of staff named as the adult involved (an allegation against staff): picked from
    #: the school's accounts when they have one. They never open the case (issue 17).
    staff_member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="the member of staff",
    )
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
