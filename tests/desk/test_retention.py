"""Retention (issue 19, parts 1, 2 and 5): the review date and the inquiry rule (pure), the
school's rule, reviews, legal holds, the retention pages and the data protection officer's page.
The destruction services themselves are tests/desk/test_destruction.py; here the pages drive them.
Who reaches which page is the URL matrix (tests/url_matrix.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import (
    CaseChild,
    ChildPart,
    Destruction,
    DestructionStatus,
    HoldKind,
    LegalHold,
    RetentionReview,
    RetentionRule,
    ReviewOutcome,
    Tombstone,
)
from desk.retention import rules, selectors, services
from desk.retention.rules import CaseFacts, Hold, Signer
from safeguard.models import AuditEvent
from tests.factories import PupilFactory, make_case, staff

TODAY = date(2026, 6, 15)


# --- The rules (pure) ----------------------------------------------------------------------------


def test_review_date_is_the_date_of_birth_plus_the_years():
    assert rules.review_date(date(1999, 3, 3), 25) == date(2024, 3, 3)
    assert rules.review_date(date(1999, 3, 3), 30) == date(2029, 3, 3)


def test_born_on_29_february_is_reviewed_on_28_february_in_a_year_without_one():
    assert rules.review_date(date(2000, 2, 29), 25) == date(2025, 2, 28)
    assert rules.review_date(date(2000, 2, 29), 24) == date(2024, 2, 29)
    assert rules.add_years(date(2024, 2, 29), -1) == date(2023, 2, 28)


def test_a_later_keep_review_date_wins():
    assert rules.review_date(date(1999, 3, 3), 25, date(2031, 1, 10)) == date(2031, 1, 10)
    assert rules.review_words(date(1999, 3, 3), 25, date(2031, 1, 10)) == "kept at the last review until 10 January 2031"


def test_review_words_say_how_the_date_was_worked_out():
    assert rules.review_words(date(1999, 3, 3), 25).startswith("born 3 March 1999: kept until 3 March 2024")


@pytest.mark.parametrize(
    ("facts", "held_for"),
    [
        (CaseFacts(imagery="some", imagery_kinds=("nude_u18",)), "nude or semi-nude imagery of a child under 18"),
        (CaseFacts(kinds=("exploitation",)), "exploitation, coercion or sexual extortion"),
        (CaseFacts(adult_involvement="stranger"), "an adult involved"),
        (CaseFacts(adult_involvement="known_adult"), "an adult involved"),
        (CaseFacts(adult_involvement="staff"), "an allegation against a member of staff"),
        (CaseFacts(restriction_kinds=("staff",)), "an allegation against a member of staff"),
        (CaseFacts(restriction_kinds=("head",)), "an allegation against a member of staff"),
    ],
)
def test_cases_that_fit_the_inquiry_instruction_are_held_by_rule(facts, held_for):
    reason = rules.inquiry_hold_reason(facts)
    assert reason is not None and held_for in reason
    assert "inquiry into child sexual abuse" in reason


@pytest.mark.parametrize(
    "facts",
    [
        CaseFacts(),
        CaseFacts(imagery="none", imagery_kinds=("nude_u18",)),  # imagery answered "no": the tick is stale
        CaseFacts(imagery="some", imagery_kinds=("other",)),
        CaseFacts(kinds=("sexualised_bullying", "unwanted_sexualisation"), adult_involvement="none"),
        CaseFacts(adult_involvement="unknown"),
        CaseFacts(restriction_kinds=("dsl",)),
    ],
)
def test_other_cases_are_not_held_by_rule(facts):
    assert rules.inquiry_hold_reason(facts) is None


def test_every_reason_is_named_once():
    facts = CaseFacts(imagery="some", imagery_kinds=("nude_u18",), kinds=("exploitation",), adult_involvement="stranger")
    assert len(rules.inquiry_hold_reasons(facts)) == 3


LEAD, HEAD, OTHER_LEAD = Signer(1, frozenset({"dsl"})), Signer(2, frozenset({"head"})), Signer(3, frozenset({"deputy_dsl"}))


def _refusals(**overrides):
    values = {
        "on_roll": False,
        "review_on": date(2024, 3, 3),
        "today": TODAY,
        "early_reason": "",
        "holds": [],
        "proposer": LEAD,
        "approver": HEAD,
        "proposer_recent": True,
        "approver_recent": True,
    }
    values.update(overrides)
    return rules.destruction_refusals(**values)


def test_a_former_pupil_past_review_with_no_hold_may_be_destroyed_by_the_dsl_and_the_head():
    assert _refusals() == []
    assert _refusals(proposer=HEAD, approver=OTHER_LEAD) == []
    assert _refusals(approver=None) == []


def test_a_pupil_on_roll_is_refused():
    assert any("still on the school's roll" in r for r in _refusals(on_roll=True))


def test_before_the_review_date_a_reason_is_needed():
    refused = _refusals(review_on=date(2040, 3, 3))
    assert refused and "3 March 2040 (in 13 years)" in refused[0]
    assert _refusals(review_on=date(2040, 3, 3), early_reason="   ") == refused
    assert _refusals(review_on=date(2040, 3, 3), early_reason="A record made about the wrong child.") == []


def test_each_hold_refuses_with_its_reason():
    holds = [
        Hold(kind_label="A police investigation", reason="Op Larch, DC Rowe.", case_reference="HTA-2024-001"),
        Hold(kind_label=rules.INQUIRY_HOLD_LABEL, reason="It may matter to an inquiry.", by_rule=True),
    ]
    refused = _refusals(holds=holds)
    assert refused[0] == "Under hold, so not destroyed: Case HTA-2024-001 held: a police investigation. Op Larch, DC Rowe."
    assert "All the pupil's records held: the inquiry instruction (iicsa)" in refused[1]


def test_one_person_cannot_approve_their_own_proposal():
    both = Signer(1, frozenset({"dsl", "head"}))
    assert any("same person" in r for r in _refusals(proposer=both, approver=both))


def test_two_leads_are_not_enough_the_head_must_approve():
    assert any("the head must approve" in r for r in _refusals(proposer=LEAD, approver=OTHER_LEAD))
    assert any(
        "Designated Safeguarding Lead (or a deputy) must approve" in r
        for r in _refusals(proposer=HEAD, approver=Signer(9, frozenset({"head"})))
    )


def test_each_person_must_have_re_authenticated_recently_and_hold_a_role():
    assert any("before you propose" in r for r in _refusals(proposer_recent=False))
    assert any("before you approve" in r for r in _refusals(approver_recent=False))
    assert any("Only a Designated Safeguarding Lead" in r for r in _refusals(approver=Signer(5, frozenset({"pastoral"}))))


def test_keep_review_needs_a_reason_and_a_future_date():
    assert rules.keep_review_refusals(reason="", next_review_on=TODAY + timedelta(days=1), today=TODAY) == {
        "reason": "Write why the records are kept."
    }
    assert "after today" in rules.keep_review_refusals(reason="x", next_review_on=TODAY, today=TODAY)["next_review_on"]
    assert "Give the date" in rules.keep_review_refusals(reason="x", next_review_on=None, today=TODAY)["next_review_on"]
    assert (
        "within 50 years"
        in rules.keep_review_refusals(reason="x", next_review_on=date(2090, 1, 1), today=TODAY)["next_review_on"]
    )
    assert rules.keep_review_refusals(reason="Police asked.", next_review_on=date(2030, 1, 1), today=TODAY) == {}


def test_a_rule_needs_a_period_in_range_a_change_and_a_reason():
    assert set(rules.rule_refusals(years=10, reason="", current_years=25)) == {"years", "reason"}
    assert "already 25" in rules.rule_refusals(years=25, reason="x", current_years=25)["years"]
    assert rules.rule_refusals(years=35, reason="Trust policy.", current_years=25) == {}


# --- Services ------------------------------------------------------------------------------------


def _former_pupil(school, *, born=date(1999, 3, 3), left=date(2017, 7, 20), **fields):
    return PupilFactory(school=school, date_of_birth=born, left_on=left, year_group=13, **fields)


def _with_case(actor, school, pupil, **facts):
    return make_case(actor=actor, school=school, pupils=[pupil], **facts)


def test_the_rule_change_is_recorded_with_its_reason_and_history(school, dsl):
    assert selectors.retention_rule(school) == (25, None)
    services.retention_rule_set(actor=dsl, school=school, years=30, reason="The trust's policy since 2026.")
    services.retention_rule_set(actor=dsl, school=school, years=35, reason="Local authority advice.")
    years, rule = selectors.retention_rule(school)
    assert (years, rule.reason, rule.set_by) == (35, "Local authority advice.", dsl)
    assert [r.years for r in selectors.rule_history(school)] == [35, 30]
    event = AuditEvent.objects.filter(action="desk.retention.rule_set").order_by("-pk").first()
    assert event.extra == {"years": 35, "previous_years": 30}


def test_only_the_dsl_sets_the_rule_and_bad_input_is_refused(school, dsl, deputy, head):
    for who in (deputy, head):
        with pytest.raises(PermissionDenied):
            services.retention_rule_set(actor=who, school=school, years=30, reason="A reason.")
    with pytest.raises(ValidationError) as refused:
        services.retention_rule_set(actor=dsl, school=school, years=30, reason="   ")
    assert "reason" in refused.value.error_dict
    with pytest.raises(ValidationError):
        services.retention_rule_set(actor=dsl, school=school, years=5, reason="Too short.")
    assert not RetentionRule.objects.exists()


def test_a_keep_review_sets_the_next_review_date(school, dsl):
    pupil = _former_pupil(school)
    _with_case(dsl, school, pupil)
    assert selectors.pupil_review_on(pupil) == date(2024, 3, 3)
    services.retention_review_record(
        actor=dsl, pupil=pupil, outcome=ReviewOutcome.KEEP, reason="A civil claim is expected.", next_review_on=date(2030, 9, 1)
    )
    assert selectors.pupil_review_on(pupil) == date(2030, 9, 1)
    assert AuditEvent.objects.filter(action="desk.retention.reviewed", extra__outcome="keep").exists()


@pytest.mark.parametrize(
    ("reason", "next_on", "field"),
    [("", date(2030, 1, 1), "reason"), ("Kept.", None, "next_review_on"), ("Kept.", date(2020, 1, 1), "next_review_on")],
)
def test_a_keep_review_without_a_reason_or_a_future_date_is_refused(school, dsl, reason, next_on, field):
    pupil = _former_pupil(school)
    with pytest.raises(ValidationError) as refused:
        services.retention_review_record(actor=dsl, pupil=pupil, outcome="keep", reason=reason, next_review_on=next_on)
    assert field in refused.value.error_dict
    assert not RetentionReview.objects.exists()


def test_pastoral_staff_cannot_review_or_hold(school, dsl, pastoral):
    pupil = _former_pupil(school)
    with pytest.raises(PermissionDenied):
        services.retention_review_record(actor=pastoral, pupil=pupil, outcome="destroy", reason="x")
    with pytest.raises(PermissionDenied):
        services.legal_hold_place(actor=pastoral, pupil=pupil, kind=HoldKind.POLICE, reason="x")


def test_a_hold_needs_a_reason_and_lifting_it_needs_one_too(school, dsl, head):
    pupil = _former_pupil(school)
    with pytest.raises(ValidationError) as refused:
        services.legal_hold_place(actor=dsl, pupil=pupil, kind=HoldKind.POLICE, reason=" ")
    assert "reason" in refused.value.error_dict
    with pytest.raises(ValidationError):
        services.legal_hold_place(actor=dsl, pupil=pupil, kind="nonsense", reason="Op Larch.")
    hold = services.legal_hold_place(actor=head, pupil=pupil, kind=HoldKind.COURT, reason="Family court, case FD26P001.")
    assert [h.reason for h in selectors.holds_on(pupil)] == ["Family court, case FD26P001."]
    with pytest.raises(ValidationError) as refused:
        services.legal_hold_lift(actor=dsl, hold=hold, reason="")
    assert "reason" in refused.value.error_dict
    services.legal_hold_lift(actor=dsl, hold=hold, reason="The court case ended on 1 June 2026.")
    assert selectors.holds_on(pupil) == []
    with pytest.raises(ValidationError):
        services.legal_hold_lift(actor=dsl, hold=hold, reason="Again.")
    actions = list(AuditEvent.objects.filter(action__startswith="desk.retention.hold").values_list("action", flat=True))
    assert actions == ["desk.retention.hold_placed", "desk.retention.hold_lifted"]


def test_holds_on_a_pupil_gather_their_cases_holds_and_the_inquiry_rule(school, dsl):
    pupil = _former_pupil(school)
    plain = _with_case(dsl, school, pupil)
    _with_case(dsl, school, pupil, kinds=["exploitation"], answers={"C1": "yes", "C2": "no", "C4": "no", "C6": "no"})
    services.legal_hold_place(actor=dsl, case=plain, kind=HoldKind.POLICE, reason="Op Larch.")
    holds = selectors.holds_on(pupil)
    assert {(h.case_reference, h.by_rule) for h in holds} == {(plain.reference, False), (holds[-1].case_reference, True)}
    assert "exploitation" in next(h for h in holds if h.by_rule).reason


def test_the_inquiry_query_counts_the_same_cases_as_the_rule(school, dsl, staff_member):
    from cases.models import Case
    from cases.services.restrictions import case_allegation_record

    pupil = _former_pupil(school)
    made = [
        _with_case(dsl, school, pupil),
        _with_case(dsl, school, pupil, imagery="some", imagery_kinds=["nude_u18"], imagery_description="A photo."),
        _with_case(dsl, school, pupil, imagery="none"),
        _with_case(dsl, school, pupil, adult_involvement="stranger"),
        _with_case(dsl, school, pupil, adult_involvement="unknown"),
    ]
    alleged = _with_case(dsl, school, pupil)
    case_allegation_record(actor=dsl, case=alleged, staff_member=staff_member)
    made.append(alleged)
    by_rule = {h.case_reference for h in selectors.holds_on(pupil) if h.by_rule}
    by_query = set(
        Case.objects.filter(school=school).filter(selectors.inquiry_rule_q()).distinct().values_list("reference", flat=True)
    )
    assert by_rule == by_query
    assert len(by_rule) == 3


# --- The pages -----------------------------------------------------------------------------------


def test_the_retention_page_lists_what_is_due_in_date_order_with_why(school, dsl, login):
    later = _former_pupil(school, born=date(2000, 2, 29), first_name="Leap")
    sooner = _former_pupil(school, born=date(1999, 3, 3), first_name="March")
    young = _former_pupil(school, born=date(2008, 1, 1), first_name="Young")
    nothing = _former_pupil(school, born=date(1990, 1, 1), first_name="Nothing")  # no records: nothing to review
    for pupil in (later, sooner, young):
        _with_case(dsl, school, pupil)
    page = login(dsl).get(reverse("retention")).content.decode()
    assert "born 3 March 1999: kept until 3 March 2024" in page
    assert "born 29 February 2000: kept until 28 February 2025" in page
    assert page.index("March Testchild") < page.index("Leap Testchild")
    assert young.full_name not in page and nothing.full_name not in page


def test_a_held_record_shows_its_reason_and_refuses_destruction(school, dsl, head, login):
    pupil = _former_pupil(school)
    case = _with_case(dsl, school, pupil)
    services.legal_hold_place(actor=dsl, case=case, kind=HoldKind.POLICE, reason="Op Larch: DC Rowe, crime ref 26/1234.")
    overview = login(head).get(reverse("retention")).content.decode()
    assert "Op Larch: DC Rowe, crime ref 26/1234." in overview
    client = login(dsl)
    page = client.get(reverse("retention_pupil", args=[pupil.pk])).content.decode()
    assert "These records cannot be destroyed now" in page and "Op Larch" in page
    assert "Propose destruction" not in page
    response = client.post(reverse("destruction_propose", args=[pupil.pk]), {"basis": "Reviewed at date of birth + 25 years."})
    assert response.status_code == 400
    assert "Under hold, so not destroyed" in response.content.decode()
    assert "Reviewed at date of birth + 25 years." in response.content.decode()  # nothing typed is lost
    assert not Destruction.objects.exists()


def test_the_dsl_proposes_and_the_head_approves_and_the_tombstone_is_on_the_retention_page(
    school, dsl, head, login, django_capture_on_commit_callbacks
):
    pupil = _former_pupil(school)
    _with_case(dsl, school, pupil)
    lead = login(dsl)
    assert "Propose destruction" in lead.get(reverse("retention_pupil", args=[pupil.pk])).content.decode()
    response = lead.post(reverse("destruction_propose", args=[pupil.pk]), {"basis": "Reviewed: past date of birth + 25 years."})
    assert response.status_code == 302
    proposal = Destruction.objects.get()
    # The proposer cannot approve their own proposal: the page offers them no approval.
    assert "Approve: destroy" not in lead.get(reverse("retention_pupil", args=[pupil.pk])).content.decode()
    head_client = login(head)
    assert "Approve: destroy" in head_client.get(reverse("retention_pupil", args=[pupil.pk])).content.decode()
    response = head_client.post(reverse("destruction_approve", args=[pupil.pk]), {})
    assert response.status_code == 400 and "Tick the box" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = head_client.post(reverse("destruction_approve", args=[pupil.pk]), {"confirmed": "on"})
    assert response.status_code == 302 and response["Location"].endswith("#destroyed")
    proposal.refresh_from_db()
    assert proposal.status == DestructionStatus.DONE
    tombstone = Tombstone.objects.get()
    overview = head_client.get(reverse("retention")).content.decode()
    assert tombstone.upn_hash[:12] in overview
    assert "approved by Hal Head" in overview
    assert pupil.full_name not in overview


def test_proposing_needs_recent_re_authentication(school, dsl, login):
    pupil = _former_pupil(school)
    _with_case(dsl, school, pupil)
    client = login(dsl)
    session = client.session
    session["safeguard_reauth_at"] = 0
    session.save()
    response = client.post(reverse("destruction_propose", args=[pupil.pk]), {"basis": "Reviewed."})
    assert response.status_code == 302 and response["Location"].startswith(reverse("reauth"))
    assert not Destruction.objects.exists()


def test_a_proposal_is_withdrawn_with_a_reason(school, dsl, head, login):
    pupil = _former_pupil(school)
    _with_case(dsl, school, pupil)
    client = login(dsl)
    client.post(reverse("destruction_propose", args=[pupil.pk]), {"basis": "Reviewed: past date of birth + 25 years."})
    response = login(head).post(reverse("destruction_withdraw", args=[pupil.pk]), {"reason": ""})
    assert response.status_code == 400
    response = login(head).post(reverse("destruction_withdraw", args=[pupil.pk]), {"reason": "A civil claim has been made."})
    assert response.status_code == 302
    assert Destruction.objects.get().status == DestructionStatus.WITHDRAWN


def test_the_rule_form_records_the_change_and_shows_the_history(school, dsl, deputy, login):
    client = login(dsl)
    response = client.post(reverse("retention_rule_set"), {"years": "30", "reason": ""})
    assert response.status_code == 400 and "Write why the school keeps records" in response.content.decode()
    response = client.post(reverse("retention_rule_set"), {"years": "30", "reason": "The trust's policy."})
    assert response.status_code == 302
    client.post(reverse("retention_rule_set"), {"years": "35", "reason": "Local authority advice."})
    page = client.get(reverse("retention")).content.decode()
    assert "date of birth + <strong>35 years</strong>" in page
    assert "30 years, set" in page and "The trust&#x27;s policy." in page
    assert login(deputy).post(reverse("retention_rule_set"), {"years": "40", "reason": "No."}).status_code == 403


def test_the_review_form_keeps_with_a_date_and_refuses_bad_input_keeping_what_was_typed(school, dsl, login):
    pupil = _former_pupil(school)
    _with_case(dsl, school, pupil)
    client = login(dsl)
    url = reverse("retention_review", args=[pupil.pk])
    response = client.post(url, {"outcome": "keep", "reason": "Police asked us to keep them.", "next_review_on": "2020-01-01"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "The next review must be after today." in page and "Police asked us to keep them." in page
    response = client.post(url, {"outcome": "keep", "reason": "", "next_review_on": "2031-01-10"})
    assert response.status_code == 400 and "Write the reason for your decision." in response.content.decode()
    response = client.post(url, {"outcome": "keep", "reason": "Police asked us to keep them.", "next_review_on": "2031-01-10"})
    assert response.status_code == 302
    assert selectors.pupil_review_on(pupil) == date(2031, 1, 10)
    assert pupil not in [row.pupil for row in selectors.due_for_review(school, timezone.localdate())]


def test_the_hold_forms_place_and_lift_and_refuse_without_a_reason(school, dsl, login):
    pupil = _former_pupil(school)
    case = _with_case(dsl, school, pupil)
    client = login(dsl)
    url = reverse("retention_hold_place", args=[pupil.pk])
    response = client.post(url, {"case": case.pk, "kind": "police", "reason": ""})
    assert response.status_code == 400 and "Write why the records are held" in response.content.decode()
    assert client.post(url, {"case": case.pk, "kind": "police", "reason": "Op Larch."}).status_code == 302
    hold = LegalHold.objects.get()
    assert hold.case == case and hold.pupil is None
    lift = reverse("retention_hold_lift", args=[hold.pk])
    response = client.post(lift, {"reason": ""})
    assert response.status_code == 400 and "Write why the hold is lifted" in response.content.decode()
    assert client.post(lift, {"reason": "Investigation closed."}).status_code == 302
    hold.refresh_from_db()
    assert hold.lifted_reason == "Investigation closed."


def test_a_hold_on_a_case_from_another_pupil_or_school_is_refused(school, other_school, dsl, other_dsl, login):
    pupil = _former_pupil(school)
    _with_case(dsl, school, pupil)
    elsewhere = make_case(actor=other_dsl, school=other_school, pupils=[PupilFactory(school=other_school)])
    response = login(dsl).post(
        reverse("retention_hold_place", args=[pupil.pk]), {"case": elsewhere.pk, "kind": "police", "reason": "Op Larch."}
    )
    assert response.status_code == 400 and "Choose from the list." in response.content.decode()
    assert not LegalHold.objects.exists()


def test_a_head_kept_out_of_an_allegation_sees_no_sign_of_it(school, dsl, head, login):
    from cases.services.restrictions import case_allegation_record

    pupil = _former_pupil(school)
    case = _with_case(dsl, school, pupil)
    case_allegation_record(actor=dsl, case=case, staff_member=head)
    services.legal_hold_place(actor=dsl, case=case, kind=HoldKind.COMPLAINT, reason="Complaint about the head teacher.")
    client = login(head)
    for url in (reverse("retention"), reverse("retention_pupil", args=[pupil.pk])):
        page = client.get(url).content.decode()
        assert case.reference not in page
        assert "Complaint about the head teacher." not in page
        assert "allegation against a member of staff" not in page
    assert rules.UNSEEN_HOLD_REASON.split(":")[0] in client.get(reverse("retention_pupil", args=[pupil.pk])).content.decode()
    # The DSL sees both holds, with their reasons.
    page = login(dsl).get(reverse("retention_pupil", args=[pupil.pk])).content.decode()
    assert "Complaint about the head teacher." in page and "allegation against a member of staff" in page


def test_other_roles_and_schools_find_no_such_pupil_and_are_recorded(school, pupil, pastoral, it_admin, other_dsl, login):
    for who in (pastoral, it_admin, other_dsl):
        assert login(who).get(reverse("retention_pupil", args=[pupil.pk])).status_code == 404
        assert login(who).get(reverse("retention")).status_code == (200 if who is other_dsl else 404)
    assert AuditEvent.objects.filter(action="desk.retention.access_refused").count() == 3


def _due_pupils(school, dsl, count: int):
    case = make_case(actor=dsl, school=school, pupils=[])
    for index in range(count):
        pupil = _former_pupil(school, born=date(1990, 1, 1) + timedelta(days=index))
        CaseChild.objects.create(case=case, pupil=pupil, part=ChildPart.HARMED, added_by=dsl)
        if index % 3 == 0:
            LegalHold.objects.create(school=school, pupil=pupil, kind=HoldKind.POLICE, reason="Op Larch.", placed_by=dsl)


def _queries_for_page(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("retention")).status_code == 200
    return len(captured)


def test_the_retention_page_is_flat_5_or_50_pupils_due(school, other_school, dsl, login):
    client = login(dsl)
    _due_pupils(school, dsl, 5)
    few = _queries_for_page(client)
    _due_pupils(school, dsl, 45)
    assert len(selectors.due_for_review(school, timezone.localdate())) == 50
    assert _queries_for_page(client) == few


def test_the_dpo_page_shows_figures_and_the_record_of_processing(school, dsl, head, login):
    pupil = _former_pupil(school)
    _with_case(dsl, school, pupil, adult_involvement="stranger")
    services.legal_hold_place(actor=dsl, pupil=pupil, kind=HoldKind.INQUIRY, reason="An inquiry.")
    figures = selectors.dpo_figures(school)
    assert figures["pupils_with_records"] == 1 and figures["due_for_review"] == 1
    assert figures["holds_on_pupils"] == 1 and figures["cases_held_by_rule"] == 1
    page = login(head).get(reverse("data_protection")).content.decode()
    for words in ("Art. 6(1)(e)", "Art. 9(2)(g)", "Schedule 1, paragraph 18", "date of birth + <strong>25 years</strong>"):
        assert words in page
    assert pupil.full_name not in page


def test_the_pupil_page_links_to_retention_for_those_allowed(school, dsl, head, pastoral, case, pupil, login):
    url = reverse("retention_pupil", args=[pupil.pk])
    assert url in login(dsl).get(reverse("pupil_detail", args=[pupil.pk])).content.decode()
    assert url in login(head).get(reverse("pupil_detail", args=[pupil.pk])).content.decode()
    assert url not in login(pastoral).get(reverse("pupil_detail", args=[pupil.pk])).content.decode()


# --- The demo ------------------------------------------------------------------------------------


def test_the_demo_has_a_former_pupil_due_and_one_held(school, other_school, dsl, head):
    from desk.demo.retention import seed_demo_retention

    users = {"dsl@demo.example": dsl, "head@demo.example": head, "deputy@demo.example": staff(school, "deputy_dsl")}
    seed_demo_retention(schools=[school, other_school], users=users, today=timezone.localdate())
    due = selectors.due_for_review(school, timezone.localdate())
    assert len(due) == 2
    free, held = sorted(due, key=lambda row: row.held)
    assert not free.holds and free.pupil.left_on
    assert held.holds and held.holds[0].kind_label == "A police investigation"
    from desk.retention.destruction import destruction_plan

    assert destruction_plan(free.pupil).possible
    assert not destruction_plan(held.pupil).possible
