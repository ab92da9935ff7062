"""Reading a school's MIS export of pupils: pure parsing and planning, no database.

A DSL downloads the pupil list from the school's management information system (SIMS, Arbor,
Bromcom…) as a CSV file. This module reads it into plain records, checks every row, and compares
them with the pupils already on Safeguard to make a plan: each row *added*, *changed* (field by
field, old → new), *unchanged* or *refused*, with every reason in words a DSL understands.
:mod:`cases.services.pupils` stores the plan as the dry-run report, and applies it only when no
row is refused, so a pupil list is never half-imported.

The vulnerability flags read here are the facts criterion C5 computes from ("already recognised
as vulnerable by children's social care or the police", DOMAIN.md): they are never asked again
per case, so a wrong flag matters. Nothing here guesses: a value that is not clearly yes or no, a
date that is not clearly a date, refuses the row.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date

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
}

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
}

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


def age_on(date_of_birth: date, today: date) -> int:
    """Age in whole years. A child born on 29 February is a year older on 1 March in other years."""
    return today.year - date_of_birth.year - ((today.month, today.day) < (date_of_birth.month, date_of_birth.day))


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


def parse_date_of_birth(raw: str, *, today: date) -> tuple[date | None, str | None]:
    """DD/MM/YYYY (as UK MIS exports write it) or YYYY-MM-DD. Returns (date, None) or (None, problem)."""
    text = raw.strip()
    if not text:
        return None, "there is no date of birth"
    unreadable = (
        f"the date of birth \u201c{text}\u201d is not a date Safeguard can read: "
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
        value = date(year, month, day)
    except ValueError:
        hint = " (dates are read as day/month/year)" if dmy and month > 12 >= day else ""
        return None, f"the date of birth {text} is not a real date{hint}"
    problem = date_of_birth_problem(value, today=today)
    return (None, problem) if problem else (value, None)


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


# --- Records --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PupilRecord:
    """A pupil as the MIS holds them, in Pupil's field names and types."""

    upn: str
    first_name: str
    last_name: str
    date_of_birth: date
    year_group: int
    child_protection_plan: bool = False
    child_in_need_plan: bool = False
    looked_after: bool = False
    open_to_social_care: bool = False
    known_to_police: bool = False

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def display_value(name: str, value) -> str:
    """A field's value as the report shows it."""
    if name == "date_of_birth":
        return format_date(value)
    if name == "year_group":
        return year_group_label(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


@dataclass
class ParsedRow:
    row: int  # as the spreadsheet numbers it: the headings are row 1
    upn: str  # normalised; may be blank or not a valid UPN when the row is refused
    name: str  # as written in the file, for the report
    record: PupilRecord | None
    problems: list[str] = field(default_factory=list)


@dataclass
class ParsedFile:
    rows: list[ParsedRow]
    #: field name → the column heading it was read from
    columns: dict[str, str]
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def flag_fields(self) -> tuple[str, ...]:
        """The flags this file has a column for: only those are compared and written."""
        return tuple(name for name in FLAG_FIELDS if name in self.columns)


# --- Reading the file -----------------------------------------------------------------------------


def decode_upload(data: bytes) -> str:
    """The file's text: UTF-8 (with or without BOM), else Windows-1252 (older Excel "CSV")."""
    if len(data) > MAX_BYTES:
        raise ImportRefused(
            f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB. Export only the columns Safeguard needs "
            "(UPN, names, date of birth, year group and the five vulnerability columns) and upload it again."
        )
    if not data.strip():
        raise ImportRefused("The file is empty. Export the pupil list from your MIS again and upload it.")
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise ImportRefused(
            "This is a spreadsheet workbook (such as an Excel .xlsx file), not a CSV file. Open it in the spreadsheet, "
            "save it as \u201cCSV UTF-8 (comma delimited)\u201d, and upload that file."
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                text = ""
    if not text or "\x00" in text:
        raise ImportRefused(
            "Safeguard cannot read this file as text. Export the pupil list from your MIS as a CSV file "
            "(\u201cCSV UTF-8\u201d if it asks) and upload it again."
        )
    return text


def _delimiter(text: str) -> str:
    """Most MIS exports use commas; some use semicolons or tabs. The heading line tells which."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    return max(_DELIMITERS, key=first.count) if any(d in first for d in _DELIMITERS) else ","


def _map_columns(header: list[str]) -> tuple[dict[str, int], list[str], list[str]]:
    """Which column holds which field; the columns ignored; notes on columns that were doubled."""
    chosen: dict[str, tuple[int, int]] = {}  # field → (rank of the alias, column index)
    ignored: list[str] = []
    notes: list[str] = []
    for index, heading in enumerate(header):
        shown = heading.strip().lstrip("\ufeff")
        match = _ALIAS_INDEX.get(normalise_header(heading))
        if match is None:
            if shown:
                ignored.append(shown)
            continue
        name, rank = match
        if name in chosen:
            kept_rank, kept_index = chosen[name]
            if rank < kept_rank:
                chosen[name] = (rank, index)
                used, other = shown, header[kept_index].strip().lstrip("\ufeff")
            else:
                used, other = header[kept_index].strip().lstrip("\ufeff"), shown
            notes.append(
                f"Both \u201c{used}\u201d and \u201c{other}\u201d give the {FIELD_LABELS[name]}: \u201c{used}\u201d was used."
            )
            ignored.append(other)
            continue
        chosen[name] = (rank, index)
    return {name: index for name, (_, index) in chosen.items()}, ignored, notes


def accepted_headings(names: Iterable[str] = (*IDENTITY_FIELDS, *FLAG_FIELDS)) -> list[tuple[str, tuple[str, ...], bool]]:
    """(field label, accepted headings, whether the column is required) for the upload page and refusals."""
    return [(FIELD_LABELS[name], HEADER_ALIASES[name], name in REQUIRED_FIELDS) for name in names]


def _missing_columns_message(missing: list[str], header: list[str]) -> str:
    labels = [FIELD_LABELS[name] for name in missing]
    named = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    accepted = "; ".join(f"{label}: {', '.join(aliases)}" for label, aliases, _ in accepted_headings(missing))
    found = ", ".join(f"\u201c{h.strip()}\u201d" for h in header if h.strip()) or "none"
    return (
        f"This file cannot be imported: it has no column for the {named}. "
        + (
            "The police-referral criteria read the five vulnerability columns, so each must be in the file "
            "(a blank cell counts as no). "
            if any(name in FLAG_FIELDS for name in missing)
            else ""
        )
        + f"Safeguard reads these column headings (capitals and spaces do not matter): {accepted}. "
        f"The columns in this file are: {found}."
    )


def _cell(cells: list[str], index: int | None) -> str:
    return cells[index] if index is not None and index < len(cells) else ""


def _list_rows(rows: list[int]) -> str:
    shown = [str(r) for r in rows]
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def _read_row(number: int, cells: list[str], columns: dict[str, int], header: list[str], *, today: date) -> ParsedRow:
    problems: list[str] = []
    raw_upn = _cell(cells, columns["upn"])
    upn = normalise_upn(raw_upn)
    if not upn:
        problems.append("there is no UPN")
    elif not is_upn(upn):
        problems.append(
            f"the UPN \u201c{raw_upn.strip()}\u201d is not a valid UPN: a UPN is 13 characters, a letter, then 11 digits, "
            "then a digit or a letter (for example A123456789012)"
        )
    names = {}
    for name in ("first_name", "last_name"):
        value = normalise_name(_cell(cells, columns[name]))
        if not value:
            problems.append(f"there is no {FIELD_LABELS[name]}")
        elif len(value) > NAME_MAX:
            problems.append(f"the {FIELD_LABELS[name]} is longer than {NAME_MAX} characters")
        names[name] = value
    date_of_birth, problem = parse_date_of_birth(_cell(cells, columns["date_of_birth"]), today=today)
    if problem:
        problems.append(problem)
    raw_year = _cell(cells, columns["year_group"]).strip()
    year_group = parse_year_group(raw_year)
    if not raw_year:
        problems.append("there is no year group")
    elif year_group is None:
        problems.append(f"the year group \u201c{raw_year}\u201d is not one Safeguard records: use R (or Reception), or 1 to 13")
    flags = {}
    for name in FLAG_FIELDS:
        if name not in columns:
            continue
        raw = _cell(cells, columns[name])
        value = parse_flag(raw)
        if value is None:
            heading = header[columns[name]].strip()
            problems.append(
                f"\u201c{raw.strip()}\u201d under \u201c{heading}\u201d is not yes or no: use Y or N (blank means no)"
            )
        flags[name] = value
    record = None
    if not problems:
        record = PupilRecord(upn=upn, date_of_birth=date_of_birth, year_group=year_group, **names, **flags)
    return ParsedRow(
        row=number, upn=upn, name=normalise_name(f"{names['first_name']} {names['last_name']}"), record=record, problems=problems
    )


def parse_csv(text: str, *, today: date) -> ParsedFile:
    """Read every row of an MIS export. A file that cannot be read at all raises ImportRefused;
    a row that cannot be read is kept, with every reason, so the report can show them all."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        records = list(reader)
    except csv.Error:
        raise ImportRefused(
            f"Safeguard could not read this file as CSV (near row {reader.line_num}). Export the pupil list from your MIS "
            "again as a CSV file and upload it."
        ) from None
    # Some exports put a title above the headings: the headings are the first row with a UPN column.
    header_at = next(
        (i for i, cells in enumerate(records[:_HEADER_SEARCH_ROWS]) if "upn" in _map_columns(cells)[0]),
        next((i for i, cells in enumerate(records) if any(c.strip() for c in cells)), 0),
    )
    header = records[header_at] if records else []
    columns, ignored, notes = _map_columns(header)
    missing = [name for name in REQUIRED_FIELDS if name not in columns]
    if missing:
        raise ImportRefused(_missing_columns_message(missing, header))
    body = [
        (number, cells)
        for number, cells in enumerate(records[header_at + 1 :], start=header_at + 2)
        if any(c.strip() for c in cells)
    ]
    if len(body) > MAX_ROWS:
        raise ImportRefused(
            f"This file has {len(body):,} pupils; Safeguard imports up to {MAX_ROWS:,} at a time. "
            "Check it is the export for this school only, or split it into smaller files."
        )
    if not body:
        raise ImportRefused("This file has column headings but no pupils in it.")
    rows = [_read_row(number, cells, columns, header, today=today) for number, cells in body]
    _refuse_duplicate_upns(rows)
    headings = {name: header[index].strip().lstrip("\ufeff") for name, index in columns.items()}
    return ParsedFile(rows=rows, columns=headings, ignored_columns=ignored, notes=notes)


def _refuse_duplicate_upns(rows: list[ParsedRow]) -> None:
    """A UPN on two rows: Safeguard cannot know which is right, so it refuses every one of them."""
    where: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        if is_upn(row.upn):
            where[row.upn].append(row.row)
    by_number = {row.row: row for row in rows}
    for upn, numbers in where.items():
        if len(numbers) > 1:
            for number in numbers:
                row = by_number[number]
                row.problems.append(f"UPN {upn} appears on rows {_list_rows(numbers)}")
                row.record = None


# --- Planning -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    old: str | None  # None for a pupil being added
    new: str


@dataclass
class RowPlan:
    row: int
    upn: str
    name: str
    action: str
    changes: list[Change] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    record: PupilRecord | None = None

    @property
    def changed_fields(self) -> list[str]:
        return [change.field for change in self.changes] if self.action == CHANGED else []

    @property
    def reassess(self) -> bool:
        """Whether applying this row changes what the criteria compute for the pupil's cases."""
        return bool(REASSESS_FIELDS.intersection(self.changed_fields))


@dataclass
class ImportPlan:
    rows: list[RowPlan]
    columns: dict[str, str]
    ignored_columns: list[str]
    notes: list[str]
    not_in_file: int

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(ACTIONS, 0)
        for row in self.rows:
            counts[row.action] += 1
        return counts

    @property
    def can_apply(self) -> bool:
        return bool(self.rows) and not any(row.action == REFUSED for row in self.rows)

    def to_json(self) -> dict:
        """The dry-run report as stored on the PupilImport (plain JSON)."""
        return {
            "version": REPORT_VERSION,
            "counts": self.counts,
            "rows_in_file": len(self.rows),
            "not_in_file": self.not_in_file,
            "columns": self.columns,
            "ignored_columns": self.ignored_columns,
            "notes": self.notes,
            "rows": [_row_json(row) for row in self.rows],
        }


def _row_json(row: RowPlan) -> dict:
    data: dict = {"row": row.row, "upn": row.upn, "name": row.name, "action": row.action}
    if row.changes:
        data["changes"] = [{"field": c.field, "label": c.label, "old": c.old, "new": c.new} for c in row.changes]
    if row.problems:
        data["problems"] = row.problems
    if row.warnings:
        data["warnings"] = row.warnings
    return data


def _identity(record: PupilRecord) -> tuple[str, str, date]:
    return record.first_name.casefold(), record.last_name.casefold(), record.date_of_birth


def plan_import(parsed: ParsedFile, existing: Mapping[str, PupilRecord]) -> ImportPlan:
    """Compare the file with the school's pupils (keyed by normalised UPN) and say what each row does.

    Pupils on Safeguard but not in the file are left as they are: their records stay with their
    cases and chronology. A flag the file has no column for is left as it is, too.
    """
    compared = ("first_name", "last_name", "date_of_birth", "year_group", *parsed.flag_fields)
    in_file = {row.upn for row in parsed.rows}
    same_person = {_identity(record): upn for upn, record in existing.items()}
    rows: list[RowPlan] = []
    for parsed_row in parsed.rows:
        record = parsed_row.record
        plan = RowPlan(row=parsed_row.row, upn=parsed_row.upn, name=parsed_row.name, action=REFUSED, record=record)
        if record is None:
            plan.problems = list(parsed_row.problems)
        elif record.upn in existing:
            current = existing[record.upn]
            plan.changes = [
                Change(
                    name,
                    FIELD_LABELS[name],
                    display_value(name, getattr(current, name)),
                    display_value(name, getattr(record, name)),
                )
                for name in compared
                if getattr(current, name) != getattr(record, name)
            ]
            plan.action = CHANGED if plan.changes else UNCHANGED
        else:
            plan.action = ADDED
            plan.changes = [
                Change(name, FIELD_LABELS[name], None, display_value(name, getattr(record, name)))
                for name in ("date_of_birth", "year_group", *parsed.flag_fields)
                if name not in FLAG_FIELDS or getattr(record, name)
            ]
            other_upn = same_person.get(_identity(record))
            if other_upn and other_upn not in in_file:
                plan.warnings.append(
                    f"a pupil with the same name and date of birth is already on Safeguard with UPN {other_upn}, which is not in "
                    "this file. If their UPN has changed, importing adds them a second time: check with your MIS first"
                )
        rows.append(plan)
    return ImportPlan(
        rows=rows,
        columns=parsed.columns,
        ignored_columns=parsed.ignored_columns,
        notes=parsed.notes,
        not_in_file=len(set(existing) - in_file),
    )


# --- Reading a stored report back for the page ----------------------------------------------------


@dataclass(frozen=True)
class ReportChange:
    label: str
    old: str | None
    new: str


@dataclass(frozen=True)
class ReportRow:
    row: int
    upn: str
    name: str
    action: str
    changes: tuple[ReportChange, ...] = ()
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Report:
    """A stored report, with every key present, for the template (which must not guess)."""

    added: int = 0
    changed: int = 0
    unchanged: int = 0
    refused: int = 0
    rows_in_file: int = 0
    not_in_file: int = 0
    reassessed_cases: int | None = None
    columns: tuple[tuple[str, str], ...] = ()
    ignored_columns: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    rows: tuple[ReportRow, ...] = ()

    def rows_for(self, action: str) -> list[ReportRow]:
        return [row for row in self.rows if row.action == action]

    @property
    def refused_rows(self) -> list[ReportRow]:
        return self.rows_for(REFUSED)

    @property
    def changed_rows(self) -> list[ReportRow]:
        return self.rows_for(CHANGED)

    @property
    def added_rows(self) -> list[ReportRow]:
        return self.rows_for(ADDED)

    @property
    def unchanged_rows(self) -> list[ReportRow]:
        return self.rows_for(UNCHANGED)

    @property
    def warning_rows(self) -> list[ReportRow]:
        return [row for row in self.rows if row.warnings]

    @property
    def can_apply(self) -> bool:
        return self.rows_in_file > 0 and self.refused == 0


def report_from_json(data: Mapping | None) -> Report:
    """A Report from PupilImport.report; tolerant of an empty or older report."""
    if not isinstance(data, Mapping) or data.get("version") != REPORT_VERSION:
        return Report()
    counts = data.get("counts") or {}
    rows = tuple(
        ReportRow(
            row=int(row.get("row", 0)),
            upn=str(row.get("upn", "")),
            name=str(row.get("name", "")),
            action=str(row.get("action", "")),
            changes=tuple(ReportChange(c.get("label", ""), c.get("old"), c.get("new", "")) for c in row.get("changes", ())),
            problems=tuple(row.get("problems", ())),
            warnings=tuple(row.get("warnings", ())),
        )
        for row in data.get("rows", ())
    )
    labels = {name: FIELD_LABELS.get(name, name) for name in data.get("columns", {})}
    return Report(
        added=int(counts.get(ADDED, 0)),
        changed=int(counts.get(CHANGED, 0)),
        unchanged=int(counts.get(UNCHANGED, 0)),
        refused=int(counts.get(REFUSED, 0)),
        rows_in_file=int(data.get("rows_in_file", len(rows))),
        not_in_file=int(data.get("not_in_file", 0)),
        reassessed_cases=data.get("reassessed_cases"),
        columns=tuple((labels[name], heading) for name, heading in data.get("columns", {}).items()),
        ignored_columns=tuple(data.get("ignored_columns", ())),
        notes=tuple(data.get("notes", ())),
        rows=rows,
    )


def with_reassessed(report: dict, reassessed_cases: int) -> dict:
    """The stored report after applying, with how many open cases were re-assessed."""
    return {**report, "reassessed_cases": reassessed_cases}


__all__ = [
    "ACTIONS",
    "ADDED",
    "CHANGED",
    "EDITABLE_FIELDS",
    "FIELD_LABELS",
    "FLAG_FIELDS",
    "HEADER_ALIASES",
    "MAX_BYTES",
    "MAX_ROWS",
    "REASSESS_FIELDS",
    "REFUSED",
    "UNCHANGED",
    "Change",
    "ImportPlan",
    "ImportRefused",
    "ParsedFile",
    "ParsedRow",
    "PupilRecord",
    "Report",
    "RowPlan",
    "accepted_headings",
    "age_on",
    "date_of_birth_problem",
    "decode_upload",
    "display_value",
    "is_upn",
    "normalise_upn",
    "parse_csv",
    "parse_date_of_birth",
    "parse_flag",
    "parse_year_group",
    "plan_import",
    "report_from_json",
    "sentence",
    "with_reassessed",
]
