"""The MIS import's limits, its column names, and reading one value (a UPN, a date of birth, a
year group, a yes/no flag) in the words a DSL understands. Pure."""

from __future__ import annotations

import re
from datetime import date

from cases.criteria import age_on

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
#: A pupil on a school roll is from 2 (nursery) to 20 (a sixth-former staying on); outside that,
#: a date of birth is almost certainly mistyped.
MIN_AGE, MAX_AGE = 2, 20
NAME_MAX = 100
#: Year groups as Pupil.year_group stores them: 0 is Reception.
RECEPTION, MAX_YEAR_GROUP = 0, 13

IDENTITY_FIELDS = ("upn", "first_name", "last_name", "date_of_birth", "year_group")
#: The C5 facts, as Pupil.VULNERABILITY_FIELDS names them (a test keeps the two in step).
FLAG_FIELDS = ("child_protection_plan", "child_in_need_plan", "looked_after", "open_to_social_care", "known_to_police")
# The flags are required too: a missing column would silently record "no" for every new pupil, and
# the police-referral criterion C5 would then say "not met" for want of data, not for want of need.
REQUIRED_FIELDS = (*IDENTITY_FIELDS, *FLAG_FIELDS)
#: What a DSL may correct on a pupil record (the UPN identifies the pupil, so it is not among them).
EDITABLE_FIELDS = ("first_name", "last_name", "date_of_birth", "year_group", *FLAG_FIELDS)
#: A change to any of these changes what the criteria compute (C3 from age, C5 from the flags).
REASSESS_FIELDS = frozenset({"date_of_birth", *FLAG_FIELDS})

FIELD_LABELS = {
    "upn": "UPN",
    "first_name": "first name",
    "last_name": "last name",
    "date_of_birth": "date of birth",
    "year_group": "year group",
    "child_protection_plan": "child protection plan",
    "child_in_need_plan": "child in need plan",
    "looked_after": "looked-after child",
    "open_to_social_care": "open to children's social care",
    "known_to_police": "known to police or youth justice",
    "left_on": "leaving date",
}
#: An optional column: the date a pupil leaves (or left) the roll. A pupil with one is marked as
#: left, never deleted, and their child protection file's checklist starts (issue 18). The import
#: never un-marks a pupil or moves a leaving date already recorded.
LEFT_ON_FIELD = "left_on"
#: A leaving date may be this many days ahead (the end of term, in the MIS before it comes).
LEFT_ON_AHEAD_DAYS = 120

#: Column headings as MIS exports spell them. Capitals, spaces and punctuation are ignored when
#: matching. When a file has two columns for one field, the one listed first here is used
#: (legal names before preferred ones, "Year Group" before a bare "Year").
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "upn": ("UPN", "Unique Pupil Number", "Pupil UPN"),
    "first_name": ("Legal Forename", "Legal First Name", "Forename", "First Name", "Forenames", "First Names", "Given Name"),
    "last_name": ("Legal Surname", "Legal Last Name", "Surname", "Last Name", "Family Name"),
    "date_of_birth": ("Date of Birth", "DOB", "Birth Date"),
    "year_group": ("Year Group", "NC Year", "National Curriculum Year", "Curriculum Year", "Year"),
    "child_protection_plan": ("Child Protection Plan", "CP Plan", "CPP"),
    "child_in_need_plan": ("Child in Need Plan", "Child in Need", "CIN", "CIN Plan"),
    "looked_after": ("Looked After", "Looked After Child", "LAC", "CLA", "Child Looked After", "In Care"),
    "open_to_social_care": ("Open to Social Care", "Open to Children's Social Care", "Social Care"),
    "known_to_police": ("Known to Police", "Youth Justice", "Known to Youth Justice"),
    "left_on": ("Leaving Date", "Date of Leaving", "Date Left", "Leave Date", "Left On"),
}

#: The column names of the pupil report each MIS exports by default, for the nightly import's
#: settings (the IT admin picks one, then changes any heading the school's own report renamed).
#: A field left out is found by the usual headings above.
MIS_PRESETS: dict[str, dict[str, str]] = {
    "sims": {
        "upn": "UPN",
        "first_name": "Legal Forename",
        "last_name": "Legal Surname",
        "date_of_birth": "DOB",
        "year_group": "Year",
        "child_protection_plan": "Child Protection Plan",
        "child_in_need_plan": "Child in Need",
        "looked_after": "In Care",
        "open_to_social_care": "Open to Social Care",
        "known_to_police": "Youth Justice",
        "left_on": "Date of Leaving",
    },
    "arbor": {
        "upn": "UPN",
        "first_name": "Legal First Name",
        "last_name": "Legal Last Name",
        "date_of_birth": "Date of Birth",
        "year_group": "Year Group",
        "child_protection_plan": "CP Plan",
        "child_in_need_plan": "CIN Plan",
        "looked_after": "Looked After",
        "open_to_social_care": "Open to Children's Social Care",
        "known_to_police": "Known to Police",
        "left_on": "Leaving Date",
    },
    "bromcom": {
        "upn": "UPN",
        "first_name": "Legal Forename",
        "last_name": "Legal Surname",
        "date_of_birth": "Date Of Birth",
        "year_group": "NC Year",
        "child_protection_plan": "Child Protection Plan",
        "child_in_need_plan": "Child In Need",
        "looked_after": "Child Looked After",
        "open_to_social_care": "Social Care",
        "known_to_police": "Known to Youth Justice",
        "left_on": "Leave Date",
    },
}
MIS_PRESET_LABELS = {"sims": "SIMS", "arbor": "Arbor", "bromcom": "Bromcom", "custom": "Another MIS (headings set here)"}

