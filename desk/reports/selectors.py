"""The reports' reads: every figure is an aggregate query in the database.

Counts are ``COUNT … GROUP BY``; the median and 90th percentile are picked out of a
``ROW_NUMBER() OVER (ORDER BY duration)`` / ``COUNT(*) OVER ()`` ranking by the database, which
returns at most three rows per measure (this works on SQLite and PostgreSQL alike). Python only
formats the handful of rows that come back; it never loops over audit events.

Everything is for one school (the caller has checked the user may see that school's reports).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import reduce

from django.db.models import (
    BigIntegerField,
    CharField,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models import Case as SqlCase  # cases.models.Case is the safeguarding case
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, ExtractIsoWeekDay, Greatest, RowNumber, TruncMonth, TruncTime

from cases.criteria import Outcome
from cases.models import (
    AdultInvolvement,
    Assessment,
    BreakGlass,
    Case,
    CaseChild,
    CasePlatform,
    CaseStatus,
    Decision,
    DecisionChoice,
    Disclosure,
    HarassmentKind,
)
from desk.reports import labels
from desk.reports.periods import LONDON, Period
from referrals.models import Step, StepState
from referrals.routes import RouteCode
from safeguard.conf import bounded_ids
from safeguard.models import AuditEvent, AuditVerification, School, StaffRole, User

#: A burst: one person opening at least BURST_CASES different cases within BURST_MINUTES.
BURST_CASES = 15
BURST_MINUTES = 10  # must divide 60: bursts are grouped in clock-aligned slots of this length
#: Rows shown on the page for the long tables (the CSV export has them all).
PAGE_ROWS = 100
CASE_LOG_ROWS = 50


# --- Volume ---------------------------------------------------------------------------------------


def disclosures_in(school_id: int | tuple[int, ...], period: Period) -> QuerySet[Disclosure]:
    """The disclosures of one school in the period, or of several (a tuple of ids: the trust
    report's totals, whose medians are of every disclosure of the trust, not of the schools' medians)."""
    schools = Q(case__school_id__in=school_id) if isinstance(school_id, tuple) else Q(case__school_id=school_id)
    return Disclosure.objects.filter(schools, disclosed_at__gte=period.starts_at, disclosed_at__lt=period.ends_before)


def _case_in_period(school_id: int, period: Period, prefix: str = "case__") -> Q:
    return Q(
        **{
            f"{prefix}school_id": school_id,
            f"{prefix}disclosure__disclosed_at__gte": period.starts_at,
            f"{prefix}disclosure__disclosed_at__lt": period.ends_before,
        }
    )


def disclosure_total(school_id: int, period: Period) -> int:
    return disclosures_in(school_id, period).count()


def by_kind(school_id: int, period: Period) -> list[dict]:
    """Disclosures of each kind of harassment (one disclosure may be of several kinds)."""
    fields = Disclosure.KIND_FIELDS
    counts = disclosures_in(school_id, period).aggregate(
        **{kind.value: Count("pk", filter=Q(**{name: True})) for kind, name in fields.items()}
    )
    return [{"label": HarassmentKind(kind).label, "value": counts[kind.value]} for kind in fields]


def by_month(school_id: int, period: Period) -> list[dict]:
    """Disclosures in each calendar month of the period (months with none show 0)."""
    rows = (
        disclosures_in(school_id, period)
        .annotate(month=TruncMonth("disclosed_at", tzinfo=LONDON))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by("month")
    )
    found = {_month_start(row["month"]): row["n"] for row in rows}
    return [{"label": f"{month:%b %Y}", "month": month, "value": found.get(month, 0)} for month in period.months()]


def _month_start(value) -> date:
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).date() if value.tzinfo else value.date()
    return value.replace(day=1)


def by_year_group(school_id: int, period: Period) -> list[dict]:
    """Disclosures involving at least one pupil of each year group (pupils still on the case)."""
    rows = (
        CaseChild.objects.filter(_case_in_period(school_id, period), removed_at__isnull=True)
        .values("pupil__year_group")
        .annotate(n=Count("case_id", distinct=True))
        .order_by("pupil__year_group")
    )
    return [{"label": labels.year_group_words(row["pupil__year_group"]), "value": row["n"]} for row in rows]


def by_platform(school_id: int, period: Period) -> list[dict]:
    """Disclosures involving each app or service, most frequent first."""
    rows = (
        CasePlatform.objects.filter(_case_in_period(school_id, period), removed_at__isnull=True)
        .values("name")
        .annotate(n=Count("case_id", distinct=True))
        .order_by("-n", "name")
    )
    return [{"label": row["name"], "value": row["n"]} for row in rows]


# --- Timeliness -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    key: str
    label: str
    measured: int  # disclosures that reached this point
    waiting: int  # disclosures in the period that have not (yet)
    median: timedelta | None
    p90: timedelta | None

    @property
    def median_words(self) -> str:
        return labels.duration_words(self.median.total_seconds() if self.median is not None else None)

    @property
    def p90_words(self) -> str:
        return labels.duration_words(self.p90.total_seconds() if self.p90 is not None else None)


TIMINGS = (
    ("assessment", "Disclosure to a complete assessment (every criterion answered)"),
    ("decision", "Disclosure to the DSL's first decision"),
    ("police", "Disclosure to a police referral made (where one is called for)"),
)


def _reached_at(key: str):
    """When each disclosure first reached the point ``key``: a correlated MIN in the database."""
    if key == "assessment":
        qs = Assessment.objects.filter(case=OuterRef("case"), complete=True).order_by("created_at").values("created_at")
    elif key == "decision":
        qs = Decision.objects.filter(case=OuterRef("case")).order_by("made_at").values("made_at")
    else:
        qs = (
            Step.objects.filter(case=OuterRef("case"), route__code=RouteCode.POLICE, made_at__isnull=False)
            .order_by("made_at")
            .values("made_at")
        )
    return Subquery(qs[:1], output_field=DateTimeField())


def percentile_ranks(n: int) -> tuple[int, int, int]:
    """The 1-based ranks that give the median (the mean of ranks ``lo`` and ``hi``) and the 90th
    percentile (nearest rank: the smallest value at or above 90% of the others) among ``n``."""
    return (n + 1) // 2, (n + 2) // 2, (9 * n + 9) // 10


#: The decisions that are a police referral, whatever their wording: "already referred" is one too.
REFERRING_DECISIONS = (DecisionChoice.REFER, DecisionChoice.ALREADY_REFERRED)


def _police_step_made():
    return Exists(Step.objects.filter(case=OuterRef("case"), route__code=RouteCode.POLICE, made_at__isnull=False))


def needing_police_referral(cohort: QuerySet[Disclosure]) -> QuerySet[Disclosure]:
    """The disclosures that call for a police referral: a police step was made (whatever the
    decision says), or the DSL's latest decision is a referral ("refer" or "already referred"), or
    there is no decision yet and the criteria require one. A case the DSL decided not to refer,
    with a rationale and no police step, is not counted as waiting: it is in "decisions against
    the criteria"."""
    latest = Decision.objects.filter(case=OuterRef("case")).order_by("-made_at", "-pk").values("decision")[:1]
    return cohort.annotate(latest_decision=Subquery(latest), police_made=_police_step_made()).filter(
        Q(police_made=True)
        | Q(latest_decision__in=REFERRING_DECISIONS)
        | Q(latest_decision__isnull=True, case__outcome=Outcome.REQUIRED)
    )


