"""Reminders, each sent exactly once: planned as rows, claimed atomically, delivered by a task.

The sweep (Celery beat, every few minutes):
1. ``reminders_plan`` works out, set-based, which reminders should exist now and inserts them
   (the unique key (kind, subject, due date, recipient) makes a second insert a no-op);
2. ``reminders_claim`` claims those due, with a fresh token: ``SELECT … FOR UPDATE SKIP LOCKED``
   on PostgreSQL; on SQLite the IMMEDIATE transaction already holds the only write lock;
3. on commit, one ``send_reminder(id, token)`` task per claim is queued. If the broker is down the
   claim is released at once and the next sweep tries again: delayed, never lost.

``reminder_deliver`` is idempotent: it does nothing unless the reminder is still claimed with the
task's token, writes the in-app notification once, records the email once sent, and marks the
reminder sent. An email the server refuses is tried again with back-off (the row is put back,
due a few minutes later) and after MAX_EMAIL_ATTEMPTS marked failed with the server's reason. A claim that no task finished (a worker killed mid-way) expires after
``CLAIM_LEASE`` and is claimed again with a new token, so a late redelivery of the old task is
ignored. A reminder that no longer applies (the step was made meanwhile) is marked skipped.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from cases.access import VIEW_CASE_PERMISSION, allowed_actions
from cases.criteria import Outcome
from cases.models import Case, CaseStatus, CaseUserObjectPermission, Concern, ConcernStatus
from referrals.models import (
    OPEN_STATES,
    Action,
    ActionStatus,
    Reminder,
    ReminderKind,
    ReminderStatus,
    Step,
    StepState,
)
from referrals.reminder_text import compose
from referrals.routes import RouteCode
from safeguard import outbox
from safeguard.models import MemberSettings, Notification, School, StaffRole
from safeguard.roles import READS_ALL_CASES, SAFEGUARDING_LEADS, CaseAction
from safeguard.school_hours import SchoolHours, deliver_at, end_of_school_day, hours_of, local, local_today, morning
from safeguard.services import Alert, alert_send
from safeguard.workdays import add_working_days, working_days_between

logger = logging.getLogger(__name__)

CLAIM_LEASE = outbox.CLAIM_LEASE
CLAIM_BATCH = 2000
#: Reminders per send task (one broker message).
SEND_BATCH = 100
#: An address the mail server keeps refusing is tried this many times (back-off 2, 4, 8… minutes,
#: at most an hour apart), then marked failed and shown to the school's DSLs.
MAX_EMAIL_ATTEMPTS = outbox.MAX_EMAIL_ATTEMPTS

#: Kinds that can wait for a working day; the others (police, steps) go out every day.
WAIT_FOR_WORKING_DAY = {ReminderKind.ACK_CHASE, ReminderKind.REVIEW_DUE, ReminderKind.ACTION_DUE, ReminderKind.DIGEST}


def hours_for(school: School) -> SchoolHours:
    return hours_of(school)


# --- 1. Planning -----------------------------------------------------------------------------------


class _Plan:
    def __init__(self, school: School, now: datetime):
        self.school, self.now, self.hours = school, now, hours_for(school)
        self.today = local_today(now)
        self.rows: list[Reminder] = []
        # Never remind anyone of a case they cannot see (a pastoral teacher no longer assigned):
        # who reads every case here, and who is assigned to which case, read once per school.
        self.reads_all = set(
            StaffRole.objects.filter(school=school, role__in=READS_ALL_CASES, user__is_active=True).values_list(
                "user_id", flat=True
            )
        )
        self.assigned = set(
            CaseUserObjectPermission.objects.filter(
                content_object__school=school, permission__codename=VIEW_CASE_PERMISSION
            ).values_list("user_id", "content_object_id")
        )

    def can_see(self, user_id: int, case_id: int | None) -> bool:
        return case_id is None or user_id in self.reads_all or (user_id, case_id) in self.assigned

    def add(self, kind, recipient_id, subject, due_on: date, wanted: datetime, **refs) -> None:
        if not self.can_see(recipient_id, refs.get("case_id")):
            return
        when = deliver_at(max(wanted, self.now), self.hours, working_days_only=kind in WAIT_FOR_WORKING_DAY)
        self.rows.append(
            Reminder(
                kind=kind, recipient_id=recipient_id, school=self.school, subject=subject, due_on=due_on, deliver_at=when, **refs
            )
        )


def _leads(school: School) -> list[int]:
    return sorted(
        set(
            StaffRole.objects.filter(school=school, role__in=SAFEGUARDING_LEADS, user__is_active=True).values_list(
                "user_id", flat=True
            )
        )
    )


def _plan_school(plan: _Plan) -> None:
    school, today, hours = plan.school, plan.today, plan.hours
    leads = _leads(school)
    open_cases = Q(case__school=school, case__status=CaseStatus.OPEN)
    start = morning(today, hours)

    # Steps to do, due today or overdue (and the required police referrals among them).
    todo = Step.objects.filter(open_cases, state=StepState.TODO, due_date__lte=today).values_list(
        "id", "case_id", "owner_id", "due_date", "route__code", "case__outcome"
    )
    for step_id, case_id, owner_id, due, code, outcome in todo.iterator(chunk_size=2000):
        refs = {"case_id": case_id, "step_id": step_id}
        subject = f"step:{step_id}"
        if due == today:
            # A step nobody owns (its owner left) reminds every DSL until one of them gives it out.
            for recipient in [owner_id] if owner_id else leads:
                plan.add(ReminderKind.STEP_DUE, recipient, subject, today, start, **refs)
        else:
            escalated = working_days_between(due, today) >= hours.escalation_days
            for recipient in sorted({owner_id, *(leads if escalated or not owner_id else [])} - {None}):
                plan.add(ReminderKind.STEP_OVERDUE, recipient, subject, today, start, **refs)
        if code == RouteCode.POLICE and outcome == Outcome.REQUIRED:
            for recipient in leads:
                plan.add(ReminderKind.POLICE_NOT_MADE, recipient, subject, today, end_of_school_day(today, hours), **refs)

    # Referrals made but not acknowledged after the school's working days: chase.
    made = Step.objects.filter(open_cases, state=StepState.MADE, made_at__isnull=False, owner__isnull=False).values_list(
        "id", "case_id", "owner_id", "made_at"
    )
    for step_id, case_id, owner_id, made_at in made.iterator(chunk_size=2000):
        chase_on = add_working_days(local(made_at).date(), school.acknowledgement_chase_days)
        if chase_on <= today:
            plan.add(
                ReminderKind.ACK_CHASE,
                owner_id,
                f"step:{step_id}",
                chase_on,
                morning(chase_on, hours),
                case_id=case_id,
                step_id=step_id,
            )

    # Platform reports unresolved after the school's set hours (48 by default).
    cutoff = plan.now - timedelta(hours=school.platform_check_hours)
    reports = Step.objects.filter(
        open_cases,
        route__code=RouteCode.PLATFORM,
        state__in=[StepState.MADE, StepState.ACKNOWLEDGED],
        made_at__lte=cutoff,
        owner__isnull=False,
    ).values_list("id", "case_id", "owner_id", "made_at")
    for step_id, case_id, owner_id, made_at in reports.iterator(chunk_size=2000):
        due_at = made_at + timedelta(hours=school.platform_check_hours)
        plan.add(
            ReminderKind.PLATFORM_UNRESOLVED,
            owner_id,
            f"step:{step_id}",
            local(due_at).date(),
            due_at,
            case_id=case_id,
            step_id=step_id,
        )

    # Case reviews due: to the DSL who recorded the case while they lead, else every DSL.
    reviews = Case.objects.filter(school=school, status=CaseStatus.OPEN, review_due__lte=today).values_list(
        "id", "created_by_id", "review_due"
    )
    for case_id, recorder_id, due in reviews.iterator(chunk_size=2000):
        for recipient in [recorder_id] if recorder_id in leads else leads:
            plan.add(ReminderKind.REVIEW_DUE, recipient, f"case:{case_id}", due, morning(due, hours), case_id=case_id)

    # Pastoral actions due today.
    actions = Action.objects.filter(open_cases, status=ActionStatus.OPEN, due_date=today).values_list("id", "case_id", "owner_id")
    for action_id, case_id, owner_id in actions.iterator(chunk_size=2000):
        for recipient in [owner_id] if owner_id else leads:
            plan.add(
                ReminderKind.ACTION_DUE, recipient, f"action:{action_id}", today, start, case_id=case_id, action_id=action_id
            )

    _plan_digests(plan, leads)


def digest_counts(school: School, today: date) -> dict[str, int]:
    """What is due and overdue at a school, as numbers only (the digest's content)."""
    open_cases = Q(case__school=school, case__status=CaseStatus.OPEN)
    steps = Step.objects.filter(open_cases, state__in=OPEN_STATES).aggregate(
        overdue=Count("id", filter=Q(state=StepState.TODO, due_date__lt=today)),
        due_today=Count("id", filter=Q(state=StepState.TODO, due_date=today)),
        suggested=Count("id", filter=Q(state=StepState.SUGGESTED)),
        police_not_made=Count("id", filter=Q(state=StepState.TODO, route__code=RouteCode.POLICE, case__outcome=Outcome.REQUIRED)),
    )
    return {
        **steps,
        "reviews": Case.objects.filter(school=school, status=CaseStatus.OPEN, review_due__lte=today).count(),
        "actions_overdue": Action.objects.filter(open_cases, status=ActionStatus.OPEN, due_date__lt=today).count(),
        "triage": Concern.objects.filter(school=school, status=ConcernStatus.NEW).count(),
    }


def _plan_digests(plan: _Plan, leads: list[int]) -> None:
    if not leads:
        return
    opted_out = set(
        MemberSettings.objects.filter(school=plan.school, user_id__in=leads, digest=False).values_list("user_id", flat=True)
    )
    wanted = [user_id for user_id in leads if user_id not in opted_out]
    if not wanted:
        return
    counts = digest_counts(plan.school, plan.today)
    if not any(counts.values()):
        return  # nothing waiting: no email about nothing
    for user_id in wanted:
        plan.add(ReminderKind.DIGEST, user_id, f"digest:{plan.school.pk}", plan.today, morning(plan.today, plan.hours))
        plan.rows[-1].counts = counts


def reminders_plan(*, now: datetime | None = None) -> int:
    """Insert the reminders that should exist now. Returns how many rows were planned."""
    now = now or timezone.now()
    planned = 0
    for school in School.objects.all():
        plan = _Plan(school, now)
        _plan_school(plan)
        rows = _not_yet_planned(school, plan.rows)
        if rows:
            # ignore_conflicts still guards the unique key against a sweep running beside this one.
            Reminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=5000)
            planned += len(rows)
    return planned


