"""Personas (as healthchecks' alice/bob/charlie) and helpers shared by every test."""

from __future__ import annotations

import os

import pytest
from django.test import Client

from tests.factories import PupilFactory, SchoolFactory, TrustFactory, make_case, staff
from tests.matrix_context import world  # noqa: F401 - the URL matrices' shared world (module-scoped)
from tests.sessions import verify_second_factor

REQUIRE_SERVICES = os.environ.get("SAFEGUARD_REQUIRE_SERVICES") == "1"


@pytest.fixture
def school_hours():
    """Now is 10:30 on the next weekday: an alert's email goes at once rather than waiting for the
    end of quiet hours, whatever time of day the suite runs."""
    import datetime as dt

    import time_machine
    from django.utils import timezone

    day = timezone.localdate() + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(10, 30)))
    with time_machine.travel(moment, tick=True):
        yield moment


@pytest.fixture
def trust(db):
    return TrustFactory()


@pytest.fixture
def school(trust):
    return SchoolFactory(trust=trust, name="Hillside Test Academy", code="HTA")


@pytest.fixture
def other_school(trust):
    return SchoolFactory(trust=trust, name="Valley Test School", code="VTS")


@pytest.fixture
def dsl(school):
    return staff(school, "dsl", full_name="Dee Lead", email="dsl@hillside.example")


@pytest.fixture
def deputy(school):
    return staff(school, "deputy_dsl", full_name="Dev Deputy", email="deputy@hillside.example")


@pytest.fixture
def pastoral(school):
    """A pastoral teacher assigned to ``case``."""
    return staff(school, "pastoral", full_name="Pat Pastoral", email="pastoral@hillside.example")


@pytest.fixture
def pastoral_unassigned(school):
    return staff(school, "pastoral", full_name="Una Unassigned", email="pastoral2@hillside.example")


@pytest.fixture
def head(school):
    return staff(school, "head", full_name="Hal Head", email="head@hillside.example")


@pytest.fixture
def it_admin(school):
    return staff(school, "it_admin", full_name="Ivy Admin", email="it@hillside.example")


@pytest.fixture
def staff_member(school):
    return staff(school, "staff", full_name="Sid Staff", email="staff@hillside.example")


@pytest.fixture
def other_dsl(other_school):
    return staff(other_school, "dsl", full_name="Oli Otherlead", email="dsl@valley.example")


@pytest.fixture
def pupil(school):
    return PupilFactory(school=school, first_name="Ava", last_name="Testchild")


@pytest.fixture
def case(dsl, pastoral, pupil, school):
    from cases.services import case_assign

    created = make_case(actor=dsl, school=school, pupils=[pupil])
    # To read the full case; the support view (the default) has its own tests (tests/cases/test_support_view.py).
    case_assign(actor=dsl, case=created, user=pastoral, view="full")
    return created


@pytest.fixture
def other_case(other_dsl, other_school):
    return make_case(actor=other_dsl, school=other_school, pupils=[PupilFactory(school=other_school)])


@pytest.fixture
def personas(dsl, deputy, pastoral, pastoral_unassigned, head, it_admin, staff_member, other_dsl):
    return {
        "dsl": dsl,
        "deputy": deputy,
        "pastoral": pastoral,
        "pastoral_unassigned": pastoral_unassigned,
        "head": head,
        "it_admin": it_admin,
        "staff_member": staff_member,
        "other_dsl": other_dsl,
    }


@pytest.fixture
def login():
    """``login(user)``: a client logged in with a verified second factor (``second_factor=False``
    for a password-only session)."""

    def _login(user, *, second_factor: bool = True) -> Client:
        client = Client()
        client.force_login(user)
        if second_factor:
            verify_second_factor(client, user)
        return client

    return _login


def require_service(name: str, available: bool, why: str) -> None:
    """Skip when a service is absent, except in CI (SAFEGUARD_REQUIRE_SERVICES=1), where it fails."""
    if available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{name} is required here (SAFEGUARD_REQUIRE_SERVICES=1) but is not available: {why}")
    pytest.skip(f"{name} not available, skipped: {why}")


@pytest.fixture
def celery_worker_app(settings, tmp_path):
    """The real Celery app, not eager, on this run's broker: Redis when REDIS_URL is set, else a
    fresh file-system broker. Yields the app; use ``tests.celery_support.running_worker`` with it."""
    import uuid

    from safeguard.celery import app

    keys = ("broker_url", "broker_transport_options", "task_always_eager", "broker_connection_timeout", "task_default_queue")
    saved = {key: app.conf[key] for key in keys}
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        import redis

        try:
            redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
        except redis.RedisError as error:
            require_service("Redis", False, str(error))
        app.conf.update(broker_url=redis_url, broker_transport_options={"visibility_timeout": 60})
    else:
        folder = tmp_path / "broker"
        for sub in ("queue", "control", "processed"):
            (folder / sub).mkdir(parents=True)
        app.conf.update(
            broker_url="safeguard-files://localhost//",
            broker_transport_options={
                "data_folder_in": str(folder / "queue"),
                "data_folder_out": str(folder / "queue"),
                "control_folder": str(folder / "control"),
                "processed_folder": str(folder / "processed"),
            },
        )
    # A queue of this test's own: parallel test processes share the Redis database.
    app.conf.update(task_always_eager=False, task_default_queue=f"safeguard-test-{uuid.uuid4().hex[:10]}")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    _reset_pools(app)
    yield app
    _reset_pools(app)
    app.conf.update(saved)


def _reset_pools(app) -> None:
    """Connections and producers are pooled per broker URL (kombu keeps producer pools in a global
    registry): start afresh after changing the broker."""
    from kombu import pools

    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    # The queue names and routes are cached from the configuration on first use.
    for cached in ("queues", "default_queue", "router", "producer_pool", "utc"):
        app.amqp.__dict__.pop(cached, None)
    app.amqp._rtable = None
    pools.reset()
