"""One built world for the URL matrices (role × method, and second factor × method).

Built once per test module inside a transaction that is rolled back when the module ends; each
test runs inside its own savepoint (pytest-django's ``db``), so a POST that changes something in
one test is gone before the next. Every row of the matrix can build its URL from this world: a
row that cannot fails (``tests.url_matrix.url_for``), it never skips.

A module that uses the world should hold only tests that use it: it stays in the database for
the whole module, so a test beside it that counts rows would count the world's too.
"""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from safeguard.views.account import REAUTH_SESSION_KEY
from tests.factories import PupilFactory, SchoolFactory, TrustFactory, UserFactory, make_case, staff
from tests.sessions import verify_second_factor


def build_world() -> dict:
    from cases.models import FileTransfer, PupilImport, ReceivedFile
    from cases.services import case_assign, concern_raise, note_add
    from cases.services.attachments import attachment_add
    from cases.services.concerns import ConcernInput
    from cases.services.grants import case_grant_trust_lead
    from referrals.services import action_create
    from safeguard.models import StaffApproval, TrustLead

    trust = TrustFactory()
    school = SchoolFactory(trust=trust, name="Hillside Test Academy", code="HTA")
    other_school = SchoolFactory(trust=trust, name="Valley Test School", code="VTS")
    personas = {
        "dsl": staff(school, "dsl", full_name="Dee Lead", email="dsl@hillside.example"),
        "deputy": staff(school, "deputy_dsl", full_name="Dev Deputy", email="deputy@hillside.example"),
        "pastoral": staff(school, "pastoral", full_name="Pat Pastoral", email="pastoral@hillside.example"),
        "pastoral_unassigned": staff(school, "pastoral", full_name="Una Unassigned", email="pastoral2@hillside.example"),
        # Assigned on the support view (issue 17); "pastoral" is assigned to read the full case.
        "pastoral_support": staff(school, "pastoral", full_name="Sue Support", email="pastoral3@hillside.example"),
        "head": staff(school, "head", full_name="Hal Head", email="head@hillside.example"),
        "it_admin": staff(school, "it_admin", full_name="Ivy Admin", email="it@hillside.example"),
        "staff_member": staff(school, "staff", full_name="Sid Staff", email="staff@hillside.example"),
        "other_dsl": staff(other_school, "dsl", full_name="Oli Otherlead", email="dsl@valley.example"),
        "trust_lead": UserFactory(full_name="Tam Trustlead", email="lead@trust.example"),
    }
    trust_lead_appointment = TrustLead.objects.create(user=personas["trust_lead"], trust=trust)
    dsl = personas["dsl"]
    pupil = PupilFactory(school=school, first_name="Ava", last_name="Testchild")
    case = make_case(actor=dsl, school=school, pupils=[pupil])
    case_assign(actor=dsl, case=case, user=personas["pastoral"], view="full")
    case_assign(actor=dsl, case=case, user=personas["pastoral_support"], view="support")
    other_case = make_case(actor=personas["other_dsl"], school=other_school, pupils=[PupilFactory(school=other_school)])
    attachment = attachment_add(
        actor=dsl,
        case=case,
        upload=SimpleUploadedFile("letter.pdf", _pdf()),
        description="A referral letter",
        confirmed_no_child_images=True,
    )
    candidate = staff(school, "staff", full_name="Cam Candidate", email="candidate@hillside.example")
    # Another lead of the trust, granted the world's case (the trust_lead persona is granted none).
    granted_lead = UserFactory(full_name="Gil Granted", email="granted@trust.example")
    TrustLead.objects.create(user=granted_lead, trust=trust)
    case_grant_trust_lead(actor=dsl, case=case, user=granted_lead)
    approval = StaffApproval.objects.create(
        kind=StaffApproval.Kind.ROLE, user=candidate, school=school, role="head", requested_by=personas["it_admin"]
    )
    # Two more DSLs for the second-factor matrix: one who has set up a second factor, one who has not.
    enrolled = staff(school, "dsl", full_name="Enid Enrolled", email="enrolled@hillside.example")
    fresh = staff(school, "dsl", full_name="Fred Fresh", email="fresh@hillside.example")
    TOTPDevice.objects.create(user=enrolled, name="Authenticator app", confirmed=True)
    sessions = {persona: _session(user, verified=True) for persona, user in personas.items()}
    sessions |= {
        "password_only": _session(enrolled, verified=False),
        "verified": _session(enrolled, verified=True),
        "no_second_factor_yet": _session(fresh, verified=False),
    }
    return {
        **personas,
        "enrolled_dsl": enrolled,
        "fresh_dsl": fresh,
        "sessions": sessions,
        "trust": trust,
        "school": school,
        "other_school": other_school,
        "case": case,
        "other_case": other_case,
        "pupil": pupil,
        "pupil_import": PupilImport.objects.create(
            school=school, uploaded_by=dsl, filename="roll.csv", content="UPN\n", report={}
        ),
        "note": note_add(actor=dsl, case=case, text="A note."),
        "case_child": case.children.get(),
        "concern": concern_raise(
            actor=personas["staff_member"], school=school, data=ConcernInput(children="A pupil", what_happened="Something I saw.")
        ),
        "step": case.steps.order_by("id").first(),
        "attachment": attachment,
        "action": action_create(
            actor=dsl, case=case, owner=personas["pastoral"], title="Check in", due_date=timezone.localdate()
        ),
        "approval": approval,
        "granted_lead": granted_lead,
        "trust_lead_appointment": trust_lead_appointment,
        # A child's file (issue 18): one leaving the school, one arrived from the other school.
        "transfer": FileTransfer.objects.create(
            school=school, pupil=pupil, left_on=timezone.localdate(), due_on=timezone.localdate(), started_by=dsl
        ),
        "received": ReceivedFile.objects.create(
            school=school, source="this", from_school_name=other_school.name, pupil_name="Ava Testchild", pupil_upn=pupil.upn
        ),
        # A subject access request (issue 19, part 4), gathered, with one passage withheld.
        **_sar_world(school=school, pupil=pupil, dsl=dsl),
        # A legal hold on the world's case (issue 19, part 2), to lift.
        "legal_hold": _legal_hold(case=case, dsl=dsl),
    }


