"""Test settings: the real settings, with fast hashing, in-memory mail and a scratch var/ dir."""

import os
import tempfile

os.environ.setdefault("SAFEGUARD_VAR_DIR", os.path.join(tempfile.gettempdir(), "safeguard-test-var"))

from safeguard.settings import *  # noqa: F403
from safeguard.settings import INSTALLED_APPS

# A test-only app: its `flush` lifts the audit triggers while TransactionTestCase empties tables.
INSTALLED_APPS = ["tests.support", *INSTALLED_APPS]

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks queued with transaction.on_commit run in-process; tests of the real worker override this.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not shared-cache memory: threads in the real-worker tests then wait for the write
    # lock (busy timeout) instead of failing with "database table is locked".
    DATABASES["default"]["TEST"] = {"NAME": os.path.join(os.environ["SAFEGUARD_VAR_DIR"], "test.sqlite3")}  # noqa: F405

ATTACHMENT_ROOT = os.path.join(os.environ["SAFEGUARD_VAR_DIR"], "test-attachments")
