"""What every app shares: trusts and schools, staff and their roles, the audit log, notifications."""

from __future__ import annotations

import datetime

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac

from safeguard.roles import Role

EMAIL_MAX_LENGTH = 254  # RFC 5321's limit on an address, and Django's default


class Trust(models.Model):
    """A multi-academy trust (MAT), or a single school's own trust record."""

    name = models.CharField(max_length=200, unique=True)

    def __str__(self) -> str:
        return self.name


class DocumentImages(models.TextChoices):
    REFUSE = "refuse", "Refuse a document if a picture in it may be indecent, or if it holds any video"
    REMOVE = "remove", "Keep the document, with every picture and video taken out of it"


class School(models.Model):
    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="schools")
    name = models.CharField(max_length=200)
    #: Short code used in case references, e.g. "OAK".
    code = models.CharField(max_length=10, unique=True)
    #: The Department for Education's Unique Reference Number: how another Safeguard addresses a
    #: child's file to this school (issue 18). Blank until the school sets it.
    urn = models.CharField(
        "URN",
        max_length=8,
        blank=True,
        help_text="The school's Unique Reference Number (6 digits), as Get Information about Schools shows it.",
    )
    next_case_number = models.PositiveIntegerField(default=1, editable=False)

    # C7: "involves a high number of children" — the school decides what "high" means.
    high_number_threshold = models.PositiveSmallIntegerField(
        "high number of children (police-referral criterion)",
        default=5,
        validators=[MinValueValidator(2), MaxValueValidator(500)],
        help_text="A disclosure involving at least this many children meets the 'high number of children' criterion.",
    )

    # Referral timings (docs/domain.md, "Reporting routes": defaults a school may change).
    police_referral_due_days = models.PositiveSmallIntegerField(
        "a required police referral is due within (working days)",
        default=0,
        validators=[MaxValueValidator(5)],
        help_text="0 means the same day.",
    )
    acknowledgement_chase_days = models.PositiveSmallIntegerField(
        "chase an acknowledgement after (working days)", default=2, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    platform_check_hours = models.PositiveSmallIntegerField(
        "check a platform report after (hours)",
        default=48,
        validators=[MinValueValidator(1), MaxValueValidator(336)],
        help_text="If the platform has not resolved it by then, Safeguard offers a Report Harmful Content step.",
    )
    review_interval_days = models.PositiveSmallIntegerField(
        "review every open case at least every (days)", default=14, validators=[MinValueValidator(1), MaxValueValidator(90)]
    )

    # Reminders (the DSL's settings page).
    overdue_escalation_days = models.PositiveSmallIntegerField(
        "tell every DSL about an overdue step after (working days)",
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="Until then, only the step's owner is reminded.",
    )
    quiet_hours_start = models.TimeField(
        "quiet hours start", default=datetime.time(19, 0), help_text="Reminders due in quiet hours go out when they end."
    )
    quiet_hours_end = models.TimeField(
        "quiet hours end", default=datetime.time(7, 30), help_text="The same time as the start means no quiet hours."
    )
    school_day_end = models.TimeField(
        "end of the school day",
        default=datetime.time(16, 0),
        help_text="A required police referral not made by then is raised with every DSL.",
    )

    # School hours (the head's reports): access to cases outside them, or at a weekend, is flagged.
    hours_start = models.TimeField(
        "school hours start",
        default=datetime.time(7, 30),
        help_text="Cases opened or changed before this time are flagged as out-of-hours access in the head's reports.",
    )
    hours_end = models.TimeField(
        "school hours end",
        default=datetime.time(18, 0),
        help_text="Cases opened or changed after this time, or at a weekend, are flagged as out-of-hours access.",
    )

    # Attachments (UKCIS: imagery of under-18s is never stored). A document that holds a picture
    # the nudity check flags, or any video, is refused; or, if the school prefers, kept with every
    # picture and video taken out.
    document_images = models.CharField(
        "documents that hold pictures or video",
        max_length=10,
        choices=DocumentImages.choices,
        default=DocumentImages.REFUSE,
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["trust", "name"], name="school_name_unique_in_trust"),
            models.UniqueConstraint(fields=["urn"], condition=~models.Q(urn=""), name="school_urn_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)

    def get_by_natural_key(self, username):
        # No address is longer than the field; a longer one is refused before the database sees it
        # (SQLite refuses a LIKE pattern over 50,000 bytes, which iexact becomes).
        if len(username or "") > EMAIL_MAX_LENGTH:
            raise self.model.DoesNotExist
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractBaseUser, PermissionsMixin):
    """A member of staff. The email address is the login."""

    email = models.EmailField("email address", unique=True, max_length=EMAIL_MAX_LENGTH)
    full_name = models.CharField(max_length=150)
    is_active = models.BooleanField(default=True)
    #: Django admin access (system operators only; never given by the staff page).
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    #: Bumped on a role change or deactivation: every session of this person then ends at once,
    #: because it is part of the session auth hash Django checks on each request.
    session_version = models.PositiveIntegerField(default=0)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]
        #: The deactivated accounts ("Needs a new owner" reads them first): few, and read alone.
        indexes = [models.Index(fields=["id"], condition=models.Q(is_active=False), name="user_deactivated_idx")]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    def get_session_auth_hash(self) -> str:
        key_salt = "safeguard.User.get_session_auth_hash"
        return salted_hmac(key_salt, f"{self.password}:{self.session_version}", algorithm="sha256").hexdigest()


