"""The nightly pupil import from the MIS's folder (issue 20): what a dropped file does, and what
a bad one is refused for, with nothing changed."""

from __future__ import annotations

import os
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cases import pupil_import as mis
from cases.models import FileTransfer, Pupil, PupilImport, RollFeed
from cases.services.roll_feed import FileSeen, check_all, is_settled, resolve_folder, roll_feed_check, roll_feed_save
from cases.tasks import import_rolls
from safeguard.models import AuditEvent, Notification
from tests.factories import PupilFactory, make_case

SIMS_HEADER = [
    "UPN",
    "Legal Forename",
    "Legal Surname",
    "DOB",
    "Year",
    "Child Protection Plan",
    "Child in Need",
    "In Care",
    "Open to Social Care",
    "Youth Justice",
]
UPN_A, UPN_B, UPN_C, UPN_D = "A123456789012", "B123456789013", "C12345678901D", "D123456789014"


@pytest.fixture
def root(settings, tmp_path):
    settings.SAFEGUARD_ROLL_ROOT = tmp_path / "roll"
    (tmp_path / "roll" / "mis").mkdir(parents=True)
    return tmp_path / "roll"


@pytest.fixture
def feed(root, school, it_admin):
    return roll_feed_save(
        actor=it_admin, school=school, folder="mis", preset="sims", headings={}, settle_minutes=10, enabled=True
    )


def drop(root, rows, *, name="pupils.csv", header=SIMS_HEADER, age_minutes=30) -> os.PathLike:
    path = root / "mis" / name
    path.write_text("\r\n".join(",".join(cells) for cells in [header, *rows]) + "\r\n", encoding="utf-8")
    when = (timezone.now() - timedelta(minutes=age_minutes)).timestamp()
    os.utime(path, (when, when))
    return path


def two_looks(feed):
    """The first look notes the file; the second, with it unchanged, reads it."""
    first = roll_feed_check(feed=feed)
    return first, roll_feed_check(feed=feed)


@pytest.fixture
def roll(school):
    """Three pupils on roll: Ava (stays, changes year), Ben (leaves), Cal (stays as she is)."""
    return {
        "ava": PupilFactory(
            school=school, upn=UPN_A, first_name="Ava", last_name="Morgan", date_of_birth=date(2012, 3, 3), year_group=8
        ),
        "ben": PupilFactory(
            school=school, upn=UPN_B, first_name="Ben", last_name="Okafor", date_of_birth=date(2011, 4, 4), year_group=9
        ),
        "cal": PupilFactory(
            school=school, upn=UPN_C, first_name="Cal", last_name="Reyes", date_of_birth=date(2013, 5, 5), year_group=7
        ),
    }


def the_roll(**changes):
    rows = {
        UPN_A: [UPN_A, "Ava", "Morgan", "03/03/2012", "9", "N", "N", "N", "N", "N"],
        UPN_C: [UPN_C, "Cal", "Reyes", "05/05/2013", "7", "N", "N", "N", "N", "N"],
        UPN_D: [UPN_D, "Dan", "Ellis", "06/06/2013", "7", "N", "N", "N", "N", "N"],
    }
    rows.update(changes)
    return [r for r in rows.values() if r]


def test_a_dropped_file_adds_updates_and_marks_the_missing_pupil_as_left_starting_the_transfer(root, feed, roll, dsl, school):
    make_case(actor=dsl, school=school, pupils=[roll["ben"]], summary="A test concern about Ben.")
    drop(root, the_roll())
    first, second = two_looks(feed)
    assert first.startswith("Waiting for pupils.csv")
    assert "imported: 1 added, 1 changed, 1 marked as left" in second
    assert Pupil.objects.get(upn=UPN_D).first_name == "Dan"
    assert Pupil.objects.get(upn=UPN_A).year_group == 9
    ben = Pupil.objects.get(upn=UPN_B)
    assert ben.left_on == timezone.localdate()  # marked as left, never deleted
    assert Pupil.objects.get(upn=UPN_C).left_on is None
    transfer = FileTransfer.objects.get(pupil=ben)  # the checklist for the child's file started
    assert transfer.left_on == ben.left_on
    record = PupilImport.objects.get(source=PupilImport.Source.NIGHTLY)
    assert record.status == PupilImport.Status.APPLIED and record.uploaded_by is None
    assert record.report["left_by_absence"] == 1
    event = AuditEvent.objects.get(action="cases.pupil_import.applied")
    assert event.actor_id is None and event.extra["marked_left"] == 1 and event.extra["source"] == "nightly"
    assert "Ben" not in str(event.extra) and "Okafor" not in str(event.extra)


