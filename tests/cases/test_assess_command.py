"""`manage.py assess FILE.json` and the case page agree on every scenario."""

from __future__ import annotations

import html
import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from cases.services import OtherChildInput
from tests.factories import PupilFactory, make_case

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
}


def _run_assess(tmp_path, facts: dict) -> dict:
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts))
    out = io.StringIO()
    call_command("assess", str(path), stdout=out)
    return json.loads(out.getvalue())


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
    from_command = _run_assess(tmp_path, assessment.facts)
    assert from_command == assessment.result
    page = html.unescape(login(dsl).get(reverse("case_detail", args=[case.pk])).content.decode())
    words = {"required": "Police referral required", "not_required": "Not required by the criteria", "provisional": "Provisional"}
    assert words[from_command["outcome"]] in page
    for criterion in from_command["criteria"]:
        assert criterion["title"] in page
        for reason in criterion["reasons"]:
            assert reason in page, (criterion["code"], reason)


def test_assess_reads_standard_input(monkeypatch, tmp_path):
    facts = {"incident_date": "2026-10-03", "answers": {"C1": "yes"}, "children": [{"label": "A", "date_of_birth": "2010-01-01"}]}
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(facts)))
    out = io.StringIO()
    call_command("assess", "-", stdout=out)
    result = json.loads(out.getvalue())
    assert result["outcome"] == "required" and result["met"] == ["C1"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON"),
        ('{"answers": {"C9": "yes"}}', "answers can only hold"),
        ("[]", "must be a JSON object"),
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
