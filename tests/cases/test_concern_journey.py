"""A concern from any member of staff: who is told and how, the pupils it names, and each way the
DSL triages it (a new case, an open case, the pupil's record, no further action), with the
notifications clearing themselves once it is triaged."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Concern, ConcernStatus
from cases.services.concerns import ConcernInput
from safeguard.models import AuditEvent, Notification
from tests.factories import PupilFactory, staff

pytestmark = pytest.mark.django_db

WHAT = "Heard Zebedee tell a friend that a man online keeps asking for photos."


def _post(**overrides) -> dict:
    data = {"urgent": "no", "what_happened": WHAT, "where": "The library", "told": "No one yet"}
    data.update(overrides)
    return data


def _uncleared(concern, **filters):
    return Notification.objects.filter(subject=f"concern:{concern.pk}", cleared_at__isnull=True, **filters)


@pytest.fixture
def zebedee(school):
    return PupilFactory(school=school, first_name="Zebedee", last_name="Quartermaine", year_group=8, upn="K123456789012")


# --- Who is told ----------------------------------------------------------------------------------


def test_a_concern_reaches_every_dsl_and_deputy_of_the_school_and_nobody_else(
    staff_member,
    dsl,
    deputy,
    pastoral,
    head,
    it_admin,
    other_dsl,
    zebedee,
    login,
    school_hours,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(staff_member).post(reverse("concern_new"), _post(pupils=[zebedee.pk]))
    assert response.status_code == 302
    concern = Concern.objects.get()
    told = {n.recipient for n in Notification.objects.filter(subject=f"concern:{concern.pk}")}
    assert told == {dsl, deputy}
    emails = {m.to[0]: m for m in mail.outbox}
    assert set(emails) == {dsl.email, deputy.email}
    for message in emails.values():
        assert concern.reference in message.subject and not message.subject.startswith("URGENT")
        # The kind of thing and a link: never the child's name or what was said.
        for secret in ("Zebedee", "Quartermaine", "photos", "library"):
            assert secret not in message.subject and secret not in message.body
        assert reverse("concern_detail", args=[concern.pk]) in message.body


def test_an_urgent_concern_is_flagged_reaches_the_dsls_at_night_and_tops_their_home_page(
    staff_member, dsl, deputy, zebedee, login, school_hours, django_capture_on_commit_callbacks
):
    night = school_hours.replace(hour=23, minute=40)
    with time_machine.travel(night, tick=True):
        client = login(staff_member)
        form = client.get(reverse("concern_new")).content.decode()
        # The first question, and what to do before typing anything.
        assert form.index("Is a child in immediate danger?") < form.index("Who is it about?")
        assert "call 999 now" in form
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("concern_new"), _post(urgent="yes", pupils=[zebedee.pk]))
        sent = client.get(response["Location"]).content.decode()
        assert "find a Designated Safeguarding Lead in person, or call 999" in sent
    concern = Concern.objects.get()
    assert concern.urgent
    assert {m.to[0] for m in mail.outbox} == {dsl.email, deputy.email}
    assert all(m.subject.startswith("URGENT: ") and "Zebedee" not in m.body for m in mail.outbox)
    assert all(n.urgent for n in Notification.objects.filter(subject=f"concern:{concern.pk}"))
    # An ordinary concern raised later still comes second on the DSL's home page.
    services.concern_raise(actor=staff_member, school=dsl.roles.first().school, data=ConcernInput(what_happened="Later"))
    home = login(dsl).get(reverse("home")).content.decode()
    triage = home[home.index("Concerns waiting for triage") :]
    assert triage.index("Urgent") < triage.index(concern.reference)
    later = Concern.objects.exclude(pk=concern.pk).get()
    assert triage.index(concern.reference) < triage.index(later.reference)


def test_the_member_of_staff_may_tell_chosen_colleagues_as_well(
    staff_member, dsl, pastoral, pastoral_unassigned, school, other_dsl, login, school_hours, django_capture_on_commit_callbacks
):
    client = login(staff_member)
    page = client.get(reverse("concern_new")).content.decode()
    assert pastoral.full_name in page and other_dsl.full_name not in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("concern_new"), _post(also_alert=[pastoral.pk]))
    concern = Concern.objects.get()
    copied = Notification.objects.get(subject=f"concern:{concern.pk}", kind="concern_copied")
    assert copied.recipient == pastoral
    assert not Notification.objects.filter(recipient=pastoral_unassigned).exists()
    assert pastoral.email in {m.to[0] for m in mail.outbox}


def test_only_the_schools_dsls_deputies_and_pastoral_staff_can_be_chosen(staff_member, school, other_dsl, login):
    plain = staff(school, "staff", full_name="Another Teacher")
    for outsider in (plain, other_dsl):
        response = login(staff_member).post(reverse("concern_new"), _post(also_alert=[outsider.pk]))
        assert response.status_code == 200 and "Select a valid choice" not in response.content.decode()
        assert WHAT in response.content.decode()  # what was typed is kept
    assert not Concern.objects.exists()
    with pytest.raises(Exception, match="DSLs, deputies and pastoral staff"):
        services.concern_raise(actor=staff_member, school=school, data=ConcernInput(what_happened="x", also_alert=[plain]))


# --- The pupils it names ------------------------------------------------------------------------------


def test_a_concern_naming_no_pupil_is_accepted_and_says_so_to_the_dsl(staff_member, dsl, login):
    response = login(staff_member).post(reverse("concern_new"), _post(children="A Year 9 boy, name unknown"))
    assert response.status_code == 302
    concern = Concern.objects.get()
    page = login(dsl).get(reverse("concern_detail", args=[concern.pk])).content.decode()
    assert "No pupil was named." in page and "A Year 9 boy, name unknown" in page


def test_a_pupil_of_another_school_is_refused_and_what_was_typed_is_kept(staff_member, school, other_school, login):
    stranger = PupilFactory(school=other_school, first_name="Outsider")
    response = login(staff_member).post(reverse("concern_new"), _post(pupils=[stranger.pk]))
    body = response.content.decode()
    assert response.status_code == 200 and "A pupil of another school cannot be named here." in body and WHAT in body
    assert not Concern.objects.exists()
    with pytest.raises(Exception, match="another school"):
        services.concern_raise(actor=staff_member, school=school, data=ConcernInput(what_happened="x", pupils=[stranger]))


def test_the_roll_search_shows_names_year_and_the_end_of_the_upn_only(staff_member, zebedee, case, other_school, login):
    PupilFactory(school=other_school, first_name="Zebedee", last_name="Elsewhere")
    client = login(staff_member)
    results = client.get(reverse("concern_pupil_search"), {"pupil_query": "quarter"}).content.decode()
    assert "Zebedee Quartermaine" in results and "Year 8" in results and "…9012" in results
    assert "K123456789012" not in results and "Elsewhere" not in results and case.reference not in results
    assert "at least 2 letters" in client.get(reverse("concern_pupil_search"), {"pupil_query": "q"}).content.decode()
    huge = client.get(reverse("concern_pupil_search"), {"pupil_query": "z" * 10_000})
    assert huge.status_code == 200 and "No pupils" in huge.content.decode()
    # Without JavaScript: the form's own search button, keeping what was typed.
    page = client.post(reverse("concern_new"), _post(find_pupil="1", pupil_query="Zebedee")).content.decode()
    assert "Zebedee Quartermaine" in page and WHAT in page and "This field is required" not in page
    assert AuditEvent.objects.filter(action="cases.pupil.searched").exists()


# --- Triage ----------------------------------------------------------------------------------------------


@pytest.fixture
def concern(staff_member, dsl, deputy, pastoral, school, zebedee):
    return services.concern_raise(
        actor=staff_member,
        school=school,
        data=ConcernInput(
            what_happened=WHAT,
            pupils=[zebedee],
            child_words="He said the man says he will send the photos to my mum.",
            happened_at=timezone.now() - timedelta(hours=2),
            where="The library",
            told="Their form tutor",
            also_alert=[pastoral],
        ),
    )


def _all_cleared(concern):
    assert Notification.objects.filter(subject=f"concern:{concern.pk}").count() >= 3  # two leads and the copy
    assert not _uncleared(concern).exists()


def test_a_new_case_from_a_concern_is_prefilled_from_its_own_fields(concern, dsl, zebedee, login):
    client = login(dsl)
    form = client.get(reverse("disclosure_new"), {"concern": concern.pk, "fresh": "1"}).content.decode()
    happened = timezone.localtime(concern.happened_at).strftime("%Y-%m-%dT%H:%M")
    assert f'value="{happened}"' in form  # when the child disclosed
    assert concern.raised_by.full_name in form  # to whom
    assert "will send the photos to my mum" in form  # the child's words, in the account
    summary_box = form[form.index('name="summary"') :]
    summary_box = summary_box[: summary_box.index("</textarea>")]
    assert "send the photos to my mum" not in summary_box and "man online" in summary_box
    assert f'value="{zebedee.pk}"' in form


def test_adding_a_concern_to_an_open_case_puts_it_in_the_chronology_and_clears_it(concern, dsl, zebedee, school, login):
    from tests.factories import make_case

    case = make_case(actor=dsl, school=school, pupils=[zebedee])
    client = login(dsl)
    page = client.get(reverse("concern_detail", args=[concern.pk])).content.decode()
    assert case.reference in page
    response = client.post(reverse("concern_add_to_case", args=[concern.pk, case.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("case_detail", args=[case.pk])
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.ADDED_TO_CASE and concern.case == case
    case_page = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert f"Concern {concern.reference}" in case_page and "man online" in case_page and "The library" in case_page
    _all_cleared(concern)


def test_adding_a_concern_that_changes_the_facts_goes_on_to_the_facts_and_reassesses(concern, dsl, zebedee, school, login):
    from cases.models import Assessment
    from tests.factories import make_case

    case = make_case(actor=dsl, school=school, pupils=[zebedee])
    assert not case.police_required
    client = login(dsl)
    response = client.post(reverse("concern_add_to_case", args=[concern.pk, case.pk]), {"then": "facts"})
    assert response["Location"] == reverse("case_facts_edit", args=[case.pk])
    before = Assessment.objects.filter(case=case).count()
    from tests.cases.test_assessment_history import _facts

    services.facts_update(
        actor=dsl,
        case=case,
        data=_facts(case, adult_involvement="stranger", answers={"C1": "yes", "C2": "no", "C4": "no", "C6": "no"}),
        reason="The concern: a man online.",
    )
    case.refresh_from_db()
    assert Assessment.objects.filter(case=case).count() == before + 1 and case.police_required


def test_a_concern_cannot_join_a_case_about_someone_else_or_a_closed_case(concern, dsl, school, login):
    from tests.factories import make_case

    unrelated = make_case(actor=dsl, school=school, pupils=[PupilFactory(school=school)])
    response = login(dsl).post(reverse("concern_add_to_case", args=[concern.pk, unrelated.pk]), follow=True)
    assert "That case is not about any pupil this concern names." in response.content.decode()
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.NEW and _uncleared(concern).exists()


def test_keeping_a_concern_on_the_pupils_record_needs_a_reason_and_shows_in_their_chronology(concern, dsl, head, zebedee, login):
    client = login(dsl)
    refused = client.post(reverse("concern_pupil_record", args=[concern.pk]), {"record-reason": " "})
    assert "Say why this stays on the pupil" in refused.content.decode()
    assert _uncleared(concern).exists()
    response = client.post(reverse("concern_pupil_record", args=[concern.pk]), {"record-reason": "Low level; watch for more."})
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.PUPIL_RECORD
    record = client.get(reverse("pupil_detail", args=[zebedee.pk])).content.decode()
    assert f"Concern {concern.reference}" in record and "Low level; watch for more." in record and "man online" in record
    _all_cleared(concern)
    # The next concern about the same pupil shows this one, so the pattern is seen at triage.
    later = services.concern_raise(
        actor=concern.raised_by, school=concern.school, data=ConcernInput(what_happened="Again", pupils=[zebedee])
    )
    assert concern.reference in client.get(reverse("concern_detail", args=[later.pk])).content.decode()


def test_a_concern_naming_nobody_cannot_go_on_a_pupils_record(staff_member, dsl, school, login):
    nameless = services.concern_raise(actor=staff_member, school=school, data=ConcernInput(what_happened="A boy, unknown"))
    response = login(dsl).post(reverse("concern_pupil_record", args=[nameless.pk]), {"record-reason": "Low level."})
    assert "No pupil is named in this concern" in response.content.decode()
    nameless.refresh_from_db()
    assert nameless.status == ConcernStatus.NEW


def test_no_further_action_with_a_reason_clears_it(concern, dsl, login):
    response = login(dsl).post(reverse("concern_nfa", args=[concern.pk]), {"reason": "Spoke to the pupil: a film."})
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.NO_FURTHER_ACTION
    _all_cleared(concern)


def test_opening_a_case_from_a_concern_clears_it(concern, dsl, zebedee, login):
    from tests.cases.helpers import disclosure_post

    response = login(dsl).post(reverse("disclosure_new"), disclosure_post(pupils=[(zebedee, "harmed")], concern=str(concern.pk)))
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.CASE_OPENED and concern.case is not None
    _all_cleared(concern)
