"""``cases_visible_at`` / ``visible_at`` (issue 22): one school's cases in the form the database
answers fastest, and exactly the rows of ``cases_visible_to`` at that school, for every persona,
restricted cases, an allegation's kept-out member of staff and a person with roles at two schools.

The fast form trusts that a whole-school reader's cases at the school are all of them but the
restricted ones kept from them; these tests are what holds it to that."""

from __future__ import annotations

import pytest

from cases import services
from cases.access import cases_visible_at, cases_visible_to, visible_at
from cases.models import Case
from referrals.models import Step
from safeguard.models import StaffRole
from safeguard.permissions import forget_roles
from tests.factories import PupilFactory, make_case, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(school, other_school, dsl, deputy, head, pastoral, pastoral_unassigned, it_admin, staff_member, other_dsl, case):
    """An ordinary case (``case``, assigned to ``pastoral``), one restricted to the DSL alone, an
    allegation against the deputy (restricted, the deputy kept out), a case at another school, and
    a chair of governors; ``pastoral`` is also a DSL at the other school."""
    restricted = make_case(actor=dsl, school=school, pupils=[PupilFactory(school=school)])
    services.case_restrict(actor=dsl, case=restricted, people=[dsl], reason="The family asked for the fewest people to know.")
    allegation = make_case(
        actor=dsl, school=school, pupils=[PupilFactory(school=school)], adult_involvement="staff", staff_member=deputy
    )
    elsewhere = make_case(actor=other_dsl, school=other_school, pupils=[PupilFactory(school=other_school)])
    StaffRole.objects.create(user=pastoral, school=other_school, role="dsl")
    chair = staff(school, "chair_of_governors", email="chair@hillside.example")
    people = {
        "dsl": dsl,
        "deputy": deputy,
        "head": head,
        "pastoral": pastoral,
        "pastoral_unassigned": pastoral_unassigned,
        "it_admin": it_admin,
        "staff_member": staff_member,
        "other_dsl": other_dsl,
        "chair": chair,
    }
    return {
        "people": people,
        "cases": [case, restricted, allegation, elsewhere],
        "restricted": restricted,
        "allegation": allegation,
    }


@pytest.mark.parametrize(
    "who", ["dsl", "deputy", "head", "pastoral", "pastoral_unassigned", "it_admin", "staff_member", "other_dsl", "chair"]
)
def test_the_fast_form_is_exactly_the_gateways_cases_at_each_school(world, school, other_school, who):
    user = world["people"][who]
    for at in (school, other_school):
        forget_roles(user)
        expected = set(cases_visible_to(user).filter(school=at).values_list("pk", flat=True))
        forget_roles(user)
        assert set(cases_visible_at(user, at.pk).values_list("pk", flat=True)) == expected, (who, at.code)
        # Through a step's case, as the home page's panels ask.
        forget_roles(user)
        by_step = set(Step.objects.filter(visible_at(user, at.pk, "case__")).values_list("case_id", flat=True))
        assert by_step == expected & set(Step.objects.values_list("case_id", flat=True)), (who, at.code)


def test_restricted_cases_stay_out_of_the_fast_form_for_those_not_named(world, school, deputy, head, dsl):
    restricted, allegation = world["restricted"], world["allegation"]
    assert restricted.pk not in set(cases_visible_at(head, school.pk).values_list("pk", flat=True))
    # The member of staff an allegation is about never finds it, though they read every other case.
    deputys = set(cases_visible_at(deputy, school.pk).values_list("pk", flat=True))
    assert allegation.pk not in deputys and restricted.pk not in deputys
    assert restricted.pk in set(cases_visible_at(dsl, school.pk).values_list("pk", flat=True))


def test_the_hidden_cases_are_read_once_per_request_and_forgotten_with_the_roles(world, school, head, django_assert_num_queries):
    forget_roles(head)
    list(cases_visible_at(head, school.pk))  # roles, the hidden restricted cases, the cases
    with django_assert_num_queries(1):
        list(cases_visible_at(head, school.pk))
    # A case restricted after the first read is hidden from the next request (forget_roles).
    newer = make_case(actor=world["people"]["dsl"], school=school, pupils=[PupilFactory(school=school)])
    services.case_restrict(actor=world["people"]["dsl"], case=newer, people=[world["people"]["dsl"]], reason="Fewest people.")
    forget_roles(head)
    assert newer.pk not in set(cases_visible_at(head, school.pk).values_list("pk", flat=True))
    assert Case.objects.filter(pk=newer.pk, is_restricted=True).exists()
