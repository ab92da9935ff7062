"""The Celery app. Broker: Redis when REDIS_URL is set, else a file-system broker under var/."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguard.settings")

app = Celery("safeguard")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
