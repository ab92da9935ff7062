"""Reporting routes, referral steps, pastoral actions, the child's voice and parents' contact."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from cases.models import Case, Pupil
from referrals.ownership import PASTORAL_ROUTES
from referrals.steps import ACCEPTED_OPEN_STATES, OPEN_STATES, REFERENCE_MAX, StepState
from referrals.steps import CHOICES as STEP_STATE_CHOICES
from safeguard.models import School


class Route(models.Model):
    """A reporting route from the guidance (docs/domain.md, "Reporting routes"): R1–R8 and P1.

    The catalogue is data (migration 0002); a school adds its own contact details (SchoolRoute).
    """

    code = models.CharField(max_length=4, unique=True)
    name = models.CharField(max_length=120)
    when_it_fits = models.TextField()
    what_is_recorded = models.TextField()
    guidance = models.TextField(help_text="How to make the report.")
    contact_label = models.CharField(max_length=80, blank=True, help_text="What the school records for this route.")
    default_due_working_days = models.PositiveSmallIntegerField(default=2)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return f"{self.name}"


class SchoolRoute(models.Model):
    """A school's own details for a route: the local police force, MASH, LADO… Editable by the DSL."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="routes")
    route = models.ForeignKey(Route, on_delete=models.PROTECT, related_name="+")
    contact_details = models.TextField(blank=True)
    due_working_days = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Leave blank for the default.")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["school", "route"], name="school_route_unique")]

    def __str__(self) -> str:
        return f"{self.route.code} at {self.school}"


class MadeHow(models.TextChoices):
    PHONE_999 = "phone_999", "Phone: 999 (a child in immediate danger)"
    PHONE_101 = "phone_101", "Phone: 101"
    PHONE = "phone", "Phone"
    ONLINE = "online", "Online form or reporting tool"
    EMAIL = "email", "Email"
    IN_PERSON = "in_person", "In person"
    LETTER = "letter", "Letter"
    OTHER = "other", "Another way"


#: How it was made, as the chronology says it ("Made by phone, 101: The police").
MADE_HOW_WORDS = {
    MadeHow.PHONE_999: "by phone, 999",
    MadeHow.PHONE_101: "by phone, 101",
    MadeHow.PHONE: "by phone",
    MadeHow.ONLINE: "online",
    MadeHow.EMAIL: "by email",
    MadeHow.IN_PERSON: "in person",
    MadeHow.LETTER: "by letter",
    MadeHow.OTHER: "another way",
}


class StepOrigin(models.TextChoices):
    SUGGESTED = "suggested", "Suggested from the facts"
    AUTOMATIC = "automatic", "Created automatically"
    ADDED = "added", "Added by a DSL"


class Step(models.Model):
    """One referral step on a case: who owns it, when it is due, and how it went."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="steps")
    #: The case's school, kept beside the step (set on save from the case, which never changes
    #: school), so one school's open steps are read in due order from one index
    #: (``step_school_due_idx``) rather than through every open case.
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", editable=False)
    route = models.ForeignKey(Route, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=20, choices=STEP_STATE_CHOICES, default=StepState.SUGGESTED)
    origin = models.CharField(max_length=20, choices=StepOrigin.choices, default=StepOrigin.SUGGESTED)
    #: Why it was suggested, in words ("suggested because an adult contacted the child online").
    reason = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="owned_steps"
    )
    due_date = models.DateField(null=True, blank=True)
    made_at = models.DateTimeField(null=True, blank=True)
    made_how = models.CharField(max_length=20, choices=MadeHow.choices, blank=True)
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    #: The other party's reference: a crime reference, a report reference.
    reference = models.CharField(max_length=REFERENCE_MAX, blank=True)
    #: Who at the other party: an officer, a social worker, the platform's team.
    contact = models.CharField(max_length=200, blank=True)
    #: For a platform report (R1): which app or service.
    platform = models.CharField(max_length=60, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True)
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    not_needed_reason = models.TextField(blank=True)
    #: A Report Harmful Content step offered because this platform report was unresolved.
    follows = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="followed_by")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        indexes = [
            models.Index(fields=["case", "state"]),
            models.Index(fields=["state", "due_date"]),
            models.Index(fields=["owner", "state", "due_date"]),
            models.Index(
                fields=["school", "due_date", "case", "position"],
                condition=models.Q(state__in=ACCEPTED_OPEN_STATES),
                name="step_school_due_idx",
            ),
            models.Index(
                fields=["school", "case", "position"],
                condition=models.Q(state=StepState.SUGGESTED),
                name="step_school_suggested_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.route.code} on {self.case_id}: {self.get_state_display()}"

    def save(self, *args, **kwargs):
        if self.school_id is None and self.case_id is not None:
            self.school_id = self.case.school_id
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def owner_works_it(self) -> bool:
        """Whether its owner works it through even without leading the case (``referrals.ownership``)."""
        return self.route.code in PASTORAL_ROUTES

    @property
    def title(self) -> str:
        if self.platform:
            return f"{self.route.name}: {self.platform}"
        return self.route.name


class StepEvent(models.Model):
    """Each move of a step, for the chronology: nothing about a step is overwritten unseen."""

    step = models.ForeignKey(Step, on_delete=models.PROTECT, related_name="events")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    from_state = models.CharField(max_length=20, choices=STEP_STATE_CHOICES, blank=True)
    to_state = models.CharField(max_length=20, choices=STEP_STATE_CHOICES)
    summary = models.CharField(max_length=300)
    detail = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return self.summary


class ActionStatus(models.TextChoices):
    OPEN = "open", "To do"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class Action(models.Model):
    """A task for the school's own team (route R6): support for the child, a risk assessment,
    actions for a pupil who harmed. Pastoral staff see and complete only their own."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="actions")
    step = models.ForeignKey(Step, on_delete=models.PROTECT, null=True, blank=True, related_name="actions")
    title = models.CharField(max_length=300)
    #: None only when its owner left and nobody has taken it yet (every DSL sees it as needing a new owner).
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="actions")
    due_date = models.DateField()
    status = models.CharField(max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    done_at = models.DateTimeField(null=True, blank=True)
    done_note = models.TextField(blank=True)
    cancelled_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["owner", "status", "due_date"]), models.Index(fields=["case", "status"])]

    def __str__(self) -> str:
        return self.title


