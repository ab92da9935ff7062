"""A full disk (issue 21, part 3): an upload to a file store with no room left fails with a clear
message, keeps what was typed, and leaves no half-written file and no attachment row. The store is
a real, tiny tmpfs, filled up: a real ENOSPC from the kernel, not a mock."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from cases.models import Attachment
from cases.services.attachments import NO_ROOM
from safeguard.models import AuditEvent
from safeguard.storage import WholeFileStorage
from tests.cases import smuggling as s
from tests.conftest import require_service


@pytest.fixture
def full_store(tmp_path, settings, monkeypatch):
    store = tmp_path / "store"
    store.mkdir()
    mounted = subprocess.run(  # noqa: S603
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(store)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        require_service("a tmpfs mount", False, mounted.stderr.strip() or "mount refused (the test needs root)")
    settings.ATTACHMENT_ROOT = store
    # The field's storage was made when the model was defined: point it at the small disk.
    monkeypatch.setattr(Attachment._meta.get_field("file"), "storage", WholeFileStorage(location=store, base_url=None))
    filler = store / "filler.bin"
    try:
        # Fill it up, then give back a few KB.
        descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT)
        try:
            while True:
                os.write(descriptor, b"\0" * 4096)
        except OSError:
            pass
        finally:
            os.close(descriptor)
        os.truncate(filler, filler.stat().st_size - 8 * 1024)
        yield store
    finally:
        subprocess.run(["umount", str(store)], check=False)  # noqa: S603, S607


def _files(store: Path) -> list[str]:
    return sorted(str(path.relative_to(store)) for path in store.rglob("*") if path.is_file())


def test_an_upload_to_a_full_disk_fails_clearly_and_leaves_nothing_half_written(full_store, case, dsl, login):
    document = s.pdf_plain(pages=120)
    assert len(document) > 16 * 1024, "the document must be larger than the room left"
    client = login(dsl)
    upload = SimpleUploadedFile("letter.pdf", document, content_type="application/pdf")
    response = client.post(
        reverse("attachment_add", args=[case.pk]),
        {"file": upload, "description": "Police referral form", "confirmed_no_child_images": "on"},
    )
    page = response.content.decode()
    assert response.status_code == 200 and "The server has no room left to save this file" in page
    assert 'value="Police referral form"' in page  # what was typed is still there
    assert not Attachment.objects.exists()
    assert _files(full_store) == ["filler.bin"]  # no partial file, under any name
    refused = AuditEvent.objects.get(action="cases.attachment.refused")
    assert refused.extra["reason"] == "no_room"
    assert escape(NO_ROOM) in page
    # Room again: the same upload is attached.
    (full_store / "filler.bin").unlink()
    upload = SimpleUploadedFile("letter.pdf", document, content_type="application/pdf")
    again = client.post(
        reverse("attachment_add", args=[case.pk]),
        {"file": upload, "description": "Police referral form", "confirmed_no_child_images": "on"},
    )
    assert again.status_code == 302
    attachment = Attachment.objects.get()
    assert (full_store / attachment.file.name).read_bytes() == document


def test_a_file_system_without_hard_links_still_gets_whole_files(tmp_path, monkeypatch):
    import errno

    from django.core.files.base import ContentFile

    def no_links(source, target):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    storage = WholeFileStorage(location=tmp_path, base_url=None)
    first = storage.save("a/letter.pdf", ContentFile(b"first"))
    second = storage.save("a/letter.pdf", ContentFile(b"second"))
    assert first != second
    assert (tmp_path / first).read_bytes() == b"first" and (tmp_path / second).read_bytes() == b"second"
    assert sorted(path.name for path in (tmp_path / "a").iterdir()) == sorted([Path(first).name, Path(second).name])
