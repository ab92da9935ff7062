"""Importing the school's MIS export: the pure parser, the dry run and apply services, and the pages."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cases import pupil_import as mis
from cases.models import Assessment, Pupil, PupilImport
from cases.services.pupils import pupil_import_apply, pupil_import_preview
from safeguard.models import AuditEvent
from tests.factories import PupilFactory, make_case

TODAY = date(2026, 11, 23)
HEADER = ["UPN", "Forename", "Surname", "DOB", "Year", "CP Plan", "CIN", "LAC", "Social Care", "Known to Police"]
UPN_A, UPN_B, UPN_C = "A123456789012", "B123456789013", "C12345678901D"


def csv_text(rows, header=HEADER) -> str:
    return "\r\n".join(",".join(cells) for cells in [header, *rows]) + "\r\n"


def row(upn=UPN_A, first="Ava", last="Morgan", dob="03/03/2012", year="9", *flags: str) -> list[str]:
    return [upn, first, last, dob, year, *(list(flags) + [""] * 5)[:5]]


def parse(rows, header=HEADER, today=TODAY) -> mis.ParsedFile:
    return mis.parse_csv(csv_text(rows, header), today=today)


def only_row(rows, header=HEADER) -> mis.ParsedRow:
    (parsed,) = parse(rows, header).rows
    return parsed


def born(years: int, days: int = 0) -> date:
    """A date of birth making a pupil ``years`` old today (so tests do not age)."""
    today = timezone.localdate()
    return date(today.year - years, today.month, min(today.day, 28)) - timedelta(days=days)


def uk(value: date) -> str:
    return value.strftime("%d/%m/%Y")


# --- The pure parser: column headings ---------------------------------------------------------------


def test_the_flag_fields_are_the_pupil_records_vulnerability_fields():
    assert mis.FLAG_FIELDS == Pupil.VULNERABILITY_FIELDS


ALIASES = [(name, alias) for name, aliases in mis.HEADER_ALIASES.items() for alias in aliases]
#: The required columns' headings (the leaving date is optional: its own tests below).
REQUIRED_ALIASES = [(name, alias) for name, alias in ALIASES if name in (*mis.IDENTITY_FIELDS, *mis.FLAG_FIELDS)]


def test_no_heading_is_accepted_for_two_fields():
    normalised = [mis.normalise_header(alias) for _, alias in ALIASES]
    assert len(normalised) == len(set(normalised))


@pytest.mark.parametrize(("name", "alias"), REQUIRED_ALIASES, ids=[f"{n}:{a}" for n, a in REQUIRED_ALIASES])
def test_every_accepted_heading_is_read(name, alias):
    header = list(HEADER)
    header[[*mis.IDENTITY_FIELDS, *mis.FLAG_FIELDS].index(name)] = alias
    parsed = parse([row(UPN_A, "Ava", "Morgan", "03/03/2012", "9", "Y", "Y", "Y", "Y", "Y")], header)
    assert parsed.columns[name] == alias
    assert parsed.rows[0].record == mis.PupilRecord(UPN_A, "Ava", "Morgan", date(2012, 3, 3), 9, True, True, True, True, True)


@pytest.mark.parametrize(
    "heading", ["date of birth", "DATE_OF_BIRTH", " Date Of Birth ", "date-of-birth", "\ufeffDate of Birth", "D.O.B."]
)
def test_headings_ignore_capitals_spaces_underscores_and_punctuation(heading):
    header = [heading if h == "DOB" else h for h in HEADER]
    assert parse([row()], header).columns["date_of_birth"] == heading.strip().lstrip("\ufeff")


def test_missing_required_columns_refuse_the_file_naming_them_and_the_headings_accepted():
    header = ["UPN", "Forename", "Surname", "Reg Group"]
    with pytest.raises(mis.ImportRefused) as refused:
        parse([[UPN_A, "Ava", "Morgan", "9M"]], header)
    message = refused.value.message
    assert "no column for the date of birth, year group, child protection plan" in message
    assert "Date of Birth, DOB, Birth Date" in message
    assert "Year Group, NC Year" in message
    assert "\u201cReg Group\u201d" in message  # what the file has, so the DSL can see the difference


def test_unknown_columns_are_ignored_and_listed():
    parsed = parse([row() + ["9M", "Blue"]], [*HEADER, "Reg Group", "House"])
    assert parsed.ignored_columns == ["Reg Group", "House"]
    assert parsed.rows[0].record is not None


def test_two_columns_for_one_field_use_the_legal_name_and_say_so():
    header = ["UPN", "Forename", "Legal Forename", "Surname", "DOB", "Year", *HEADER[5:]]
    parsed = parse([[UPN_A, "Evie", "Evelyn", "Morgan", "03/03/2012", "9", "", "", "", "", ""]], header)
    assert parsed.rows[0].record.first_name == "Evelyn"
    assert parsed.ignored_columns == ["Forename"]
    assert parsed.notes == [
        "Both \u201cLegal Forename\u201d and \u201cForename\u201d give the first name: \u201cLegal Forename\u201d was used."
    ]


def test_a_missing_vulnerability_column_refuses_the_whole_file():
    # Criterion C5 reads these flags: a missing column must not quietly record "no" for everyone.
    header = ["UPN", "Forename", "Surname", "DOB", "Year", "CP Plan"]
    with pytest.raises(mis.ImportRefused) as refused:
        parse([[UPN_A, "Ava", "Morgan", "03/03/2012", "9", "Y"]], header)
    message = refused.value.message
    assert "no column for the child in need plan, looked-after child" in message
    assert "police-referral criteria read the five vulnerability columns" in message


def test_a_title_line_above_the_headings_is_skipped_and_rows_keep_their_spreadsheet_numbers():
    text = "Pupil list for Hillside,,,,\r\n" + csv_text([row(), [""] * 10, row(UPN_B, "Ben")])
    parsed = mis.parse_csv(text, today=TODAY)
    assert [r.row for r in parsed.rows] == [3, 5]  # title 1, headings 2, blank row 4 skipped


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_separated_exports_are_read(delimiter):
    text = "\n".join(delimiter.join(cells) for cells in [HEADER, row()])
    assert mis.parse_csv(text, today=TODAY).rows[0].record.last_name == "Morgan"


def test_a_file_with_headings_and_no_pupils_is_refused():
    with pytest.raises(mis.ImportRefused, match="no pupils"):
        parse([])


def test_more_than_20000_rows_is_refused_with_the_limit():
    rows = [row(f"A{n:012d}") for n in range(mis.MAX_ROWS + 1)]
    with pytest.raises(mis.ImportRefused, match="up to 20,000"):
        parse(rows)


# --- Values -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("03/03/2012", date(2012, 3, 3)),
        ("3/3/2012", date(2012, 3, 3)),
        ("2012-03-03", date(2012, 3, 3)),
        ("03-03-2012", date(2012, 3, 3)),
        ("03.03.2012", date(2012, 3, 3)),
        ("03/03/2012 00:00", date(2012, 3, 3)),
        ("2012-03-03T00:00:00", date(2012, 3, 3)),
        (" 29/02/2012 ", date(2012, 2, 29)),
        ("23/11/2006", date(2006, 11, 23)),  # 20 today: still a pupil
        ("23/11/2024", date(2024, 11, 23)),  # 2 today
    ],
)
def test_dates_of_birth_uk_and_iso(raw, expected):
    assert mis.parse_date_of_birth(raw, today=TODAY) == (expected, None)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("31/02/2012", "the date of birth 31/02/2012 is not a real date"),
        ("29/02/2013", "the date of birth 29/02/2013 is not a real date"),
        ("03/31/2012", "the date of birth 03/31/2012 is not a real date (dates are read as day/month/year)"),
        ("2012-13-01", "the date of birth 2012-13-01 is not a real date"),
        ("3rd March 2012", "the date of birth \u201c3rd March 2012\u201d is not a date Safeguard can read"),
        ("03/03/12", "with the year in full"),
        ("", "there is no date of birth"),
        ("24/11/2026", "the date of birth 24/11/2026 is in the future"),
        ("22/11/2005", "would make the pupil 21 years old; pupils must be from 2 to 20"),
        ("24/11/2024", "would make the pupil 1 year old; pupils must be from 2 to 20"),
    ],
)
def test_bad_dates_of_birth_are_refused_in_plain_words(raw, problem):
    value, message = mis.parse_date_of_birth(raw, today=TODAY)
    assert value is None
    assert problem in message


def test_a_child_born_on_29_february_is_a_year_older_on_1_march():
    """The import counts ages with the criteria's own age_on: one rule for a child's age."""
    from cases.criteria import age_on

    assert mis.parse_date_of_birth("29/02/2012", today=date(2025, 2, 28))[0] == date(2012, 2, 29)
    assert age_on(date(2012, 2, 29), date(2025, 2, 28)) == 12
    assert age_on(date(2012, 2, 29), date(2025, 3, 1)) == 13
    assert mis.values.age_on is age_on


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("R", 0),
        ("r", 0),
        ("Reception", 0),
        ("Rec", 0),
        ("Year R", 0),
        ("0", 0),
        ("1", 1),
        ("07", 7),
        ("13", 13),
        ("Year 7", 7),
        ("year 10", 10),
        ("Y7", 7),
        ("Yr 8", 8),
        ("NC Year 11", 11),
        ("14", None),
        ("N1", None),
        ("Nursery", None),
        ("-1", None),
        ("Year", None),
        ("7.5", None),
    ],
)
def test_year_groups(raw, expected):
    assert mis.parse_year_group(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Y", True),
        ("y", True),
        ("Yes", True),
        ("YES", True),
        ("True", True),
        ("true", True),
        ("1", True),
        ("N", False),
        ("No", False),
        ("FALSE", False),
        ("0", False),
        ("", False),
        ("  ", False),
        ("maybe", None),
        ("2", None),
        ("\u2713", None),
    ],
)
def test_flags(raw, expected):
    assert mis.parse_flag(raw) == expected


def test_a_flag_that_is_not_yes_or_no_refuses_the_row_naming_the_column():
    parsed = only_row([row(UPN_A, "Ava", "Morgan", "03/03/2012", "9", "maybe")])
    assert parsed.record is None
    assert parsed.problems == ["\u201cmaybe\u201d under \u201cCP Plan\u201d is not yes or no: use Y or N (blank means no)"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("A123456789012", "A123456789012"),
        ("a123456789012", "A123456789012"),
        (" A 1234 5678 9012 ", "A123456789012"),
        (UPN_C, UPN_C),
    ],
)
def test_good_upns_are_upper_cased_without_spaces(raw, expected):
    parsed = only_row([row(raw)])
    assert parsed.problems == []
    assert parsed.record.upn == expected


@pytest.mark.parametrize(
    "raw", ["123456789012A", "A12345678901", "A1234567890123", "AB23456789012", "A12345678901-", "A1234567890.2"]
)
def test_bad_upns_are_refused(raw):
    parsed = only_row([row(raw)])
    assert parsed.record is None
    assert parsed.problems[0].startswith(f"the UPN \u201c{raw}\u201d is not a valid UPN: a UPN is 13 characters")


def test_a_row_with_several_problems_lists_every_one():
    parsed = only_row([["", "", "Morgan", "31/02/2012", "Nursery", "x", "", "", "", ""]])
    assert parsed.problems == [
        "there is no UPN",
        "there is no first name",
        "the date of birth 31/02/2012 is not a real date",
        "the year group \u201cNursery\u201d is not one Safeguard records: use R (or Reception), or 1 to 13",
        "\u201cx\u201d under \u201cCP Plan\u201d is not yes or no: use Y or N (blank means no)",
    ]


def test_a_upn_on_two_rows_refuses_both():
    parsed = parse([row(UPN_A, "Ava"), row(UPN_B, "Ben"), row(UPN_A.lower(), "Ada")])
    refused = {r.row: r for r in parsed.rows if r.record is None}
    assert sorted(refused) == [2, 4]
    assert refused[2].problems == [f"UPN {UPN_A} appears on rows 2 and 4"]
    assert refused[4].problems == [f"UPN {UPN_A} appears on rows 2 and 4"]
    assert parsed.rows[1].record.first_name == "Ben"


def test_a_upn_on_three_rows_names_them_all():
    parsed = parse([row(), row(), row(UPN_B), row()])
    assert parsed.rows[0].problems == [f"UPN {UPN_A} appears on rows 2, 3 and 5"]


# --- Reading the bytes ---------------------------------------------------------------------------


def test_a_windows_1252_file_is_read():
    data = csv_text([row(UPN_A, "Zoë", "O\u2019Brien")]).encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    record = mis.parse_csv(mis.decode_upload(data), today=TODAY).rows[0].record
    assert (record.first_name, record.last_name) == ("Zoë", "O\u2019Brien")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
def test_utf8_with_or_without_bom_and_excel_unicode_text_are_read(encoding):
    text = mis.decode_upload(csv_text([row(UPN_A, "Siân")]).encode(encoding))
    parsed = mis.parse_csv(text, today=TODAY)
    assert parsed.columns["upn"] == "UPN"
    assert parsed.rows[0].record.first_name == "Siân"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b" \r\n ", "empty"),
        (b"PK\x03\x04rest of a workbook", "not a CSV file"),
        (b"\xd0\xcf\x11\xe0old excel", "not a CSV file"),
        (b"UPN,DOB\r\n" + b"x" * mis.MAX_BYTES, "larger than 5 MB"),
    ],
)
def test_files_that_cannot_be_read_are_refused(data, message):
    with pytest.raises(mis.ImportRefused, match=message):
        mis.decode_upload(data)


# --- Planning against the pupils on Safeguard ------------------------------------------------------


def existing(*records: mis.PupilRecord) -> dict[str, mis.PupilRecord]:
    return {r.upn: r for r in records}


AVA = mis.PupilRecord(UPN_A, "Ava", "Morgan", date(2012, 3, 3), 9)


def test_plan_says_added_changed_unchanged_and_refused():
    parsed = parse(
        [
            row(UPN_A, "Ava", "Morgan", "03/03/2012", "9"),
            row(UPN_B, "Ben", "Okafor", "04/04/2013", "8", "Y"),
            row(UPN_C, "Cal", "Reid", "05/05/2011", "10"),
            row("bad", "Dee", "Stone", "05/05/2011", "10"),
        ]
    )
    ben = mis.PupilRecord(UPN_B, "Benjamin", "Okafor", date(2013, 4, 5), 8)
    plan = mis.plan_import(parsed, existing(AVA, ben))
    assert [(r.row, r.action) for r in plan.rows] == [(2, "unchanged"), (3, "changed"), (4, "added"), (5, "refused")]
    assert plan.rows[1].changes == [
        mis.Change("first_name", "first name", "Benjamin", "Ben"),
        mis.Change("date_of_birth", "date of birth", "05/04/2013", "04/04/2013"),
        mis.Change("child_protection_plan", "child protection plan", "no", "yes"),
    ]
    assert plan.rows[1].reassess
    assert plan.counts == {"added": 1, "changed": 1, "unchanged": 1, "refused": 1}
    assert not plan.can_apply


def test_a_name_or_year_change_does_not_need_a_reassessment():
    plan = mis.plan_import(parse([row(UPN_A, "Ava", "Morgan-Reid", "03/03/2012", "10")]), existing(AVA))
    assert plan.rows[0].changed_fields == ["last_name", "year_group"]
    assert not plan.rows[0].reassess


def test_pupils_not_in_the_file_are_counted_and_left_alone():
    others = [mis.PupilRecord(f"Z{n:012d}", "Old", "Leaver", date(2008, 1, 1), 13) for n in range(3)]
    plan = mis.plan_import(parse([row()]), existing(AVA, *others))
    assert plan.not_in_file == 3
    assert plan.counts["unchanged"] == 1


def test_a_blank_flag_in_a_flag_column_means_no_and_is_a_change():
    on_plan = mis.PupilRecord(UPN_A, "Ava", "Morgan", date(2012, 3, 3), 9, child_protection_plan=True)
    plan = mis.plan_import(parse([row()]), existing(on_plan))
    assert plan.rows[0].changes == [mis.Change("child_protection_plan", "child protection plan", "yes", "no")]


def test_a_new_upn_for_a_pupil_already_on_safeguard_is_warned_about():
    plan = mis.plan_import(parse([row(UPN_B, "ava", "MORGAN", "03/03/2012", "9")]), existing(AVA))
    assert plan.rows[0].action == "added"
    assert f"already on Safeguard with UPN {UPN_A}" in plan.rows[0].warnings[0]


def test_the_stored_report_reads_back_and_an_empty_one_is_safe():
    plan = mis.plan_import(parse([row(), row(UPN_B, "Ben", "Okafor", "04/04/2013", "8", "Y")]), existing(AVA))
    report = mis.report_from_json(plan.to_json())
    assert (report.added, report.unchanged, report.rows_in_file, report.can_apply) == (1, 1, 2, True)
    assert [c.label for c in report.added_rows[0].changes] == ["date of birth", "year group", "child protection plan"]
    empty = mis.report_from_json({})
    assert (empty.rows, empty.can_apply) == ((), False)


# --- The services ---------------------------------------------------------------------------------------


def current_row(upn=UPN_A, first="Ava", last="Morgan") -> list[str]:
    """A row whose pupil is 13 today, whenever the tests run (the pure tests above use a fixed day)."""
    return row(upn, first, last, uk(born(13)), "8")


def upload(school, dsl, rows, header=HEADER, *, name="roll.csv") -> PupilImport:
    return pupil_import_preview(actor=dsl, school=school, filename=name, data=csv_text(rows, header).encode())


@pytest.fixture
def ava(school):
    return PupilFactory(school=school, upn=UPN_A, first_name="Ava", last_name="Morgan", date_of_birth=born(14), year_group=9)


def ava_row(ava, *flags, **overrides) -> list[str]:
    values = {"upn": ava.upn, "first": ava.first_name, "last": ava.last_name, "dob": uk(ava.date_of_birth), "year": "9"}
    values.update(overrides)
    return row(values["upn"], values["first"], values["last"], values["dob"], values["year"], *flags)


def test_preview_keeps_the_report_and_writes_no_pupil(school, dsl, ava):
    before = list(Pupil.objects.values_list("pk", "first_name", "updated_at"))
    record = upload(school, dsl, [ava_row(ava, first="Ada"), row(UPN_B, "Ben", "Okafor", uk(born(12)), "7")])
    assert list(Pupil.objects.values_list("pk", "first_name", "updated_at")) == before
    assert record.status == PupilImport.Status.PREVIEWED
    assert (record.school, record.uploaded_by, record.filename) == (school, dsl, "roll.csv")
    assert record.content.startswith("UPN,Forename")
    assert record.report["counts"] == {"added": 1, "changed": 1, "unchanged": 0, "refused": 0}
    event = AuditEvent.objects.get(action="cases.pupil_import.previewed")
    assert event.extra == {"rows": 2, "added": 1, "changed": 1, "unchanged": 0, "refused": 0, "not_in_file": 0}


def test_apply_adds_and_changes_exactly_as_reported(school, dsl, ava):
    leaver = PupilFactory(school=school, first_name="Lee", last_name="Leaver")
    ben_dob = born(12)
    record = upload(
        school, dsl, [ava_row(ava, "Y", first="Ada", year="10"), row(UPN_B, "Ben", "Okafor", uk(ben_dob), "7", "", "Y")]
    )
    report = mis.report_from_json(record.report)
    assert [(c.label, c.old, c.new) for c in report.changed_rows[0].changes] == [
        ("first name", "Ava", "Ada"),
        ("year group", "Year 9", "Year 10"),
        ("child protection plan", "no", "yes"),
    ]
    assert report.not_in_file == 1

    applied = pupil_import_apply(actor=dsl, pupil_import=record)

    assert applied.status == PupilImport.Status.APPLIED and applied.applied_at is not None
    ava.refresh_from_db()
    assert (ava.first_name, ava.year_group, ava.child_protection_plan, ava.child_in_need_plan) == ("Ada", 10, True, False)
    ben = Pupil.objects.get(school=school, upn=UPN_B)
    assert (ben.full_name, ben.date_of_birth, ben.year_group, ben.child_in_need_plan) == ("Ben Okafor", ben_dob, 7, True)
    assert Pupil.objects.filter(pk=leaver.pk, first_name="Lee").exists()  # not in the file: left alone
    assert Pupil.objects.filter(school=school).count() == 3
    event = AuditEvent.objects.get(action="cases.pupil_import.applied")
    assert event.extra == {"added": 1, "changed": 1, "unchanged": 0, "not_in_file": 1, "reassessed_cases": 0}


def test_importing_the_same_file_again_changes_nothing(school, dsl, ava):
    rows = [ava_row(ava, "Y", first="Ada"), row(UPN_B, "Ben", "Okafor", uk(born(12)), "7")]
    pupil_import_apply(actor=dsl, pupil_import=upload(school, dsl, rows))
    stamps = dict(Pupil.objects.values_list("pk", "updated_at"))
    again = upload(school, dsl, rows)
    assert again.report["counts"] == {"added": 0, "changed": 0, "unchanged": 2, "refused": 0}
    pupil_import_apply(actor=dsl, pupil_import=again)
    assert dict(Pupil.objects.values_list("pk", "updated_at")) == stamps


def test_the_same_import_cannot_be_applied_twice(school, dsl):
    record = upload(school, dsl, [row(UPN_B, "Ben", "Okafor", uk(born(12)), "7")])
    pupil_import_apply(actor=dsl, pupil_import=record)
    with pytest.raises(ValidationError, match="already imported"):
        pupil_import_apply(actor=dsl, pupil_import=record)
    assert Pupil.objects.filter(upn=UPN_B).count() == 1
    assert AuditEvent.objects.filter(action="cases.pupil_import.applied").count() == 1


def test_a_file_with_one_refused_row_cannot_be_applied_and_nothing_is_written(school, dsl, ava):
    record = upload(school, dsl, [ava_row(ava, "Y"), row(UPN_B, "Ben", "Okafor", "31/02/2012", "7")])
    assert record.report["counts"]["refused"] == 1
    with pytest.raises(ValidationError, match="Nothing was imported: 1 row is refused"):
        pupil_import_apply(actor=dsl, pupil_import=record)
    ava.refresh_from_db()
    assert not ava.child_protection_plan
    assert not Pupil.objects.filter(upn=UPN_B).exists()
    record.refresh_from_db()
    assert record.status == PupilImport.Status.PREVIEWED  # kept, so the report can still be read
    assert not AuditEvent.objects.filter(action="cases.pupil_import.applied").exists()


def test_apply_checks_the_file_again_against_the_records_as_they_are_now(school, dsl, ava):
    record = upload(school, dsl, [ava_row(ava, first="Ada")])
    assert record.report["counts"]["changed"] == 1
    Pupil.objects.filter(pk=ava.pk).update(first_name="Ada")  # corrected by hand meanwhile
    applied = pupil_import_apply(actor=dsl, pupil_import=record)
    assert applied.report["counts"] == {"added": 0, "changed": 0, "unchanged": 1, "refused": 0}


def test_a_flag_set_by_import_reassesses_the_open_case_which_becomes_required(school, dsl, ava):
    case = make_case(actor=dsl, school=school, pupils=[ava])
    assert case.outcome == "not_required"
    assessments = Assessment.objects.filter(case=case).count()

    applied = pupil_import_apply(actor=dsl, pupil_import=upload(school, dsl, [ava_row(ava, "Y")]))

    case.refresh_from_db()
    assert Assessment.objects.filter(case=case).count() == assessments + 1
    assert case.outcome == "required"
    assert "C5" in case.current_assessment.met
    assert case.current_assessment.trigger == "pupil_record_changed"
    assert applied.report["reassessed_cases"] == 1


def test_a_name_change_by_import_does_not_reassess(school, dsl, ava):
    case = make_case(actor=dsl, school=school, pupils=[ava])
    assessments = Assessment.objects.filter(case=case).count()
    pupil_import_apply(actor=dsl, pupil_import=upload(school, dsl, [ava_row(ava, first="Ada")]))
    assert Assessment.objects.filter(case=case).count() == assessments


def test_audit_events_and_logs_hold_no_pupil_data(school, dsl, ava, caplog):
    make_case(actor=dsl, school=school, pupils=[ava])
    secret_dob = born(12)
    before = AuditEvent.objects.count()
    with caplog.at_level(logging.DEBUG):
        record = upload(school, dsl, [ava_row(ava, "Y"), row(UPN_B, "Bethany", "Quartermaine", uk(secret_dob), "7")])
        pupil_import_apply(actor=dsl, pupil_import=record)
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert {e.action for e in events} >= {"cases.pupil_import.previewed", "cases.pupil_import.applied"}
    for event in events:
        flat = repr((event.action, event.object_type, event.object_id, event.extra))
        for secret in (
            "Ava",
            "Morgan",
            "Bethany",
            "Quartermaine",
            UPN_A,
            UPN_B,
            uk(secret_dob),
            secret_dob.isoformat(),
            "roll.csv",
        ):
            assert secret not in flat
    for secret in ("Bethany", "Quartermaine", UPN_B, uk(secret_dob)):
        assert secret not in caplog.text


def test_only_the_schools_leads_can_import(school, head, other_dsl, dsl):
    with pytest.raises(PermissionDenied):
        upload(school, head, [current_row()])
    record = upload(school, dsl, [current_row()])
    with pytest.raises(PermissionDenied):
        pupil_import_apply(actor=other_dsl, pupil_import=record)
    assert not Pupil.objects.filter(upn=UPN_A).exists()


def test_an_unreadable_file_is_refused_and_nothing_is_kept(school, dsl):
    with pytest.raises(ValidationError) as refused:
        upload(school, dsl, [["x", "y"]], header=["Name", "Class"])
    assert "no column for the UPN" in refused.value.message_dict["file"][0]
    assert not PupilImport.objects.exists()


# --- The pages --------------------------------------------------------------------------------------


def post_file(client, rows, header=HEADER, *, name="roll.csv", data: bytes | None = None):
    content = data if data is not None else csv_text(rows, header).encode()
    return client.post(reverse("pupil_import"), {"file": SimpleUploadedFile(name, content, content_type="text/csv")})


def test_upload_shows_the_report_then_imports(school, dsl, ava, login):
    client = login(dsl)
    response = post_file(client, [ava_row(ava, "Y"), row(UPN_B, "Ben", "Okafor", uk(born(12)), "7")])
    record = PupilImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("pupil_import_detail", args=[record.pk])

    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ready to import" in html
    assert "Child protection plan: no" in html and "yes</li>" in html
    assert "Ben Okafor" in html
    assert not Pupil.objects.filter(upn=UPN_B).exists()

    done = client.post(response["Location"], follow=True)
    assert done.redirect_chain[-1][0] == response["Location"]
    assert "roll.csv is imported: 1 pupil added, 1 changed, 0 unchanged." in done.content.decode()
    assert Pupil.objects.filter(school=school, upn=UPN_B).exists()
    record.refresh_from_db()
    assert record.status == PupilImport.Status.APPLIED


def test_upload_page_lists_this_schools_imports_only(school, other_school, dsl, other_dsl, login):
    upload(school, dsl, [current_row()], name="hillside-roll.csv")
    upload(other_school, other_dsl, [current_row()], name="valley-roll.csv")
    html = login(dsl).get(reverse("pupil_import")).content.decode()
    assert "hillside-roll.csv" in html and "1 new, 0 changed, 0 unchanged" in html
    assert "valley-roll.csv" not in html
    assert 'enctype="multipart/form-data"' in html


def test_missing_columns_are_explained_beside_the_file_field(dsl, login):
    response = post_file(login(dsl), [["A123456789012", "Ava"]], header=["UPN", "Name"])
    assert response.status_code == 200
    html = response.content.decode()
    assert "This file cannot be imported: it has no column for the first name, last name, date of birth, year group," in html
    assert "Legal Forename" in html
    assert response.context["form"].errors["file"]
    assert not PupilImport.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"PK\x03\x04workbook", "not a CSV file"), (b"x" * (mis.MAX_BYTES + 1), "larger than 5 MB")],
)
def test_files_that_cannot_be_read_are_explained(dsl, login, data, message):
    response = post_file(login(dsl), [], data=data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not PupilImport.objects.exists()


def test_refused_rows_are_listed_and_applying_is_refused_but_the_upload_is_kept(school, dsl, ava, login):
    client = login(dsl)
    response = post_file(client, [ava_row(ava, "Y"), row(UPN_B, "Ben", "Okafor", "31/02/2012", "7")])
    url = response["Location"]
    html = client.get(url).content.decode()
    assert "1 row cannot be imported" in html
    assert "Row 3: the date of birth 31/02/2012 is not a real date" in html
    assert "Ready to import" not in html

    refused = client.post(url, follow=True)
    assert "Nothing was imported: 1 row is refused." in refused.content.decode()
    assert "Row 3: the date of birth 31/02/2012 is not a real date" in refused.content.decode()  # the report is still there
    ava.refresh_from_db()
    assert not ava.child_protection_plan
    assert PupilImport.objects.get().status == PupilImport.Status.PREVIEWED


def test_applying_an_import_already_applied_says_so(school, dsl, login):
    record = upload(school, dsl, [current_row()])
    client = login(dsl)
    client.post(reverse("pupil_import_detail", args=[record.pk]))
    again = client.post(reverse("pupil_import_detail", args=[record.pk]), follow=True)
    assert "This file was already imported on" in again.content.decode()
    assert Pupil.objects.filter(upn=UPN_A).count() == 1


@pytest.mark.parametrize("persona", ["head", "pastoral", "it_admin", "staff_member"])
def test_only_leads_may_upload(persona, personas, login):
    response = post_file(login(personas[persona]), [current_row()])
    assert response.status_code == 403
    assert not PupilImport.objects.exists()


def test_another_schools_lead_gets_not_found_and_cannot_apply(school, dsl, other_dsl, head, login):
    record = upload(school, dsl, [current_row()])
    url = reverse("pupil_import_detail", args=[record.pk])
    for outsider in (other_dsl, head):
        client = login(outsider)
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    assert not Pupil.objects.filter(upn=UPN_A).exists()
    record.refresh_from_db()
    assert record.status == PupilImport.Status.PREVIEWED


# --- The optional leaving date (issue 18: a leaver's file is sent on) -----------------------------

LEAVING = [*HEADER, "Leaving Date"]


@pytest.mark.parametrize("alias", mis.HEADER_ALIASES["left_on"])
def test_every_leaving_date_heading_is_read(alias):
    parsed = parse([[*row(), "20/11/2026"]], [*HEADER, alias])
    assert parsed.columns["left_on"] == alias
    assert parsed.rows[0].record.left_on == date(2026, 11, 20)


def test_a_blank_leaving_date_is_still_on_the_roll_and_no_column_is_fine():
    assert only_row([[*row(), ""]], LEAVING).record.left_on is None
    assert only_row([row()]).record.left_on is None


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("31/02/2026", "the leaving date 31/02/2026 is not a real date"),
        ("next week", "the leaving date \u201cnext week\u201d is not a date Safeguard can read"),
        ("01/06/2027", "the leaving date 01/06/2027 is more than four months away"),
        ("01/01/2010", "the leaving date 01/01/2010 is before the date of birth"),
    ],
)
def test_a_bad_leaving_date_refuses_the_row_in_words(value, problem):
    parsed = only_row([[*row(), value]], LEAVING)
    assert parsed.record is None
    assert any(p.startswith(problem) for p in parsed.problems), parsed.problems


def test_the_import_marks_a_leaver_and_starts_the_checklist_for_their_file(school, dsl, ava):
    from cases.models import FileTransfer

    make_case(actor=dsl, school=school, pupils=[ava])
    left = timezone.localdate() - timedelta(days=1)
    record = upload(school, dsl, [[*ava_row(ava), uk(left)]], LEAVING)
    report = mis.report_from_json(record.report)
    assert [(c.label, c.old, c.new) for c in report.changed_rows[0].changes] == [("leaving date", "on the roll", uk(left))]
    pupil_import_apply(actor=dsl, pupil_import=record)
    ava.refresh_from_db()
    assert ava.left_on == left
    transfer = FileTransfer.objects.get(pupil=ava)
    assert transfer.status == "to_send" and transfer.left_on == left
    assert AuditEvent.objects.filter(action="desk.pupil.marked_left", extra__by="import").exists()


def test_the_import_never_unmarks_a_leaver_nor_moves_their_date(school, dsl, ava):
    Pupil.objects.filter(pk=ava.pk).update(left_on=date(2026, 10, 1))
    for cell in ("", uk(timezone.localdate())):
        record = upload(school, dsl, [[*ava_row(ava), cell]], LEAVING)
        assert mis.report_from_json(record.report).changed_rows == []
        pupil_import_apply(actor=dsl, pupil_import=record)
        ava.refresh_from_db()
        assert ava.left_on == date(2026, 10, 1)


def test_a_leaver_with_nothing_on_record_has_no_file_to_send(school, dsl, ava):
    from cases.models import FileTransfer

    pupil_import_apply(actor=dsl, pupil_import=upload(school, dsl, [[*ava_row(ava), uk(timezone.localdate())]], LEAVING))
    ava.refresh_from_db()
    assert ava.left_on == timezone.localdate()
    assert not FileTransfer.objects.exists()
