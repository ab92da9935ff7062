"""The report's filters, parsed and checked: pure functions over plain data, with plain messages.

A report covers whole days in Europe/London, from ``start`` to ``end`` inclusive, at one school.
Besides any dates the user types, the school's academic years and terms are offered as periods
(from its term dates, ``safeguard.terms``), and every period has a previous one to compare with.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from safeguard.terms import YearDates, academic_year_of, day_words

LONDON = ZoneInfo("Europe/London")
#: Reports over longer periods are slow to read and rarely what a governors' meeting needs.
MAX_YEARS = 6
#: Safeguard holds no record from before this; it also keeps date arithmetic far from its limits.
EARLIEST = date(2000, 1, 1)
DATE_HINT = "for example 2025-09-01"


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def starts_at(self) -> datetime:
        """The first instant of the period (midnight in London at the start date), in UTC."""
        return datetime.combine(self.start, time(0), tzinfo=LONDON).astimezone(UTC)

    @property
    def ends_before(self) -> datetime:
        """The first instant after the period (midnight in London after the end date), in UTC."""
        return datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=LONDON).astimezone(UTC)

    def months(self) -> list[date]:
        """The first day of every calendar month the period touches, in order."""
        first = self.start.replace(day=1)
        months = []
        while first <= self.end:
            months.append(first)
            first = (first + timedelta(days=32)).replace(day=1)
        return months

    def as_query(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


@dataclass(frozen=True)
class Filters:
    """What the user asked for. ``period`` is None when the dates need correcting (see ``errors``).

    ``school_id`` is None when the user asked for a school they may not see reports of: the view
    answers 404 then, so the page never confirms which schools exist.
    """

    period: Period | None
    school_id: int | None
    errors: dict[str, str] = field(default_factory=dict)
    start_text: str = ""
    end_text: str = ""

    @property
    def school_refused(self) -> bool:
        return self.school_id is None


def default_period(today: date) -> Period:
    """The last twelve calendar months, this one included."""
    start = today.replace(day=1)
    for _ in range(11):
        start = (start - timedelta(days=1)).replace(day=1)
    return Period(start, today)


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 1 March in a year without one."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def _parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def parse_period(start_text: str | None, end_text: str | None, *, today: date) -> tuple[Period | None, dict[str, str]]:
    """The period asked for, or None with a message for each field that needs correcting.

    Neither date asked for (None, as on a first visit): the default period. A date left empty, a
    date that is not a date, a reversed range, or a range over MAX_YEARS is refused with a plain
    message beside the field; the report is never run on a guess.
    """
    if start_text is None and end_text is None:
        return default_period(today), {}
    errors: dict[str, str] = {}
    dates: dict[str, date | None] = {}
    for name, text, words in (("start", start_text, "first"), ("end", end_text, "last")):
        text = (text or "").strip()
        dates[name] = _parse_date(text) if text else None
        if not text:
            errors[name] = f"Enter the {words} day of the period, {DATE_HINT}."
        elif dates[name] is None:
            errors[name] = f"Enter the {words} day of the period as a date, {DATE_HINT}."
    for name, value in dates.items():
        if value is not None and value < EARLIEST:
            errors[name] = "Choose a date from 1 January 2000 onwards."
        elif value is not None and value > today + timedelta(days=366):
            errors[name] = "Choose a date no more than a year from today."
    if errors:
        return None, errors
    start, end = dates["start"], dates["end"]
    if end < start:
        return None, {"end": "The end date is before the start date. Choose an end date on or after the start date."}
    if end >= add_years(start, MAX_YEARS):
        return None, {
            "start": f"Choose a period of at most {MAX_YEARS} years. For a longer view, run one report per school year."
        }
    return Period(start, end), {}


def parse_school(value: str | None, *, allowed: Collection[int], default: int | None) -> int | None:
    """The school asked for, if the user may see its reports; the default school when none was asked for.

    None means refused: a value that is not a school id, or a school the user has no report role at.
    """
    if value is None or str(value).strip() == "":
        return default if default in allowed else None
    try:
        school_id = int(str(value).strip())
    except ValueError:
        return None
    return school_id if school_id in allowed else None


def parse_filters(
    params: Mapping[str, str], *, today: date, allowed_schools: Collection[int], default_school: int | None
) -> Filters:
    period, errors = parse_period(params.get("start"), params.get("end"), today=today)
    school_id = parse_school(params.get("school"), allowed=allowed_schools, default=default_school)
    return Filters(
        period=period,
        school_id=school_id,
        errors=errors,
        start_text=period.start.isoformat() if period else (params.get("start") or "").strip()[:20],
        end_text=period.end.isoformat() if period else (params.get("end") or "").strip()[:20],
    )


# --- Academic years and terms as periods -----------------------------------------------------------

YEAR, TERM, DAYS = "year", "term", "days"


@dataclass(frozen=True)
class NamedPeriod:
    """A period with a name a governor knows: a school year, a term, or the days before another."""

    label: str
    period: Period
    kind: str
    #: The dates come from the England default, not (yet) from the school's DSL.
    default_dates: bool = False

    @property
    def dates_words(self) -> str:
        return f"{day_words(self.period.start)} to {day_words(self.period.end)}"

    def as_query(self) -> dict[str, str]:
        return self.period.as_query()


def term_periods(year: YearDates) -> list[NamedPeriod]:
    """Each term of a school year as a period that runs on to the day before the next term starts
    (the last to 31 August; the first from 1 September), so the holidays after a term count with
    it and the terms' figures add up to the year's."""
    unconfirmed = not year.confirmed
    found = []
    for index, term in enumerate(year.terms):
        start = year.first_day if index == 0 else term.first_day
        following = year.terms[index + 1] if index + 1 < len(year.terms) else None
        end = following.first_day - timedelta(days=1) if following else year.last_day
        found.append(NamedPeriod(f"{term.name} {term.first_day.year}", Period(start, end), TERM, unconfirmed))
    return found


def year_period(year: YearDates) -> NamedPeriod:
    return NamedPeriod(f"School year {year.label}", Period(year.first_day, year.last_day), YEAR, not year.confirmed)


def academic_periods(calendar: Mapping[int, YearDates]) -> list[NamedPeriod]:
    """Every school year of ``calendar`` and its terms, oldest first, each year before its terms."""
    found = []
    for start_year in sorted(calendar):
        found.append(year_period(calendar[start_year]))
        found += term_periods(calendar[start_year])
    return found


def named(period: Period, periods: Sequence[NamedPeriod]) -> NamedPeriod | None:
    """The school year or term that is exactly ``period``, if there is one."""
    return next((p for p in periods if p.period == period), None)


def previous_period(period: Period, periods: Sequence[NamedPeriod]) -> NamedPeriod:
    """What ``period`` is compared with: the school year before a school year, the term before a
    term (autumn's is the summer before), and otherwise as many days just before."""
    this = named(period, periods)
    if this is not None:
        same_kind = sorted((p for p in periods if p.kind == this.kind), key=lambda p: p.period.start)
        earlier = [p for p in same_kind if p.period.end < this.period.start]
        if earlier and earlier[-1].period.end == this.period.start - timedelta(days=1):
            return earlier[-1]
    end = period.start - timedelta(days=1)
    before = Period(end - timedelta(days=period.days - 1), end)
    return NamedPeriod(f"The {period.days} days before", before, DAYS)


def offered_periods(periods: Sequence[NamedPeriod], today: date, *, years: int = 2) -> list[NamedPeriod]:
    """The periods offered as choices: the school years that have started, the latest ``years``
    of them, each with its terms that have started, newest first."""
    started = [p for p in periods if p.period.start <= today]
    recent_years = sorted((p for p in started if p.kind == YEAR), key=lambda p: p.period.start, reverse=True)[:years]
    found = []
    for year in recent_years:
        found.append(year)
        terms = [p for p in started if p.kind == TERM and year.period.start <= p.period.start <= year.period.end]
        found += sorted(terms, key=lambda p: p.period.start, reverse=True)
    return found


def calendar_years(today: date, period: Period | None) -> set[int]:
    """The school years whose terms the reports need: this one and the two before (the term before
    last year's autumn term is in the year before that), and those around the period asked for."""
    this = academic_year_of(today)
    years = {this, this - 1, this - 2}
    if period is not None:
        years |= {academic_year_of(period.start) - 1, academic_year_of(period.start), academic_year_of(period.end)}
    return years