def timing(school_id: int, period: Period, key: str, label: str, *, total: int | None = None) -> Timing:
    """Median and 90th percentile of the time from disclosure to ``key``, ranked in the database.

    For the police referral, only the disclosures that call for one are measured or waiting."""
    cohort = disclosures_in(school_id, period)
    if key == "police":
        cohort = needing_police_referral(cohort)
        total = None
    # A referral made before the school heard (the police were told first: "already referred")
    # took no time at all, never a negative one.
    durations = (
        cohort.annotate(reached=_reached_at(key))
        .filter(reached__isnull=False)
        .annotate(
            took=Greatest(
                ExpressionWrapper(F("reached") - F("disclosed_at"), output_field=DurationField()),
                Value(timedelta(0), output_field=DurationField()),
            )
        )
    )
    ranked = durations.annotate(
        rank=Window(RowNumber(), order_by=[F("took").asc(), F("pk").asc()]),
        n=Window(Count("pk")),
    )
    # lo/hi/p90 as in percentile_ranks, written as SQL integer arithmetic on the window count.
    lo, hi, p90 = (F("n") + 1) / 2, (F("n") + 2) / 2, (F("n") * 9 + 9) / 10
    rows = list(ranked.filter(Q(rank=lo) | Q(rank=hi) | Q(rank=p90)).values_list("rank", "took", "n"))
    total = cohort.count() if total is None else total
    if not rows:
        return Timing(key, label, 0, total, None, None)
    n = rows[0][2]
    by_rank = {rank: took for rank, took, _ in rows}
    lo_rank, hi_rank, p90_rank = percentile_ranks(n)
    median = (by_rank[lo_rank] + by_rank[hi_rank]) / 2
    return Timing(key, label, n, total - n, median, by_rank[p90_rank])


