"""The case page and the pupil page: what they show, to whom, in a flat number of queries."""

from __future__ import annotations

from django.urls import reverse

from cases import services
from tests.factories import PupilFactory, make_case


def _grow(case, dsl, school, n: int) -> None:
    for i in range(n):
        services.note_add(actor=dsl, case=case, text=f"Note {i}")
    for _ in range(n // 5):
        services.child_add(actor=dsl, case=case, pupil=PupilFactory(school=school), part="witness")


def _queries(client, url, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_case_page_query_count_is_flat(dsl, school, pupil, login, django_assert_max_num_queries):
    small = make_case(actor=dsl, school=school, pupils=[pupil])
    big = make_case(actor=dsl, school=school, pupils=[pupil])
    _grow(small, dsl, school, 5)
    _grow(big, dsl, school, 60)
    client = login(dsl)
    few = _queries(client, reverse("case_detail", args=[small.pk]), django_assert_max_num_queries, 60)
    many = _queries(client, reverse("case_detail", args=[big.pk]), django_assert_max_num_queries, 60)
    assert few == many


def test_pupil_page_shows_the_chronology_across_visible_cases_only(dsl, pastoral, school, pupil, login):
    seen = make_case(actor=dsl, school=school, pupils=[pupil], summary="Seen by pastoral")
    hidden = make_case(actor=dsl, school=school, pupils=[pupil], summary="Not assigned")
    services.case_assign(actor=dsl, case=seen, user=pastoral)
    services.note_add(actor=dsl, case=hidden, text="A note on the case the teacher cannot see")
    teacher = login(pastoral).get(reverse("pupil_detail", args=[pupil.pk])).content.decode()
    assert seen.reference in teacher and hidden.reference not in teacher
    assert "cannot see" not in teacher
    lead = login(dsl).get(reverse("pupil_detail", args=[pupil.pk])).content.decode()
    assert seen.reference in lead and hidden.reference in lead and "A note on the case the teacher cannot see" in lead


def test_pupil_page_is_404_without_a_visible_case(pastoral_unassigned, pupil, case, login):
    assert login(pastoral_unassigned).get(reverse("pupil_detail", args=[pupil.pk])).status_code == 404


def test_pupil_page_views_are_audited(dsl, pupil, case, login):
    from safeguard.models import AuditEvent

    login(dsl).get(reverse("pupil_detail", args=[pupil.pk]))
    assert AuditEvent.objects.filter(action="cases.pupil.viewed", object_id=str(pupil.pk)).count() == 1


def test_case_page_chronology_tells_the_story_in_order(dsl, school, pupil, login):
    case = make_case(actor=dsl, school=school, pupils=[pupil])
    services.note_add(actor=dsl, case=case, text="First follow-up")
    services.decision_record(actor=dsl, case=case, decision="not_refer")
    page = login(dsl).get(reverse("case_detail", args=[case.pk])).content.decode()
    chronology = page[page.index('id="chronology-heading"') :]
    order = [
        "The incident",
        "The child disclosed",
        "Disclosure recorded",
        "Assessed: Not required",
        "First follow-up",
        "Decision: Do not refer",
    ]
    positions = [chronology.index(text) for text in order]
    assert positions == sorted(positions)
    # The incident holds a day, not a time: the chronology shows the day alone (no "00:00").
    incident = case.disclosure.incident_date
    row = chronology[: chronology.index("The incident")].rsplit("<li", 1)[1]
    assert f'<time datetime="{incident.isoformat()}">{incident.day} {incident:%b} {incident.year}</time>' in row
    assert "00:00" not in row


def test_head_reads_the_case_page_without_edit_controls(head, case, login):
    page = login(head).get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "Record a decision" not in page and "Change the facts" not in page and "Add note" not in page


def test_the_case_list_is_paged(dsl, school, pupil, login):
    from cases.views.cases import CASES_PER_PAGE

    for _ in range(CASES_PER_PAGE + 3):
        make_case(actor=dsl, school=school, pupils=[pupil])
    client = login(dsl)
    first = client.get(reverse("case_list") + "?status=open").content.decode()
    assert f"Page 1 of 2 ({CASES_PER_PAGE + 3} cases)" in first and "page=2" in first and "status=open&amp;page=2" in first
    second = client.get(reverse("case_list") + "?status=open&page=2").content.decode()
    import re

    assert len(re.findall(r'href="/cases/\d+/"', second)) == 3
    assert client.get(reverse("case_list") + "?page=999").status_code == 200  # the last page, not an error


def test_the_case_list_shows_the_cases_with_their_review_due_most_overdue_first(dsl, school, pupil, login):
    from datetime import timedelta

    from django.utils import timezone

    from cases.models import Case

    today = timezone.localdate()
    later, overdue, due_today, closed = (make_case(actor=dsl, school=school, pupils=[pupil]) for _ in range(4))
    Case.objects.filter(pk=overdue.pk).update(review_due=today - timedelta(days=3))
    Case.objects.filter(pk=due_today.pk).update(review_due=today)
    Case.objects.filter(pk=later.pk).update(review_due=today + timedelta(days=5))
    Case.objects.filter(pk=closed.pk).update(review_due=today - timedelta(days=9), status="closed")
    client = login(dsl)
    page = client.get(reverse("case_list") + "?review=due").content.decode()
    assert "Open cases with their review due or overdue, the most overdue first" in page
    assert '<option value="due" selected>Due or overdue</option>' in page
    # Only the open cases whose review is due, the most overdue first, each with its date.
    assert overdue.reference in page and due_today.reference in page
    assert later.reference not in page and closed.reference not in page
    assert page.index(overdue.reference) < page.index(due_today.reference)
    assert page.count("— overdue") == 1 and '<th scope="col">Review due</th>' in page
    # Any other value is the whole list, as if no filter were chosen.
    everything = client.get(reverse("case_list") + "?review=%3Cscript%3E").content.decode()
    assert later.reference in everything and '<th scope="col">Review due</th>' not in everything