class ChildVoice(models.Model):
    """The child's voice (the seed): they were told, their views in their own words, their
    questions answered, and what they were told will happen next. Their wishes never block a
    required referral, but the record shows them."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="child_voices")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="+")
    told_at = models.DateTimeField("when the child was told")
    told_by = models.CharField("who told them", max_length=200)
    views = models.TextField("their views, in their own words")
    questions = models.TextField("their questions, and the answers given", blank=True)
    next_steps = models.TextField("what they were told will happen next")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["told_at", "id"]

    def __str__(self) -> str:
        return f"Child's voice on {self.case_id}"


class ParentContact(models.Model):
    """Parents or carers informed (P1), or not informed with the reason (when informing them
    would put the child at risk)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="parent_contacts")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="+")
    informed = models.BooleanField()
    #: How they were told (by phone, in person…): the chronology says what the DSL recorded.
    how = models.CharField(max_length=20, choices=MadeHow.choices, blank=True)
    who = models.CharField("who was informed", max_length=200, blank=True, help_text="Name and relationship to the child.")
    contacted_at = models.DateTimeField("when", null=True, blank=True)
    contacted_by = models.CharField("by whom", max_length=200, blank=True)
    response = models.TextField("their response", blank=True)
    not_informed_reason = models.TextField("why they were not informed", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"Parent contact on {self.case_id}"


class ReminderKind(models.TextChoices):
    POLICE_REQUIRED = "police_required", "A police referral is required"
    STEP_DUE = "step_due", "A referral step is due today"
    STEP_OVERDUE = "step_overdue", "A referral step is overdue"
    POLICE_NOT_MADE = "police_not_made", "A required police referral has not been made today"
    ACK_CHASE = "ack_chase", "A referral has not been acknowledged"
    PLATFORM_UNRESOLVED = "platform_unresolved", "A platform report is still unresolved"
    REVIEW_DUE = "review_due", "A case review is due"
    ACTION_DUE = "action_due", "An action is due today"
    DIGEST = "digest", "Your morning digest"


class ReminderStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    CLAIMED = "claimed", "Being sent"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "No longer needed when due"
    FAILED = "failed", "Could not be emailed"


class Reminder(models.Model):
    """One reminder to one person, which can exist only once: (kind, subject, due date, recipient).

    Rows, not delayed tasks: the sweep (every few minutes) claims the ones due and queues a send
    task for each on commit. A claim carries a token, so a stale or redelivered task can never
    send a reminder twice. Holds no case content: what kind of thing, and which record.
    """

    kind = models.CharField(max_length=30, choices=ReminderKind.choices)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    #: What it is about, as a key: "step:12", "case:4", "action:9", "digest".
    subject = models.CharField(max_length=40)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    step = models.ForeignKey(Step, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    action = models.ForeignKey(Action, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    #: The date the reminder is for (the due date; the day, for a daily one).
    due_on = models.DateField()
    deliver_at = models.DateTimeField()
    #: Counts for a digest (numbers only).
    counts = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.PENDING)
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    notification = models.OneToOneField(
        "safeguard.Notification", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    email_sent_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject", "due_on", "recipient"], name="reminder_exists_once"),
        ]
        indexes = [
            models.Index(fields=["status", "deliver_at"]),
            models.Index(fields=["school", "status", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.recipient_id} ({self.due_on})"
