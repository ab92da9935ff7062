"""Issue 4, tried as a new user would: an adult stranger asks a 14-year-old for images on a
platform; the DSL follows the case through to closure, and the chronology tells the story."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import time_machine
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from referrals.models import Step
from tests.cases.helpers import disclosure_post


def _local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def _step(case, code) -> Step:
    return Step.objects.get(case=case, route__code=code)


def test_the_dsl_follows_a_case_through_to_closure(dsl, pastoral, school, fourteen, login):
    # 1. Record the disclosure (three hours ago: what follows happened since, in a new session,
    # since sessions end after 20 minutes without activity).
    with time_machine.travel(timezone.now() - timedelta(hours=3), tick=False):
        response = login(dsl).post(
            reverse("disclosure_new"),
            disclosure_post(
                pupils=[(fourteen, "harmed")],
                platforms="Instagram",
                adult_involvement="stranger",
                kinds=["unwanted_sexualisation"],
                child_account="A man who said he was 19 kept asking me to send pictures.",
            ),
        )
    case = Case.objects.get()
    assert response["Location"] == reverse("case_detail", args=[case.pk])
    lead = login(dsl)
    page = html.unescape(lead.get(response["Location"]).content.decode())

    # 2. The suggested routes, each with its reason.
    assert [s.route.code for s in case.steps.order_by("position", "id")] == ["R7", "R5", "R1", "R6", "P1"]
    for reason in (
        "Suggested because an adult stranger contacted the child online: report adult contact to CEOP.",
        "Suggested because an adult stranger is involved.",
        "Suggested because the content was on Instagram: report it to the platform.",
    ):
        assert reason in page

    today = timezone.localdate().isoformat()

    def minutes_ago(n: int) -> str:
        return _local(timezone.now() - timedelta(minutes=n))

    def act(code, move, data):
        step = _step(case, code)
        result = lead.post(reverse("step_act", args=[case.pk, step.pk, move]), data)
        assert result.status_code == 302, (code, move, html.unescape(result.content.decode())[-3000:])

    # 3. The police step: made, with the crime reference.
    act("R7", "accept", {"accept-owner": dsl.pk, "accept-due_date": today})
    act(
        "R7",
        "made",
        {
            "made-made_at": minutes_ago(170),
            "made-made_how": "phone_101",
            "made-reference": "CR/0456/26",
            "made-contact": "PC 1234 Example",
        },
    )
    assert _step(case, "R7").reference == "CR/0456/26"

    # 4. The Head of Year gets an action, and completes it.
    lead.post(
        reverse("action_add", args=[case.pk]),
        {"title": "Check in with Cal daily this week", "owner": pastoral.pk, "due_date": today},
    )
    teacher = login(pastoral)
    assert teacher.get(reverse("case_detail", args=[case.pk])).status_code == 200
    action = case.actions.get()
    assert teacher.post(reverse("action_complete", args=[case.pk, action.pk]), {"note": "Cal is settled."}).status_code == 302

    # 5. Everything else done or closed.
    act("R5", "accept", {"accept-owner": dsl.pk, "accept-due_date": today})
    act("R5", "made", {"made-made_at": minutes_ago(150), "made-made_how": "online", "made-reference": "CEOP-778"})
    act("R5", "outcome", {"outcome-outcome": "CEOP passed it to the local force."})
    act("R5", "close", {})
    act("R1", "not_needed", {"nn-reason": "The account was already removed by Instagram."})
    act("R6", "accept", {"accept-owner": pastoral.pk, "accept-due_date": today})
    act("R6", "made", {"made-made_at": minutes_ago(100), "made-made_how": "in_person"})
    act("R6", "outcome", {"outcome-outcome": "Support plan agreed with Cal."})
    act("R6", "close", {})
    lead.post(
        reverse("parent_contact_add", args=[case.pk]),
        {
            "pupils": [fourteen.pk],
            "informed": "yes",
            "how": "phone",
            "who": "Ms Fourteen, mother",
            "contacted_at": minutes_ago(90),
            "contacted_by": "Dee Lead",
            "response": "Grateful, will watch the accounts.",
        },
    )
    # The only child's parents are told: the parents step records it and closes by itself.
    assert _step(case, "P1").state == "closed"
    act("R7", "acknowledged", {"ack-acknowledged_at": _local(timezone.now() - timedelta(minutes=20))})
    act("R7", "outcome", {"outcome-outcome": "Officer visited; investigation with CEOP."})
    act("R7", "close", {})

    # 6. Close the case.
    response = lead.post(
        reverse("case_close", args=[case.pk]), {"summary": "Referred to police and CEOP; supported in school; parents informed."}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "closed"

    # 7. The chronology tells the story, in order.
    page = html.unescape(lead.get(reverse("case_detail", args=[case.pk])).content.decode())
    story = page[page.index('id="chronology-heading"') :]
    milestones = [
        "The child disclosed",
        "Disclosure recorded",
        "Assessed: Not required by the criteria",
        "Suggested: CEOP",
        "Made by phone, 101: The police",
        "CR/0456/26",
        "Made online: CEOP",
        "Parents or carers informed: Ms Fourteen, mother",
        "Action for Pat Pastoral: Check in with Cal daily this week",
        "Action done: Check in with Cal daily this week",
        "Closed: CEOP",
        "Not needed: Report to the app or service",
        "Closed: The police",
        "Case closed",
    ]
    missing = [m for m in milestones if m not in story]
    assert not missing, (missing, re.sub(r"\s+", " ", re.sub("<[^>]+>", " ", story))[:4000])
    positions = [story.index(m) for m in milestones]
    assert positions == sorted(positions), sorted(zip(positions, milestones, strict=True))
