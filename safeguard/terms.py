"""A school's year in England: academic years, terms, half-terms and INSET days. Pure: plain dates
in, plain data out (no database, no request).

An academic year runs from 1 September to 31 August (the year it starts in names it: 2025 is
"2025 to 2026", as GOV.UK writes it). A school sets its own term dates and INSET days each year
(its local authority or trust publishes them); until it has, :func:`england_default` gives a
sensible pattern, which is an **approximation the school's DSL must check**:

- three terms, each with a one-week half-term break;
- autumn: from the first working day of September to the last Friday on or before 22 December,
  with half-term in the week starting on the Monday between 23 and 29 October;
- spring: from the first working day on or after 4 January, with half-term in the week starting on
  the Monday between 11 and 17 February, to the last working day before the Easter holidays;
- the Easter holidays: two weeks, from the Monday of Good Friday's week, moved to start no earlier
  than the first Monday on or after 28 March and no later than the first Monday on or after
  1 April (most local authorities keep them in early April when Easter is early or late);
- summer: from the first working day after the Easter holidays to 22 July (the Friday before, if
  that is a weekend), with half-term in the week of the late May bank holiday;
- no INSET day placed: every school chooses its own five, and a guess would mark real school days
  as days off. Leaving them out errs the safe way: a deadline counted in school days (the
  transfer of a child's file within 5 school days) then comes early, never late.

The default has about 195 working days in term, as an English school year (190 teaching days and
5 INSET days) does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays

from safeguard.workdays import bank_holiday_name, is_working_day, next_working_day

#: The names of the three terms of the England default, in order.
TERM_NAMES = ("Autumn term", "Spring term", "Summer term")
#: How many INSET days a school in England has a year (DfE: 195 days, 190 of them with pupils).
INSET_DAYS_A_YEAR = 5
#: The earliest and latest academic years Safeguard keeps term dates for.
FIRST_YEAR, LAST_YEAR = 2000, 2099

#: Where a term's dates come from.
DEFAULT = "default"  # the England default, not set by the school
SCHOOL = "school"  # set by the school (confirmed by its DSL, or not yet)


@dataclass(frozen=True)
class Term:
    """A term from its first to its last day (both included), with its half-term break, if any."""

    name: str
    first_day: date
    last_day: date
    half_term_first: date | None = None
    half_term_last: date | None = None

    def in_term_time(self, day: date) -> bool:
        """Whether ``day`` is in this term and not in its half-term break (weekends included)."""
        return self.first_day <= day <= self.last_day and not self.in_half_term(day)

    def in_half_term(self, day: date) -> bool:
        return bool(self.half_term_first and self.half_term_last and self.half_term_first <= day <= self.half_term_last)


@dataclass(frozen=True)
class YearDates:
    """One academic year of one school: its terms, in order, and its INSET days."""

    start_year: int
    terms: tuple[Term, ...]
    inset_days: frozenset[date] = frozenset()
    source: str = DEFAULT
    confirmed: bool = False

    @property
    def first_day(self) -> date:
        return year_first_day(self.start_year)

    @property
    def last_day(self) -> date:
        return year_last_day(self.start_year)

    @property
    def label(self) -> str:
        return year_label(self.start_year)

    @property
    def is_default(self) -> bool:
        return self.source == DEFAULT

    def term_of(self, day: date) -> Term | None:
        """The term ``day`` falls in (its half-term included), if any."""
        return next((term for term in self.terms if term.first_day <= day <= term.last_day), None)


# --- Academic years ----------------------------------------------------------------------------------


def academic_year_of(day: date) -> int:
    """The academic year ``day`` is in, named by the year it starts: 31 August 2026 is in 2025."""
    return day.year if day.month >= 9 else day.year - 1


def year_first_day(start_year: int) -> date:
    return date(start_year, 9, 1)


def year_last_day(start_year: int) -> date:
    return date(start_year + 1, 8, 31)


def year_label(start_year: int) -> str:
    """ "2025 to 2026", as GOV.UK names an academic year."""
    return f"{start_year} to {start_year + 1}"


def day_words(day: date) -> str:
    """ "1 September 2025"."""
    return f"{day.day} {day:%B %Y}"


def day_words_with_weekday(day: date) -> str:
    """ "Monday 1 September 2025"."""
    return f"{day:%A} {day.day} {day:%B %Y}"


# --- The England default -----------------------------------------------------------------------------


def _monday_between(year: int, month: int, first: int) -> date:
    """The Monday from ``first`` to ``first + 6`` of the month."""
    day = date(year, month, first)
    return day + timedelta(days=(0 - day.weekday()) % 7)


def _last_friday_on_or_before(day: date) -> date:
    return day - timedelta(days=(day.weekday() - 4) % 7)


def _last_working_day_before(day: date) -> date:
    day -= timedelta(days=1)
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def _good_friday(year: int) -> date:
    (day,) = holidays.country_holidays("GB", subdiv="ENG", years=[year]).get_named("Good Friday", lookup="exact")
    return day


def _week(monday: date) -> tuple[date, date]:
    return monday, monday + timedelta(days=4)


def _easter_holidays_start(year: int) -> date:
    """The Monday the two weeks of Easter holidays start (see the module's docstring)."""
    good_friday = _good_friday(year)
    start = good_friday - timedelta(days=4)
    earliest = _monday_between(year, 3, 28)
    latest = _monday_between(year, 4, 1)
    return min(max(start, earliest), latest)


@lru_cache(maxsize=128)
def england_default(start_year: int) -> YearDates:
    """The England default for an academic year: an approximation the school's DSL must check."""
    autumn_end = _last_friday_on_or_before(date(start_year, 12, 22))
    autumn = Term(
        TERM_NAMES[0],
        next_working_day(date(start_year, 9, 1)),
        autumn_end,
        *_week(_monday_between(start_year, 10, 23)),
    )
    year = start_year + 1
    easter = _easter_holidays_start(year)
    spring = Term(
        TERM_NAMES[1],
        next_working_day(date(year, 1, 4)),
        _last_working_day_before(easter),
        *_week(_monday_between(year, 2, 11)),
    )
    july = date(year, 7, 22)
    summer = Term(
        TERM_NAMES[2],
        next_working_day(easter + timedelta(days=14)),
        july if july.weekday() < 5 else _last_friday_on_or_before(july),
        *_week(_monday_between(year, 5, 25)),
    )
    return YearDates(start_year=start_year, terms=(autumn, spring, summer), source=DEFAULT)


# --- Checking what a school sets -------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """What is wrong, and where: ``kind`` is "term" or "inset", ``index`` the row, ``part`` the date
    ("first_day", "last_day", "half_term_first", "half_term_last", "day"); "" when about the whole."""

    kind: str
    index: int
    part: str
    message: str


def _name(term: Term) -> str:
    return term.name[:1].lower() + term.name[1:] if term.name else "this term"


def problems(start_year: int, terms: Sequence[Term], inset_days: Sequence[date]) -> list[Problem]:
    """Everything wrong with a year's term dates and INSET days, each said the way a DSL would want
    to hear it. None: the dates hang together."""
    found: list[Problem] = []
    first, last = year_first_day(start_year), year_last_day(start_year)
    label = year_label(start_year)
    if not terms:
        return [Problem("term", 0, "", "Give the first and last day of at least one term.")]
    sound: list[tuple[int, Term]] = []
    for index, term in enumerate(terms):
        name = _name(term)
        if term.last_day < term.first_day:
            found.append(
                Problem(
                    "term",
                    index,
                    "last_day",
                    f"The {name} ends before it starts: its last day ({day_words(term.last_day)}) is before its first "
                    f"day ({day_words(term.first_day)}). Check both dates.",
                )
            )
            continue
        outside = [part for part in ("first_day", "last_day") if not first <= getattr(term, part) <= last]
        if outside:
            found.append(
                Problem(
                    "term",
                    index,
                    outside[0],
                    f"The {name} must be inside the school year {label} (1 September {start_year} to 31 August "
                    f"{start_year + 1}). Check the year of each date.",
                )
            )
            continue
        found += _half_term_problems(index, term)
        sound.append((index, term))
    for (_, earlier), (index, later) in zip(sound, sound[1:], strict=False):
        if later.first_day <= earlier.last_day:
            if later.first_day < earlier.first_day:
                message = (
                    f"The {_name(later)} starts ({day_words(later.first_day)}) before the {_name(earlier)} "
                    f"({day_words(earlier.first_day)}). Put the terms in order, or check the year of each date."
                )
            else:
                message = (
                    f"The {_name(later)} starts on {day_words(later.first_day)}, before the {_name(earlier)} ends "
                    f"({day_words(earlier.last_day)}). Terms cannot overlap: check both dates."
                )
            found.append(Problem("term", index, "first_day", message))
    in_order = [term for _, term in sound]
    seen: set[date] = set()
    for index, day in enumerate(inset_days):
        problem = _inset_problem(day, in_order, seen)
        if problem:
            found.append(Problem("inset", index, "day", problem))
        seen.add(day)
    return found


def _half_term_problems(index: int, term: Term) -> list[Problem]:
    start, end = term.half_term_first, term.half_term_last
    name = _name(term)
    if start is None and end is None:
        return []
    if start is None or end is None:
        missing = "half_term_first" if start is None else "half_term_last"
        words = "first" if start is None else "last"
        return [
            Problem("term", index, missing, f"Give the {words} day of the {name}'s half-term break too, or leave both empty.")
        ]
    if end < start:
        return [
            Problem(
                "term",
                index,
                "half_term_last",
                f"The {name}'s half-term break ends before it starts. Check both dates.",
            )
        ]
    if start <= term.first_day or end >= term.last_day:
        return [
            Problem(
                "term",
                index,
                "half_term_first" if start <= term.first_day else "half_term_last",
                f"The {name}'s half-term break must fall inside the term, after its first day "
                f"({day_words(term.first_day)}) and before its last ({day_words(term.last_day)}).",
            )
        ]
    return []


def _inset_problem(day: date, terms: Sequence[Term], seen: set[date]) -> str | None:
    words = day_words_with_weekday(day)
    if day in seen:
        return f"{words} is listed twice as an INSET day. Remove one of them."
    if day.weekday() >= 5:
        return f"The INSET day on {words} is at a weekend. An INSET day is a weekday the pupils are not in: choose a weekday."
    holiday = bank_holiday_name(day)
    if holiday:
        return f"The INSET day on {words} is a bank holiday ({holiday}). Choose another day."
    term = next((t for t in terms if t.first_day <= day <= t.last_day), None)
    if term is None:
        return (
            f"The INSET day on {words} is outside every term. An INSET day falls in term time: check the date, or the term dates."
        )
    if term.in_half_term(day):
        return f"The INSET day on {words} is in the {_name(term)}'s half-term break. Choose a day in term time."
    return None
