"""The trust's safeguarding lead (issue 17, item 5): appointed by two people, always with a second
factor; every school's figures side by side with the trust's, no one named; a named case only when
that school's DSL grants it, on the record."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases.access import cases_visible_to
from cases.models import READ_GRANTED_PERMISSION, CaseUserObjectPermission
from cases.services.grants import case_grant_end, case_grant_trust_lead
from desk.reports import selectors, tables
from desk.reports.trust import trust_report
from safeguard.middleware import second_factor_required
from safeguard.models import AuditEvent, Notification, StaffApproval, StaffRole, TrustLead, User
from safeguard.services import (
    approval_approve,
    staff_reset_second_factor,
    trust_lead_appoint,
    trust_lead_end,
    trust_lead_propose,
)
from tests.factories import SchoolFactory, TrustFactory, UserFactory, staff
from tests.safeguard.conftest import PUPIL_NAMES, Q1, REPORT_DAY, SUMMARIES


@pytest.fixture
def candidate(school):
    """A member of Hillside's staff the IT administrator proposes as the trust's lead."""
    return staff(school, "staff", full_name="Tess Trustwide", email="tess@trust.example")


@pytest.fixture
def trust_lead(trust):
    """The trust's lead, appointed at deployment (``trust_lead`` command): no role at any school."""
    user = UserFactory(full_name="Tess Trustwide", email="tess@trust.example")
    trust_lead_appoint(actor=None, user=user, trust=trust)
    return user


@pytest.fixture
def elsewhere_lead():
    """The lead of another trust, with a school of its own."""
    other_trust = TrustFactory(name="Faraway Learning Trust")
    SchoolFactory(trust=other_trust, name="Faraway Academy", code="FAR")
    user = UserFactory(full_name="Fay Faraway", email="fay@faraway.example")
    trust_lead_appoint(actor=None, user=user, trust=other_trust)
    return user


# --- Appointing: two people ---------------------------------------------------------------------


def test_it_admin_asks_and_a_dsl_approves(school, other_school, it_admin, dsl, other_dsl, head, candidate):
    approval = trust_lead_propose(actor=it_admin, school=school, user=candidate)
    assert approval.kind == StaffApproval.Kind.TRUST_LEAD
    assert not TrustLead.objects.filter(user=candidate).exists()
    # The school's DSL and head are asked.
    assert Notification.objects.filter(recipient=dsl, kind="approval", subject=f"approval:{approval.pk}").exists()
    assert Notification.objects.filter(recipient=head, kind="approval").exists()

    approval_approve(actor=dsl, approval=approval)

    lead = TrustLead.objects.get(user=candidate, ended_at__isnull=True)
    assert lead.trust_id == school.trust_id and lead.granted_by == it_admin
    # Audited at every school of the trust, and every school's DSLs are told.
    appointed = AuditEvent.objects.filter(action="safeguard.trust_lead.appointed", object_id=str(candidate.pk))
    assert set(appointed.values_list("school_id", flat=True)) == {school.pk, other_school.pk}
    assert set(appointed.values_list("actor_id", flat=True)) == {dsl.pk}
    assert Notification.objects.filter(recipient=other_dsl, kind="trust_lead").exists()


def test_it_admin_cannot_appoint_themselves(school, it_admin):
    with pytest.raises(ValidationError, match="cannot ask for yourself"):
        trust_lead_propose(actor=it_admin, school=school, user=it_admin)
    assert not StaffApproval.objects.filter(kind=StaffApproval.Kind.TRUST_LEAD).exists()


def test_it_admin_cannot_finish_alone(school, it_admin, candidate):
    """Even an IT administrator who is also a DSL: the person who asked never approves."""
    second_dsl = staff(school, "dsl", full_name="Second Dsl", email="second@hillside.example")
    StaffRole.objects.create(user=it_admin, school=school, role="dsl")
    approval = trust_lead_propose(actor=it_admin, school=school, user=candidate)
    with pytest.raises(ValidationError, match="You asked for this yourself"):
        approval_approve(actor=it_admin, approval=approval)
    with pytest.raises(ValidationError, match="IT administrator of a school of the trust asks"):
        trust_lead_appoint(actor=it_admin, user=candidate, trust=school.trust)
    assert not TrustLead.objects.filter(user=candidate).exists()
    approval_approve(actor=second_dsl, approval=approval)
    assert TrustLead.objects.filter(user=candidate, ended_at__isnull=True).exists()