def test_the_same_file_is_read_once(root, feed, roll):
    drop(root, the_roll())
    two_looks(feed)
    again = roll_feed_check(feed=feed)
    assert again == "Nothing new: pupils.csv was read already."
    assert PupilImport.objects.filter(source=PupilImport.Source.NIGHTLY).count() == 1


def test_a_file_still_being_written_waits_until_it_has_stopped_changing(root, feed, roll):
    path = drop(root, the_roll()[:1], age_minutes=30)
    assert roll_feed_check(feed=feed).startswith("Waiting")
    # The MIS writes more between the looks: the size changed, so it waits again.
    drop(root, the_roll(), age_minutes=30)
    assert roll_feed_check(feed=feed).startswith("Waiting")
    assert not PupilImport.objects.exists()
    # Written a minute ago: unchanged at two looks but not yet still for ten minutes.
    now = timezone.now().timestamp()
    os.utime(path, (now, now))
    assert roll_feed_check(feed=feed).startswith("Waiting")
    assert roll_feed_check(feed=feed).startswith("Waiting")
    assert not PupilImport.objects.exists()
    assert Pupil.objects.filter(left_on__isnull=False).count() == 0


def test_is_settled_needs_the_same_signature_and_the_quiet_minutes():
    now = timezone.now()
    file = FileSeen(path=__import__("pathlib").Path("/x/pupils.csv"), size=10, modified=now - timedelta(minutes=11))
    assert is_settled(seen_before=file.signature, file=file, now=now, settle_minutes=10)
    assert not is_settled(seen_before="", file=file, now=now, settle_minutes=10)
    assert not is_settled(seen_before=file.signature, file=file, now=now, settle_minutes=12)


def _nothing_changed(roll):
    for pupil in roll.values():
        fresh = Pupil.objects.get(pk=pupil.pk)
        assert (fresh.year_group, fresh.left_on) == (pupil.year_group, None)
    assert not Pupil.objects.filter(upn=UPN_D).exists()
    assert not FileTransfer.objects.exists()


def test_a_file_that_fails_to_parse_is_kept_reported_and_changes_nothing(root, feed, roll, dsl, deputy, it_admin, head):
    drop(root, [[UPN_A, "Ava", "Morgan"]], header=["UPN", "Forename", "Nickname"])
    _, outcome = two_looks(feed)
    assert "was not imported" in outcome
    _nothing_changed(roll)
    record = PupilImport.objects.get(source=PupilImport.Source.NIGHTLY)
    assert record.status == PupilImport.Status.FAILED and record.content  # kept
    assert "column" in record.problem.lower()
    told = set(Notification.objects.filter(kind="roll_import_failed").values_list("recipient_id", flat=True))
    assert told == {dsl.pk, deputy.pk, it_admin.pk}
    assert AuditEvent.objects.filter(action="cases.pupil_import.failed").exists()
    # Read once: the next look does not report it again.
    assert roll_feed_check(feed=feed).startswith("Nothing new")
    assert Notification.objects.filter(kind="roll_import_failed").count() == 3


def test_a_refused_row_refuses_the_whole_file(root, feed, roll):
    drop(root, the_roll(**{UPN_D: [UPN_D, "Dan", "Ellis", "31/02/2013", "7", "N", "N", "N", "N", "N"]}))
    _, outcome = two_looks(feed)
    assert "1 row is refused" in outcome
    _nothing_changed(roll)


def test_another_schools_export_is_refused_as_a_whole(root, feed, roll):
    drop(
        root,
        [
            ["E123456789015", "Eve", "Stone", "01/01/2012", "8", "N", "N", "N", "N", "N"],
            ["F123456789016", "Fay", "Hart", "02/02/2012", "8", "N", "N", "N", "N", "N"],
        ],
    )
    _, outcome = two_looks(feed)
    assert "another school's export" in outcome
    _nothing_changed(roll)


def test_an_export_of_one_year_group_is_refused_rather_than_marking_the_rest_as_left(root, feed, school):
    on_roll = [PupilFactory(school=school, upn=f"G{n:011d}{n % 10}") for n in range(30)]
    kept = on_roll[:10]
    drop(
        root,
        [
            [p.upn, p.first_name, p.last_name, p.date_of_birth.strftime("%d/%m/%Y"), str(p.year_group), "N", "N", "N", "N", "N"]
            for p in kept
        ],
    )
    _, outcome = two_looks(feed)
    assert "would mark 20 of the 30 pupils on roll as left" in outcome
    assert not Pupil.objects.filter(left_on__isnull=False).exists()


def test_a_custom_mis_must_name_every_column(root, school, it_admin):
    with pytest.raises(ValidationError) as refused:
        roll_feed_save(
            actor=it_admin, school=school, folder="mis", preset="custom", headings={"upn": "No"}, settle_minutes=1, enabled=True
        )
    assert "first name" in str(refused.value)


