"""Each run of the criteria, kept for ever, and the DSL's decisions on police referral."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from cases import rules
from cases.models.cases import OUTCOME_CHOICES, Case


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
    """The DSL's decision on police referral: the codes are the rules' (``cases.rules``)."""

    REFER = rules.REFER, "Refer to the police"
    NOT_REFER = rules.NOT_REFER, "Do not refer to the police"
    ALREADY_REFERRED = rules.ALREADY_REFERRED, "Already referred to the police"


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
