"""factory_boy factories. Cases are built through the service so they carry their audit trail."""

from __future__ import annotations

from datetime import date

import factory

from cases.models import ChildPart, Pupil
from safeguard.models import School, StaffRole, Trust, User


class TrustFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trust
        django_get_or_create = ("name",)

    name = "Test Learning Trust"


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    trust = factory.SubFactory(TrustFactory)
    name = factory.Sequence(lambda n: f"Test School {n}")
    code = factory.Sequence(lambda n: f"T{n:03d}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@school.example")
    full_name = factory.Sequence(lambda n: f"Staff Person {n}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffRole

    user = factory.SubFactory(UserFactory)
    school = factory.SubFactory(SchoolFactory)
    role = "staff"


def staff(school: School, *roles: str, **user_fields) -> User:
    user = UserFactory(**user_fields)
    for role in roles:
        StaffRole.objects.create(user=user, school=school, role=role)
    return user


class PupilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pupil

    school = factory.SubFactory(SchoolFactory)
    upn = factory.Sequence(lambda n: f"A{n:012d}")
    first_name = factory.Sequence(lambda n: f"Pupil{n}")
    last_name = "Testchild"
    date_of_birth = date(2011, 5, 1)
    year_group = 10


def disclosure_input(*, pupils=(), summary: str = "A test concern.", **overrides):
    """A complete DisclosureInput with every criterion answerable: override what a test is about."""
    from datetime import timedelta

    from django.utils import timezone

    from cases.services import ChildInput, DisclosureInput

    values = {
        "summary": summary,
        "disclosed_at": timezone.now() - timedelta(hours=1),
        "method": "in_person",
        "disclosed_to": "Form tutor",
        "child_account": "She said an older pupil keeps sending her messages she does not want.",
        "incident_date": timezone.localdate() - timedelta(days=3),
        "kinds": ["unwanted_sexualisation"],
        "platforms": ["Snapchat"],
        "pupils": [ChildInput(p, ChildPart.HARMED) for p in pupils],
        "adult_involvement": "none",
        "imagery": "none",
        "answers": {"C1": "no", "C2": "no", "C4": "no", "C6": "no"},
    }
    values.update(overrides)
    return DisclosureInput(**values)


def make_case(*, actor: User, school: School, pupils=(), summary: str = "A test concern.", **overrides):
    """A case recorded through the disclosure service, so it is assessed and audited as real ones."""
    from cases import services

    return services.disclosure_record(
        actor=actor, school=school, data=disclosure_input(pupils=pupils, summary=summary, **overrides)
    )
