"""File storage that never leaves half a file (issue 21): a file is written under a temporary name
beside its destination, flushed to disk, and linked into place only when whole. A write that fails
part way (the disk is full, the process is killed) leaves nothing under the file's name, and the
temporary file is removed (or, after a kill, skipped by backups and the next write's clean-up).

Django's FileSystemStorage writes straight into the destination, so a full disk leaves the first
part of the file there under its real name.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile

from django.core.files.storage import FileSystemStorage

PARTIAL_PREFIX = ".partial-"
#: A file system that cannot make hard links says one of these.
NO_LINKS = frozenset({errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK})
#: The errors that mean "no room": a full disk, or the user's quota.
NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT})


def is_no_room(error: BaseException) -> bool:
    return isinstance(error, OSError) and error.errno in NO_ROOM


class WholeFileStorage(FileSystemStorage):
    def _save(self, name, content):
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        os.makedirs(directory, exist_ok=True)
        descriptor, partial = tempfile.mkstemp(dir=directory, prefix=PARTIAL_PREFIX)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                if hasattr(content, "temporary_file_path"):
                    with open(content.temporary_file_path(), "rb") as source:
                        for block in iter(lambda: source.read(1 << 20), b""):
                            handle.write(block)
                else:
                    for chunk in content.chunks():
                        handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            if self.file_permissions_mode is not None:
                os.chmod(partial, self.file_permissions_mode)
            while True:
                try:
                    os.link(partial, full_path)  # fails, never overwrites, if the name is taken
                    break
                except FileExistsError:
                    name = self.get_available_name(name)
                    full_path = self.path(name)
                except OSError as error:
                    if error.errno not in NO_LINKS:
                        raise
                    # A file system without hard links (some network shares): a rename into a
                    # name checked free just before (names are random, so nothing races for it).
                    if os.path.exists(full_path):
                        name = self.get_available_name(name)
                        full_path = self.path(name)
                    os.rename(partial, full_path)
                    break
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(partial)
        return str(name).replace("\\", "/")
