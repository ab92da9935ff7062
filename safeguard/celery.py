"""The Celery app. Broker: Redis when REDIS_URL is set, else a file-system broker under var/."""

import os

from celery import Celery
from celery.signals import beat_init

import safeguard.broker  # noqa: F401  (registers the embedded broker's safeguard-files:// transport)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguard.settings")

app = Celery("safeguard")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@beat_init.connect
def beat_started(sender=None, **kwargs):
    """A beat started: /readyz then gives it one sweep's interval (and a margin) before it expects
    the first reminder sweep, rather than reporting "never run" while it is starting."""
    import socket

    from safeguard.health import BEAT_STARTED
    from safeguard.services.system import job_run_record

    job_run_record(name=BEAT_STARTED, hostname=socket.gethostname())
