"""The support view for pastoral staff (issue 17, item 4): a DSL chooses, when assigning them, whether
they see what support to give (the default) or the full case; nothing withheld from the support view
reaches any page they can open from it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import AssignmentView, CaseAssignment, Note
from cases.services import ChildInput, OtherChildInput
from cases.services.attachments import attachment_add
from referrals.models import Step
from referrals.services import action_create
from referrals.services.steps import step_record
from safeguard.models import AuditEvent
from tests.factories import PupilFactory, disclosure_input, make_case

ACCOUNT = "Zephyrine-account: he kept asking for a photo"
IMAGERY = "Quillfeather-imagery: a screenshot of a group chat"
STEP_REFERENCE = "CRIMEREF-88123"
OTHER_CHILD = "Marrowdale-other: a boy from the next town"
OTHER_PUPIL_FIRST, OTHER_PUPIL_LAST = "Bartholomew", "Vexingham"
SHARED_NOTE = "Shared-with-support: check in each Monday"
UNSHARED_NOTE = "Lead-only: the police called back"
ACTION = "Walk with her to the bus each afternoon"


@pytest.fixture
def other_pupil(school):
    return PupilFactory(school=school, first_name=OTHER_PUPIL_FIRST, last_name=OTHER_PUPIL_LAST)


@pytest.fixture
def sensitive_case(dsl, school, pupil, other_pupil):
    """A case with every withheld kind of text in it, each distinctive enough to search the page for."""
    case = make_case(
        actor=dsl,
        school=school,
        pupils=[pupil],
        child_account=ACCOUNT,
        imagery="some",
        imagery_kinds=["other"],
        imagery_description=IMAGERY,
        others=[OtherChildInput(OTHER_CHILD, "harmed_others", age=12)],
    )
    services.child_add(actor=dsl, case=case, pupil=other_pupil, part="harmed_others")
    police = case.steps.get(route__code="R7") if case.steps.filter(route__code="R7").exists() else None
    step = police or case.steps.exclude(route__code="R6").order_by("id").first()
    step_record(actor=dsl, step=step, made_at=timezone.now() - timedelta(hours=1), made_how="phone", reference=STEP_REFERENCE)
    services.note_add(actor=dsl, case=case, text=SHARED_NOTE, for_support=True)
    services.note_add(actor=dsl, case=case, text=UNSHARED_NOTE)
    attachment_add(
        actor=dsl,
        case=case,
        upload=SimpleUploadedFile("letter.pdf", _pdf()),
        description="Secret-attachment letter",
        confirmed_no_child_images=True,
    )
    case.refresh_from_db()
    return case


def _pdf() -> bytes:
    from tests.matrix_context import _pdf as pdf

    return pdf()


def _withheld(case) -> list[str]:
    """Every piece of text the support view must never show, taken from the case itself."""
    reasons = [r for c in case.current_assessment.result["criteria"] for r in c.get("reasons", []) if len(r) > 12]
    assert any(OTHER_CHILD in r or "12" in r for r in reasons), reasons  # the criteria say something specific
    return [
        ACCOUNT,
        IMAGERY,
        STEP_REFERENCE,
        OTHER_CHILD,
        OTHER_PUPIL_FIRST,
        OTHER_PUPIL_LAST,
        UNSHARED_NOTE,
        "Secret-attachment",
        "letter.pdf",
        case.summary,
        *reasons,
    ]


def _assign(dsl, case, user, view):
    services.case_assign(actor=dsl, case=case, user=user, view=view)
    action_create(actor=dsl, case=case, owner=user, title=ACTION, due_date=timezone.localdate() + timedelta(days=3))


def _page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_a_dsl_assigns_on_the_support_view_by_default_and_audits_the_choice(dsl, pastoral, pupil, school, login):
    case = make_case(actor=dsl, school=school, pupils=[pupil])
    response = login(dsl).post(reverse("case_assign", args=[case.pk]), {"user": pastoral.pk})
    assert response.status_code == 302
    assignment = CaseAssignment.objects.get(case=case, user=pastoral)
    assert assignment.view == AssignmentView.SUPPORT
    event = AuditEvent.objects.filter(action="cases.case.assigned", object_id=str(case.pk)).latest("pk")
    assert event.extra == {"user_id": pastoral.pk, "view": "support"}


def test_a_dsl_can_assign_someone_to_read_the_full_case(dsl, pastoral, pupil, school, login):
    case = make_case(actor=dsl, school=school, pupils=[pupil])
    login(dsl).post(reverse("case_assign", args=[case.pk]), {"user": pastoral.pk, "view": "full"})
    assert CaseAssignment.objects.get(case=case, user=pastoral).view == AssignmentView.FULL
    event = AuditEvent.objects.filter(action="cases.case.assigned", object_id=str(case.pk)).latest("pk")
    assert event.extra["view"] == "full"


def test_an_unknown_view_is_refused_with_the_dsls_words(dsl, pastoral, pupil, school, login):
    case = make_case(actor=dsl, school=school, pupils=[pupil])
    with pytest.raises(ValidationError, match="support view or the full case"):
        services.case_assign(actor=dsl, case=case, user=pastoral, view="everything")
    response = login(dsl).post(reverse("case_assign", args=[case.pk]), {"user": pastoral.pk, "view": "everything"}, follow=True)
    assert not CaseAssignment.objects.filter(case=case, user=pastoral).exists()
    assert "Choose a member of pastoral staff" in response.content.decode()


def test_the_support_view_shows_none_of_the_withheld_text(dsl, pastoral, pupil, sensitive_case, login):
    _assign(dsl, sensitive_case, pastoral, "support")
    page = _page(login(pastoral), reverse("case_detail", args=[sensitive_case.pk]))
    assert "The support view" in page
    assert pupil.full_name in page and pupil.year_group_label in page
    assert ACTION in page and SHARED_NOTE in page
    for text in _withheld(sensitive_case):
        assert text not in page, text


def test_the_full_view_shows_what_the_support_view_withholds(dsl, pastoral, pupil, sensitive_case, login):
    _assign(dsl, sensitive_case, pastoral, "full")
    page = _page(login(pastoral), reverse("case_detail", args=[sensitive_case.pk]))
    for text in (ACCOUNT, IMAGERY, STEP_REFERENCE, OTHER_CHILD, OTHER_PUPIL_LAST, UNSHARED_NOTE, "letter.pdf"):
        assert text in page, text


def test_notes_on_the_support_view_are_those_shared_and_their_own(dsl, pastoral, sensitive_case, login):
    _assign(dsl, sensitive_case, pastoral, "support")
    client = login(pastoral)
    response = client.post(reverse("case_note_add", args=[sensitive_case.pk]), {"text": "Mine: she seemed calmer"})
    assert response.status_code == 302
    # Pastoral staff do not choose who reads a note: the form has no such choice, and a sent one is ignored.
    client.post(reverse("case_note_add", args=[sensitive_case.pk]), {"text": "Another of mine", "for_support": "on"})
    assert not Note.objects.get(text="Another of mine").for_support
    page = _page(client, reverse("case_detail", args=[sensitive_case.pk]))
    assert "Mine: she seemed calmer" in page and SHARED_NOTE in page
    assert UNSHARED_NOTE not in page
    assert "Share with staff on the support view" not in page


def test_a_dsl_marks_a_note_for_the_support_view_from_the_case_page(dsl, sensitive_case, login):
    client = login(dsl)
    page = _page(client, reverse("case_detail", args=[sensitive_case.pk]))
    assert "Share with staff on the support view" in page
    client.post(reverse("case_note_add", args=[sensitive_case.pk]), {"text": "For the Head of Year", "for_support": "on"})
    note = Note.objects.get(text="For the Head of Year")
    assert note.for_support
    event = AuditEvent.objects.filter(action="cases.note.added", object_id=str(sensitive_case.pk)).latest("pk")
    assert event.extra == {"note_id": note.pk, "for_support": True}


def test_changing_the_view_is_audited_and_holds_from_the_next_request(dsl, pastoral, sensitive_case, login):
    _assign(dsl, sensitive_case, pastoral, "support")
    teacher = login(pastoral)
    url = reverse("case_detail", args=[sensitive_case.pk])
    assert ACCOUNT not in _page(teacher, url)

    change = reverse("case_assignment_view", args=[sensitive_case.pk, pastoral.pk])
    response = login(dsl).post(change, {"view": "full"}, follow=True)
    assert "now sees the whole case" in response.content.decode()
    event = AuditEvent.objects.filter(action="cases.case.assignment_view_changed").latest("pk")
    assert event.extra == {"user_id": pastoral.pk, "view": "full", "previous": "support"}
    assert ACCOUNT in _page(teacher, url)

    login(dsl).post(change, {"view": "support"})
    assert ACCOUNT not in _page(teacher, url)
    assert AuditEvent.objects.filter(action="cases.case.assignment_view_changed").count() == 2


def test_changing_the_view_refuses_bad_input_and_strangers(dsl, pastoral, pastoral_unassigned, sensitive_case, login):
    _assign(dsl, sensitive_case, pastoral, "support")
    client = login(dsl)
    change = reverse("case_assignment_view", args=[sensitive_case.pk, pastoral.pk])
    page = client.post(change, {"view": "everything"}, follow=True).content.decode()
    assert "Choose what they see" in page
    page = client.post(change, {"view": "support"}, follow=True).content.decode()
    assert "already what" in page
    assert not AuditEvent.objects.filter(action="cases.case.assignment_view_changed").exists()
    # Someone not assigned to this case is not named: 404.
    stranger = reverse("case_assignment_view", args=[sensitive_case.pk, pastoral_unassigned.pk])
    assert client.post(stranger, {"view": "full"}).status_code == 404
    # Only a DSL changes it: the teacher themself cannot.
    assert login(pastoral).post(change, {"view": "full"}).status_code == 403
    assert CaseAssignment.objects.get(case=sensitive_case, user=pastoral).view == "support"


def test_the_assigned_list_shows_and_offers_each_persons_view(dsl, pastoral, pastoral_unassigned, sensitive_case, login):
    _assign(dsl, sensitive_case, pastoral, "support")
    services.case_assign(actor=dsl, case=sensitive_case, user=pastoral_unassigned, view="full")
    page = _page(login(dsl), reverse("case_detail", args=[sensitive_case.pk]))
    assert f"{pastoral.full_name} — sees the support view" in page
    assert f"{pastoral_unassigned.full_name} — sees the full case" in page
    assert reverse("case_assignment_view", args=[sensitive_case.pk, pastoral.pk]) in page


def test_attachments_are_404_on_the_support_view(dsl, pastoral, sensitive_case, login):
    _assign(dsl, sensitive_case, pastoral, "support")
    attachment = sensitive_case.attachments.get()
    url = reverse("attachment_download", args=[sensitive_case.pk, attachment.pk])
    assert login(pastoral).get(url).status_code == 404
    assert AuditEvent.objects.filter(action="cases.case.access_refused", actor=pastoral).exists()
    assert not AuditEvent.objects.filter(action="cases.attachment.downloaded", actor=pastoral).exists()


def test_step_pages_of_others_are_404_and_their_own_shows_only_their_step(dsl, pastoral, sensitive_case, login):
    _assign(dsl, sensitive_case, pastoral, "support")
    client = login(pastoral)
    for step in Step.objects.filter(case=sensitive_case).exclude(owner=pastoral):
        assert client.get(reverse("step_detail", args=[sensitive_case.pk, step.pk])).status_code == 404
        assert client.get(reverse("step_quick", args=[sensitive_case.pk, step.pk])).status_code == 404
    support = sensitive_case.steps.filter(route__code="R6").first()
    assert support is not None
    step_record(actor=dsl, step=support, owner=pastoral, due_date=timezone.localdate() + timedelta(days=5))
    page = _page(client, reverse("case_detail", args=[sensitive_case.pk]))
    assert reverse("step_detail", args=[sensitive_case.pk, support.pk]) in page
    step_page = _page(client, reverse("step_detail", args=[sensitive_case.pk, support.pk]))
    for text in _withheld(sensitive_case):
        assert text not in step_page, text


def test_the_chronology_on_the_support_view_holds_only_what_is_safe(dsl, pastoral, sensitive_case, login):
    _assign(dsl, sensitive_case, pastoral, "support")
    services.decision_record(actor=dsl, case=sensitive_case, decision="refer", rationale="Rationale-secret: coercion")
    page = _page(login(pastoral), reverse("case_detail", args=[sensitive_case.pk]))
    chronology = page.split('id="chronology-heading"', 1)[1]
    assert "Disclosure recorded" in chronology and f"{pastoral.full_name} assigned" in chronology
    assert ACTION in chronology and SHARED_NOTE in chronology
    for text in ("Rationale-secret", "Decision:", "Assessed", "The child disclosed", "Form tutor", "Snapchat"):
        assert text not in chronology, text


def test_the_pupil_page_from_the_support_view_shows_the_child_not_the_others(
    dsl, pastoral, pupil, other_pupil, sensitive_case, login
):
    _assign(dsl, sensitive_case, pastoral, "support")
    client = login(pastoral)
    page = _page(client, reverse("pupil_detail", args=[pupil.pk]))
    assert pupil.full_name in page and pupil.year_group_label in page
    assert pupil.upn not in page and "born" not in page
    assert ACTION in page and SHARED_NOTE in page
    for text in _withheld(sensitive_case):
        assert text not in page, text
    # The other pupil on the case is one of "the other children involved": no page for them.
    assert client.get(reverse("pupil_detail", args=[other_pupil.pk])).status_code == 404
    assert AuditEvent.objects.filter(action="cases.pupil.access_refused", actor=pastoral, object_id=str(other_pupil.pk)).exists()


def test_the_full_view_reaches_the_other_pupils_page(dsl, pastoral, other_pupil, sensitive_case, login):
    _assign(dsl, sensitive_case, pastoral, "full")
    page = _page(login(pastoral), reverse("pupil_detail", args=[other_pupil.pk]))
    assert OTHER_PUPIL_LAST in page and ACCOUNT not in page  # the pupil page never showed the account


def test_the_case_list_on_the_support_view_names_only_the_child(dsl, pastoral, pupil, sensitive_case, login):
    _assign(dsl, sensitive_case, pastoral, "support")
    for url in (reverse("case_list"), reverse("home")):
        page = _page(login(pastoral), url)
        assert sensitive_case.reference in page
        assert OTHER_PUPIL_LAST not in page, url


def test_a_case_with_no_child_harmed_names_the_first_pupil_recorded(dsl, pastoral, school, login):
    first = PupilFactory(school=school, first_name="Primrose", last_name="Firstley")
    second = PupilFactory(school=school, first_name="Secundus", last_name="Laterby")
    data = disclosure_input()
    data.pupils = [ChildInput(first, "shared_content"), ChildInput(second, "witness")]
    case = services.disclosure_record(actor=dsl, school=school, data=data)
    _assign(dsl, case, pastoral, "support")
    page = _page(login(pastoral), reverse("case_detail", args=[case.pk]))
    assert "Firstley" in page and "Laterby" not in page


def test_search_on_the_support_view_finds_only_what_it_shows(dsl, pastoral, pupil, sensitive_case, login):
    """The lead's part of the support view: search matches only notes shared with them (or their
    own) on a support-view case, and names only the child supported."""
    services.case_assign(actor=dsl, case=sensitive_case, user=pastoral, view=AssignmentView.SUPPORT)
    client = login(pastoral)
    link = f'href="{reverse("case_detail", args=[sensitive_case.pk])}"'
    for words in ("Zephyrine", "Quillfeather", "police called back", sensitive_case.summary.split()[0]):
        page = client.get(reverse("search"), {"q": words}).content.decode()
        assert link not in page, words
    page = client.get(reverse("search"), {"q": "Monday"}).content.decode()
    assert link in page  # the note shared with them
    results = page.split('id="search-q-help"', 1)[1]
    assert pupil.full_name in results and OTHER_PUPIL_LAST not in results
    # The other pupil on the case is not found by name either.
    found = client.get(reverse("search"), {"q": OTHER_PUPIL_LAST}).content.decode().split('id="search-q-help"', 1)[1]
    assert OTHER_PUPIL_LAST not in found
    # On the full view, the same words find the case.
    CaseAssignment.objects.filter(case=sensitive_case, user=pastoral).update(view=AssignmentView.FULL)
    assert link in login(pastoral).get(reverse("search"), {"q": "Zephyrine"}).content.decode()