class StaffRole(models.Model):
    """One role a member of staff holds at one school. A person may hold several."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="staff_roles")
    role = models.CharField(max_length=20, choices=Role.choices)
    granted_at = models.DateTimeField(default=timezone.now)
    granted_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "school", "role"], name="staff_role_unique")]
        indexes = [models.Index(fields=["school", "role"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.school}"


class TrustLead(models.Model):
    """A trust safeguarding lead (issue 17): sees every school of the trust's report figures and
    the trust's totals, with no child, case or member of staff named; a named case only when that
    school's DSL grants it. Ended, never deleted."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="trust_leads")
    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="leads")
    granted_at = models.DateTimeField(default=timezone.now)
    granted_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "trust"], condition=models.Q(ended_at__isnull=True), name="one_open_trust_lead"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — trust safeguarding lead of {self.trust}"


class StaffApproval(models.Model):
    """Something an IT administrator asked for that could open cases to someone, waiting for a
    second person of the school: a role that reads every case (DSL, deputy, head), approved by a
    DSL; resetting the second factor of someone who reads cases, approved by a DSL or the head; or
    appointing the trust's safeguarding lead (every school's figures, and the cases DSLs grant
    them), approved by a DSL of the school that asked.
    Two people, so no administrator can give themselves a case, or take over someone who has one.

    Approved, it takes effect (a StaffRole, or the reset); declined or withdrawn, it stays here as
    the record."""

    class Kind(models.TextChoices):
        ROLE = "role", "A role that reads cases"
        SECOND_FACTOR_RESET = "second_factor_reset", "A second factor reset"
        #: The trust's safeguarding lead (``TrustLead``): the figures of every school of the trust.
        TRUST_LEAD = "trust_lead", "The trust's safeguarding lead"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="staff_approvals")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="staff_approvals")
    #: The role asked for (kind ROLE only).
    role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField("reason for declining", blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "user", "school", "role"], condition=models.Q(status="pending"), name="staff_approval_one_pending"
            )
        ]
        indexes = [models.Index(fields=["school", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.user} at {self.school} ({self.get_status_display()})"

    @property
    def what(self) -> str:
        """What was asked for, in words."""
        if self.kind == self.Kind.ROLE:
            return f"the role {self.get_role_display()}"
        if self.kind == self.Kind.TRUST_LEAD:
            return f"safeguarding lead of {self.school.trust.name}"
        return "resetting their second factor"


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditImmutableError("Audit events are append-only: they cannot be updated.")

    def delete(self):
        raise AuditImmutableError("Audit events are append-only: they cannot be deleted.")


class AuditImmutableError(Exception):
    pass


class AuditEvent(models.Model):
    """Who did what, when and from where; never case content (docs/domain.md, "Security").

    Append-only: the ORM refuses updates and deletes, database triggers (migration 0002) refuse
    them from raw SQL too, and on PostgreSQL the application's role may only INSERT and SELECT.
    Each school's events form one chain: every event carries the keyed hash (HMAC-SHA256 with
    the audit key, held outside the database) of the one before it at the same school, so a
    changed or missing row is found by ``manage.py verify_audit`` (safeguard/audit.py).
    """

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    #: Namespaced action code such as ``cases.case.viewed``.
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=32, blank=True)
    #: Non-content metadata only: names of fields changed, codes, counts.
    extra = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["school", "action", "occurred_at"]),
            models.Index(fields=["object_type", "object_id", "occurred_at"]),
            models.Index(fields=["actor", "occurred_at"]),
            # The head's access reports: a school's case events in a period, grouped by person and
            # case. Every column they read is in the index, so the database never visits the table.
            models.Index(
                fields=["school", "object_type", "occurred_at", "action", "actor", "object_id"], name="audit_case_access_idx"
            ),
            # The head of a school's chain (its last event), which every audit_record reads.
            models.Index(fields=["school", "id"], name="audit_chain_head_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AuditImmutableError("Audit events are append-only: they cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditImmutableError("Audit events are append-only: they cannot be deleted.")


class AuditVerificationQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditImmutableError("Audit verification records are append-only: they cannot be updated.")

    def delete(self):
        raise AuditImmutableError("Audit verification records are append-only: they cannot be deleted.")


class AuditVerification(models.Model):
    """One check of the audit log's hash chains (nightly, or ``manage.py verify_audit``).

    ``heads`` anchors the end of every chain as it was checked (``[[school id or null, last
    event id, its hash], ...]``), so the next check also notices events removed from the end of a
    chain (which the chain alone cannot show). ``seal`` is the HMAC of every other field with the
    audit key: a record rewritten to hide a truncation is named by the next check. Append-only,
    like the events (migration 0007).
    """

    ran_at = models.DateTimeField(default=timezone.now, db_index=True)
    events_checked = models.PositiveBigIntegerField(default=0)
    chains_checked = models.PositiveIntegerField(default=0)
    ok = models.BooleanField()
    first_broken_id = models.BigIntegerField(null=True, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    last_event_id = models.BigIntegerField(null=True, blank=True)
    last_hash = models.CharField(max_length=64, blank=True)
    heads = models.JSONField(default=list, blank=True)
    seal = models.CharField(max_length=64, blank=True)

    objects = AuditVerificationQuerySet.as_manager()

    class Meta:
        ordering = ["-ran_at", "-id"]
        get_latest_by = "ran_at"

    def __str__(self) -> str:
        return f"Audit check at {self.ran_at:%Y-%m-%d %H:%M}: {'intact' if self.ok else 'broken'}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AuditImmutableError("Audit verification records are append-only: they cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditImmutableError("Audit verification records are append-only: they cannot be deleted.")


class RefusalBurst(models.Model):
    """Refusals by one person in quick succession, counted here instead of one audit event each.

    The first refusal of a burst is an audit event at once (so a probe is on the record straight
    away); the rest are counted in this row, and when the burst ends (nothing for
    ``safeguard.refusals.BURST_WINDOW``) one more event records how many there were and what was
    asked for. A person trying 1,435 case numbers leaves two events, not 1,435."""

    actor = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=64)
    #: Why they were refused ("not_found", "not_visible"...): a burst is of one kind.
    reason = models.CharField(max_length=30, blank=True)
    started_at = models.DateTimeField()
    last_at = models.DateTimeField()
    #: Refusals after the first (the first is its own audit event).
    more = models.PositiveIntegerField(default=0)
    #: What the refusals after the first asked for, as text (case numbers as typed): the first few distinct ones.
    asked_for = models.JSONField(default=list)
    first_event_id = models.BigIntegerField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["actor", "action", "reason", "closed_at"]),
            models.Index(fields=["closed_at", "last_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_id}: {self.more + 1}"


class Notification(models.Model):
    """An in-app notification. Holds a case reference and a link, never a child's name.

    ``subject`` says what it asks about ("concern:12", "step:5", "case:4", "action:9"), so that
    when that no longer asks anything of anyone (the concern triaged, the step made, the case
    closed) the notification clears itself (``cleared_at``) and moves from "needs doing" to the
    history. ``case_id`` is the case it is about, if any (a plain number: the core knows no cases),
    so a notification about a case the reader can no longer see is never shown."""

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    url = models.CharField(max_length=300, blank=True)
    subject = models.CharField(max_length=60, blank=True)
    case_id = models.BigIntegerField(null=True, blank=True)
    #: An urgent concern or a required police referral: it stands out, and its email ignores quiet hours.
    urgent = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["recipient", "cleared_at", "created_at"], name="notification_inbox_idx"),
            models.Index(fields=["subject", "cleared_at"], name="notification_subject_idx"),
            models.Index(fields=["case_id", "cleared_at"], name="notification_case_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class AlertEmail(models.Model):
    """The email that tells someone of a notification: written in the same transaction as the change
    that asks them to act, sent by the Celery worker exactly once (a claim with a token, as the
    reminders are), retried with back-off, and shown to the DSLs if the mail server refuses it.

    Holds no child's name and no case content: what kind of thing, its reference, and a link."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        CLAIMED = "claimed", "Being sent"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "No longer needed when due"
        FAILED = "failed", "Could not be emailed"

    notification = models.OneToOneField(Notification, on_delete=models.CASCADE, related_name="email")
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    subject_line = models.CharField(max_length=200)
    body = models.TextField()
    deliver_at = models.DateTimeField()
    #: Sent with the person's other alerts in one morning summary, as they chose for this kind.
    in_digest = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["status", "deliver_at"], name="alert_email_due_idx"),
            models.Index(fields=["school", "status"], name="alert_email_school_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subject_line} to {self.recipient_id}"


class AlertPreference(models.Model):
    """How one person wants the email of one kind of alert: at once, or in the morning summary.
    Urgent concerns and required police referrals are always at once, whatever is chosen."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="alert_preferences")
    kind = models.CharField(max_length=40)
    at_once = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="alert_preference_unique")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}: {'at once' if self.at_once else 'morning summary'}"


