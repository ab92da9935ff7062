"""`manage.py assess FILE.json` and the case page agree on every scenario: the verdict, and the
routes suggested with their reasons (docs/assess.md)."""

from __future__ import annotations

import html
import io
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from cases.services import OtherChildInput
from referrals.catalogue import ROUTES
from referrals.models import Step, StepOrigin
from tests.factories import PupilFactory, make_case

DOCS = Path(__file__).resolve().parents[2] / "docs"
ROUTE_NAMES = {route["code"]: route["name"] for route in ROUTES}

ANSWERS = {"C1": "no", "C2": "no", "C4": "no", "C6": "no"}

SCENARIOS = {
    "quiet": {},
    "coercion": {"answers": {**ANSWERS, "C1": "yes"}},
    "unanswered": {"answers": {**ANSWERS, "C4": "unknown"}},
    "under_13": {"young": True},
    "vulnerable": {"flags": {"looked_after": True}},
    "crime_recording": {"imagery": "some", "imagery_kinds": ["crime_recording"], "answers": {**ANSWERS, "C6": "unknown"}},
    "adult_and_nude": {"imagery": "some", "imagery_kinds": ["nude_u18"], "adult_involvement": "stranger"},
    "nude_adult_unknown": {"imagery": "some", "imagery_kinds": ["nude_u18"], "adult_involvement": "unknown"},
    "many_children": {"unidentified_children": 6},
    "other_child_band": {"others": [OtherChildInput("Girl in Year 6", "witness", age_band="under_13")]},
    "no_platform": {"platforms": []},
    "two_platforms_nude": {"platforms": ["instagram", "WhatsApp"], "imagery": "some", "imagery_kinds": ["nude_u18"]},
    "young_and_nude": {"young": True, "imagery": "some", "imagery_kinds": ["nude_u18"]},
    "staff_involved": {"adult_involvement": "staff"},
}


