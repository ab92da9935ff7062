"""The embedded broker (no REDIS_URL): kombu's file-system transport, with each message written
whole before a worker can see it.

kombu's own ``filesystem`` transport (5.7) opens the message file under its final name, then
locks and writes it; a worker listing the folder in between moves the empty file away, reads
nothing, and stops with "Unrecoverable error: JSONDecodeError" (seen in this project's test
suite on a loaded machine: the worker died and the heartbeat it was sent never ran). Here a
message is written under a name no reader takes (``.part``), then renamed into place: a rename
within one folder is atomic, so a reader finds a whole message or none.

``safeguard-files://`` names this transport in a broker URL (settings and the test suite's
worker fixture); the alias is registered when this module is imported, which ``safeguard.celery``
does before any connection is made.
"""

from __future__ import annotations

import os
import uuid
from contextlib import suppress
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

SCHEME = "safeguard-files"
#: A message being written: kombu's readers take only names ending ``.<queue>.msg``.
PARTIAL = ".part"


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        """Put ``payload`` on ``queue``: written in full under a partial name, then renamed."""
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = final + PARTIAL
        try:
            with open(partial, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            with suppress(OSError):
                os.remove(partial)
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel


TRANSPORT_ALIASES.setdefault(SCHEME, f"{__name__}:Transport")