ADDED, CHANGED, UNCHANGED, REFUSED = "added", "changed", "unchanged", "refused"
ACTIONS = (ADDED, CHANGED, UNCHANGED, REFUSED)
REPORT_VERSION = 1

_UPN = re.compile(r"[A-Z]\d{11}[A-Z0-9]")
_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})")
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
# Spreadsheets often add a midnight time to a date ("03/03/2014 00:00").
_MIDNIGHT = re.compile(r"(?:[ T]00:00(?::00)?)?")
_YEAR_PREFIX = re.compile(r"^(?:nc\s*year|year|yr|y|nc)\s*")
_YES = frozenset({"y", "yes", "true", "t", "1"})
_NO = frozenset({"n", "no", "false", "f", "0", ""})
_DELIMITERS = (",", ";", "\t")
_HEADER_SEARCH_ROWS = 10


class ImportRefused(ValueError):
    """The whole file cannot be imported; ``message`` says why, in the DSL's words."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- Reading single values ------------------------------------------------------------------------


def normalise_header(header: str) -> str:
    """'Legal_Forename ' → 'legalforename': capitals, spaces and punctuation do not matter."""
    return "".join(ch for ch in header.casefold() if ch.isalnum())


_ALIAS_INDEX = {
    normalise_header(alias): (name, rank) for name, aliases in HEADER_ALIASES.items() for rank, alias in enumerate(aliases)
}


def normalise_upn(raw: str) -> str:
    return "".join(raw.split()).upper()


def is_upn(value: str) -> bool:
    return bool(_UPN.fullmatch(value))


def normalise_name(raw: str) -> str:
    return " ".join(raw.split())


def format_date(value: date) -> str:
    """Dates as UK schools write them: 03/03/2014."""
    return value.strftime("%d/%m/%Y")


def year_group_label(value: int) -> str:
    """As Pupil.year_group_label."""
    return "Reception" if value == RECEPTION else f"Year {value}"


def date_of_birth_problem(value: date, *, today: date) -> str | None:
    """Why a date of birth cannot be a pupil's (a clause: the caller makes the sentence), or None."""
    shown = format_date(value)
    if value > today:
        return f"the date of birth {shown} is in the future"
    age = age_on(value, today)
    if age > MAX_AGE:
        return f"the date of birth {shown} would make the pupil {age} years old; pupils must be from {MIN_AGE} to {MAX_AGE}"
    if age < MIN_AGE:
        years = "year" if age == 1 else "years"
        return f"the date of birth {shown} would make the pupil {age} {years} old; pupils must be from {MIN_AGE} to {MAX_AGE}"
    return None


def sentence(clause: str) -> str:
    """'the date of birth … is in the future' → 'The date of birth … is in the future.'"""
    return clause[:1].upper() + clause[1:] + ("" if clause.endswith(".") else ".")


def _read_day(text: str, what: str) -> tuple[date | None, str | None]:
    """DD/MM/YYYY (as UK MIS exports write it) or YYYY-MM-DD, ``what`` naming the date in messages."""
    unreadable = (
        f"the {what} \u201c{text}\u201d is not a date Safeguard can read: "
        "write it as day/month/year with the year in full, for example 03/03/2014"
    )
    ymd, dmy = _YMD.match(text), _DMY.match(text)
    if ymd and _MIDNIGHT.fullmatch(text[ymd.end() :]):
        year, month, day = (int(part) for part in ymd.groups())
    elif dmy and _MIDNIGHT.fullmatch(text[dmy.end() :]) and len(dmy.group(3)) == 4:
        day, month, year = (int(part) for part in dmy.groups())
    else:
        return None, unreadable
    try:
        return date(year, month, day), None
    except ValueError:
        hint = " (dates are read as day/month/year)" if dmy and month > 12 >= day else ""
        return None, f"the {what} {text} is not a real date{hint}"


def parse_date_of_birth(raw: str, *, today: date) -> tuple[date | None, str | None]:
    """DD/MM/YYYY (as UK MIS exports write it) or YYYY-MM-DD. Returns (date, None) or (None, problem)."""
    text = raw.strip()
    if not text:
        return None, "there is no date of birth"
    value, problem = _read_day(text, "date of birth")
    if problem:
        return None, problem
    problem = date_of_birth_problem(value, today=today)
    return (None, problem) if problem else (value, None)


def parse_leaving_date(raw: str, *, today: date, date_of_birth: date | None) -> tuple[date | None, str | None]:
    """A blank cell: still on the roll (None, None). Else the date, or (None, problem)."""
    text = raw.strip()
    if not text:
        return None, None
    value, problem = _read_day(text, "leaving date")
    if problem:
        return None, problem
    if (value - today).days > LEFT_ON_AHEAD_DAYS:
        return None, f"the leaving date {format_date(value)} is more than four months away"
    if date_of_birth is not None and value < date_of_birth:
        return None, f"the leaving date {format_date(value)} is before the date of birth"
    return value, None


def parse_year_group(raw: str) -> int | None:
    """'R', 'Reception', '0', '7', 'Year 7', 'Y7', 'NC Year 7' → 0 or 7; anything else → None."""
    text = _YEAR_PREFIX.sub("", " ".join(raw.casefold().split()))
    if text in ("r", "rec", "reception", "0", "00"):
        return RECEPTION
    if text.isdigit() and text.isascii() and 1 <= int(text) <= MAX_YEAR_GROUP:
        return int(text)
    return None


def parse_flag(raw: str) -> bool | None:
    """Y/N, Yes/No, True/False, 1/0; blank is no. Anything else → None (not guessed)."""
    text = raw.strip().casefold()
    if text in _YES:
        return True
    if text in _NO:
        return False
    return None
