"""The Prometheus endpoint (issue 21): ``/metrics``, off unless SAFEGUARD_METRICS=1, and then only
to the loopback address or a bearer token (SAFEGUARD_METRICS_TOKEN).

What it says (numbers only, never a child, a case or a member of staff):
- ``safeguard_request_seconds``: request latency by view (``safeguard.metrics``);
- ``safeguard_queue_depth``: messages waiting on the Celery queue;
- ``safeguard_reminders``: reminders by status (sent, failed, waiting), and
  ``safeguard_reminders_late``: waiting ones more than ten minutes past their time;
- ``safeguard_last_backup_age_seconds``, ``safeguard_last_reminder_sweep_age_seconds``,
  ``safeguard_audit_chain_intact`` (1 or 0, from the last nightly check).
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db.models import Count
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.utils import timezone
from django.views.decorators.http import require_GET
from kombu.exceptions import ChannelError
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

from referrals.models import Reminder, ReminderStatus
from safeguard.backup import last_backup_at
from safeguard.celery import app
from safeguard.health import REMINDER_SWEEP
from safeguard.models import AuditVerification, JobRun

#: A reminder still waiting this long after its time is late (the sweep runs every two minutes).
LATE = timedelta(minutes=10)


def queue_depth() -> float:
    """Messages waiting on the default Celery queue, as the broker counts them (kombu's passive
    declare: Redis's list length, or the development file-system broker's files)."""
    queue = app.conf.task_default_queue or "celery"
    with app.connection_for_read() as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, timeout=2)
        try:
            return float(broker.default_channel.queue_declare(queue=queue, passive=True).message_count)
        except ChannelError:
            return 0.0  # no such queue yet: nothing was ever queued


class SafeguardCollector:
    """Read at each scrape, from the database and the broker."""

    def collect(self):
        now = timezone.now()
        reminders = GaugeMetricFamily("safeguard_reminders", "Reminders by status.", labels=["status"])
        counts = dict(Reminder.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
        for status in ReminderStatus.values:
            reminders.add_metric([status], counts.get(status, 0))
        yield reminders
        late = Reminder.objects.filter(status=ReminderStatus.PENDING, deliver_at__lt=now - LATE).count()
        yield GaugeMetricFamily("safeguard_reminders_late", "Reminders waiting over ten minutes past their time.", value=late)
        try:
            depth = queue_depth()
        except Exception:  # the broker is down: say so as NaN rather than fail the whole scrape
            depth = float("nan")
        yield GaugeMetricFamily("safeguard_queue_depth", "Messages waiting on the Celery queue.", value=depth)
        backup = last_backup_at()
        yield GaugeMetricFamily(
            "safeguard_last_backup_age_seconds",
            "Seconds since the newest archive in SAFEGUARD_BACKUP_DIR (NaN: none).",
            value=(now - backup).total_seconds() if backup else float("nan"),
        )
        sweep = JobRun.objects.filter(name=REMINDER_SWEEP).values_list("last_finished_at", flat=True).first()
        yield GaugeMetricFamily(
            "safeguard_last_reminder_sweep_age_seconds",
            "Seconds since the reminder sweep last ran (NaN: never).",
            value=(now - sweep).total_seconds() if sweep else float("nan"),
        )
        check = AuditVerification.objects.order_by("-ran_at").values_list("ok", flat=True).first()
        yield GaugeMetricFamily(
            "safeguard_audit_chain_intact",
            "1 if the last check of the audit chain found it intact (NaN: never checked).",
            value=float(check) if check is not None else float("nan"),
        )


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in list(REGISTRY._collector_to_names):
            registry.register(collector)
    registry.register(SafeguardCollector())
    return registry


def _allowed(request) -> bool:
    token = settings.SAFEGUARD_METRICS_TOKEN
    given = request.META.get("HTTP_AUTHORIZATION", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    try:
        return ipaddress.ip_address(request.client_ip or "").is_loopback
    except ValueError:
        return False


@require_GET
@login_not_required
def metrics(request):
    if not settings.SAFEGUARD_METRICS:
        raise Http404("Metrics are turned off (SAFEGUARD_METRICS).")
    if not _allowed(request):
        return HttpResponseForbidden("Metrics are for the loopback address or a bearer token (SAFEGUARD_METRICS_TOKEN).")
    response = HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
