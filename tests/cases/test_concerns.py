"""Raise a concern (anyone), triage (the DSLs), and the raiser cannot read it back."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases import services
from cases.models import Case, Concern
from cases.services.concerns import ConcernInput
from safeguard.models import Notification
from tests.cases.helpers import disclosure_post


def test_any_member_of_staff_raises_a_concern_that_lands_in_triage(staff_member, dsl, deputy, school, login):
    client = login(staff_member)
    response = client.post(
        reverse("concern_new"),
        {"urgent": "no", "children": "Two Year 7 girls", "what_happened": "Heard them talk about an older man online."},
    )
    assert response.status_code == 302 and response["Location"] == reverse("concern_sent")
    concern = Concern.objects.get()
    sent = client.get(reverse("concern_sent")).content.decode()
    assert concern.reference in sent and "older man" not in sent
    assert {n.recipient for n in Notification.objects.filter(kind="concern_raised")} == {dsl, deputy}
    assert concern.reference in login(dsl).get(reverse("concern_list")).content.decode()


def test_the_raiser_cannot_read_it_back(staff_member, school, login):
    concern = services.concern_raise(
        actor=staff_member, school=school, data=ConcernInput(children="A pupil", what_happened="Private detail")
    )
    client = login(staff_member)
    assert client.get(reverse("concern_detail", args=[concern.pk])).status_code == 404
    assert client.get(reverse("concern_list")).status_code == 403
    assert "Private detail" not in client.get(reverse("home")).content.decode()


def test_a_pastoral_teacher_who_raised_a_concern_cannot_read_it_either(pastoral, school, login):
    concern = services.concern_raise(
        actor=pastoral, school=school, data=ConcernInput(children="A pupil", what_happened="Private detail")
    )
    assert login(pastoral).get(reverse("concern_detail", args=[concern.pk])).status_code == 404


def test_empty_concern_is_refused_keeping_input(staff_member, login):
    response = login(staff_member).post(reverse("concern_new"), {"urgent": "no", "children": "Ava in 9C", "what_happened": " "})
    body = response.content.decode()
    assert response.status_code == 200 and "Write down what you saw, heard or were told." in body and "Ava in 9C" in body
    assert not Concern.objects.exists()


def test_no_further_action_needs_a_reason(staff_member, dsl, school, login):
    concern = services.concern_raise(
        actor=staff_member, school=school, data=ConcernInput(children="A pupil", what_happened="Something")
    )
    response = login(dsl).post(reverse("concern_nfa", args=[concern.pk]), {"reason": ""})
    assert response.status_code == 200 and "Record why no further action is needed." in response.content.decode()
    response = login(dsl).post(reverse("concern_nfa", args=[concern.pk]), {"reason": "Spoke to the pupils: a TV programme."})
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.status == "no_further_action" and concern.triaged_by == dsl
    with pytest.raises(ValidationError):
        services.concern_no_further_action(actor=dsl, concern=concern, reason="again")


def test_a_dsl_turns_a_concern_into_a_case(staff_member, dsl, school, pupil, login):
    concern = services.concern_raise(
        actor=staff_member, school=school, data=ConcernInput(children="Ava", what_happened="She was upset about a photo.")
    )
    client = login(dsl)
    form = client.get(reverse("disclosure_new") + f"?concern={concern.pk}&fresh=1").content.decode()
    assert "She was upset about a photo." in form
    response = client.post(reverse("disclosure_new"), disclosure_post(pupils=[(pupil, "harmed")], concern=str(concern.pk)))
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.status == "case_opened" and concern.case == Case.objects.get()
    chronology = client.get(response["Location"]).content.decode()
    assert f"Concern {concern.reference} raised by a member of staff" in chronology


def test_another_schools_dsl_cannot_see_the_concern(staff_member, other_dsl, school, login):
    concern = services.concern_raise(actor=staff_member, school=school, data=ConcernInput(children="A pupil", what_happened="x"))
    assert login(other_dsl).get(reverse("concern_detail", args=[concern.pk])).status_code == 404
