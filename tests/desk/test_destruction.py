"""Destroying a former pupil's records by two people (issue 19): the flow, every refusal, the walk
of every relation afterwards, files on disk, the tombstone, the audit chain on SQLite and
PostgreSQL, the query count, and the shared-case rule."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, models
from django.db.models.deletion import get_candidate_relations_to_delete
from django.utils import timezone
from guardian.models import UserObjectPermission

from cases import services as case_services
from cases.models import (
    Attachment,
    BreakGlass,
    Case,
    CaseChild,
    CaseExclusion,
    CaseGroupObjectPermission,
    CaseRestriction,
    CaseReview,
    CaseStatusChange,
    Concern,
    ConcernPupil,
    Destruction,
    DestructionStatus,
    DisclosureDraft,
    FactChange,
    FileTransfer,
    HoldKind,
    LegalHold,
    OtherChild,
    Pupil,
    PupilChange,
    ReceivedFile,
    RetentionReview,
    SearchEntry,
    SubjectAccessRequest,
    Tombstone,
)
from desk.retention import destruction as destruction_module
from desk.retention.destruction import (
    DestructionRefused,
    destruction_approve,
    destruction_plan,
    destruction_propose,
    destruction_withdraw,
    upn_hash,
)
from referrals.models import Action, ChildVoice, ParentContact, Reminder, Route, Step, StepEvent
from safeguard.audit import verify_log
from safeguard.models import AlertEmail, AuditEvent, Notification
from tests.conftest import require_service
from tests.factories import PupilFactory, make_case, staff

BASIS = "The review date was reached and nothing is held."
EARLY = "The record was made in error about the wrong child, as the police confirmed."


# --- The records: a former pupil with something in every kind of record ------------------------------


def _former(pupil: Pupil, *, born: date = date(1995, 5, 1), left: date = date(2012, 7, 20)) -> Pupil:
    """Made through the services as a current pupil, then moved back in time (as the demo does)."""
    Pupil.objects.filter(pk=pupil.pk).update(date_of_birth=born, left_on=left)
    pupil.refresh_from_db()
    return pupil


def _pdf(text: str = "x") -> ContentFile:
    return ContentFile(b"%PDF-1.4\n% " + text.encode() + b"\n%%EOF\n", name="file.pdf")


def _everything(*, school, other_school, dsl, pastoral, pupil) -> dict:
    """A case of the pupil's alone with a row of every kind on it, concerns, drafts, files sent and
    received, a shared case, a case they were taken off, and the records that only lose their link."""
    now = timezone.now()
    case = make_case(actor=dsl, school=school, pupils=[pupil], summary="Only about Ava.")
    case_services.case_assign(actor=dsl, case=case, user=pastoral, view="full")
    note = case_services.note_add(actor=dsl, case=case, text="A note about Ava.")
    case_services.note_correct(actor=dsl, case=case, note=note, new_text="A corrected note.", reason="Typo.")
    case_services.decision_record(actor=dsl, case=case, decision="not_refer", rationale="")
    route_r1, route_r2 = Route.objects.get(code="R1"), Route.objects.get(code="R2")
    first = Step.objects.create(case=case, route=route_r1, owner=dsl, due_date=date.today())
    follows = Step.objects.create(case=case, route=route_r2, owner=dsl, follows=first)
    StepEvent.objects.create(step=first, case=case, to_state="to_do", summary="Accepted", by=dsl)
    action = Action.objects.create(case=case, step=first, title="Support", owner=pastoral, due_date=date.today(), created_by=dsl)
    notification = Notification.objects.create(recipient=dsl, school=school, kind="step_due", title="Step due", case_id=case.pk)
    by_subject = Notification.objects.create(recipient=dsl, school=school, kind="x", title="Concern", subject="concern:0")
    AlertEmail.objects.create(
        notification=notification, recipient=dsl, school=school, subject_line="Due", body="A step is due.", deliver_at=now
    )
    Reminder.objects.create(
        kind="step_due",
        recipient=dsl,
        school=school,
        subject=f"step:{first.pk}",
        case=case,
        step=first,
        action=action,
        due_on=date.today(),
        deliver_at=now,
        notification=notification,
    )
    ChildVoice.objects.create(
        case=case, pupil=pupil, told_at=now, told_by="DSL", views="She said...", next_steps="We will...", recorded_by=dsl
    )
    ParentContact.objects.create(case=case, pupil=pupil, informed=True, who="Mother", recorded_by=dsl)
    CaseReview.objects.create(case=case, notes="Reviewed.", reviewed_by=dsl, next_review_due=date.today())
    CaseStatusChange.objects.create(case=case, from_status="open", to_status="closed", reason="Done.", by=dsl)
    FactChange.objects.create(case=case, fields=["kinds"], reason="Changed.", made_by=dsl)
    OtherChild.objects.create(case=case, description="A Year 10 boy at another school", part="harmed_others")
    CaseRestriction.objects.create(case=case, kind="dsl", reason="Need to know.", started_by=dsl, ended_by=dsl, ended_at=now)
    CaseExclusion.objects.create(case=case, user=pastoral, named_by=dsl, ended_by=dsl, ended_at=now)
    BreakGlass.objects.create(case=case, user=dsl, session_hash="0" * 64, reason="Urgent.", ended_at=now)
    group = Group.objects.create(name=f"group-{uuid.uuid4().hex[:6]}")
    view_case = Permission.objects.get(codename="view_case")
    CaseGroupObjectPermission.objects.create(group=group, permission=view_case, content_object=case)
    UserObjectPermission.objects.create(
        user=dsl, permission=view_case, content_type=ContentType.objects.get_for_model(Case), object_pk=str(case.pk)
    )
    attachment = Attachment(
        case=case,
        original_name="referral.pdf",
        content_type="application/pdf",
        extension="pdf",
        size=20,
        sha256="0" * 64,
        uploaded_by=dsl,
    )
    attachment.file.save("referral.pdf", _pdf("attachment"), save=False)
    attachment.save()
    LegalHold.objects.create(
        school=school, case=case, kind=HoldKind.COMPLAINT, reason="A complaint.", placed_by=dsl, lifted_by=dsl, lifted_at=now
    )
    LegalHold.objects.create(
        school=school, pupil=pupil, kind=HoldKind.COURT, reason="A court case.", placed_by=dsl, lifted_by=dsl, lifted_at=now
    )

    # Concerns: one only about Ava (goes), one naming Ava and Ben on her case (kept, unlinked).
    ben = PupilFactory(school=school, first_name="Ben", last_name="Kept")
    alone = Concern.objects.create(school=school, reference=f"C-{uuid.uuid4().hex[:6]}", raised_by=dsl, what_happened="Seen.")
    ConcernPupil.objects.create(concern=alone, pupil=pupil)
    alone.also_alerted.add(pastoral)
    SearchEntry.objects.create(school=school, concern=alone, kind="concern", source_id=alone.pk, text="Seen.")
    Notification.objects.filter(pk=by_subject.pk).update(subject=f"concern:{alone.pk}")
    DisclosureDraft.objects.create(user=pastoral, school=school, data={"summary": ["From a concern"]}, concern=alone)
    shared_concern = Concern.objects.create(
        school=school, reference=f"C-{uuid.uuid4().hex[:6]}", raised_by=dsl, what_happened="Both.", case=case
    )
    ConcernPupil.objects.create(concern=shared_concern, pupil=pupil)
    ConcernPupil.objects.create(concern=shared_concern, pupil=ben)
    other_draft = DisclosureDraft.objects.create(user=pastoral, school=other_school, data={"pupils-0-pupil": ["999999"]})

    # A case shared with Ben (kept; Ava's link, voice and parents' contact go), and one she was taken off.
    shared = make_case(actor=dsl, school=school, pupils=[pupil, ben], summary="About Ava and Ben.")
    ChildVoice.objects.create(
        case=shared, pupil=pupil, told_at=now, told_by="DSL", views="Ava said...", next_steps="...", recorded_by=dsl
    )
    ben_voice = ChildVoice.objects.create(
        case=shared, pupil=ben, told_at=now, told_by="DSL", views="Ben said...", next_steps="...", recorded_by=dsl
    )
    ParentContact.objects.create(case=shared, pupil=pupil, informed=False, not_informed_reason="Risk.", recorded_by=dsl)
    taken_off = make_case(actor=dsl, school=school, pupils=[pupil, ben], summary="Ava added by mistake.")
    link = CaseChild.objects.get(case=taken_off, pupil=pupil)
    case_services.child_remove(actor=dsl, case=taken_off, link=link, reason="Added by mistake.")

    # Recording a disclosure clears its recorder's draft: this one is typed afterwards.
    DisclosureDraft.objects.create(user=dsl, school=school, data={"pupils-0-pupil": [str(pupil.pk)], "summary": ["Typing"]})

    # Her file sent to a school on this Safeguard (its received copy is that school's: kept) and one received.
    transfer = FileTransfer(
        school=school, pupil=pupil, left_on=date(2012, 7, 20), due_on=date(2012, 7, 27), started_by=dsl, status="accepted"
    )
    transfer.document.save("sent.pdf", _pdf("sent"), save=False)
    transfer.save()
    transfer.cases.add(case, shared)
    theirs = ReceivedFile.objects.create(
        school=other_school, source="this", transfer=transfer, from_school_name=school.name, pupil_name="Ava Testchild"
    )
    received = ReceivedFile(school=school, pupil=pupil, source="by_hand", from_school_name="First School", pupil_name="Ava")
    received.document.save("received.pdf", _pdf("received"), save=False)
    received.save()
    Notification.objects.create(recipient=dsl, school=school, kind="x", title="File", subject=f"transfer:{transfer.pk}")

    PupilChange.objects.create(pupil=pupil, fields=["first_name"], reason="Spelling.", made_by=dsl)
    review = RetentionReview.objects.create(school=school, pupil=pupil, outcome="destroy", reason="Reached.", reviewed_by=dsl)
    request = SubjectAccessRequest.objects.create(
        school=school,
        pupil=pupil,
        requester_name="Ava's mother",
        requester_kind="parent",
        identity_checked="Passport",
        received_on=date.today(),
        due_on=date.today() + timedelta(days=30),
        recorded_by=dsl,
        draft={"pupil": {"name": "Ava Testchild"}},
        drafted_at=now,
    )
    earlier = Destruction.objects.create(
        school=school, pupil=pupil, basis="Earlier.", proposed_by=dsl, status=DestructionStatus.WITHDRAWN
    )
    return {
        "case": case,
        "shared": shared,
        "taken_off": taken_off,
        "ben": ben,
        "ben_voice": ben_voice,
        "shared_concern": shared_concern,
        "alone": alone,
        "other_draft": other_draft,
        "theirs": theirs,
        "review": review,
        "request": request,
        "earlier": earlier,
        "follows": follows,
        "files": [attachment.file.path, transfer.document.path, received.document.path],
    }


@pytest.fixture
def records(school, other_school, dsl, head, pastoral, pupil, settings, tmp_path):
    settings.ATTACHMENT_ROOT = tmp_path / "attachments"
    made = _everything(school=school, other_school=other_school, dsl=dsl, pastoral=pastoral, pupil=pupil)
    made["pupil"] = _former(pupil)
    return made


def _destroy(records, dsl, head, captured):
    proposal = destruction_propose(actor=dsl, pupil=records["pupil"], basis=BASIS, recent=True)
    with captured(execute=True):
        tombstone = destruction_approve(actor=head, destruction=proposal, recent=True)
    return proposal, tombstone


def _related_models(*roots):
    """Every model reachable from ``roots`` through relations that point at them (a row that only
    loses its link, ``SET_NULL``, is reached but not gone through)."""
    seen, todo = set(), list(roots)
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for rel in get_candidate_relations_to_delete(model._meta):
            if rel.field.remote_field.on_delete is models.SET_NULL:
                seen.add(rel.related_model)
            else:
                todo.append(rel.related_model)
    return seen


# --- The two-person flow ---------------------------------------------------------------------------


def test_a_dsl_proposes_and_the_head_approves(records, dsl, head, django_capture_on_commit_callbacks):
    pupil = records["pupil"]
    proposal = destruction_propose(actor=dsl, pupil=pupil, basis=BASIS, recent=True)
    assert proposal.status == DestructionStatus.PROPOSED and proposal.proposed_by == dsl
    assert Pupil.objects.filter(pk=pupil.pk).exists()  # nothing goes until the second person approves
    with django_capture_on_commit_callbacks(execute=True):
        tombstone = destruction_approve(actor=head, destruction=proposal, recent=True)
    proposal.refresh_from_db()
    assert proposal.status == DestructionStatus.DONE and proposal.approved_by == head and proposal.pupil_id is None
    assert not Pupil.objects.filter(pk=pupil.pk).exists()
    assert tombstone.proposed_by == dsl and tombstone.approved_by == head
    actions = list(AuditEvent.objects.filter(action__startswith="desk.destruction.").values_list("action", flat=True))
    assert actions == ["desk.destruction.proposed", "desk.destruction.approved"]


def test_the_head_proposes_and_a_deputy_approves(records, head, deputy, django_capture_on_commit_callbacks):
    proposal = destruction_propose(actor=head, pupil=records["pupil"], basis=BASIS, recent=True)
    with django_capture_on_commit_callbacks(execute=True):
        destruction_approve(actor=deputy, destruction=proposal, recent=True)
    assert not Pupil.objects.filter(pk=records["pupil"].pk).exists()


def test_a_proposal_is_withdrawn_with_a_reason_and_a_new_one_may_follow(records, dsl, head):
    proposal = destruction_propose(actor=dsl, pupil=records["pupil"], basis=BASIS, recent=True)
    with pytest.raises(ValidationError) as refused:
        destruction_withdraw(actor=head, destruction=proposal, reason="  ")
    assert refused.value.messages == [destruction_module.WITHDRAW_REASON_REQUIRED]
    destruction_withdraw(actor=head, destruction=proposal, reason="The family has asked a question first.")
    proposal.refresh_from_db()
    assert proposal.status == DestructionStatus.WITHDRAWN and proposal.withdrawn_by == head
    with pytest.raises(ValidationError, match="no longer waiting"):
        destruction_approve(actor=head, destruction=proposal, recent=True)
    assert destruction_propose(actor=dsl, pupil=records["pupil"], basis=BASIS, recent=True).status == DestructionStatus.PROPOSED


# --- Refusals: each says why, and nothing changes ----------------------------------------------------


def _snapshot(pupil) -> tuple:
    return (
        Pupil.objects.filter(pk=pupil.pk).exists(),
        Case.objects.count(),
        Destruction.objects.filter(status=DestructionStatus.PROPOSED).count(),
        Tombstone.objects.count(),
        Step.objects.count(),
        Attachment.objects.count(),
    )


def _refused(call, pupil, match: str):
    before = _snapshot(pupil)
    refusals = AuditEvent.objects.filter(action="desk.destruction.refused").count()
    with pytest.raises(DestructionRefused) as refused:
        call()
    assert any(match in message for message in refused.value.messages), refused.value.messages
    assert _snapshot(pupil) == before
    assert AuditEvent.objects.filter(action="desk.destruction.refused").count() == refusals + 1
    return refused.value.messages


def test_refused_under_a_legal_hold_with_its_reason(records, dsl, head):
    pupil = records["pupil"]
    LegalHold.objects.create(
        school=pupil.school, pupil=pupil, kind=HoldKind.POLICE, reason="Operation Larch: do not destroy.", placed_by=dsl
    )
    _refused(lambda: destruction_propose(actor=dsl, pupil=pupil, basis=BASIS, recent=True), pupil, "Operation Larch")


def test_a_hold_placed_after_the_proposal_stops_the_approval(records, dsl, head):
    pupil = records["pupil"]
    proposal = destruction_propose(actor=dsl, pupil=pupil, basis=BASIS, recent=True)
    LegalHold.objects.create(
        school=pupil.school, case=records["case"], kind=HoldKind.INQUIRY, reason="The inquiry asked.", placed_by=head
    )
    _refused(lambda: destruction_approve(actor=head, destruction=proposal, recent=True), pupil, "The inquiry asked.")
    proposal.refresh_from_db()
    assert proposal.status == DestructionStatus.PROPOSED


def test_refused_for_a_case_held_by_the_inquiry_rule(school, dsl, head, pupil):
    make_case(actor=dsl, school=school, pupils=[pupil], kinds=["exploitation"])
    _former(pupil)
    _refused(lambda: destruction_propose(actor=dsl, pupil=pupil, basis=BASIS, recent=True), pupil, "inquiry")


def test_the_same_person_cannot_propose_and_approve(records, school, dsl):
    both = staff(school, "dsl", "head", full_name="Both Roles")
    proposal = destruction_propose(actor=both, pupil=records["pupil"], basis=BASIS, recent=True)
    _refused(lambda: destruction_approve(actor=both, destruction=proposal, recent=True), records["pupil"], "same person")


def test_the_approver_must_hold_the_other_role(records, dsl, deputy, head):
    proposal = destruction_propose(actor=dsl, pupil=records["pupil"], basis=BASIS, recent=True)
    _refused(
        lambda: destruction_approve(actor=deputy, destruction=proposal, recent=True), records["pupil"], "the head must approve"
    )
    destruction_withdraw(actor=dsl, destruction=proposal, reason="Starting again.")
    by_head = destruction_propose(actor=head, pupil=records["pupil"], basis=BASIS, recent=True)
    second_head = staff(records["pupil"].school, "head", full_name="Another Head")
    _refused(
        lambda: destruction_approve(actor=second_head, destruction=by_head, recent=True),
        records["pupil"],
        "a Designated Safeguarding Lead (or a deputy) must approve",
    )


def test_refused_without_recent_re_authentication(records, dsl, head):
    pupil = records["pupil"]
    _refused(lambda: destruction_propose(actor=dsl, pupil=pupil, basis=BASIS, recent=False), pupil, "Confirm it is you")
    proposal = destruction_propose(actor=dsl, pupil=pupil, basis=BASIS, recent=True)
    _refused(lambda: destruction_approve(actor=head, destruction=proposal, recent=False), pupil, "Confirm it is you")


def test_refused_while_the_pupil_is_on_roll(records, dsl):
    pupil = records["pupil"]
    Pupil.objects.filter(pk=pupil.pk).update(left_on=None)
    pupil.refresh_from_db()
    _refused(lambda: destruction_propose(actor=dsl, pupil=pupil, basis=BASIS, recent=True), pupil, "still on the school's roll")


def test_before_the_review_date_only_with_an_early_reason_of_a_sentence(records, dsl, head, django_capture_on_commit_callbacks):
    pupil = records["pupil"]
    Pupil.objects.filter(pk=pupil.pk).update(date_of_birth=date(2008, 1, 1))
    pupil.refresh_from_db()
    plan = destruction_plan(pupil)
    assert plan.needs_early_reason and plan.possible
    _refused(lambda: destruction_propose(actor=dsl, pupil=pupil, basis="   ", recent=True), pupil, "Write the basis")
    _refused(lambda: destruction_propose(actor=dsl, pupil=pupil, basis="Error.", recent=True), pupil, "in a sentence")
    _refused(
        lambda: destruction_propose(actor=dsl, pupil=pupil, basis=BASIS, early_reason="Wrong child.", recent=True),
        pupil,
        "in a sentence",
    )
    proposal = destruction_propose(actor=dsl, pupil=pupil, basis="Made in error.", early_reason=EARLY, recent=True)
    assert EARLY in proposal.basis and "before the review date" in proposal.basis
    with django_capture_on_commit_callbacks(execute=True):
        tombstone = destruction_approve(actor=head, destruction=proposal, recent=True)
    assert EARLY in tombstone.basis


def test_a_second_open_proposal_is_refused(records, dsl, head):
    destruction_propose(actor=dsl, pupil=records["pupil"], basis=BASIS, recent=True)
    _refused(
        lambda: destruction_propose(actor=head, pupil=records["pupil"], basis=BASIS, recent=True),
        records["pupil"],
        "already been proposed",
    )


@pytest.mark.parametrize("who", ["pastoral", "it_admin", "staff_member", "other_dsl"])
def test_nobody_else_may_propose_approve_or_withdraw(records, dsl, request, who):
    person = request.getfixturevalue(who)
    pupil = records["pupil"]
    _refused(lambda: destruction_propose(actor=person, pupil=pupil, basis=BASIS, recent=True), pupil, "Only a Designated")
    proposal = destruction_propose(actor=dsl, pupil=pupil, basis=BASIS, recent=True)
    _refused(lambda: destruction_approve(actor=person, destruction=proposal, recent=True), pupil, "Only a Designated")
    _refused(lambda: destruction_withdraw(actor=person, destruction=proposal, reason="Because."), pupil, "Only a Designated")
    proposal.refresh_from_db()
    assert proposal.status == DestructionStatus.PROPOSED


# --- What goes, what stays ---------------------------------------------------------------------------


def test_every_kind_of_record_is_in_the_world(records):
    """The relation walk below proves something only for models that have rows here: a model
    added later that points at a pupil or a case must be given a row in ``_everything``."""
    missing = []
    for model in _related_models(Pupil, Case, Concern, Notification):
        if model._meta.auto_created:
            continue
        if not model._base_manager.exists():
            missing.append(model._meta.label)
    assert not missing, f"Give these a row in _everything: {sorted(missing)}"


def test_no_row_anywhere_still_points_at_the_destroyed_pupil_or_cases(records, dsl, head, django_capture_on_commit_callbacks):
    pupil, case = records["pupil"], records["case"]
    destroyed = {Pupil: {pupil.pk}, Case: {case.pk}, Concern: {records["alone"].pk}}
    # Every row that points (at any depth) at what goes, by model, before.
    _destroy(records, dsl, head, django_capture_on_commit_callbacks)
    left = []
    for model in apps.get_models(include_auto_created=True):
        for fk in (f for f in model._meta.concrete_fields if isinstance(f, models.ForeignKey)):
            gone = destroyed.get(fk.related_model)
            if gone and model._base_manager.filter(**{f"{fk.attname}__in": gone}).exists():
                left.append(f"{model._meta.label}.{fk.name}")
    assert not left, f"Still pointing at destroyed records: {left}"
    assert not Notification.objects.filter(case_id=case.pk).exists()
    assert not UserObjectPermission.objects.filter(object_pk=str(case.pk), content_type__model="case").exists()
    # Nothing dangling at any depth: the database's own check of every foreign key.
    connection.check_constraints()


def test_shared_cases_and_concerns_naming_others_are_kept(records, dsl, head, django_capture_on_commit_callbacks):
    pupil, shared, taken_off, ben = records["pupil"], records["shared"], records["taken_off"], records["ben"]
    plan = destruction_plan(pupil)
    assert plan.case_references == [records["case"].reference]
    assert {kept.reference for kept in plan.kept_cases} == {shared.reference, taken_off.reference}
    assert any("another pupil on it" in line and shared.reference in line for line in plan.lines)
    assert plan.kept_concerns == 1
    _destroy(records, dsl, head, django_capture_on_commit_callbacks)
    assert Case.objects.filter(pk__in=[shared.pk, taken_off.pk]).count() == 2
    assert list(CaseChild.objects.filter(case=shared).values_list("pupil_id", flat=True)) == [ben.pk]
    assert list(ChildVoice.objects.filter(case=shared)) == [records["ben_voice"]]
    assert not ParentContact.objects.filter(case=shared).exists()
    concern = Concern.objects.get(pk=records["shared_concern"].pk)
    assert concern.case_id is None and list(concern.pupil_links.values_list("pupil_id", flat=True)) == [ben.pk]
    assert not Concern.objects.filter(pk=records["alone"].pk).exists()
    # Records that only lose their link, and what they held about the pupil.
    assert ReceivedFile.objects.get(pk=records["theirs"].pk).transfer_id is None
    request = SubjectAccessRequest.objects.get(pk=records["request"].pk)
    assert request.pupil_id is None and request.draft is None
    assert RetentionReview.objects.get(pk=records["review"].pk).pupil_id is None
    assert Destruction.objects.get(pk=records["earlier"].pk).pupil_id is None
    assert DisclosureDraft.objects.filter(pk=records["other_draft"].pk).exists()
    assert DisclosureDraft.objects.count() == 1  # the one naming her and the one from her concern are gone


def test_files_on_disk_go_after_the_commit(records, dsl, head, django_capture_on_commit_callbacks):
    import os

    files = records["files"]
    assert all(os.path.exists(path) for path in files)
    proposal = destruction_propose(actor=dsl, pupil=records["pupil"], basis=BASIS, recent=True)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        destruction_approve(actor=head, destruction=proposal, recent=True)
    assert all(os.path.exists(path) for path in files)  # not before the commit
    for callback in callbacks:
        callback()
    assert not any(os.path.exists(path) for path in files)


def test_a_failure_leaves_every_row_and_file_in_place(records, dsl, head, monkeypatch, django_capture_on_commit_callbacks):
    import os

    proposal = destruction_propose(actor=dsl, pupil=records["pupil"], basis=BASIS, recent=True)
    counts = {model: model._base_manager.count() for model in _related_models(Pupil, Case)}

    def broken(collected):
        raise RuntimeError("the disk is full")

    real = destruction_module._carry_out

    def half_then_fail(collected):
        real(collected)
        broken(collected)

    monkeypatch.setattr(destruction_module, "_carry_out", half_then_fail)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        destruction_approve(actor=head, destruction=proposal, recent=True)
    assert callbacks == []
    assert {model: model._base_manager.count() for model in counts} == counts
    assert all(os.path.exists(path) for path in records["files"])
    proposal.refresh_from_db()
    assert proposal.status == DestructionStatus.PROPOSED and not Tombstone.objects.exists()


# --- The tombstone -----------------------------------------------------------------------------------


def test_the_tombstone_holds_kinds_counts_and_the_upn_hashed_never_a_name(records, dsl, head, django_capture_on_commit_callbacks):
    pupil = records["pupil"]
    upn, name = pupil.upn, pupil.full_name
    plan = destruction_plan(pupil)
    proposal, tombstone = _destroy(records, dsl, head, django_capture_on_commit_callbacks)
    assert tombstone.upn_hash == upn_hash(upn) != upn_hash("B000000000000")
    assert len(tombstone.upn_hash) == 64 and upn not in tombstone.upn_hash
    assert tombstone.year_of_birth == 1995
    assert tombstone.case_references == [records["case"].reference]
    assert tombstone.counts == plan.counts
    assert tombstone.counts["cases"] == 1 and tombstone.counts["pupil_record"] == 1
    assert tombstone.counts["notes"] == 1 and tombstone.counts["attachments"] == 1
    assert tombstone.counts["concerns"] == 1 and tombstone.counts["drafts"] == 2
    assert tombstone.counts["links_to_cases"] == 3  # her own case, the shared one, the one she was taken off
    assert tombstone.basis == BASIS and tombstone.destroyed_at is not None
    text = str(tombstone.counts) + str(tombstone.case_references) + tombstone.basis
    assert name not in text and pupil.first_name not in text
    approved = AuditEvent.objects.get(action="desk.destruction.approved")
    assert approved.extra["tombstone_id"] == tombstone.pk and approved.extra["cases"] == 1
    assert name not in str(approved.extra)


# --- The audit log ------------------------------------------------------------------------------------


def test_verify_audit_passes_after_a_destruction(records, dsl, head, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    before = AuditEvent.objects.count()
    assert verify_log().ok
    _destroy(records, dsl, head, django_capture_on_commit_callbacks)
    assert AuditEvent.objects.count() == before + 2  # proposed, approved: nothing removed
    assert verify_log().ok
    call_command("verify_audit")


@pytest.mark.services
def test_verify_audit_passes_after_a_destruction_on_postgresql_as_the_application_role(
    transactional_db, school, other_school, dsl, head, pastoral, pupil, settings, tmp_path
):
    """PostgreSQL: carried out as the application's role, which may only read and add audit rows."""
    if connection.vendor != "postgresql":
        require_service("PostgreSQL", False, "DATABASE_URL does not name a PostgreSQL database")
    from safeguard.database_roles import grant_app_role

    settings.ATTACHMENT_ROOT = tmp_path / "attachments"
    made = _everything(school=school, other_school=other_school, dsl=dsl, pastoral=pastoral, pupil=pupil)
    made["pupil"] = _former(pupil)
    role = f"sg_test_destroy_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role}")
    try:
        grant_app_role(role=role)
        with connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {role}")
            cursor.execute("SELECT current_user, has_table_privilege('safeguard_auditevent', 'DELETE')")
            assert cursor.fetchone() == (role, False)
        try:
            proposal = destruction_propose(actor=dsl, pupil=made["pupil"], basis=BASIS, recent=True)
            tombstone = destruction_approve(actor=head, destruction=proposal, recent=True)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET ROLE")
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")
    assert tombstone.pk and not Pupil.objects.filter(pk=pupil.pk).exists()
    assert verify_log().ok


