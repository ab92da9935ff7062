from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import PupilFactory, make_case

REQUIRED = {"C1": "yes", "C2": "no", "C4": "no", "C6": "no"}


@pytest.fixture
def fourteen(school):
    return PupilFactory(
        school=school, first_name="Cal", last_name="Fourteen", date_of_birth=timezone.localdate() - timedelta(days=14 * 365 + 40)
    )


@pytest.fixture
def quiet_case(dsl, school, fourteen):
    return make_case(actor=dsl, school=school, pupils=[fourteen])


@pytest.fixture
def required_case(dsl, school, fourteen):
    return make_case(actor=dsl, school=school, pupils=[fourteen], answers=REQUIRED)