class WorkerHeartbeat(models.Model):
    """The last time a Celery worker ran the heartbeat task (one row per worker hostname)."""

    hostname = models.CharField(max_length=200, unique=True)
    last_seen = models.DateTimeField()
    beats = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.hostname} at {self.last_seen:%Y-%m-%d %H:%M:%S}"


class MemberSettings(models.Model):
    """Per person, per school: whether they get the morning digest (set by the DSL)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="member_settings")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    digest = models.BooleanField("morning digest", default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "school"], name="member_settings_unique")]

    def __str__(self) -> str:
        return f"{self.user} at {self.school}"


class SchoolYear(models.Model):
    """A school's term dates and INSET days for one academic year (1 September to 31 August), set
    and confirmed by its Designated Safeguarding Lead. A year with no row counts by the England
    default (``safeguard.terms.england_default``), which pages say is not yet confirmed."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="school_years")
    #: The year of the 1 September it starts on: 2025 is the school year 2025 to 2026.
    start_year = models.PositiveSmallIntegerField()
    confirmed_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["school", "start_year"], name="school_year_unique")]

    def __str__(self) -> str:
        return f"{self.start_year} to {self.start_year + 1} at {self.school_id}"


class SchoolTerm(models.Model):
    """One term of a school year, from its first to its last day, with its half-term break."""

    year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="terms")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=40)
    first_day = models.DateField()
    last_day = models.DateField()
    half_term_first = models.DateField(null=True, blank=True)
    half_term_last = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["year", "position"], name="school_term_position_unique"),
            models.CheckConstraint(condition=models.Q(last_day__gte=models.F("first_day")), name="school_term_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.first_day:%Y-%m-%d} to {self.last_day:%Y-%m-%d}"


class InsetDay(models.Model):
    """A training day in term time: the school is open to staff, not to pupils."""

    year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="inset_days")
    day = models.DateField()
    note = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["year", "day"], name="inset_day_unique")]

    def __str__(self) -> str:
        return f"INSET {self.day:%Y-%m-%d}"