def timings(school_id: int, period: Period, *, total: int | None = None) -> list[Timing]:
    total = disclosure_total(school_id, period) if total is None else total
    return [timing(school_id, period, key, label, total=total) for key, label in TIMINGS]


def overdue_steps_by_route(school_id: int, today: date) -> list[dict]:
    """Referral steps overdue now (to do, due before today, on open cases), by route."""
    rows = (
        Step.objects.filter(case__school_id=school_id, case__status=CaseStatus.OPEN, state=StepState.TODO, due_date__lt=today)
        .values("route__code", "route__name", "route__position")
        .annotate(n=Count("pk"), oldest=Min("due_date"))
        .order_by("route__position", "route__code")
    )
    return [
        {
            # The route's name: its code is for the code, never for a page (docs/domain.md).
            "label": row["route__name"],
            "short": labels.ROUTE_SHORT.get(row["route__code"], ""),
            "code": row["route__code"],
            "value": row["n"],
            "oldest": row["oldest"],
        }
        for row in rows
    ]


# --- Referrals made, by agency --------------------------------------------------------------------

#: How far each referral made has got: its outcome recorded, acknowledged only, or neither yet.
OUTCOME, ACKNOWLEDGED, AWAITING = "outcome", "acknowledged", "awaiting"
REFERRAL_PROGRESS = (OUTCOME, ACKNOWLEDGED, AWAITING)


def _agency():
    """Which agency a referral step went to. Children's social care and the LADO share a route
    (R8): a step on a case whose disclosure names a member of staff is the LADO's (KCSIE Part 4)."""
    social_care = RouteCode.SOCIAL_CARE
    return SqlCase(
        When(route__code=social_care, case__disclosure__adult_involvement=AdultInvolvement.STAFF, then=Value(labels.LADO)),
        *(When(route__code=code, then=Value(agency)) for agency, code in labels.AGENCY_ROUTES.items() if agency != labels.LADO),
        output_field=CharField(),
    )


def _progress():
    return SqlCase(
        When(
            Q(outcome_recorded_at__isnull=False) | Q(state__in=[StepState.OUTCOME_RECORDED, StepState.CLOSED]),
            then=Value(OUTCOME),
        ),
        When(Q(acknowledged_at__isnull=False) | Q(state=StepState.ACKNOWLEDGED), then=Value(ACKNOWLEDGED)),
        default=Value(AWAITING),
        output_field=CharField(),
    )


