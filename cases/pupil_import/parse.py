"""Reading a MIS export (CSV) into plain records, row by row, with every problem in words. Pure."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date

from cases.pupil_import.values import (
    _ALIAS_INDEX,
    _DELIMITERS,
    _HEADER_SEARCH_ROWS,
    FIELD_LABELS,
    FLAG_FIELDS,
    HEADER_ALIASES,
    IDENTITY_FIELDS,
    LEFT_ON_FIELD,
    MAX_BYTES,
    MAX_ROWS,
    NAME_MAX,
    REQUIRED_FIELDS,
    ImportRefused,
    format_date,
    is_upn,
    normalise_header,
    normalise_name,
    normalise_upn,
    parse_date_of_birth,
    parse_flag,
    parse_leaving_date,
    parse_year_group,
    year_group_label,
)

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
    #: From the optional leaving date column: None while on the roll.
    left_on: date | None = None

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def display_value(name: str, value) -> str:
    """A field's value as the report shows it."""
    if name == "date_of_birth":
        return format_date(value)
    if name == LEFT_ON_FIELD:
        return format_date(value) if value else "on the roll"
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

    @property
    def has_left_on(self) -> bool:
        """The file has a leaving date column (it is optional)."""
        return LEFT_ON_FIELD in self.columns


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


def _map_columns(header: list[str], headings: Mapping[str, str] | None = None) -> tuple[dict[str, int], list[str], list[str]]:
    """Which column holds which field; the columns ignored; notes on columns that were doubled.

    ``headings`` (field → the heading the school's MIS report uses, set once in the nightly
    import's settings) comes before the usual headings: a heading named there means that field
    and no other, and the field is read from no other column."""
    index_of = _ALIAS_INDEX
    if headings:
        named = {normalise_header(text): name for name, text in headings.items() if text.strip()}
        index_of = {key: value for key, value in _ALIAS_INDEX.items() if value[0] not in named.values()}
        index_of.update({key: (name, -1) for key, name in named.items()})
    chosen: dict[str, tuple[int, int]] = {}  # field → (rank of the alias, column index)
    ignored: list[str] = []
    notes: list[str] = []
    for index, heading in enumerate(header):
        shown = heading.strip().lstrip("\ufeff")
        match = index_of.get(normalise_header(heading))
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


def accepted_headings(
    names: Iterable[str] = (*IDENTITY_FIELDS, *FLAG_FIELDS, LEFT_ON_FIELD),
) -> list[tuple[str, tuple[str, ...], bool]]:
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
    left_on = None
    if LEFT_ON_FIELD in columns:
        left_on, problem = parse_leaving_date(_cell(cells, columns[LEFT_ON_FIELD]), today=today, date_of_birth=date_of_birth)
        if problem:
            problems.append(problem)
    record = None
    if not problems:
        record = PupilRecord(upn=upn, date_of_birth=date_of_birth, year_group=year_group, left_on=left_on, **names, **flags)
    return ParsedRow(
        row=number, upn=upn, name=normalise_name(f"{names['first_name']} {names['last_name']}"), record=record, problems=problems
    )


def parse_csv(text: str, *, today: date, headings: Mapping[str, str] | None = None) -> ParsedFile:
    """Read every row of an MIS export. A file that cannot be read at all raises ImportRefused;
    a row that cannot be read is kept, with every reason, so the report can show them all.
    ``headings``: the school's own column names, field by field (see ``_map_columns``)."""
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
        (i for i, cells in enumerate(records[:_HEADER_SEARCH_ROWS]) if "upn" in _map_columns(cells, headings)[0]),
        next((i for i, cells in enumerate(records) if any(c.strip() for c in cells)), 0),
    )
    header = records[header_at] if records else []
    columns, ignored, notes = _map_columns(header, headings)
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