def _run_assess(tmp_path, facts: dict, *options: str) -> str:
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts))
    out = io.StringIO()
    call_command("assess", str(path), *options, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_assess_command_and_case_page_agree(name, dsl, school, login, tmp_path):
    spec = dict(SCENARIOS[name])
    pupil = PupilFactory(school=school, **spec.pop("flags", {}))
    if spec.pop("young", False):
        from django.utils import timezone

        pupil.date_of_birth = timezone.localdate() - timedelta(days=12 * 365 + 30)
        pupil.save()
    case = make_case(actor=dsl, school=school, pupils=[pupil], **spec)
    assessment = case.current_assessment
    platforms = list(case.platforms.filter(removed_at__isnull=True).values_list("name", flat=True))
    from_command = json.loads(_run_assess(tmp_path, {**assessment.facts, "platforms": platforms}))
    routes = from_command.pop("routes")
    assert from_command == assessment.result
    page = html.unescape(login(dsl).get(reverse("case_detail", args=[case.pk])).content.decode())
    words = {"required": "Police referral required", "not_required": "Not required by the criteria", "provisional": "Provisional"}
    assert words[from_command["outcome"]] in page
    for criterion in from_command["criteria"]:
        assert criterion["title"] in page
        for reason in criterion["reasons"]:
            assert reason in page, (criterion["code"], reason)
    # The routes: the steps the case was given, with the same reasons (the police step of a case
    # that is required is made "to do" automatically, with a reason of its own).
    ordered = list(Step.objects.filter(case=case).select_related("route").order_by("position", "id"))
    assert [step.route.code for step in ordered] == [r["code"] for r in routes]
    steps = {step.route.code: step for step in ordered}
    for route in routes:
        step = steps[route["code"]]
        assert route["name"] == step.route.name == ROUTE_NAMES[route["code"]]
        assert route["name"] in page
        if step.origin != StepOrigin.AUTOMATIC:
            assert " ".join(route["reasons"]) == step.reason, route["code"]


def test_the_documented_example_prints_the_verdict_and_the_routes_with_their_reasons(tmp_path):
    example = DOCS / "assess-example.json"
    out = io.StringIO()
    call_command("assess", str(example), stdout=out)
    result = json.loads(out.getvalue())
    assert result["outcome_words"] == "Police referral required" and result["met"] == ["C3"]
    assert [(r["code"], r["name"]) for r in result["routes"]] == [
        ("R7", "The police"),
        ("R4", "Internet Watch Foundation (IWF)"),
        ("R3", "Childline and IWF Report Remove"),
        ("R1", "Report to the app or service"),
        ("R6", "The school's own support: Head of Year, pastoral team, DSL"),
        ("P1", "Parents or carers informed"),
    ]
    by_code = {r["code"]: r for r in result["routes"]}
    assert by_code["R1"]["reasons"] == ["Suggested because the content was on WhatsApp: report it to the platform."]
    # Child A (harmed) was 12: Report Remove says it checks age from 13.
    assert "checks age from 13" in by_code["R3"]["reasons"][0]

    text = io.StringIO()
    call_command("assess", str(example), "--text", stdout=text)
    printed = text.getvalue()
    assert printed.startswith("Police referral required\n")
    assert "Met: Involves a child or children under 13" in printed
    assert "Child A was 12 on the date of the incident (3 October 2026; born 20 November 2013)." in printed
    for route in result["routes"]:
        assert route["name"] in printed
        for reason in route["reasons"]:
            assert reason in printed
    # Names, never route codes, for a person.
    assert not re.search(r"\b(R[1-8]|P1)\b", printed)

    # docs/assess.md shows this very example and what it prints.
    doc = (DOCS / "assess.md").read_text()
    shown_input = re.search(r"```json\n(.*?)```", doc, re.S).group(1)
    assert json.loads(shown_input) == json.loads(example.read_text())
    shown_output = re.search(r"```text\n(.*?)```", doc, re.S).group(1)
    assert shown_output.rstrip("\n") == printed.rstrip("\n"), (
        "docs/assess.md is out of date: paste in what `manage.py assess docs/assess-example.json --text` prints"
    )


def test_facts_without_platforms_still_work_and_suggest_no_platform_report(tmp_path):
    facts = json.loads((DOCS / "assess-example.json").read_text())
    del facts["platforms"]
    result = json.loads(_run_assess(tmp_path, facts))
    codes = [r["code"] for r in result["routes"]]
    assert "R1" not in codes and "R3" not in codes  # Report Remove is for an image online
    assert codes[0] == "R7" and codes[-2:] == ["R6", "P1"]


def test_assess_reads_standard_input(monkeypatch, tmp_path):
    facts = {"incident_date": "2026-10-03", "answers": {"C1": "yes"}, "children": [{"label": "A", "date_of_birth": "2010-01-01"}]}
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(facts)))
    out = io.StringIO()
    call_command("assess", "-", stdout=out)
    result = json.loads(out.getvalue())
    assert result["outcome"] == "required" and result["met"] == ["C1"]
    assert result["routes"][0] == {
        "code": "R7",
        "name": "The police",
        "reasons": ["Suggested because the police-referral criteria are met (C1: involves coercion, blackmail or exploitation)."],
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON"),
        ('{"answers": {"C9": "yes"}}', "answers can only hold"),
        ("[]", "must be a JSON object"),
        ("", "is not valid JSON"),
        ('{"platforms": "Snapchat"}', "platforms must be a list of names"),
        ('{"platforms": ["Snapchat", 3]}', "platforms must be a list of names"),
        ('{"imagery": "lots"}', "imagery must be one of: none, some, unknown"),
    ],
)
def test_assess_refuses_bad_input_with_a_message(tmp_path, content, message):
    path = tmp_path / "facts.json"
    path.write_text(content)
    with pytest.raises(CommandError, match=message):
        call_command("assess", str(path))


def test_assess_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("assess", str(tmp_path / "nope.json"))
