"""Reads of the shared core."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from safeguard.models import (
    AlertEmail,
    Notification,
    School,
    SchoolYear,
    SignInProvider,
    StaffApproval,
    StaffRole,
    TrustLead,
    User,
    WorkerHeartbeat,
)
from safeguard.permissions import user_roles
from safeguard.terms import SCHOOL, Term, YearDates, england_default

SESSION_SCHOOL_KEY = "safeguard_school_id"


#: The most a page counts of any one kind of open work (steps due, open cases, suggestions):
#: past it the page says "1,000 or more", so the count's cost stays bounded however much is open.
COUNT_CAP = 1000


def count_up_to(queryset, cap: int | None = None) -> int:
    """How many rows ``queryset`` has, counting no further than ``cap`` (``COUNT_CAP``). Only the
    rows' keys are counted: joins and annotations the list needs for showing are left out."""
    return count_together([queryset], cap)[0]


def count_together(querysets: list[QuerySet], cap: int | None = None) -> list[int]:
    """:func:`count_up_to` of each of ``querysets``, in one statement (one scalar subquery each):
    a page with several capped counts asks the database once, and without the ORM's aggregation
    machinery for each (measured: a millisecond of Python a count on the DSL's home page)."""
    limit = COUNT_CAP if cap is None else cap
    parts, params = [], []
    for n, queryset in enumerate(querysets):
        try:
            sql, query_params = queryset.order_by().values("pk")[:limit].query.sql_with_params()
        except EmptyResultSet:  # .none(), or a filter on an empty list: nothing to ask
            parts.append("0")
            continue
        # The SQL is what Django compiled for the queryset; its parameters stay bound, never pasted.
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted_{n})")  # noqa: S608
        params.extend(query_params)
    with connections[querysets[0].db].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        return [int(n) for n in cursor.fetchone()]


def first_and_count(queryset, limit: int) -> tuple[list, int]:
    """The first ``limit`` rows of ``queryset`` and how many it has (up to ``COUNT_CAP``). When
    fewer than ``limit`` came back they are all there is, and nothing more is asked of the database."""
    return firsts_and_counts({"rows": (queryset, limit)})["rows"]


def firsts_and_counts(lists: dict[str, tuple[QuerySet, int]]) -> dict[str, tuple[list, int]]:
    """:func:`first_and_count` of several lists (``{key: (queryset, limit)}``): each list's first
    rows, and the counts of those that came back full asked together (:func:`count_together`)."""
    shown = {key: list(queryset[:limit]) for key, (queryset, limit) in lists.items()}
    counts = {key: min(len(rows), COUNT_CAP) for key, rows in shown.items()}
    full = [key for key, (_queryset, limit) in lists.items() if len(shown[key]) >= limit]
    if full:
        counts.update(zip(full, count_together([lists[key][0] for key in full]), strict=True))
    return {key: (shown[key], counts[key]) for key in lists}


def schools_for_user(user) -> list[School]:
    ids = list(user_roles(user))
    if not ids:
        return []
    return list(School.objects.filter(pk__in=ids).select_related("trust").order_by("name"))


def current_school(request) -> School | None:
    """The school the user is working in: chosen in the header when they have roles at several."""
    if hasattr(request, "_safeguard_school"):
        return request._safeguard_school
    schools = schools_for_user(request.user)
    chosen = None
    wanted = request.session.get(SESSION_SCHOOL_KEY) if hasattr(request, "session") else None
    for school in schools:
        if school.pk == wanted:
            chosen = school
    if chosen is None and schools:
        chosen = schools[0]
    request._safeguard_school = chosen
    request._safeguard_schools = schools
    return chosen


def staff_for_school(school: School) -> QuerySet[User]:
    """Everyone holding a role at ``school``, with those roles, one query for the roles."""
    return (
        User.objects.filter(roles__school=school)
        .distinct()
        .prefetch_related(Prefetch("roles", queryset=StaffRole.objects.filter(school=school), to_attr="school_roles"))
        .order_by("full_name", "email")
    )


def staff_member_at_school(school: School, user_id: int) -> User | None:
    return staff_for_school(school).filter(pk=user_id).first()


def pending_roles(school: School, user: User) -> set[str]:
    """Roles that read cases the IT administrator asked for, still waiting for a DSL's approval."""
    return set(
        StaffApproval.objects.filter(
            school=school, user=user, kind=StaffApproval.Kind.ROLE, status=StaffApproval.Status.PENDING
        ).values_list("role", flat=True)
    )


def approvals_waiting(school: School, *, user: User | None = None) -> list[StaffApproval]:
    qs = StaffApproval.objects.filter(school=school, status=StaffApproval.Status.PENDING)
    if user is not None:
        qs = qs.filter(user=user)
    return list(qs.select_related("user", "requested_by", "school__trust").order_by("requested_at", "pk"))


def approvals_decided(school: School, *, limit: int = 30) -> list[StaffApproval]:
    return list(
        StaffApproval.objects.filter(school=school)
        .exclude(status=StaffApproval.Status.PENDING)
        .select_related("user", "requested_by", "decided_by", "school__trust")
        .order_by("-decided_at", "-pk")[:limit]
    )