def _legal_hold(*, case, dsl):
    from cases.models import HoldKind, LegalHold

    return LegalHold.objects.create(
        school_id=case.school_id, case=case, kind=HoldKind.POLICE, reason="A police investigation.", placed_by=dsl
    )


def _session(user, *, verified: bool) -> str:
    """A logged-in session for ``user`` (with its code entered, if ``verified``): its key."""
    client = Client()
    client.force_login(user)
    if verified:
        verify_second_factor(client, user)
    return client.session.session_key


def world_client(world: dict, who: str) -> Client:
    """A client on one of the world's sessions (a persona's, or a second-factor state's), with its
    proof of who this is made fresh, as the matrix's tests may run minutes after the world was built."""
    client = Client()
    if who == "anon":
        return client
    key = world["sessions"][who]
    store = SessionStore(session_key=key)
    if REAUTH_SESSION_KEY in store:
        store[REAUTH_SESSION_KEY] = time.time()
    store.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    return client


def _pdf() -> bytes:
    """A small, real one-page PDF (a referral letter), built by pikepdf when it is installed."""
    import io

    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The matrix's world, shared by every test of the module and rolled back after it."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _sar_world(*, school, pupil, dsl) -> dict:
    from desk.sar.services import RequestInput, redaction_make, request_gather, request_record

    sar = request_record(
        actor=dsl,
        school=school,
        pupil=pupil,
        data=RequestInput(
            requester_name="A parent",
            requester_kind="parent",
            identity_checked="Passport and a council tax bill.",
            received_on=timezone.localdate(),
        ),
    )
    sar = request_gather(actor=dsl, request=sar)
    redaction = redaction_make(actor=dsl, request=sar, target="cases.0.summary.text", reason_kind="serious_harm")
    sar.refresh_from_db()
    return {"sar": sar, "sar_redaction": redaction}