class SignInProvider(models.Model):
    """A school's OpenID Connect sign-in (issue 20): its Microsoft Entra ID tenant, Google Workspace
    domain or other provider, set by the school's IT administrator. The client secret is never in
    the database: ``secret_env`` names the server's environment variable that holds it."""

    class Kind(models.TextChoices):
        ENTRA = "entra", "Microsoft 365 (Entra ID)"
        GOOGLE = "google", "Google Workspace"
        OTHER = "oidc", "Another OpenID Connect provider"

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="sign_in_provider")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ENTRA)
    enabled = models.BooleanField(default=True)
    #: Entra ID: the directory (tenant) ID; Google: the Workspace domain; another provider: its issuer URL.
    directory = models.CharField(max_length=300)
    client_id = models.CharField(max_length=200)
    secret_env = models.CharField(max_length=100)
    #: Whether staff of this school may still sign in with a Safeguard password. The IT
    #: administrator always may (so a broken provider never locks the school out).
    password_sign_in = models.BooleanField(default=True)
    #: Whether the provider's own multi-factor sign-in (``amr`` holding "mfa") stands in for
    #: Safeguard's second factor.
    trust_provider_mfa = models.BooleanField(default=False)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    #: Why sign-in through the provider does not work right now (empty when it does).
    problem = models.CharField(max_length=300, blank=True)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", null=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.school}"


class SignInIdentity(models.Model):
    """Which account a provider's subject is: found by verified email at the first sign-in, then
    by (issuer, subject) only, so a changed or reused address never moves the link."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sign_in_identities")
    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255)
    linked_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="sign_in_identity_unique"),
            models.UniqueConstraint(fields=["user", "issuer"], name="sign_in_identity_one_per_issuer"),
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.issuer}"


class JobRun(models.Model):
    """When a scheduled job last ran to the end (issue 21): the reminder sweep, the nightly jobs.
    ``/readyz`` and the metrics read it; one row per job, updated in place."""

    name = models.CharField(max_length=60, unique=True)
    last_finished_at = models.DateTimeField()
    runs = models.PositiveBigIntegerField(default=0)
    hostname = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.last_finished_at:%Y-%m-%d %H:%M:%S}"


class JobSlot(models.Model):
    """Which run of a scheduled job has been sent (issue 21): however many Celery beats there are,
    the first to claim a run's slot (its interval, or its hour for a nightly job) sends it and the
    others do not (``safeguard.beat``)."""

    name = models.CharField(max_length=200, unique=True)
    slot = models.CharField(max_length=40)
    claimed_at = models.DateTimeField()
    hostname = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.name} {self.slot}"
