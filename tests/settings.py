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
