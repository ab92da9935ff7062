"""Suggested routes: every rule of docs/domain.md, "Reporting routes", with its reason in words."""

from __future__ import annotations

import pytest

from referrals.catalogue import ROUTES
from referrals.routes import RouteFacts, report_harmful_content_reason, suggest_routes


def codes(facts: RouteFacts) -> list[str]:
    return [s.code for s in suggest_routes(facts)]


def reasons(facts: RouteFacts) -> dict[str, str]:
    return {s.code: s.reason for s in suggest_routes(facts)}


QUIET = RouteFacts(imagery="none", adult_involvement="none")


def test_always_the_school_and_parents():
    assert codes(QUIET) == ["R6", "P1"]
    assert "Always" in reasons(QUIET)["R6"] and "unless telling them would put the child at risk" in reasons(QUIET)["P1"]


def test_content_on_a_platform_suggests_reporting_to_it():
    facts = RouteFacts(platforms=("Snapchat", "TikTok"), imagery="none", adult_involvement="none")
    assert codes(facts) == ["R1", "R6", "P1"]
    assert reasons(facts)["R1"] == "Suggested because the content was on Snapchat, TikTok: report it to the platform."


def test_a_nude_image_online_suggests_report_remove_iwf_and_police():
    facts = RouteFacts(platforms=("Snapchat",), imagery="some", imagery_kinds=frozenset({"nude_u18"}), adult_involvement="none")
    assert codes(facts) == ["R7", "R4", "R3", "R1", "R6", "P1"]
    assert "the young person can have it removed" in reasons(facts)["R3"]
    assert "IWF removes child sexual abuse imagery" in reasons(facts)["R4"]


def test_report_remove_explains_its_age_check_for_a_younger_child():
    facts = RouteFacts(platforms=("Snapchat",), imagery="some", imagery_kinds=frozenset({"nude_u18"}), harmed_under_13=True)
    assert "checks age from 13" in reasons(facts)["R3"]


def test_nude_imagery_not_online_needs_no_report_remove():
    facts = RouteFacts(imagery="some", imagery_kinds=frozenset({"nude_u18"}), adult_involvement="none")
    assert "R3" not in codes(facts) and {"R4", "R7"} <= set(codes(facts))


@pytest.mark.parametrize(
    ("adult", "words"),
    [("stranger", "an adult stranger"), ("known_adult", "an adult the child knows"), ("staff", "a member of staff")],
)
def test_adult_contact_suggests_ceop_and_police(adult, words):
    facts = RouteFacts(imagery="none", adult_involvement=adult)
    assert {"R5", "R7"} <= set(codes(facts))
    assert reasons(facts)["R5"] == f"Suggested because {words} contacted the child online: report adult contact to CEOP."


@pytest.mark.parametrize("adult", ["none", "unknown"])
def test_no_adult_no_ceop(adult):
    assert "R5" not in codes(RouteFacts(imagery="none", adult_involvement=adult))


def test_any_criterion_met_suggests_the_police_naming_them():
    facts = RouteFacts(imagery="none", adult_involvement="none", met=("C1", "C3"))
    assert codes(facts)[0] == "R7"
    assert (
        "criteria are met (C1: involves coercion, blackmail or exploitation; C3: involves a child or children under 13)"
        in reasons(facts)["R7"]
    )


@pytest.mark.parametrize(
    ("met", "words"), [(("C4",), "significant or immediate risk"), (("C5",), "already known to children's social care")]
)
def test_risk_or_known_to_social_care_suggests_social_care(met, words):
    facts = RouteFacts(imagery="none", adult_involvement="none", met=met)
    assert "R8" in codes(facts) and words in reasons(facts)["R8"]


def test_a_member_of_staff_involved_points_to_the_lado():
    facts = RouteFacts(imagery="none", adult_involvement="staff")
    assert "tell the LADO the same day" in reasons(facts)["R8"]


def test_the_issue_scenario_adult_stranger_asks_a_14_year_old_for_images_on_a_platform():
    facts = RouteFacts(platforms=("Instagram",), imagery="none", adult_involvement="stranger", harmed_under_13=False)
    assert codes(facts) == ["R7", "R5", "R1", "R6", "P1"]
    assert reasons(facts)["R5"] == "Suggested because an adult stranger contacted the child online: report adult contact to CEOP."
    assert reasons(facts)["R7"] == "Suggested because an adult stranger is involved."


def test_one_route_several_reasons_are_all_given():
    facts = RouteFacts(imagery="some", imagery_kinds=frozenset({"nude_u18"}), adult_involvement="stranger", met=("A1",))
    r7 = reasons(facts)["R7"]
    assert "nude or semi-nude imagery" in r7 and "an adult stranger is involved" in r7 and "criteria are met (A1" in r7


def test_report_harmful_content_reason_names_the_platform_and_the_age_limit():
    assert "report to Snapchat made on 3 Nov 2026 is still unresolved after 48 hours" in report_harmful_content_reason(
        "Snapchat", "3 Nov 2026", 48, False
    )
    assert "aged 13 and over" in report_harmful_content_reason("", "3 Nov 2026", 48, True)


def test_the_catalogue_holds_every_route_of_the_guidance():
    assert sorted(r["code"] for r in ROUTES) == ["P1", "R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8"]
    assert all(r["guidance"] and r["when_it_fits"] and r["what_is_recorded"] for r in ROUTES)


def test_the_catalogue_is_in_the_database(db):
    from referrals.models import Route

    assert Route.objects.count() == 9
    assert Route.objects.get(code="R7").name == "The police"


def test_the_route_codes_are_the_catalogues():
    from referrals.routes import RouteCode

    assert {code.value for code in RouteCode} == {r["code"] for r in ROUTES}


def test_the_catalogue_migration_holds_its_own_copy_and_matches_the_catalogue_today():
    """The migration must not read the live catalogue (a later change would break a fresh migrate);
    today the two agree, so the database holds what the code describes."""
    import importlib
    import inspect

    frozen = importlib.import_module("referrals.migrations.0002_route_catalogue")
    assert "import" not in inspect.getsource(frozen).split("from django.db import migrations")[1]
    assert frozen.ROUTES == ROUTES