def test_the_schools_own_headings_are_read(root, school, it_admin, roll):
    feed = roll_feed_save(
        actor=it_admin,
        school=school,
        folder="mis",
        preset="custom",
        headings={
            "upn": "Pupil No",
            "first_name": "Given",
            "last_name": "Family",
            "date_of_birth": "Born",
            "year_group": "Yr",
            "child_protection_plan": "CP flag",
            "child_in_need_plan": "CIN flag",
            "looked_after": "LAC flag",
            "open_to_social_care": "CSC flag",
            "known_to_police": "YJ flag",
        },
        settle_minutes=1,
        enabled=True,
    )
    header = ["Pupil No", "Given", "Family", "Born", "Yr", "CP flag", "CIN flag", "LAC flag", "CSC flag", "YJ flag"]
    drop(root, the_roll(), header=header)
    _, outcome = two_looks(feed)
    assert "1 added" in outcome and Pupil.objects.get(upn=UPN_D).last_name == "Ellis"


def test_a_folder_outside_the_root_is_refused(root, school, it_admin):
    with pytest.raises(ValidationError) as refused:
        roll_feed_save(
            actor=it_admin, school=school, folder="../../etc", preset="sims", headings={}, settle_minutes=10, enabled=True
        )
    assert "must be inside" in str(refused.value)
    with pytest.raises(ValueError):
        resolve_folder("mis/../../outside")
    assert not RollFeed.objects.exists()


def test_only_the_it_admin_sets_up_the_nightly_import(root, school, dsl):
    with pytest.raises(PermissionDenied):
        roll_feed_save(actor=dsl, school=school, folder="mis", preset="sims", headings={}, settle_minutes=10, enabled=True)


def test_a_missing_folder_is_said_and_a_broken_school_does_not_stop_the_others(root, feed, other_school, roll, settings):
    from tests.factories import staff

    other_admin = staff(other_school, "it_admin")
    (root / "other").mkdir()
    other = roll_feed_save(
        actor=other_admin, school=other_school, folder="other", preset="sims", headings={}, settle_minutes=10, enabled=True
    )
    (root / "mis").rmdir()
    outcomes = import_rolls()
    assert "cannot read the folder" in outcomes[feed.school_id]
    assert outcomes[other.school_id] == "No CSV file in the folder yet."


def test_the_pages_show_the_outcome_without_pupils_to_the_it_admin(root, feed, roll, it_admin, dsl, login):
    drop(root, the_roll())
    check_all()
    check_all()
    page = login(it_admin).get(reverse("roll_feed"))
    text = page.content.decode()
    assert page.status_code == 200 and "pupils.csv" in text and "1 marked as left" in text
    for name in ("Ava", "Ben", "Dan", "Okafor", UPN_A):
        assert name not in text
    lead_page = login(dsl).get(reverse("pupil_import")).content.decode()
    assert "Nightly from the MIS" in lead_page and "1 marked as left" in lead_page
    record = PupilImport.objects.get(source=PupilImport.Source.NIGHTLY)
    detail = login(dsl).get(reverse("pupil_import_detail", args=[record.pk])).content.decode()
    assert "by the nightly import from the MIS" in detail and "Pupils marked as left" in detail
    assert "Ben Okafor" in detail and UPN_B in detail  # the DSLs see who left


def test_the_it_admin_saves_the_settings_with_the_form(root, school, it_admin, login):
    client = login(it_admin)
    data = {"enabled": "on", "folder": "mis", "preset": "arbor", "settle_minutes": "5", "heading_year_group": "Year Group (NC)"}
    response = client.post(reverse("roll_feed"), data)
    assert response.status_code == 302
    feed = RollFeed.objects.get(school=school)
    assert (feed.preset, feed.settle_minutes, feed.headings) == ("arbor", 5, {"year_group": "Year Group (NC)"})
    bad = client.post(reverse("roll_feed"), {**data, "folder": "../x"})
    assert bad.status_code == 200 and "must be inside" in bad.content.decode() and 'value="../x"' in bad.content.decode()


def test_a_failed_nightly_file_cannot_be_imported_by_hand(root, feed, roll, dsl):
    from cases.services.pupils import pupil_import_apply

    drop(root, [["nonsense"]], header=["What"])
    two_looks(feed)
    record = PupilImport.objects.get()
    with pytest.raises(ValidationError):
        pupil_import_apply(actor=dsl, pupil_import=record)


def test_the_presets_name_every_required_column():
    for preset in mis.MIS_PRESETS.values():
        assert set(mis.REQUIRED_FIELDS) <= set(preset)