def _not_yet_planned(school: School, rows: list[Reminder]) -> list[Reminder]:
    """Leave out the reminders that already exist (by their unique key), so a sweep every few
    minutes does not send the database every overdue step of the trust again each time."""
    if not rows:
        return rows
    earliest = min(row.due_on for row in rows)
    existing = set(
        Reminder.objects.filter(school=school, due_on__gte=earliest).values_list("kind", "subject", "due_on", "recipient_id")
    )
    return [row for row in rows if (row.kind, row.subject, row.due_on, row.recipient_id) not in existing]


# --- 2. Claiming -----------------------------------------------------------------------------------


def reminders_claim(*, now: datetime | None = None, limit: int = CLAIM_BATCH) -> tuple[list[int], str]:
    """Claim up to ``limit`` reminders due now (and claims left unfinished past the lease)."""
    return outbox.claim_due(Reminder, now=now or timezone.now(), limit=limit)


def reminders_release(*, ids: list[int], token: str) -> int:
    """Give back claims whose tasks could not be queued (the broker is down): the next sweep retries."""
    return outbox.release(Reminder, ids=ids, token=token)


def enqueue_claimed(ids: list[int], token: str) -> int:
    """Queue the claims as send tasks, SEND_BATCH reminders to a message. On a broker failure,
    release what was not queued. Returns how many reminders were queued.

    One message per batch, not per reminder: a sweep over a trust's overdue steps queues a few
    hundred messages instead of a hundred thousand. Each reminder in a batch is still delivered
    on its own (reminder_deliver, idempotent on its claim token), so a batch redelivered after a
    worker died sends only what was not sent.
    """
    from referrals.tasks import send_reminders

    for position in range(0, len(ids), SEND_BATCH):
        try:
            send_reminders.delay(ids[position : position + SEND_BATCH], token)
        except (KombuOperationalError, OSError):  # the broker is down or unreachable
            remaining = ids[position:]
            released = reminders_release(ids=remaining, token=token)
            logger.warning("Broker unavailable: %d reminder(s) left pending for the next sweep.", released)
            return position
    return len(ids)