def referrals_by_agency(school_id: int, period: Period) -> list[dict]:
    """Referrals made in the period (a step marked made, dated in the period) to each agency, and
    how far each has got now: one GROUP BY, every agency listed (with 0 where none was made)."""
    rows = (
        Step.objects.filter(
            case__school_id=school_id,
            route__code__in=set(labels.AGENCY_ROUTES.values()),
            made_at__gte=period.starts_at,
            made_at__lt=period.ends_before,
        )
        .annotate(agency=_agency(), progress=_progress())
        .values("agency", "progress")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {(row["agency"], row["progress"]): row["n"] for row in rows}
    found = []
    for agency in labels.AGENCY_ROUTES:
        by_progress = {progress: counts.get((agency, progress), 0) for progress in REFERRAL_PROGRESS}
        found.append({"key": agency, "label": labels.AGENCY_WORDS[agency], "made": sum(by_progress.values()), **by_progress})
    return found


def past_review(school_id: int, today: date) -> QuerySet[Case]:
    """Open cases whose review date has passed, the longest overdue first."""
    return (
        Case.objects.filter(school_id=school_id, status=CaseStatus.OPEN, review_due__lt=today)
        .only("pk", "reference", "review_due")
        .order_by("review_due", "pk")
    )


# --- Decisions against the criteria ---------------------------------------------------------------

AGAINST = "against"  # the criteria required a police referral; the DSL decided otherwise
REVERSE = "reverse"  # the criteria did not require one; the DSL referred


def decisions(school_id: int, period: Period, which: str) -> QuerySet[Decision]:
    """Decisions made in the period that went against the assessment, in one direction.

    Each row says whether a later decision on the same case superseded it.
    """
    later = Decision.objects.filter(case=OuterRef("case")).filter(
        Q(made_at__gt=OuterRef("made_at")) | Q(made_at=OuterRef("made_at"), pk__gt=OuterRef("pk"))
    )
    qs = Decision.objects.filter(case__school_id=school_id, made_at__gte=period.starts_at, made_at__lt=period.ends_before)
    if which == AGAINST:
        qs = qs.filter(assessment_outcome=Outcome.REQUIRED, decision=DecisionChoice.NOT_REFER)
    else:
        qs = qs.filter(assessment_outcome=Outcome.NOT_REQUIRED, decision__in=REFERRING_DECISIONS)
    return (
        qs.annotate(superseded=Exists(later))
        .select_related("made_by", "case")
        .only("pk", "case_id", "decision", "rationale", "assessment_outcome", "made_at", "made_by__full_name", "case__reference")
        .order_by("-made_at", "-pk")
    )


# --- Access ---------------------------------------------------------------------------------------


def case_events(school_id: int, period: Period) -> QuerySet[AuditEvent]:
    """Every audit event about a case of the school in the period: views, changes, refusals."""
    return AuditEvent.objects.filter(
        school_id=school_id, object_type=labels.CASE_OBJECT, occurred_at__gte=period.starts_at, occurred_at__lt=period.ends_before
    )


def access_by_person_and_case(school_id: int, period: Period) -> QuerySet:
    """Who opened or changed which case: counts and first/last time, per person and case.

    Grouped on ids only (no join), so the database answers from the audit_case_access index;
    names are looked up for the rows shown (``names``).
    """
    return (
        case_events(school_id, period)
        .exclude(action=labels.REFUSED)
        .values("actor_id", "object_id")
        .annotate(
            views=Count("pk", filter=Q(action=labels.VIEWED)),
            changes=Count("pk", filter=~Q(action=labels.VIEWED)),
            first=Min("occurred_at"),
            last=Max("occurred_at"),
        )
        .order_by("-last", "actor_id", "object_id")
    )


#: How many refusals an event stands for: one, or a burst's count (``safeguard.refusals``).
REFUSALS = Coalesce(Cast(KeyTextTransform("count", "extra"), IntegerField()), Value(1))


def access_totals(school_id: int, period: Period) -> dict:
    """How often the school's cases were opened and changed, by how many people, and how many
    attempts were refused (``refused_total``: the same figure as the refused attempts' table)."""
    totals = (
        case_events(school_id, period)
        .exclude(action=labels.REFUSED)
        .aggregate(
            views=Count("pk", filter=Q(action=labels.VIEWED)),
            changes=Count("pk", filter=~Q(action=labels.VIEWED)),
            people=Count("actor_id", distinct=True),
            cases=Count("object_id", distinct=True),
        )
    )
    totals["refused"] = refused_total(school_id, period)
    return totals


def _refusals(school_id: int, period: Period) -> QuerySet[AuditEvent]:
    """Refused attempts on the school's cases, and attempts by its staff on case numbers that do
    not exist (probing): single refusals and the closing event of each burst
    (``safeguard.refusals``), which says how many more there were."""
    own_staff = StaffRole.objects.filter(school_id=school_id).values("user_id")
    return AuditEvent.objects.filter(
        action=labels.REFUSED, occurred_at__gte=period.starts_at, occurred_at__lt=period.ends_before
    ).filter(Q(school_id=school_id) | Q(school__isnull=True, actor_id__in=own_staff))


def refused_attempts(school_id: int, period: Period) -> QuerySet[AuditEvent]:
    """The refused attempts (``_refusals``), newest first, for the table."""
    return (
        _refusals(school_id, period)
        .select_related("actor")
        .only("pk", "occurred_at", "object_id", "extra", "ip_address", "actor__full_name", "school_id")
        .order_by("-occurred_at", "-pk")
    )


def refused_total(school_id: int, period: Period) -> int:
    """How many attempts were refused: every row of the refused attempts' table, a burst counted
    as the many attempts it was. The reports page and the governors' report both show this."""
    return _refusals(school_id, period).aggregate(n=Sum(REFUSALS))["n"] or 0


class EpochSeconds(Func):
    """Seconds since 1970 (UTC) as an integer, computed natively by the database.

    Django's own date functions run as Python callbacks for every row on SQLite; the reports do
    their coarse time arithmetic (burst slots, a first cut for out-of-hours) on this instead.
    """

    output_field = BigIntegerField()

    def as_sql(self, compiler, connection, **extra):
        raise NotImplementedError(f"EpochSeconds supports SQLite and PostgreSQL, not {connection.vendor}.")

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"FLOOR(EXTRACT(EPOCH FROM {sql}))::bigint", params

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(strftime('%%s', {sql}) AS INTEGER)", params


#: Candidate slots checked per query in the second pass of ``bursts``.
BURST_SLOTS_PER_QUERY = 200


def _slot_rows(views: QuerySet, offset_seconds: int) -> list[dict]:
    """Flagged slots of one grid (slots of BURST_MINUTES, shifted by ``offset_seconds``).

    Two passes, both in the database. First, the slots where one person opened any case at least
    BURST_CASES times: a plain COUNT, which the database hashes without sorting. Only those few
    slots are then counted for *different* cases (COUNT DISTINCT, which needs a sort): by their
    time range, through the index.
    """
    width = BURST_MINUTES * 60
    slot = (EpochSeconds("occurred_at") + offset_seconds) / width
    candidates = list(
        views.annotate(slot=slot)
        .values("actor_id", "slot")
        .annotate(n=Count("pk"))
        .filter(n__gte=BURST_CASES)
        .values_list("actor_id", "slot")
    )
    flagged: list[dict] = []
    for start in range(0, len(candidates), BURST_SLOTS_PER_QUERY):
        windows = []
        for actor_id, number in candidates[start : start + BURST_SLOTS_PER_QUERY]:
            begins = datetime.fromtimestamp(number * width - offset_seconds, tz=UTC)
            windows.append((actor_id, begins, begins + timedelta(seconds=width)))
        within = [Q(actor_id=actor_id, occurred_at__gte=begins, occurred_at__lt=ends) for actor_id, begins, ends in windows]
        flagged += list(
            views.filter(reduce(operator.or_, within))
            .annotate(window=SqlCase(*(When(q, then=Value(n)) for n, q in enumerate(within)), output_field=IntegerField()))
            .values("actor_id", "window")
            .annotate(cases=Count("object_id", distinct=True), first=Min("occurred_at"), last=Max("occurred_at"))
            .filter(cases__gte=BURST_CASES)
            .values("actor_id", "cases", "first", "last")
        )
    return flagged


def bursts(school_id: int, period: Period) -> list[dict]:
    """People who opened at least BURST_CASES different cases within a BURST_MINUTES slot.

    Grouped in the database by person and clock slot; a second set of slots, shifted by half a
    slot, catches a burst that straddles a slot boundary. Overlapping flags for one person are
    merged (the larger count is kept): only the few flagged rows come back to Python.
    """
    views = case_events(school_id, period).filter(action=labels.VIEWED)
    flagged = _slot_rows(views, 0) + _slot_rows(views, BURST_MINUTES * 30)
    flagged.sort(key=lambda row: (row["actor_id"], row["first"]))
    merged: list[dict] = []
    for row in flagged:
        previous = merged[-1] if merged else None
        if previous and previous["actor_id"] == row["actor_id"] and row["first"] <= previous["last"]:
            if row["cases"] > previous["cases"]:
                merged[-1] = row
            continue
        merged.append(row)
    merged.sort(key=lambda row: row["first"], reverse=True)
    people = names(row["actor_id"] for row in merged)
    for row in merged:
        row["actor__full_name"] = people.get(row["actor_id"], "")
    return merged


def _seconds(clock) -> int:
    return clock.hour * 3600 + clock.minute * 60 + clock.second


def out_of_hours(school: School, period: Period) -> QuerySet:
    """Cases opened, changed or refused outside the school's hours (or at a weekend), in UK time,
    per person and case.

    The decision is the database's own local-time extraction (Trunc/Extract in Europe/London).
    A first, exact-safe cut in UTC comes before it: UK time is UTC or UTC+1, so an event in
    school hours by UTC with an hour to spare, on a weekday, cannot be out of hours; only the
    rest reach the time-zone conversion (which on SQLite is a Python callback per row).
    """
    seconds = EpochSeconds("occurred_at")
    start, end = _seconds(school.hours_start), _seconds(school.hours_end)
    return (
        case_events(school.pk, period)
        # 1 January 1970 was a Thursday: (days + 3) % 7 is 0 on a Monday, 5 and 6 at the weekend.
        .alias(utc_second=seconds % 86400, utc_weekday=(seconds / 86400 + 3) % 7)
        .filter(Q(utc_second__lt=start) | Q(utc_second__gte=end - 3600) | Q(utc_weekday__gte=5))
        .alias(local_time=TruncTime("occurred_at", tzinfo=LONDON), weekday=ExtractIsoWeekDay("occurred_at", tzinfo=LONDON))
        .filter(Q(local_time__lt=school.hours_start) | Q(local_time__gte=school.hours_end) | Q(weekday__gte=6))
        .values("actor_id", "object_id")
        .annotate(events=Count("pk"), first=Min("occurred_at"), last=Max("occurred_at"))
        .order_by("-last", "actor_id", "object_id")
    )


def names(user_ids) -> dict[int, str]:
    """Full names of the people on the rows shown (one query, however many rows)."""

    ids = {user_id for user_id in user_ids if user_id is not None}
    return dict(User.objects.filter(pk__in=ids).values_list("pk", "full_name")) if ids else {}


def case_references(object_ids, school_id: int) -> dict[str, str]:
    """References of the school's cases among the case ids found in audit events.

    Ids that are not numbers, and cases of other schools (an attempt on a number that did not
    exist then may match another school's case now), are left out.
    """
    ids = set(bounded_ids(object_ids))
    if not ids:
        return {}
    return {str(pk): ref for pk, ref in Case.objects.filter(pk__in=ids, school_id=school_id).values_list("pk", "reference")}


def case_access_log(case: Case, *, limit: int = CASE_LOG_ROWS) -> dict:
    """The per-case access log (DSLs and heads): who opened, changed or was refused, newest first."""
    qs = AuditEvent.objects.filter(object_type=labels.CASE_OBJECT, object_id=str(case.pk), school_id=case.school_id)
    entries = list(
        qs.select_related("actor")
        .only("pk", "occurred_at", "action", "ip_address", "extra", "actor__full_name")
        .order_by("-occurred_at", "-pk")[:limit]
    )
    for entry in entries:
        entry.words = labels.action_words(entry.action)
        entry.refused = entry.action == labels.REFUSED
        if entry.action == labels.VIEWED and entry.extra.get("page") == "access_log":
            entry.words = "Read this access log"
        if entry.refused:
            extra = entry.extra if isinstance(entry.extra, dict) else {}
            entry.words = f"Was refused: tried to {labels.attempt_words(extra.get('attempted'))}"
            count = extra.get("count")
            if isinstance(count, int) and count > 1:
                entry.words += f" ({count} times)"
    return {"entries": entries, "total": qs.count(), "limit": limit}


# --- Audit integrity ------------------------------------------------------------------------------


def last_verification() -> AuditVerification | None:
    return AuditVerification.objects.order_by("-ran_at", "-pk").first()


def out_of_hours_words(school: School) -> str:
    return f"before {school.hours_start:%H:%M}, from {school.hours_end:%H:%M}, or at a weekend"


# --- The governors' report: aggregates only -------------------------------------------------------


def period_figures(school: School, period: Period) -> dict:
    """Every figure of one period that the governors' report shows, each from the selector the
    reports page reads for the same thing, so the two never disagree. Numbers only: no child's
    name, no case reference, no summary, no staff name."""
    total = disclosure_total(school.pk, period)
    return {
        "total": total,
        "kinds": by_kind(school.pk, period),
        "year_groups": by_year_group(school.pk, period),
        "platforms": by_platform(school.pk, period),
        "timings": timings(school.pk, period, total=total),
        "referrals": referrals_by_agency(school.pk, period),
        "against": decisions(school.pk, period, AGAINST).count(),
        "reverse": decisions(school.pk, period, REVERSE).count(),
        "access": access_totals(school.pk, period),
        "bursts": len(bursts(school.pk, period)),
        "out_of_hours": out_of_hours(school, period).count(),
    }


def governors_summary(school: School, period: Period, today: date, *, previous: Period | None = None) -> dict:
    """The period's figures and, beside each, the previous period's; what is counted "now"
    (steps overdue, cases past review) has no previous figure."""
    overdue = overdue_steps_by_route(school.pk, today)
    figures = period_figures(school, period)
    return {
        **figures,
        "previous": period_figures(school, previous) if previous is not None else None,
        "months": by_month(school.pk, period),
        "overdue": overdue,
        "overdue_total": sum(row["value"] for row in overdue),
        "past_review": past_review(school.pk, today).count(),
        "verification": last_verification(),
    }


def break_glass_openings(school_id: int, period: Period):
    """Restricted cases opened by breaking the glass in the period, newest first (issue 17)."""
    return (
        BreakGlass.objects.filter(case__school_id=school_id, opened_at__gte=period.starts_at, opened_at__lt=period.ends_before)
        .select_related("user", "case", "ended_by")
        .order_by("-opened_at", "-id")
    )