def approval_at_school(school: School, approval_id: int) -> StaffApproval | None:
    return (
        StaffApproval.objects.filter(school=school, pk=approval_id)
        .select_related("user", "requested_by", "school__trust")
        .first()
    )


def approvals_waiting_count(school: School) -> int:
    return StaffApproval.objects.filter(school=school, status=StaffApproval.Status.PENDING).count()


def trust_leads_of(trust) -> list[TrustLead]:
    """The trust's open safeguarding leads, by name (the staff page, where they can be ended)."""
    return list(
        TrustLead.objects.filter(trust=trust, ended_at__isnull=True).select_related("user").order_by("user__full_name", "pk")
    )


def users_with_role(school_id: int, roles) -> QuerySet[User]:
    return User.objects.filter(roles__school_id=school_id, roles__role__in=list(roles), is_active=True).distinct()


def staff_of_school(school) -> QuerySet[User]:
    """The school's active members of staff (anyone holding a role there), by name: whom an
    allegation may name."""
    if school is None:
        return User.objects.none()
    return User.objects.filter(roles__school=school, is_active=True).distinct().order_by("full_name", "id")


def unread_notification_count(user) -> int:
    """What still asks something of them and they have not looked at (the header's badge)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True, cleared_at__isnull=True).count()


def notifications_for(user, *, limit: int = 50) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user).order_by("-created_at", "-id")[:limit])


def notifications_inbox(user, *, limit: int = 50) -> tuple[list[Notification], list[Notification]]:
    """What still needs doing (urgent first, then newest), and the history (what has cleared)."""
    mine = Notification.objects.filter(recipient=user)
    open_ = list(mine.filter(cleared_at__isnull=True).order_by("-urgent", "-created_at", "-id")[:limit])
    history = list(mine.filter(cleared_at__isnull=False).order_by("-created_at", "-id")[:limit])
    return open_, history


def worker_status() -> dict:
    """When a Celery worker last consumed the heartbeat, for the IT administrator's page."""
    beat = WorkerHeartbeat.objects.order_by("-last_seen").first()
    if beat is None:
        return {"seen": False, "healthy": False, "last_seen": None, "hostname": ""}
    healthy = timezone.now() - beat.last_seen < timedelta(seconds=settings.HEARTBEAT_STALE_SECONDS)
    return {"seen": True, "healthy": healthy, "last_seen": beat.last_seen, "hostname": beat.hostname}


def failed_alert_emails(school: School, *, limit: int = 50) -> list[AlertEmail]:
    """Alert emails the mail server refused every time (the person still has the notification)."""
    return list(
        AlertEmail.objects.filter(school=school, status=AlertEmail.Status.FAILED)
        .select_related("recipient", "notification")
        .order_by("-created_at")[:limit]
    )


# --- Term dates ------------------------------------------------------------------------------------


def school_years(school_id: int, start_years) -> dict[int, SchoolYear]:
    """The academic years the school has set term dates for, among ``start_years``, with their
    terms and INSET days (three queries, however many years)."""
    rows = (
        SchoolYear.objects.filter(school_id=school_id, start_year__in=list(start_years))
        .select_related("confirmed_by")
        .prefetch_related("terms", "inset_days")
    )
    return {row.start_year: row for row in rows}


def year_dates_of(row: SchoolYear) -> YearDates:
    """A school year's stored dates as plain data (``safeguard.terms``)."""
    return YearDates(
        start_year=row.start_year,
        terms=tuple(
            Term(t.name, t.first_day, t.last_day, t.half_term_first, t.half_term_last)
            for t in sorted(row.terms.all(), key=lambda t: t.position)
        ),
        inset_days=frozenset(d.day for d in row.inset_days.all()),
        source=SCHOOL,
        confirmed=row.confirmed_at is not None,
    )


def school_calendar(school_id: int, start_years) -> dict[int, YearDates]:
    """The school's term dates for each of ``start_years``: what it set, or else the England
    default (``YearDates.is_default``), for ``safeguard.school_days`` and the reports' periods."""
    years = list(start_years)
    found = school_years(school_id, years)
    return {year: year_dates_of(found[year]) if year in found else england_default(year) for year in years}


# --- Signing in with the school's provider (issue 20) ---------------------------------------------


def sign_in_providers_offered() -> list[SignInProvider]:
    """The providers the login page offers: enabled, and working at the last look."""
    return list(SignInProvider.objects.filter(enabled=True, problem="").select_related("school").order_by("school__name"))


def sign_in_provider_of(school) -> SignInProvider | None:
    return SignInProvider.objects.filter(school=school).first()


def password_sign_in_allowed(user) -> bool:
    """Whether ``user`` may sign in with a Safeguard password: unless every school they hold a role
    at has turned passwords off. A school's IT administrator always may, so a provider that stops
    working never locks the school out of its own settings."""
    from safeguard.roles import Role

    held: dict[int, set[str]] = {}
    for school_id, role in StaffRole.objects.filter(user=user).values_list("school_id", "role"):
        held.setdefault(school_id, set()).add(role)
    if not held:
        return True
    if any(Role.IT_ADMIN in roles for roles in held.values()):
        return True
    off = set(
        SignInProvider.objects.filter(school_id__in=held, enabled=True, password_sign_in=False).values_list(
            "school_id", flat=True
        )
    )
    return not set(held) <= off