def reminders_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Plan, claim and queue. Called by beat every few minutes (exactly one beat runs)."""
    now = now or timezone.now()
    planned = reminders_plan(now=now)
    claimed = queued = 0
    while True:
        ids, token = reminders_claim(now=now)
        if not ids:
            break
        claimed += len(ids)
        queued += enqueue_claimed(ids, token)
        if len(ids) < CLAIM_BATCH or queued < claimed:
            break
    return {"planned": planned, "claimed": claimed, "queued": queued}


# --- 3. Delivering ---------------------------------------------------------------------------------


def _still_applies(reminder: Reminder) -> bool:
    kind = reminder.kind
    if reminder.case_id and CaseAction.VIEW not in allowed_actions(reminder.recipient, reminder.case):
        return False  # never remind anyone of a case they can no longer see
    if reminder.case_id and kind != ReminderKind.POLICE_REQUIRED and reminder.case.status != CaseStatus.OPEN:
        return False
    if kind in (ReminderKind.STEP_DUE, ReminderKind.STEP_OVERDUE, ReminderKind.POLICE_NOT_MADE):
        return reminder.step.state == StepState.TODO
    if kind == ReminderKind.ACK_CHASE:
        return reminder.step.state == StepState.MADE
    if kind == ReminderKind.PLATFORM_UNRESOLVED:
        return reminder.step.state in (StepState.MADE, StepState.ACKNOWLEDGED)
    if kind == ReminderKind.REVIEW_DUE:
        return reminder.case.review_due is not None and reminder.case.review_due <= reminder.due_on
    if kind == ReminderKind.ACTION_DUE:
        return reminder.action.status == ActionStatus.OPEN
    return True


def _link(reminder: Reminder) -> str:
    path = reverse("case_detail", args=[reminder.case_id]) if reminder.case_id else reverse("home")
    return path


def reminder_deliver(*, reminder_id: int, token: str) -> str:
    """Deliver one claimed reminder: in-app, then email. Idempotent; returns what it did."""
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update(of=("self",))
            .select_related("recipient", "school", "case", "step", "action")
            .filter(pk=reminder_id)
            .first()
        )
        if reminder is None or reminder.status != ReminderStatus.CLAIMED or reminder.claim_token != token:
            return "not mine"  # already sent, released, or claimed again by a later sweep
        if not reminder.recipient.is_active:
            Reminder.objects.filter(pk=reminder.pk).update(
                status=ReminderStatus.FAILED, last_error="The recipient's account is deactivated."
            )
            return "failed"
        if not _still_applies(reminder):
            Reminder.objects.filter(pk=reminder.pk).update(status=ReminderStatus.SKIPPED, sent_at=timezone.now())
            return "skipped"
        message = compose(
            kind=reminder.kind,
            reference=reminder.case.reference if reminder.case_id else "",
            due_on=reminder.due_on,
            counts=reminder.counts,
            school_name=reminder.school.name,
            link=settings.BASE_URL + _link(reminder),
            step_due=reminder.step.due_date if reminder.step_id else None,
        )
        if reminder.notification_id is None:
            notification = Notification.objects.create(
                recipient=reminder.recipient,
                school=reminder.school,
                kind=reminder.kind,
                title=message.title,
                url=_link(reminder),
                # What it is about, so it clears itself when that is done (the step made, the case closed).
                subject="" if reminder.kind == ReminderKind.DIGEST else reminder.subject,
                case_id=reminder.case_id,
            )
            Reminder.objects.filter(pk=reminder.pk).update(notification=notification)
    if reminder.email_sent_at is None:
        try:
            send_mail(message.subject, message.body, None, [reminder.recipient.email])
        except (smtplib.SMTPException, OSError) as error:
            return _email_failed(reminder, token, outbox.smtp_reason(error))
        with transaction.atomic():
            Reminder.objects.filter(pk=reminder.pk, claim_token=token).update(
                email_sent_at=timezone.now(), attempts=reminder.attempts + 1
            )
    with transaction.atomic():
        Reminder.objects.filter(pk=reminder.pk, claim_token=token, status=ReminderStatus.CLAIMED).update(
            status=ReminderStatus.SENT, sent_at=timezone.now(), last_error=""
        )
    return "sent"


def _email_failed(reminder: Reminder, token: str, reason: str) -> str:
    """Record the failure with its reason; try again later with back-off, or give up and show it."""
    result = outbox.email_failed(Reminder, pk=reminder.pk, token=token, attempts=reminder.attempts, reason=reason)
    if result == outbox.FAILED:
        logger.warning("Reminder %s: email failed %d times; marked failed.", reminder.pk, reminder.attempts + 1)
    else:
        logger.info("Reminder %s: email failed (attempt %d); retrying after back-off.", reminder.pk, reminder.attempts + 1)
    return result


# --- Immediate alerts --------------------------------------------------------------------------------


def alert_police_required(*, case: Case, recipients) -> None:
    """A case has just become police referral required: every DSL is told at once, in Safeguard
    and by email (the email after quiet hours, if it is night), whatever they chose for other
    alerts. It clears itself when the police step is made (or marked not needed)."""
    message = compose(
        kind=ReminderKind.POLICE_REQUIRED,
        reference=case.reference,
        due_on=local_today(timezone.now()),
        counts={},
        school_name=case.school.name,
        link="",
    )
    alert_send(
        alert=Alert(
            kind=ReminderKind.POLICE_REQUIRED,
            title=message.title,
            url=reverse("case_detail", args=[case.pk]),
            subject=f"police:{case.pk}",
            case_id=case.pk,
            always_at_once=True,
            detail="A case has just met the police-referral criteria. A police referral is due today.",
        ),
        recipients=list(recipients),
        school=case.school,
    )
