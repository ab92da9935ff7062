"""Run the police-referral criteria and the route suggestions on facts given as JSON: a what-if
tool for DSL training and for other systems. It prints the verdict and the routes the facts
suggest, each with its reason: the same pure rules the case page uses (``cases.criteria`` and
``referrals.routes``). The shapes in and out are documented in docs/assess.md.

It lives in ``desk`` because it combines two floors: ``cases`` (the criteria) may not import
``referrals`` (the routes).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping

from django.core.management.base import BaseCommand, CommandError

from cases import rules
from cases.criteria import Assessment, Facts, FactsError, assess, facts_from_dict, facts_to_dict
from referrals.catalogue import ROUTES
from referrals.routes import RouteFacts, Suggestion, suggest_routes
from referrals.services.suggestions import harmed_under_13

ROUTE_NAMES = {route["code"]: route["name"] for route in ROUTES}
STATUS_WORDS = {"met": "Met", "not_met": "Not met", "unanswered": "Unanswered"}


def platforms_from_dict(data: Mapping) -> list[str]:
    """The apps or services involved, one spelling each (as the disclosure form records them)."""
    raw = data.get("platforms") or []
    if not isinstance(raw, list) or not all(isinstance(name, str) for name in raw):
        raise FactsError('platforms must be a list of names such as ["Snapchat", "Instagram"].')
    return rules.normalise_platforms(", ".join(raw))


def route_facts(facts: Facts, assessment: Assessment, platforms: list[str]) -> RouteFacts:
    """What the route rules read, taken from the facts as the case page takes them from a case's
    stored assessment (``referrals.services.suggestions.steps_after_assessment``)."""
    stored = facts_to_dict(facts)
    return RouteFacts(
        platforms=tuple(platforms),
        imagery=stored["imagery"],
        imagery_kinds=frozenset(stored["imagery_kinds"]),
        adult_involvement=stored["adult_involvement"],
        met=tuple(assessment.met),
        harmed_under_13=harmed_under_13(stored),
    )


def route_dict(suggestion: Suggestion) -> dict:
    # The code is for other systems; the name is what a person reads.
    return {"code": suggestion.code, "name": ROUTE_NAMES[suggestion.code], "reasons": list(suggestion.reasons)}


def as_text(result: dict) -> str:
    """The whole answer in words, for a person: no codes."""
    lines = [result["outcome_words"], "", "The police-referral criteria:"]
    for criterion in result["criteria"]:
        lines.append(f"  {STATUS_WORDS[criterion['status']]}: {criterion['title']}")
        lines.extend(f"      {reason}" for reason in criterion["reasons"])
    lines += ["", "Suggested routes, most urgent first:"]
    for number, route in enumerate(result["routes"], start=1):
        lines.append(f"  {number}. {route['name']}")
        lines.extend(f"      {reason}" for reason in route["reasons"])
    lines += ["", f"Rule set {result['ruleset_version']}. The DSL still decides, and records why."]
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Assess facts given as JSON (a file, or - for standard input) against the police-referral criteria, "
        "and list the reporting routes they suggest with the reason for each. See docs/assess.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="A JSON file of facts (see docs/assess.md), or - to read standard input.")
        parser.add_argument(
            "--text",
            action="store_true",
            help="Print the answer in words for a person (the default is JSON, for other systems).",
        )

    def handle(self, *args, file: str, text: bool, **options):
        try:
            content = sys.stdin.read() if file == "-" else open(file, encoding="utf-8").read()  # noqa: SIM115
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        try:
            data = json.loads(content)
        except json.JSONDecodeError as error:
            raise CommandError(f"{file} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}).") from None
        try:
            facts = facts_from_dict(data)
            platforms = platforms_from_dict(data)
        except FactsError as error:
            raise CommandError(str(error)) from None
        assessment = assess(facts)
        result = assessment.to_dict()
        result["routes"] = [route_dict(s) for s in suggest_routes(route_facts(facts, assessment, platforms))]
        self.stdout.write(as_text(result) if text else json.dumps(result, indent=2, ensure_ascii=False))
