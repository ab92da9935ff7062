"""Health you can see (issue 21, part 4): /readyz names what is not ready; /metrics is off by
default, and then only for the loopback address or a bearer token, and holds numbers only; log
lines are JSON with the request id in production."""

from __future__ import annotations

import json
from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from safeguard.health import BEAT_STARTED, REMINDER_SWEEP
from safeguard.models import AuditVerification, JobRun
from safeguard.services.system import job_run_record


def _ready(client=None):
    response = (client or Client()).get(reverse("readyz"))
    return response.status_code, response.json()


def test_readyz_is_ready_when_the_database_broker_sweep_and_chain_are(db):
    job_run_record(name=REMINDER_SWEEP, hostname="worker-1")
    status, body = _ready()
    assert status == 200 and body["status"] == "ok" and body["failing"] == []
    assert set(body["checks"]) == {"database", "broker", "reminder_sweep", "audit_chain"}
    assert "not checked yet" in body["checks"]["audit_chain"]["detail"]


def test_readyz_names_a_sweep_that_has_stopped(db):
    status, body = _ready()
    assert status == 503 and body["failing"] == ["reminder_sweep"] and "never run" in body["checks"]["reminder_sweep"]["detail"]
    job_run_record(name=REMINDER_SWEEP)
    JobRun.objects.filter(name=REMINDER_SWEEP).update(last_finished_at=timezone.now() - timedelta(minutes=11))
    status, body = _ready()
    assert status == 503 and "11 minutes ago" in body["checks"]["reminder_sweep"]["detail"]


def test_a_beat_that_has_just_started_is_given_time_for_its_first_sweep(db):
    from safeguard.celery import beat_started

    beat_started()
    status, body = _ready()
    assert status == 200 and "first sweep is due" in body["checks"]["reminder_sweep"]["detail"]
    JobRun.objects.filter(name=BEAT_STARTED).update(last_finished_at=timezone.now() - timedelta(minutes=11))
    status, body = _ready()
    assert status == 503 and body["failing"] == ["reminder_sweep"]


def test_readyz_names_a_broken_or_stale_audit_chain_check(db):
    job_run_record(name=REMINDER_SWEEP)
    AuditVerification.objects.create(ok=True, ran_at=timezone.now() - timedelta(hours=27))
    status, body = _ready()
    assert status == 503 and "has not run for over a day" in body["checks"]["audit_chain"]["detail"]
    AuditVerification.objects.create(ok=False, detail="event 3 was changed", ran_at=timezone.now())
    status, body = _ready()
    assert status == 503 and body["failing"] == ["audit_chain"]
    assert "event 3" not in json.dumps(body)  # which event is for the head's report, not a probe


def test_readyz_names_a_broker_that_does_not_answer(db):
    from safeguard.celery import app

    job_run_record(name=REMINDER_SWEEP)
    saved = app.conf.broker_url, app.conf.broker_transport_options
    app.conf.update(broker_url="redis://127.0.0.1:1/0", broker_transport_options={"socket_connect_timeout": 1})
    app._pool = None
    try:
        status, body = _ready()
    finally:
        app.conf.update(broker_url=saved[0], broker_transport_options=saved[1])
        app._pool = None
    assert status == 503 and body["failing"] == ["broker"]


def test_readyz_and_healthz_need_no_login_and_hold_no_records(db, dsl, login):
    assert Client().get(reverse("healthz")).status_code == 200
    job_run_record(name=REMINDER_SWEEP)
    status, body = _ready(login(dsl))
    assert status == 200 and "Dee Lead" not in json.dumps(body)


# --- /metrics -------------------------------------------------------------------------------------


def test_metrics_are_off_unless_turned_on(db, settings):
    settings.SAFEGUARD_METRICS = False
    assert Client().get(reverse("metrics")).status_code == 404


def test_metrics_are_for_the_loopback_address_or_the_token(db, settings):
    settings.SAFEGUARD_METRICS = True
    settings.SAFEGUARD_METRICS_TOKEN = "scrape-token-for-tests"
    outside = Client(REMOTE_ADDR="10.1.2.3")
    assert outside.get(reverse("metrics")).status_code == 403
    assert outside.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert outside.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer scrape-token-for-tests").status_code == 200
    assert Client(REMOTE_ADDR="127.0.0.1").get(reverse("metrics")).status_code == 200
    settings.SAFEGUARD_METRICS_TOKEN = ""
    assert outside.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer ").status_code == 403


def test_metrics_give_latency_by_view_queue_reminders_and_backup_age_and_no_names(db, settings, case, dsl, login, tmp_path):
    from referrals.models import Reminder, ReminderStatus

    settings.SAFEGUARD_METRICS = True
    settings.SAFEGUARD_BACKUP_DIR = tmp_path
    login(dsl).get(reverse("case_detail", args=[case.pk]))
    now = timezone.now()
    common = {"recipient": dsl, "school": case.school, "subject": f"case:{case.pk}", "case": case, "kind": "review_due"}
    Reminder.objects.create(**common, due_on=now.date(), deliver_at=now - timedelta(hours=1), status=ReminderStatus.PENDING)
    Reminder.objects.create(
        **common, due_on=now.date() - timedelta(days=1), deliver_at=now - timedelta(days=1), status=ReminderStatus.FAILED
    )
    (tmp_path / "safeguard-20261201-013000.sgbackup.age").write_bytes(b"x")
    job_run_record(name=REMINDER_SWEEP)
    text = Client(REMOTE_ADDR="127.0.0.1").get(reverse("metrics")).content.decode()
    assert 'safeguard_request_seconds_count{method="GET",status="2xx",view="case_detail"}' in text
    assert 'safeguard_reminders{status="failed"} 1.0' in text and 'safeguard_reminders{status="pending"} 1.0' in text
    assert "safeguard_reminders_late 1.0" in text
    assert "safeguard_queue_depth " in text and "safeguard_queue_depth NaN" not in text
    assert "safeguard_last_backup_age_seconds " in text and "safeguard_last_backup_age_seconds NaN" not in text
    assert "safeguard_last_reminder_sweep_age_seconds " in text
    # Numbers only: no child, case reference or member of staff.
    pupil = case.children.first().pupil
    for word in (pupil.first_name, pupil.last_name, case.reference, dsl.full_name, dsl.email):
        assert word not in text, word


# --- Logs -----------------------------------------------------------------------------------------


def test_production_logs_are_json_lines_with_the_request_id(settings, db, client):
    import logging.config

    config = {**settings.LOGGING, "handlers": {**settings.LOGGING["handlers"]}}
    config["handlers"]["console"] = {**config["handlers"]["console"], "formatter": "json"}
    logging.config.dictConfig(config)
    stream_handler = logging.getLogger().handlers[0]
    import io

    captured = io.StringIO()
    stream_handler.setStream(captured)
    try:
        response = client.get("/cases/999999/?q=Zebedee+Quartermaine")
        assert response.status_code == 302  # not logged in
        logging.getLogger("django.request").warning(
            "Not Found: %s", "/x", extra={"status_code": 404, "request": response.wsgi_request}
        )
    finally:
        logging.config.dictConfig(settings.LOGGING)
    lines = [json.loads(line) for line in captured.getvalue().splitlines() if line.strip()]
    assert lines, "nothing was logged"
    line = lines[-1]
    assert {"time", "level", "logger", "request_id", "message"} <= set(line)
    assert line["request_id"] == response["X-Request-ID"]
    assert "Zebedee" not in captured.getvalue()
