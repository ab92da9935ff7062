"""The attacker's path (issue 13): each finding of the security review, refused, with the test that
would have found it. Every guard that must outlive a failed request is checked after the failure."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from desk.reports.csv import safe_text
from safeguard.models import AuditEvent, StaffApproval, StaffRole, User
from safeguard.second_factor import has_second_factor
from tests.factories import staff

PASSWORD = "correct-horse-battery"


def totp_now(device) -> str:
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def enrolled(user) -> TOTPDevice:
    """A confirmed authenticator (and backup codes) for ``user``, as a real enrolment leaves."""
    from safeguard.second_factor import _new_backup_codes

    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    _new_backup_codes(user)
    return device


def password_only(user) -> Client:
    """A session after the password alone (the second factor not yet entered)."""
    client = Client()
    response = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def events(action: str, **filters):
    return AuditEvent.objects.filter(action=action, **filters)


# --- 1. Critical: the second factor can never be replaced with a password alone --------------------


def test_a_password_alone_cannot_replace_the_second_factor(dsl, case):
    original = enrolled(dsl)
    codes = set(StaticToken.objects.filter(device__user=dsl).values_list("token", flat=True))
    attacker = password_only(dsl)
    for method in ("get", "post"):
        for name in ("otp_setup", "otp_replace"):
            response = getattr(attacker, method)(reverse(name), {"token": "123456"})
            assert response.status_code == 302 and response["Location"].startswith(reverse("otp_verify")), (method, name)
    # Even a code computed for a device the attacker started would not be accepted: none was started.
    assert list(TOTPDevice.objects.filter(user=dsl).values_list("pk", "confirmed")) == [(original.pk, True)]
    assert set(StaticToken.objects.filter(device__user=dsl).values_list("token", flat=True)) == codes
    assert attacker.get(reverse("case_detail", args=[case.pk]))["Location"].startswith(reverse("otp_verify"))
    assert not events("safeguard.second_factor.replaced").exists()


def test_the_service_refuses_to_start_or_confirm_a_replacement_without_proof(dsl):
    from django.core.exceptions import PermissionDenied

    from safeguard.second_factor import SessionProof, second_factor_confirm, second_factor_start

    enrolled(dsl)
    for proof in (SessionProof(verified=False, recent=False), SessionProof(verified=True, recent=False)):
        with pytest.raises(PermissionDenied):
            second_factor_start(user=dsl, proof=proof)
    pending = TOTPDevice.objects.create(user=dsl, name="x", confirmed=False)
    with pytest.raises(PermissionDenied):
        second_factor_confirm(user=dsl, device=pending, token=totp_now(pending), proof=SessionProof(verified=False, recent=True))
    assert TOTPDevice.objects.filter(user=dsl, confirmed=True).count() == 1


def test_a_verified_session_replaces_the_app_after_confirming_it_is_you_and_the_owner_is_told(
    dsl, login, django_capture_on_commit_callbacks
):
    old = enrolled(dsl)
    client = login(dsl)
    session = client.session
    session["safeguard_reauth_at"] = 0  # the last proof is old
    session.save()
    asked = client.get(reverse("otp_replace"))
    assert asked.status_code == 302 and asked["Location"].startswith(reverse("reauth"))
    backup = StaticToken.objects.filter(device__user=dsl).values_list("token", flat=True).first()
    confirmed = client.post(reverse("reauth"), {"password": PASSWORD, "token": backup, "next": reverse("otp_replace")})
    assert confirmed["Location"] == reverse("otp_replace")
    page = client.get(reverse("otp_replace"))
    assert page.status_code == 200 and b"Replace your authenticator app" in page.content
    new = TOTPDevice.objects.get(user=dsl, confirmed=False)
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("otp_replace"), {"token": totp_now(new)})
    assert b"Your backup codes" in done.content
    assert list(TOTPDevice.objects.filter(user=dsl).values_list("pk", flat=True)) == [new.pk] and old.pk != new.pk
    assert events("safeguard.second_factor.replaced", actor=dsl).count() == 1
    assert not events("safeguard.second_factor.enrolled", actor=dsl).exists()
    assert [m.to for m in mail.outbox] == [[dsl.email]] and "was replaced" in mail.outbox[0].body


# --- 2. High: a wrong code leaves its trace, and the throttle holds ---------------------------------


def test_wrong_codes_are_recorded_and_throttled_then_even_the_right_code_waits(dsl):
    device = enrolled(dsl)
    client = password_only(dsl)
    for _ in range(5):
        wrong = client.post(reverse("otp_verify"), {"token": "000000"})
        assert wrong.status_code == 200
    # The failures were kept although each request failed: the audit rows and django-otp's count.
    assert events("safeguard.second_factor.failed", actor=dsl).count() == 5
    device.refresh_from_db()
    assert device.throttling_failure_count >= 1
    refused = client.post(reverse("otp_verify"), {"token": totp_now(device)})
    assert refused.status_code == 200 and b"Too many wrong codes" in refused.content
    assert client.get(reverse("home"))["Location"].startswith(reverse("otp_verify"))
    last = events("safeguard.second_factor.failed", actor=dsl).order_by("-id").first()
    assert events("safeguard.second_factor.failed", actor=dsl).count() == 6 and last.extra["throttled"] is True


def test_a_wrong_enrolment_code_is_recorded_and_counted(dsl):
    client = password_only(dsl)
    client.get(reverse("otp_setup"))
    client.post(reverse("otp_setup"), {"token": "000000"})
    device = TOTPDevice.objects.get(user=dsl, confirmed=False)
    assert device.throttling_failure_count == 1
    assert events("safeguard.second_factor.failed", actor=dsl, extra__stage="enrol").count() == 1
    throttled = client.post(reverse("otp_setup"), {"token": totp_now(device)})
    assert b"Too many wrong codes" in throttled.content and not has_second_factor(dsl)


def test_a_wrong_code_when_confirming_it_is_you_is_recorded_and_counted(dsl, login):
    device = enrolled(dsl)
    client = login(dsl)
    client.post(reverse("reauth"), {"password": PASSWORD, "token": "000000"})
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    assert events("safeguard.second_factor.failed", actor=dsl, extra__stage="reauth").count() == 1


def test_the_session_key_changes_when_the_code_is_entered(dsl):
    enrolled(dsl)
    client = password_only(dsl)
    before = client.session.session_key
    code = StaticToken.objects.filter(device__user=dsl).values_list("token", flat=True).first()
    client.post(reverse("otp_verify"), {"token": code})
    assert client.session.session_key != before
    assert client.get(reverse("home")).status_code == 200


# --- 3. High: the IT administrator can never give themselves (or anyone) a case ---------------------


def test_a_dsl_added_by_the_it_admin_reads_nothing_until_a_dsl_approves(
    it_admin, dsl, head, case, school, login, django_capture_on_commit_callbacks, school_hours
):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(it_admin).post(
            reverse("staff_add"), {"full_name": "Sock Puppet", "email": "puppet@hillside.example", "roles": ["dsl"]}
        )
    assert response.status_code == 302
    puppet = User.objects.get(email="puppet@hillside.example")
    assert not StaffRole.objects.filter(user=puppet).exists()
    approval = StaffApproval.objects.get(user=puppet, role="dsl", status="pending")
    # Every DSL and the head is told at once, in Safeguard and by email.
    told = {m.to[0] for m in mail.outbox if "Approve or decline" in m.subject}
    assert told == {dsl.email, head.email}
    puppet.set_password(PASSWORD)
    puppet.save()
    puppet_client = login(puppet)
    assert puppet_client.get(reverse("case_detail", args=[case.pk])).status_code == 404
    assert puppet_client.get(reverse("case_list")).status_code == 403
    # Approved by a DSL: it takes effect.
    approve = login(dsl).post(reverse("approval_decide", args=[approval.pk]), {"decision": "approve"})
    assert approve.status_code == 302
    assert StaffRole.objects.filter(user=puppet, role="dsl").exists()
    # The approval ended the puppet's sessions, so the role bites at once: a fresh login reads the case.
    assert puppet_client.get(reverse("case_detail", args=[case.pk])).status_code == 302
    puppet.refresh_from_db()
    assert login(puppet).get(reverse("case_detail", args=[case.pk])).status_code == 200


@pytest.mark.parametrize("role", ["dsl", "deputy_dsl", "head"])
def test_granting_a_role_that_reads_cases_to_an_existing_account_waits_for_a_dsl(
    it_admin, staff_member, dsl, school, login, role
):
    response = login(it_admin).post(reverse("staff_edit", args=[staff_member.pk]), {"roles": ["staff", role]})
    assert response.status_code == 302
    assert set(StaffRole.objects.filter(user=staff_member).values_list("role", flat=True)) == {"staff"}
    assert StaffApproval.objects.filter(user=staff_member, role=role, status="pending").count() == 1


def test_the_person_who_asked_or_the_person_it_is_about_cannot_approve(it_admin, dsl, deputy, staff_member, school):
    from django.core.exceptions import ValidationError

    from safeguard.services import approval_approve, staff_set_roles

    StaffRole.objects.create(user=it_admin, school=school, role="dsl")  # an IT admin who is also a DSL
    staff_set_roles(actor=it_admin, school=school, user=staff_member, roles=["staff", "head"])
    approval = StaffApproval.objects.get(user=staff_member)
    with pytest.raises(ValidationError, match="You asked for this yourself"):
        approval_approve(actor=it_admin, approval=approval)
    with pytest.raises(ValidationError, match="Only a Designated Safeguarding Lead"):
        approval_approve(actor=deputy, approval=approval)
    approval_approve(actor=dsl, approval=approval)
    assert StaffRole.objects.filter(user=staff_member, role="head").exists()


def test_the_first_dsl_of_a_school_with_none_takes_effect_and_the_head_is_told(trust, django_capture_on_commit_callbacks):
    from safeguard.services import staff_create
    from tests.factories import SchoolFactory

    new_school = SchoolFactory(trust=trust)
    admin = staff(new_school, "it_admin")
    head = staff(new_school, "head")
    with django_capture_on_commit_callbacks(execute=True):
        first = staff_create(actor=admin, school=new_school, email="first@new.example", full_name="First Lead", roles=["dsl"])
        second = staff_create(actor=admin, school=new_school, email="second@new.example", full_name="Second Lead", roles=["dsl"])
    assert StaffRole.objects.filter(user=first, role="dsl").exists()
    assert not StaffRole.objects.filter(user=second, role="dsl").exists()  # now there is a DSL to approve it
    assert any(m.to == [head.email] and "First Lead is now Designated Safeguarding Lead" in m.subject for m in mail.outbox)


def test_the_last_dsl_cannot_be_removed_or_deactivated(it_admin, dsl, school):
    from django.core.exceptions import ValidationError

    from safeguard.services import LAST_DSL, staff_deactivate, staff_set_roles

    for attempt in (
        lambda: staff_set_roles(actor=it_admin, school=school, user=dsl, roles=["staff"]),
        lambda: staff_deactivate(actor=it_admin, school=school, user=dsl),
    ):
        with pytest.raises(ValidationError) as refused:
            attempt()
        assert LAST_DSL in refused.value.messages
    dsl.refresh_from_db()
    assert dsl.is_active and StaffRole.objects.filter(user=dsl, role="dsl").exists()


def test_resetting_the_second_factor_of_someone_who_reads_cases_needs_a_second_person(it_admin, dsl, head, login):
    enrolled(dsl)
    response = login(it_admin).post(reverse("staff_reset_second_factor", args=[dsl.pk]))
    assert response.status_code == 302
    assert has_second_factor(dsl)  # not yet
    approval = StaffApproval.objects.get(user=dsl, kind="second_factor_reset", status="pending")
    assert login(head).post(reverse("approval_decide", args=[approval.pk]), {"decision": "approve"}).status_code == 302
    assert not has_second_factor(dsl)
    event = events("safeguard.second_factor.reset", object_id=str(dsl.pk)).get()
    assert event.actor == it_admin and event.extra == {"approved_by": head.pk}


def test_declining_needs_a_reason_and_changes_nothing(it_admin, staff_member, dsl, school, login):
    from safeguard.services import staff_set_roles

    staff_set_roles(actor=it_admin, school=school, user=staff_member, roles=["staff", "dsl"])
    approval = StaffApproval.objects.get(user=staff_member)
    client = login(dsl)
    no_reason = client.post(reverse("approval_decide", args=[approval.pk]), {"decision": "decline"}, follow=True)
    assert b"Say why you are declining" in no_reason.content
    approval.refresh_from_db()
    assert approval.status == "pending"
    client.post(reverse("approval_decide", args=[approval.pk]), {"decision": "decline", "reason": "I do not know them."})
    approval.refresh_from_db()
    assert approval.status == "declined" and approval.reason == "I do not know them."
    assert not StaffRole.objects.filter(user=staff_member, role="dsl").exists()


# --- 4. High: no IT administrator can take over another school's people ----------------------------


def test_adding_the_email_of_another_schools_dsl_is_refused_saying_only_it_is_in_use(it_admin, other_dsl, login):
    response = login(it_admin).post(reverse("staff_add"), {"full_name": "Whoever", "email": other_dsl.email, "roles": ["staff"]})
    assert response.status_code == 200
    assert b"already in use elsewhere in the trust" in response.content
    assert set(StaffRole.objects.filter(user=other_dsl).values_list("school__code", flat=True)) == {"VTS"}


def test_an_account_that_works_elsewhere_cannot_be_reset_or_sent_a_link_from_here(it_admin, school, other_school, login):
    both = staff(school, "staff")
    StaffRole.objects.create(user=both, school=other_school, role="dsl")
    enrolled(both)
    client = login(it_admin)
    mail.outbox.clear()
    for name in ("staff_reset_second_factor", "staff_send_link"):
        response = client.post(reverse(name, args=[both.pk]), follow=True)
        assert b"a school you do not administer" in response.content, name
    assert has_second_factor(both) and not mail.outbox
    assert not StaffApproval.objects.filter(user=both).exists()


def test_sending_a_set_password_link_asks_to_confirm_it_is_you(it_admin, staff_member, login):
    client = login(it_admin)
    session = client.session
    session["safeguard_reauth_at"] = 0
    session.save()
    response = client.post(reverse("staff_send_link", args=[staff_member.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("reauth"))
    assert not mail.outbox


# --- 7. Medium: every page that shows a case's content is audited; refused pupil access too ---------


def test_pupil_pages_refused_write_a_refusal(pastoral_unassigned, other_dsl, pupil, login):
    assert login(other_dsl).get(reverse("pupil_edit", args=[pupil.pk])).status_code == 404
    assert login(pastoral_unassigned).get(reverse("pupil_detail", args=[pupil.pk])).status_code == 404
    assert login(other_dsl).get(reverse("pupil_import_detail", args=[987654])).status_code == 404
    assert events("cases.pupil.access_refused", actor=other_dsl).count() == 1
    assert events("cases.pupil.access_refused", actor=pastoral_unassigned).count() == 1
    assert events("cases.pupil_import.access_refused", actor=other_dsl, extra__asked_for="987654").count() == 1


# --- 8. Medium: no value an attacker can send breaks the head's reports ----------------------------


def test_an_enormous_case_number_is_refused_and_the_reports_still_open(staff_member, head, login):
    client = login(staff_member)
    assert client.get("/cases/99999999999999999999999/").status_code == 404
    event = events("cases.case.access_refused", actor=staff_member).get()
    assert event.object_id == "" and event.extra["asked_for"] == "99999999999999999999999"
    reports = login(head).get(reverse("reports"))
    assert reports.status_code == 200
    assert b"No case numbered 99999999999999999999999 at the time" in reports.content


def test_a_burst_of_refusals_is_one_counted_event(staff_member, head, case, login):
    from safeguard.refusals import BURST_WINDOW, refusal_bursts_close

    client = login(staff_member)
    for number in range(1, 31):
        assert client.get(f"/cases/{case.pk + 1000 + number}/").status_code == 404
    assert events("cases.case.access_refused", actor=staff_member).count() == 1
    with time_machine.travel(timezone.now() + BURST_WINDOW + timedelta(minutes=1)):
        assert refusal_bursts_close() == 1
    refused = list(events("cases.case.access_refused", actor=staff_member).order_by("id"))
    assert [e.extra["count"] for e in refused] == [1, 29]
    assert refused[1].extra["asked_for"][:2] == [str(case.pk + 1002), str(case.pk + 1003)]


def _next_case_id() -> int:
    """The id the next case will get (PostgreSQL: the sequence's next value, handed back)."""
    from django.db import connection

    from cases.models import Case

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence('cases_case', 'id'))")
            value = cursor.fetchone()[0]
            cursor.execute("SELECT setval(pg_get_serial_sequence('cases_case', 'id'), %s, false)", [value])
        return value
    with connection.cursor() as cursor:
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = 'cases_case'")
        row = cursor.fetchone()
    return max(row[0] if row else 0, Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1


def test_a_refused_number_is_never_shown_as_the_case_that_later_got_it(staff_member, head, dsl, school, login):
    from tests.factories import make_case

    next_id = _next_case_id()
    login(staff_member).get(f"/cases/{next_id}/")
    later = make_case(actor=dsl, school=school)
    assert later.pk == next_id
    page = login(head).get(reverse("reports")).content.decode()
    assert f"No case numbered {next_id} at the time" in page
    refused_section = page[page.index("Refused attempts") :]
    assert later.reference not in refused_section[: refused_section.index("</table>")]


# --- 9. Medium: forwarded headers are believed only from the configured proxy ----------------------


def test_a_forged_forwarded_for_is_ignored_without_a_trusted_proxy(dsl, settings):
    settings.TRUSTED_PROXIES = ()
    client = Client()
    for _ in range(6):
        client.post(
            reverse("login"),
            {"username": dsl.email, "password": "wrong-password"},
            REMOTE_ADDR="203.0.113.9",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{_}",
        )
    failures = events("safeguard.login.failed", actor=dsl)
    assert {e.ip_address for e in failures} == {"203.0.113.9"}
    locked = client.post(
        reverse("login"),
        {"username": dsl.email, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_FORWARDED_FOR="192.0.2.1",
    )
    assert locked.status_code == 429  # a new forged address does not lift the lockout


def test_the_trusted_proxy_is_believed_and_only_it(dsl, settings):
    import ipaddress

    settings.TRUSTED_PROXIES = (ipaddress.ip_network("172.30.0.1/32"),)
    Client().post(
        reverse("login"),
        {"username": dsl.email, "password": "wrong-password"},
        REMOTE_ADDR="172.30.0.1",
        HTTP_X_FORWARDED_FOR="192.0.2.44, 198.51.100.7",
    )
    Client().post(
        reverse("login"),
        {"username": dsl.email, "password": "wrong-password"},
        REMOTE_ADDR="203.0.113.5",
        HTTP_X_FORWARDED_FOR="192.0.2.1",
    )
    assert sorted(events("safeguard.login.failed", actor=dsl).values_list("ip_address", flat=True)) == [
        "198.51.100.7",
        "203.0.113.5",
    ]


def test_forwarded_proto_from_anyone_else_does_not_make_a_request_secure(rf, settings):
    from safeguard.middleware import TrustedProxyMiddleware

    settings.TRUSTED_PROXIES = ()
    seen = {}

    def view(request):
        seen["forwarded"] = request.META.get("HTTP_X_FORWARDED_PROTO")
        return None

    TrustedProxyMiddleware(view)(rf.get("/", HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_FOR="192.0.2.1"))
    assert seen["forwarded"] is None


def test_the_old_proxy_setting_is_refused_at_start_up_with_the_new_name():
    from tests.safeguard.test_settings import _start

    result = _start({"SAFEGUARD_TRUST_PROXY_HEADERS": "1"})
    assert result.returncode != 0 and "SAFEGUARD_TRUSTED_PROXIES" in result.stderr


# --- 10. Low ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["school_switch", "otp_verify", "reauth"])
def test_a_next_that_is_not_a_path_goes_home_instead_of_failing(name, dsl, login):
    client = login(dsl)
    response = client.post(reverse(name) + "?next=abc", {"next": "abc", "school": "1", "token": "", "password": ""})
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert response["Location"] == reverse("home")
    else:
        assert b'value="abc"' not in response.content


def test_unassigning_an_id_from_elsewhere_names_nobody(dsl, case, other_dsl, login):
    response = login(dsl).post(reverse("case_unassign", args=[case.pk, other_dsl.pk]))
    assert response.status_code == 404
    assert other_dsl.full_name.encode() not in response.content


def test_a_pastoral_teacher_no_longer_assigned_is_not_reminded_of_the_case(dsl, pastoral, case):
    from cases.services import case_unassign
    from referrals.models import Reminder, ReminderStatus
    from referrals.services import action_create
    from referrals.services.reminders import reminder_deliver, reminders_claim, reminders_plan
    from safeguard.school_hours import deliver_at, hours_of

    # An action's reminder waits for a working day: the test runs on the next one (it failed on a Sunday).
    working = deliver_at(timezone.now().replace(hour=10), hours_of(case.school), working_days_only=True)
    action_create(actor=dsl, case=case, owner=pastoral, title="Check in", due_date=timezone.localtime(working).date())
    with time_machine.travel(working, tick=False):
        reminders_plan()
        planned = Reminder.objects.filter(recipient=pastoral, case=case)
        assert planned.exists()
        case_unassign(actor=dsl, case=case, user=pastoral)
        ids, token = reminders_claim()
        for reminder_id in ids:
            reminder_deliver(reminder_id=reminder_id, token=token)
    assert set(planned.values_list("status", flat=True)) == {ReminderStatus.SKIPPED}
    # Nothing about the case still asks anything of them (being assigned was cleared with the assignment).
    assert not pastoral.notifications.filter(case_id=case.pk, cleared_at__isnull=True).exists()
    assert not pastoral.notifications.filter(kind__in=["step_due", "action_due"]).exists()


def test_an_empty_post_to_a_routes_settings_keeps_the_schools_details(dsl, school, login):
    from referrals.models import Route, SchoolRoute

    client = login(dsl)
    client.post(reverse("route_edit", args=["R7"]), {"contact_details": "Force 101, PC Example", "due_working_days": "1"})
    client.post(reverse("route_edit", args=["R7"]), {})
    entry = SchoolRoute.objects.get(school=school, route=Route.objects.get(code="R7"))
    assert entry.contact_details == "Force 101, PC Example" and entry.due_working_days == 1


def test_an_empty_post_to_the_school_settings_keeps_them(dsl, school, login):
    school.high_number_threshold = 7
    school.save()
    login(dsl).post(reverse("school_settings"), {})
    school.refresh_from_db()
    assert school.high_number_threshold == 7


@pytest.mark.parametrize("cell", ["＝HYPERLINK(1)", "＋1", "－1", "＠SUM(1)", "=1"])
def test_the_csv_formula_guard_knows_full_width_signs(cell):
    assert safe_text(cell) == "'" + cell


def test_plain_text_is_left_as_it_is():
    assert safe_text("Older pupils involved") == "Older pupils involved"


@pytest.mark.parametrize("digit", ["²", "٣", "१२"])  # digits to str.isdigit(), not to int()
def test_a_digit_that_is_not_a_number_is_refused_in_the_staffs_words(dsl, school, login, digit):
    from safeguard.forms import ChoiceById, ChoicesById
    from safeguard.models import User

    with pytest.raises(ValidationError):
        ChoicesById(queryset=User.objects.all()).clean([digit])
    with pytest.raises(ValidationError):
        ChoiceById(queryset=User.objects.all()).clean(digit)
    response = login(dsl).post(reverse("concern_new"), {"urgent": "no", "what_happened": "Messages.", "pupils": [digit]})
    assert response.status_code == 200
    assert "Search this school&#x27;s roll again" in response.content.decode()