def test_only_a_dsl_of_the_school_approves(school, it_admin, head, other_dsl, candidate):
    approval = trust_lead_propose(actor=it_admin, school=school, user=candidate)
    for who in (head, other_dsl):
        with pytest.raises(ValidationError, match="Designated Safeguarding Lead of this school"):
            approval_approve(actor=who, approval=approval)
    assert not TrustLead.objects.filter(user=candidate).exists()


def test_a_dsl_cannot_propose(school, dsl, candidate):
    with pytest.raises(ValidationError, match="IT administrator"):
        trust_lead_propose(actor=dsl, school=school, user=candidate)


def test_the_staff_page_asks_and_the_approval_page_approves(login, school, it_admin, dsl, candidate):
    response = login(it_admin).post(reverse("staff_trust_lead", args=[candidate.pk]), {"decision": "propose"}, follow=True)
    assert "It takes effect when a Designated Safeguarding Lead of the school approves it" in response.content.decode()
    asked = login(it_admin).get(reverse("staff_edit", args=[candidate.pk])).content.decode()
    assert "waiting for a Designated Safeguarding Lead of the school to approve it" in asked
    page = login(dsl).get(reverse("approval_list")).content.decode()
    assert f"Tess Trustwide: safeguarding lead of {school.trust.name}" in page
    approval = StaffApproval.objects.get(kind=StaffApproval.Kind.TRUST_LEAD)
    login(dsl).post(reverse("approval_decide", args=[approval.pk]), {"decision": "approve"})
    assert TrustLead.objects.filter(user=candidate, ended_at__isnull=True).exists()
    edit = login(it_admin).get(reverse("staff_edit", args=[candidate.pk])).content.decode()
    assert "End their appointment as the trust's safeguarding lead" in edit