# --- Flat queries --------------------------------------------------------------------------------------


def _queries(call) -> int:
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def test_the_query_count_does_not_grow_with_the_records(school, dsl, head, django_capture_on_commit_callbacks):
    def destroy(cases: int, notes: int) -> int:
        pupil = PupilFactory(school=school)
        for _ in range(cases):
            case = make_case(actor=dsl, school=school, pupils=[pupil])
            for n in range(notes):
                case_services.note_add(actor=dsl, case=case, text=f"Note {n}.")
        _former(pupil)
        proposal = destruction_propose(actor=dsl, pupil=pupil, basis=BASIS, recent=True)
        with django_capture_on_commit_callbacks(execute=True):
            return _queries(lambda: destruction_approve(actor=head, destruction=proposal, recent=True))

    small, large = destroy(1, 1), destroy(6, 8)
    # A fixed number per kind of record, whatever their number (a wave more or less of the walk).
    assert abs(large - small) <= 3 and large < 150, (small, large)


def test_the_plan_says_what_stops_it_and_reads_in_words(records, dsl):
    pupil = records["pupil"]
    plan = destruction_plan(pupil)
    assert plan.possible and not plan.needs_early_reason
    words = plan.count_words
    assert "1 case" in words and "1 pupil record" in words and "3 links to cases" in words
    assert ("case", 1) in plan.counts_in_words
    LegalHold.objects.create(school=pupil.school, pupil=pupil, kind=HoldKind.POLICE, reason="Operation Larch.", placed_by=dsl)
    held = destruction_plan(pupil)
    assert not held.possible and any("Operation Larch." in refusal for refusal in held.refusals)


def test_a_released_subject_access_response_goes_with_the_records(records, dsl, head, django_capture_on_commit_callbacks):
    """The request's row stays (a record that a request was answered); its draft and the PDF
    released from it hold the pupil's records, so both go."""
    from cases.models import SubjectAccessRequest
    from desk.sar import services as sar
    from desk.sar.selectors import document_path, document_storage

    request = sar.request_record(
        actor=dsl,
        school=records["pupil"].school,
        pupil=records["pupil"],
        data=sar.RequestInput(
            requester_name="A former pupil",
            requester_kind="child",
            identity_checked="Passport seen",
            received_on=date(2026, 11, 2),
        ),
    )
    sar.request_gather(actor=dsl, request=request)
    sar.request_mark_reviewed(actor=head, request=SubjectAccessRequest.objects.get(pk=request.pk))
    sar.request_release(actor=dsl, request=SubjectAccessRequest.objects.get(pk=request.pk))
    path = document_path(request)
    assert document_storage().exists(path)
    _destroy(records, dsl, head, django_capture_on_commit_callbacks)
    request.refresh_from_db()
    assert request.pupil_id is None and request.draft is None and request.document_sha256 == ""
    assert not document_storage().exists(path)
