"""Lockout, sessions, headers, attachments and CSRF (issue 7)."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Attachment
from safeguard.models import AuditEvent
from tests.cases import smuggling

# --- Lockout (django-axes) ------------------------------------------------------------------------


def _try(client, email, password="wrong-password", ip="203.0.113.7"):  # noqa: S107 - a deliberately wrong password
    return client.post(reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_the_sixth_wrong_password_locks_that_email_from_that_address_only(dsl, head, client):
    for attempt in range(1, 6):
        response = _try(client, dsl.email)
        assert response.status_code == 200, attempt
        assert b"The email address or password is not right" in response.content
    sixth = _try(client, dsl.email)
    assert sixth.status_code == 429 and b"Too many attempts" in sixth.content
    # Locked: even the right password from that address is refused for now.
    assert _try(client, dsl.email, "correct-horse-battery").status_code == 429
    # The same email from another address, and another email from the same address, still work.
    assert _try(Client(), dsl.email, "correct-horse-battery", ip="198.51.100.20").status_code == 302
    assert _try(Client(), head.email, "correct-horse-battery").status_code == 302
    # Six wrong passwords, and the right one refused while locked: each is a failed login.
    failures = AuditEvent.objects.filter(action="safeguard.login.failed", actor=dsl)
    assert failures.count() == 7 and all(e.extra == {"known_account": True} for e in failures)
    assert AuditEvent.objects.filter(action="safeguard.login.locked_out", actor=dsl).count() >= 1
    assert {e.ip_address for e in failures} == {"203.0.113.7"}


def test_the_lockout_says_nothing_about_which_accounts_exist(dsl, client):
    for _ in range(6):
        unknown = _try(client, "nobody@hillside.example")
    other = Client()
    for _ in range(6):
        known = _try(other, dsl.email, ip="203.0.113.8")
    assert unknown.status_code == known.status_code == 429
    import re

    def strip(response) -> bytes:
        body = response.content.replace(b"nobody@hillside.example", b"").replace(dsl.email.encode(), b"")
        return re.sub(rb'"X-CSRFToken": "[^"]+"', b"", body)

    assert strip(unknown) == strip(known)  # the same page, whether or not the account exists
    assert (
        AuditEvent.objects.filter(action="safeguard.login.failed", actor__isnull=True, extra={"known_account": False}).count()
        == 6
    )


# --- Sessions ---------------------------------------------------------------------------------------


def test_twenty_minutes_without_activity_ends_the_session(dsl, login):
    client = login(dsl)
    assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=19), tick=False):
        assert client.get(reverse("home")).status_code == 200  # activity renews it
    with time_machine.travel(timezone.now() + timedelta(minutes=19 + 21), tick=False):
        response = client.get(reverse("home"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_session_ends_after_a_school_day_whatever_the_activity(dsl, login):
    client = login(dsl)
    start = timezone.now()
    for minutes in range(15, 10 * 60, 15):  # busy all day: a request every quarter of an hour
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get(reverse("home")).status_code == 200, minutes
    with time_machine.travel(start + timedelta(hours=10, minutes=1), tick=False):
        response = client.get(reverse("home"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_session_cookies_are_http_only_and_same_site(dsl, client, settings):
    response = client.post(reverse("login"), {"username": dsl.email, "password": "correct-horse-battery"})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert settings.SESSION_COOKIE_AGE == 20 * 60 and settings.SESSION_SAVE_EVERY_REQUEST


def test_production_settings_make_cookies_secure_and_send_hsts():
    from tests.safeguard.test_settings import _start

    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, s.DEBUG)"
    )
    import subprocess
    import sys

    from tests.safeguard.test_settings import ROOT

    env = {
        "SAFEGUARD_ENV": "production",
        "SAFEGUARD_SECRET_KEY": "x" * 40 + "abcdefghijklmnopqrstuvwxyz",
        "SAFEGUARD_ALLOWED_HOSTS": "safeguard.school.example",
        "SAFEGUARD_EMAIL_HOST": "smtp.school.example",
        "SAFEGUARD_AUDIT_KEY": "k" * 30 + "0123456789abcdefghijklmnop",
    }
    assert _start(env).returncode == 0
    import os

    full = (
        {k: v for k, v in os.environ.items() if not k.startswith("SAFEGUARD_")}
        | env
        | {"DJANGO_SETTINGS_MODULE": "safeguard.settings"}
    )
    full["SAFEGUARD_VAR_DIR"] = os.environ.get("SAFEGUARD_VAR_DIR", "/tmp/safeguard-test-var")
    out = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", "import django; django.setup(); " + code],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["True", "True", "31536000", "True", "False"]


def test_hsts_is_sent_over_https_in_production(dsl, login, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = login(dsl).get(reverse("home"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_pages_with_records_are_not_cached(dsl, case, login):
    response = login(dsl).get(reverse("case_detail", args=[case.pk]))
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_every_page_has_the_hide_screen_button(dsl, case, login):
    page = login(dsl).get(reverse("case_detail", args=[case.pk])).content.decode()
    assert 'id="sg-hide-screen"' in page and 'aria-keyshortcuts="Escape"' in page and 'id="sg-screen-cover"' in page


# --- Attachments -------------------------------------------------------------------------------------


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\0" * 64
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\0" * 64
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>'


def _upload(client, case, name, data, description="Police referral form", confirmed=True):
    fields = {"file": SimpleUploadedFile(name, data), "description": description}
    if confirmed:
        fields["confirmed_no_child_images"] = "on"
    return client.post(reverse("attachment_add", args=[case.pk]), fields)


@pytest.mark.parametrize(
    ("name", "data", "extension"),
    [
        ("letter.pdf", smuggling.pdf_plain(), "pdf"),
        ("form.docx", _docx(), "docx"),
        ("scan.jpg", smuggling.pdf_plain(), "pdf"),
        ("minutes.odt", smuggling.odt(), "odt"),
        ("old-form.doc", smuggling.doc_plain(), "doc"),
        ("letter.rtf", smuggling.rtf(), "rtf"),
    ],
)
def test_pdf_and_office_documents_are_accepted_by_content(case, dsl, login, name, data, extension):
    response = _upload(login(dsl), case, name, data, "Police referral form")
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.extension == extension and attachment.original_name.endswith("." + extension)
    assert AuditEvent.objects.filter(action="cases.attachment.added").count() == 1


@pytest.mark.parametrize(("name", "data"), [("photo.png", PNG), ("photo.pdf", JPEG), ("clip.mp4", MP4), ("picture.svg", SVG)])
def test_images_and_video_are_refused_with_the_ukcis_explanation(case, dsl, login, name, data):
    response = _upload(login(dsl), case, name, data)
    body = response.content.decode()
    assert response.status_code == 200 and "do not view, copy, save, share or upload it: that is an offence (UKCIS)" in body
    assert not Attachment.objects.exists()
    # The refusal outlives the failed request, and records neither the file's name nor its content.
    refusal = AuditEvent.objects.get(action="cases.attachment.refused")
    assert refusal.extra == {"size": len(data), "reason": "imagery"} and name not in str(refusal.extra)


def test_a_pdf_header_alone_is_not_a_pdf(case, dsl, login):
    body = _upload(login(dsl), case, "scan.jpg", b"%PDF-1.4\n").content.decode()
    assert "This file says it is a PDF but is not a complete PDF, so Safeguard cannot check it." in body
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"), [(b"hello, just text", "accepts only PDF files and office documents"), (b"", "The file is empty")]
)
def test_other_files_are_refused_saying_why(case, dsl, login, data, message):
    assert message in _upload(login(dsl), case, "notes.txt", data).content.decode()


def test_the_size_limit(case, dsl, login, settings):
    settings.ATTACHMENT_MAX_MB = 1
    response = _upload(login(dsl), case, "big.pdf", b"%PDF-1.7\n" + b"0" * (1024 * 1024))
    assert "larger than 1 MB" in response.content.decode()


def test_attachments_are_stored_outside_the_web_root_and_served_only_through_the_gateway(
    case, dsl, pastoral, pastoral_unassigned, login, settings
):
    from pathlib import Path

    _upload(login(dsl), case, "letter.pdf", smuggling.pdf_plain())
    attachment = Attachment.objects.get()
    path = Path(attachment.file.path).resolve()
    assert str(path).startswith(str(Path(settings.ATTACHMENT_ROOT).resolve()))
    assert not str(path).startswith(str(Path(settings.STATIC_ROOT).resolve()))
    url = reverse("attachment_download", args=[case.pk, attachment.pk])
    assert login(pastoral_unassigned).get(url).status_code == 404
    response = login(pastoral).get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="letter.pdf"')
    assert response["Content-Type"] == "application/pdf" and b"".join(response.streaming_content).startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="cases.attachment.downloaded", actor=pastoral).count() == 1