def test_trust_lead_command_appoints_and_ends(trust, school, dsl, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("trust_lead", trust=trust.name, email="New.Lead@Trust.example", name="Nell Newlead")
    lead = TrustLead.objects.get(user__email="new.lead@trust.example", ended_at__isnull=True)
    assert AuditEvent.objects.filter(action="safeguard.trust_lead.appointed", actor__isnull=True, school=school).exists()
    # Their set-password link, and the alert to the school's DSL, who did not ask for it.
    assert sorted(m.to[0] for m in mailoutbox) == ["dsl@hillside.example", "new.lead@trust.example"]
    with pytest.raises(CommandError, match="already the safeguarding lead"):
        call_command("trust_lead", trust=trust.name, email="new.lead@trust.example")
    with pytest.raises(CommandError, match="No trust is called"):
        call_command("trust_lead", trust="Nowhere Trust", email="x@example.com", name="X")
    call_command("trust_lead", trust=trust.name, email="new.lead@trust.example", end=True)
    lead.refresh_from_db()
    assert lead.ended_at is not None


# --- The second factor ---------------------------------------------------------------------------


def test_a_trust_lead_must_verify_a_second_factor(login, trust_lead):
    assert second_factor_required(trust_lead)
    client = login(trust_lead, second_factor=False)
    for name in ("home", "trust_report"):
        response = client.get(reverse(name))
        # No second factor set up yet: they set one up before anything else.
        assert response.status_code == 302 and response["Location"].startswith(reverse("otp_setup") + "?"), name


def test_an_ended_lead_loses_access_on_the_next_request(login, trust, trust_lead, dsl):
    client = login(trust_lead)
    assert client.get(reverse("trust_report")).status_code == 200
    trust_lead_end(actor=dsl, lead=TrustLead.objects.get(user=trust_lead))
    assert client.get(reverse("trust_report")).status_code == 403
    assert not second_factor_required(User.objects.get(pk=trust_lead.pk))
    assert AuditEvent.objects.filter(action="safeguard.trust_lead.ended", actor=dsl).exists()


def test_only_an_it_admin_or_dsl_of_the_trust_ends_it(trust_lead, head, other_dsl, it_admin):
    lead = TrustLead.objects.get(user=trust_lead)
    with pytest.raises(ValidationError, match="IT administrator or a Designated Safeguarding Lead"):
        trust_lead_end(actor=head, lead=lead)
    trust_lead_end(actor=other_dsl, lead=lead)  # a DSL of another school of the same trust
    with pytest.raises(ValidationError, match="already ended"):
        trust_lead_end(actor=it_admin, lead=lead)


# --- The trust report ----------------------------------------------------------------------------


def _report_url(period=Q1, **params) -> str:
    return reverse("trust_report") + "?" + urlencode({**period.as_query(), **params})


def test_each_school_column_equals_its_reports_page(login, q1, trust, school, other_school, trust_lead, dsl, other_dsl):
    with time_machine.travel(REPORT_DAY, tick=False):
        report = trust_report(trust, Q1, REPORT_DAY.date())
        for column, each in zip(report.schools, (school, other_school), strict=True):
            page = tables.report_page(each, Q1, REPORT_DAY.date())
            assert column.name == each.name
            assert column.total == page["total"]
            assert column.kinds == dict(page["tables"]["kinds"].rows)
            timeliness = {row[0]: row for row in page["tables"]["timeliness"].rows}
            for key, label in selectors.TIMINGS:
                assert column.timings[key].median == timeliness[label][2]
                assert column.timings[key].measured == timeliness[label][1]
            police = timeliness[dict(selectors.TIMINGS)["police"]]
            assert column.police_required == police[1] + police[4]
            made = {row[0]: row[1] for row in page["tables"]["referrals"].rows}
            assert {label: column.referrals[key] for key, label in report.agency_labels} == made
            assert column.against == len(page["tables"]["decisions_against"].rows)
            assert column.reverse == len(page["tables"]["decisions_reverse"].rows)
            assert column.overdue == sum(row[1] for row in page["tables"]["overdue_steps"].rows)
            assert column.refused == page["access"]["refused"]
        # The figures known from the data set: four at Hillside, one at Valley.
        assert [c.total for c in report.schools] == [4, 1]
        assert report.total.total == 5
        assert report.total.against == 1 and report.total.reverse == 1
        assert report.total.kinds == {label: sum(c.kinds[label] for c in report.schools) for label in report.kind_labels}
        # The trust's median is of every disclosure in the trust, measured from the same selector.
        whole = selectors.timing((school.pk, other_school.pk), Q1, "assessment", "x")
        assert report.total.timings["assessment"].median == whole.median


def test_the_trust_report_names_no_child_case_or_member_of_staff(login, q1, trust_lead, dsl, deputy, other_dsl):
    with time_machine.travel(REPORT_DAY, tick=False):
        client = login(trust_lead)
        page = client.get(_report_url()).content.decode()
        export = client.get(reverse("trust_report_export") + "?" + urlencode(Q1.as_query())).content.decode()
    assert "Hillside Test Academy" in page and "Valley Test School" in page
    assert "Disclosures recorded" in page
    for text in (page, export):
        for first, last, _year in PUPIL_NAMES.values():
            assert first not in text and last not in text
        for summary in SUMMARIES.values():
            assert summary[:30] not in text
        for case in (q1.a, q1.b, q1.c, q1.d, q1.elsewhere):
            assert case.reference not in text
        for person in (dsl, deputy, other_dsl):
            assert person.full_name not in text
        assert "HYPERLINK" not in text and "Risk managed" not in text


def test_the_trust_report_is_audited_at_every_school(login, q1, trust, school, other_school, trust_lead):
    with time_machine.travel(REPORT_DAY, tick=False):
        login(trust_lead).get(_report_url())
    viewed = AuditEvent.objects.filter(action="desk.trust_report.viewed", actor=trust_lead)
    assert set(viewed.values_list("school_id", flat=True)) == {school.pk, other_school.pk}


def test_the_trust_report_csv_is_formula_safe_and_audited(login, q1, trust, school, trust_lead):
    trust.name = "=HYPERLINK(1)"
    trust.save()
    with time_machine.travel(REPORT_DAY, tick=False):
        response = login(trust_lead).get(reverse("trust_report_export") + "?" + urlencode(Q1.as_query()))
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/csv")
    assert "'=HYPERLINK(1) (all schools)" in body
    assert "Disclosures recorded,4,1,5" in body
    assert AuditEvent.objects.filter(action="safeguard.report.exported", actor=trust_lead, extra__table="trust-report").exists()


def test_a_bad_period_is_refused_with_its_words_and_nothing_run(login, trust_lead):
    response = login(trust_lead).get(reverse("trust_report") + "?start=2025-05-01&end=2025-01-01")
    page = response.content.decode()
    assert "The end date is before the start date" in page
    assert 'value="2025-05-01"' in page
    assert not AuditEvent.objects.filter(action="desk.trust_report.viewed").exists()


def test_another_trusts_lead_sees_nothing_of_this_trust(login, q1, trust, elsewhere_lead):
    client = login(elsewhere_lead)
    assert client.get(_report_url(trust=trust.pk)).status_code == 404
    assert client.get(reverse("case_detail", args=[q1.a.pk])).status_code == 404
    assert "Cases granted to you (0)" in client.get(reverse("home")).content.decode()
    with time_machine.travel(REPORT_DAY, tick=False):
        page = login(elsewhere_lead).get(_report_url()).content.decode()
    assert "Faraway Academy" in page
    assert "Hillside Test Academy" not in page and "Valley Test School" not in page


def test_school_staff_get_no_trust_report(login, dsl, head, it_admin):
    for person in (dsl, head, it_admin):
        assert login(person).get(reverse("trust_report")).status_code == 403


# --- Home and navigation -------------------------------------------------------------------------


def test_a_trust_lead_with_no_school_role_lands_on_the_trust_report_and_granted_cases(login, trust, trust_lead, case, dsl):
    case_grant_trust_lead(actor=dsl, case=case, user=trust_lead)
    page = login(trust_lead).get(reverse("home")).content.decode()
    assert "You do not have a role at any school yet" not in page
    assert reverse("trust_report") in page
    assert "Trust report" in page
    assert "Cases granted to you (1)" in page
    assert case.reference in page


# --- Granting a named case -----------------------------------------------------------------------


def test_a_dsl_grants_a_case_and_it_is_audited_and_shown_to_dsls(login, case, dsl, deputy, trust_lead):
    response = login(dsl).post(reverse("case_trust_grant", args=[case.pk]), {"trust-user": trust_lead.pk}, follow=True)
    assert "Tess Trustwide can now read this case" in response.content.decode()
    assert CaseUserObjectPermission.objects.filter(
        user=trust_lead, content_object=case, permission__codename=READ_GRANTED_PERMISSION
    ).exists()
    event = AuditEvent.objects.get(action="cases.case.trust_lead_granted", object_id=str(case.pk))
    assert event.actor == dsl and event.extra == {"user_id": trust_lead.pk}
    # Every DSL of the school sees who has it, on the case page.
    page = login(deputy).get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "The trust's safeguarding lead" in page and "Tess Trustwide can read this case." in page
    assert Notification.objects.filter(recipient=trust_lead, kind="case_granted").exists()

    login(deputy).post(reverse("case_trust_grant_end", args=[case.pk, trust_lead.pk]))
    assert not CaseUserObjectPermission.objects.filter(user=trust_lead, content_object=case).exists()
    assert AuditEvent.objects.filter(action="cases.case.trust_lead_grant_ended", actor=deputy).exists()


def test_trust_lead_opens_the_granted_case(login, case, dsl, trust_lead, other_case):
    """End to end, through the gateway (``cases.access``): granted, the lead reads the case in full
    and may not change it; another case of the trust stays a 404; taken back, a 404 again."""
    client = login(trust_lead)
    assert client.get(reverse("case_detail", args=[case.pk])).status_code == 404
    case_grant_trust_lead(actor=dsl, case=case, user=trust_lead)
    page = client.get(reverse("case_detail", args=[case.pk]))
    assert page.status_code == 200
    assert case.disclosure.child_account in page.content.decode()
    assert client.get(reverse("case_decide", args=[case.pk])).status_code == 403
    assert client.get(reverse("case_detail", args=[other_case.pk])).status_code == 404
    case_grant_end(actor=dsl, case=case, user=trust_lead)
    assert client.get(reverse("case_detail", args=[case.pk])).status_code == 404


def test_granting_to_someone_not_a_trust_lead_is_refused_in_words(login, case, dsl, deputy, elsewhere_lead):
    client = login(dsl)
    response = client.post(reverse("case_trust_grant", args=[case.pk]), {"trust-user": deputy.pk}, follow=True)
    assert "Dev Deputy is not the safeguarding lead of" in response.content.decode()
    # The lead of another trust is not even someone of this trust: not in the list, and not named.
    response = client.post(reverse("case_trust_grant", args=[case.pk]), {"trust-user": elsewhere_lead.pk}, follow=True)
    page = response.content.decode()
    assert "Choose the trust&#x27;s safeguarding lead from the list" in page and "Fay Faraway" not in page
    response = client.post(reverse("case_trust_grant", args=[case.pk]), {"trust-user": "99999999999999999999"}, follow=True)
    assert "Choose the trust&#x27;s safeguarding lead from the list" in response.content.decode()
    assert not CaseUserObjectPermission.objects.filter(permission__codename=READ_GRANTED_PERMISSION).exists()
    with pytest.raises(ValidationError, match="not the safeguarding lead"):
        case_grant_trust_lead(actor=dsl, case=case, user=elsewhere_lead)


def test_only_the_schools_dsls_grant(case, head, other_dsl, pastoral, trust_lead):
    for who in (head, other_dsl, pastoral):
        with pytest.raises(ValidationError, match="Designated Safeguarding Lead or deputy of the case's school"):
            case_grant_trust_lead(actor=who, case=case, user=trust_lead)


def test_ending_the_appointment_takes_every_granted_case_back(case, dsl, trust_lead):
    case_grant_trust_lead(actor=dsl, case=case, user=trust_lead)
    trust_lead_end(actor=dsl, lead=TrustLead.objects.get(user=trust_lead))
    assert not CaseUserObjectPermission.objects.filter(user=trust_lead, permission__codename=READ_GRANTED_PERMISSION).exists()
    ended = AuditEvent.objects.get(action="cases.case.trust_lead_grant_ended")
    assert ended.extra == {"user_id": trust_lead.pk, "because": "trust_lead_ended"}
    # Appointed again later, they start with no case.
    trust_lead_appoint(actor=None, user=trust_lead, trust=case.school.trust)
    assert not cases_visible_to(User.objects.get(pk=trust_lead.pk)).exists()


def test_the_case_page_offers_the_grant_only_where_the_trust_has_a_lead(login, case, dsl, head, trust_lead):
    page = login(dsl).get(reverse("case_detail", args=[case.pk])).content.decode()
    assert 'id="trust-grants-heading"' in page and "Tess Trustwide (tess@trust.example)" in page
    # The head reads the case but does not grant it.
    assert 'id="trust-grants-heading"' not in login(head).get(reverse("case_detail", args=[case.pk])).content.decode()
    TrustLead.objects.filter(user=trust_lead).update(ended_at=timezone.now())
    assert 'id="trust-grants-heading"' not in login(dsl).get(reverse("case_detail", args=[case.pk])).content.decode()


def test_the_staff_page_lists_the_trusts_lead_and_ends_one_appointed_at_deployment(login, it_admin, trust_lead, elsewhere_lead):
    client = login(it_admin)
    page = client.get(reverse("staff_list")).content.decode()
    assert "Tess Trustwide (tess@trust.example)" in page
    lead = TrustLead.objects.get(user=trust_lead)
    client.post(reverse("trust_lead_end", args=[lead.pk]))
    lead.refresh_from_db()
    assert lead.ended_at is not None and lead.ended_by == it_admin
    assert "The trust has no safeguarding lead." in client.get(reverse("staff_list")).content.decode()
    # An ended appointment, and another trust's lead, are not this administrator's to end: 404.
    assert client.post(reverse("trust_lead_end", args=[lead.pk])).status_code == 404
    elsewhere = TrustLead.objects.get(user=elsewhere_lead)
    assert client.post(reverse("trust_lead_end", args=[elsewhere.pk])).status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.ended_at is None


def test_resetting_a_trust_leads_second_factor_waits_for_a_dsl(school, it_admin, dsl, candidate):
    """Whoever runs the school's email could otherwise take over the trust's lead's account."""
    approval_approve(actor=dsl, approval=trust_lead_propose(actor=it_admin, school=school, user=candidate))
    TOTPDevice.objects.create(user=candidate, name="Authenticator app", confirmed=True)
    assert staff_reset_second_factor(actor=it_admin, school=school, user=User.objects.get(pk=candidate.pk)) is False
    assert TOTPDevice.objects.filter(user=candidate).exists()
    assert StaffApproval.objects.filter(kind=StaffApproval.Kind.SECOND_FACTOR_RESET, user=candidate).exists()
