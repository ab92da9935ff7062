"""Attachments are looked inside: polyglots, pictures in documents, video, bombs, and REMOVE.

Every file here is built by the test (tests/cases/smuggling.py) from generated shapes: no real
imagery. The nudity detector is faked at its boundary (cases.nudity.flags) except in the tests
that run the real model once on a harmless picture.
"""

from __future__ import annotations

import hashlib
import io
import struct
import time
import zipfile
import zlib

import pikepdf
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from cases import attachments, nudity
from cases.attachments import classify
from cases.documents import base, inspection
from cases.models import Attachment
from cases.services.attachments import attachment_add
from safeguard.models import AuditEvent, DocumentImages
from tests.cases import smuggling as s

FLAGGED = nudity.Finding("FEMALE_BREAST_EXPOSED", 0.9)


class FakeDetector:
    """Stands in for NudeNet: records what it was shown, and flags everything when told to."""

    def __init__(self) -> None:
        self.flag = False
        self.seen: list[tuple[int, int]] = []

    def __call__(self, image: Image.Image) -> nudity.Finding | None:
        self.seen.append(image.size)
        return FLAGGED if self.flag else None


@pytest.fixture
def detector(monkeypatch) -> FakeDetector:
    fake = FakeDetector()
    monkeypatch.setattr(nudity, "flags", fake)
    return fake


@pytest.fixture
def no_detector(monkeypatch):
    def refuse_to_run(image):
        raise AssertionError("the detector must not run here")

    monkeypatch.setattr(nudity, "flags", refuse_to_run)


def _big_png(width: int, height: int) -> bytes:
    """A PNG that declares a huge size (its pixels are never there): a decompression bomb."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def _nested_docx(levels: int) -> bytes:
    inner = s.docx({"word/media/image1.png": s.png()})
    for _ in range(levels):
        inner = s.docx({"word/embeddings/inner.docx": inner})
    return inner


def _pdf_with_picture_in_a_plain_stream() -> bytes:
    """A JPEG in a stream that is not an image (hung off the catalogue): no viewer shows it."""

    def build(pdf, page):
        pdf.Root.Hidden = pdf.make_stream(s.jpeg())

    return s._pdf(build)


def _password_pdf() -> bytes:
    pdf = pikepdf.open(io.BytesIO(s.pdf_plain()))
    out = io.BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(user="secret", owner="owner-secret"))
    return out.getvalue()


# Documents that hold one picture (a drawn house), in every place this checks.
PICTURE_HOLDERS = {
    "pdf image XObject": ("pdf", s.pdf_with_image),
    "pdf deflated image": ("pdf", s.pdf_with_flate_image),
    "pdf inline image": ("pdf", s.pdf_with_inline_image),
    "pdf image inside a form XObject": ("pdf", s.pdf_with_form_image),
    "pdf image in an annotation's appearance": ("pdf", s.pdf_with_annotation_image),
    "pdf image taken off the page by an incremental edit": ("pdf", s.pdf_with_image_removed_by_an_edit),
    "docx image member": ("docx", lambda: s.docx({"word/media/image1.png": s.png()})),
    "docx image with a misleading name": ("docx", lambda: s.docx({"word/media/notes.xml": s.jpeg()})),
    "docx holding an xlsx holding an image": (
        "docx",
        lambda: s.docx({"word/embeddings/Book1.xlsx": s.xlsx({"xl/media/image1.png": s.png()})}),
    ),
    "xlsx image member": ("xlsx", lambda: s.xlsx({"xl/media/image1.jpeg": s.jpeg()})),
    "odt image member": ("odt", lambda: s.odt({"Pictures/10000001.png": s.png()})),
    "odt base64 picture in content.xml": ("odt", s.odt_with_base64_picture),
    "rtf pict pngblip": ("rtf", s.rtf_with_picture),
    "legacy doc with a PNG in its Data stream": ("doc", s.doc_with_picture),
}


# --- Polyglots and files that are not whole ------------------------------------------------------


@pytest.mark.parametrize("hidden", [s.jpeg(), s.png(), s.mp4()], ids=["jpeg", "png", "mp4"])
def test_a_picture_or_video_behind_a_pdf_header_is_refused_as_imagery(hidden, detector):
    verdict = classify(s.PDF_PREFIX + hidden)
    assert not verdict.accepted and verdict.reason == "imagery" and verdict.message == attachments.IMAGERY_REFUSAL
    assert detector.seen == []


def test_a_pdf_with_data_after_its_end_is_not_a_complete_pdf():
    verdict = classify(s.pdf_plain() + b"\nPK\x03\x04 anything else")
    assert not verdict.accepted and verdict.reason == "incomplete"
    assert verdict.message == (
        "This file says it is a PDF but is not a complete PDF, so Safeguard cannot check it. "
        "Save or print it as a PDF again and attach that."
    )


def test_each_format_is_named_in_the_words_the_dsl_uses():
    assert attachments.incomplete("docx").startswith("This file says it is a Word document but is not a complete Word document,")
    assert attachments.incomplete("xls").startswith("This file says it is an Excel spreadsheet but is not a complete Excel")
    assert attachments.incomplete("pptx").startswith("This file says it is a PowerPoint presentation but is not a complete")


def test_a_pdf_with_only_whitespace_after_its_end_is_accepted():
    assert classify(s.pdf_plain() + b"\r\n \n").accepted


def test_a_damaged_pdf_is_not_repaired_but_refused():
    data = s.pdf_plain()
    damaged = data.replace(b"startxref\n", b"startxref\n9", 1)
    assert classify(damaged).reason == "incomplete"


def test_a_zip_with_data_before_it_is_not_a_complete_office_document():
    verdict = classify(b"MZ junk in front " + s.docx())
    assert not verdict.accepted and verdict.reason == "incomplete"
    assert verdict.message.startswith("This file says it is an office document but is not a complete office document")


def test_a_zip_with_data_after_it_or_between_its_parts_is_refused():
    assert classify(s.docx() + b"trailing").reason == "incomplete"
    data = s.docx()
    second = data.index(b"PK\x03\x04", 4)
    assert classify(data[:second] + b"hidden bytes" + data[second:]).reason == "incomplete"


def test_a_zip_without_the_parts_of_its_format_is_refused():
    assert classify(s._zip({"[Content_Types].xml": s.CONTENT_TYPES})).message.startswith(
        "This file says it is an office document but is not a complete office document"
    )
    assert classify(s._zip({"mimetype": b"application/zip", "content.xml": b"<x/>"})).reason == "incomplete"
    assert classify(s._zip({"photo.jpg": s.jpeg()})).reason == "not_document"


def test_an_rtf_must_balance_and_end_with_its_brace():
    assert classify(s.rtf()).accepted
    assert classify(s.rtf() + b"\r\n\x00").accepted
    assert classify(s.rtf()[:-1]).message.startswith("This file says it is an RTF document but is not a complete RTF document")
    assert classify(s.rtf() + b"{\\rtf1 second}").reason == "incomplete"
    assert classify(s.rtf() + s.jpeg()).reason == "incomplete"


def test_a_legacy_file_must_be_a_whole_ole_file_with_its_main_stream(detector):
    assert classify(s.doc_plain()).extension == "doc"
    assert classify(s.ole2({"Workbook": b"\x09\x08" + b"\x00" * 100})).extension == "xls"
    assert classify(s.ole2({"PowerPoint Document": b"\x00" * 100})).extension == "ppt"
    assert classify(s.ole2({"Contents": b"\x00" * 100})).reason == "not_document"
    # Not whole sectors: which format it meant cannot be told, so it is named generally.
    assert classify(s.doc_plain() + b"x").message.startswith("This file says it is an office document but is not a complete")
    assert classify(s.doc_plain()[:1000]).reason == "incomplete"


def test_a_password_protected_pdf_is_refused_saying_so():
    verdict = classify(_password_pdf())
    assert verdict.reason == "password" and verdict.message == attachments.LOCKED_FILE


# --- Pictures inside documents -------------------------------------------------------------------


@pytest.mark.parametrize("name", PICTURE_HOLDERS)
def test_a_picture_the_detector_flags_refuses_the_document(name, detector):
    extension, build = PICTURE_HOLDERS[name]
    detector.flag = True
    verdict = classify(build())
    assert not verdict.accepted and verdict.reason == "flagged"
    assert verdict.message == attachments.PICTURE_FLAGGED
    assert "may be a nude or semi-nude image" in verdict.message and "(UKCIS)" in verdict.message


@pytest.mark.parametrize("name", PICTURE_HOLDERS)
def test_a_picture_the_detector_does_not_flag_is_kept_and_checked_once(name, detector):
    extension, build = PICTURE_HOLDERS[name]
    data = build()
    verdict = classify(data)
    assert verdict.accepted and verdict.extension == extension and verdict.data == data
    # Found by structure and again by its signature, the same picture is shown to the detector once.
    assert detector.seen in ([(96, 72)], [(16, 12)]), detector.seen


def test_a_document_without_pictures_is_not_shown_to_the_detector(no_detector):
    for data in (s.pdf_plain(3), s.docx(), s.xlsx(), s.pptx(), s.odt(), s.rtf(), s.doc_plain()):
        assert classify(data).accepted


@pytest.mark.parametrize(
    "data",
    [
        s.pptx({"ppt/media/media1.mp4": s.mp4()}),
        s.docx({"word/media/clip.bin": s.mp4()}),
        s.odt({"Videos/clip.dat": s.mp4()}),
        s.pdf_with_movie(),
        s.ole2({"WordDocument": b"\x00" * 64, "Data": b"\x00" * 40 + s.mp4()}),
    ],
    ids=["pptx", "docx-misnamed", "odt", "pdf-screen-annotation", "doc"],
)
def test_any_video_refuses_the_document(data, no_detector):
    verdict = classify(data)
    assert not verdict.accepted and verdict.reason == "media"
    assert verdict.message == attachments.DOCUMENT_MEDIA and verdict.message.startswith("This document holds a video or a sound")


def test_a_pdf_with_an_embedded_file_is_refused():
    verdict = classify(s.pdf_with_embedded_file())
    assert verdict.reason == "embedded_files" and verdict.message == attachments.EMBEDDED_FILES


@pytest.mark.parametrize(
    "data",
    [
        s.docx({"word/media/image1.png": s.png()[:40]}),  # a PNG cut short
        s.docx({"word/media/image1.heic": b"\x00\x00\x00\x18ftypheic" + b"\x00" * 64}),
        s.rtf(b"{\\pict\\macpict " + b"00ff" * 64 + b"}"),
    ],
    ids=["truncated-png", "heic", "rtf-mac-pict"],
)
def test_a_picture_that_cannot_be_decoded_refuses_the_document(data, detector):
    verdict = classify(data)
    assert verdict.reason == "uncheckable_picture" and verdict.message == attachments.UNCHECKABLE_PICTURE
    assert "holds a picture Safeguard cannot check" in verdict.message


def test_a_picture_found_only_by_its_signature_that_does_not_decode_is_ignored(detector):
    # "\xff\xd8\xff" by chance in a legacy file's stream: not a picture.
    assert classify(s.ole2({"WordDocument": b"\x00" * 64 + b"\xff\xd8\xff\xe0 not a jpeg"})).accepted
    assert detector.seen == []


def test_limits_refuse_politely(detector):
    many = {f"word/media/image{i}.png": s.png((12, 12), colour=(i, 255 - i, 90)) for i in range(base.MAX_PICTURES + 1)}
    assert classify(s.docx(many)).message == attachments.TOO_MANY_PICTURES
    huge = classify(s.docx({"word/media/image1.png": _big_png(20_000, 20_000)}))
    assert huge.reason == "picture_too_large" and huge.message == attachments.PICTURE_TOO_LARGE
    bomb = classify(s.zip_bomb())
    assert bomb.reason == "too_large_unpacked" and bomb.message == attachments.TOO_LARGE_UNPACKED
    parts = classify(s.docx({f"customXml/item{i}.xml": b"<x/>" for i in range(base.MAX_MEMBERS + 1)}))
    assert parts.reason == "too_many_parts" and parts.message == attachments.TOO_MANY_PARTS
    deep = classify(_nested_docx(base.MAX_DEPTH + 2))
    assert deep.reason == "too_deep" and deep.message == attachments.TOO_DEEP
    assert classify(_nested_docx(2)).accepted


def test_a_damaged_document_inside_a_document_refuses_it():
    verdict = classify(s.docx({"word/embeddings/oleObject1.pdf": b"%PDF-1.4\n not really"}))
    assert verdict.reason == "part_unreadable" and verdict.message == attachments.PART_UNREADABLE


def test_a_picture_hidden_in_a_pdf_stream_that_is_not_an_image_is_checked(detector):
    detector.flag = True
    assert classify(_pdf_with_picture_in_a_plain_stream()).reason == "flagged"


def test_an_unforeseen_failure_refuses_the_file(monkeypatch):
    def broken(data, extension, budget=None):
        raise KeyError("a bug")

    monkeypatch.setattr(attachments, "inspect", broken)
    verdict = classify(s.pdf_plain())
    assert not verdict.accepted and verdict.reason == "unreadable" and verdict.message == attachments.UNREADABLE


def test_an_empty_file_is_refused():
    assert classify(b"").message == attachments.EMPTY


# --- REMOVE: the document kept, with its pictures taken out -------------------------------------


def _pictures_left(data: bytes, extension: str) -> list[tuple[int, int]]:
    """Every picture still in a document, by our own extractor: their sizes."""
    found = inspection.inspect(data, extension)
    assert found.media == [] and found.uncheckable == []
    return [frame.size for picture in found.pictures for frame in attachments._frames(picture)]


def _reopens(data: bytes, extension: str) -> None:
    assert inspection.identify(data) == extension
    if extension == "pdf":
        with pikepdf.open(io.BytesIO(data), attempt_recovery=False) as pdf:
            assert len(pdf.pages) >= 1
            for page in pdf.pages:
                pikepdf.parse_content_stream(page)
    elif extension in ("docx", "xlsx", "odt"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert archive.testzip() is None


@pytest.mark.parametrize("name", [n for n in PICTURE_HOLDERS if PICTURE_HOLDERS[n][0] != "doc"])
def test_remove_keeps_the_document_with_no_picture_left(name, no_detector):
    extension, build = PICTURE_HOLDERS[name]
    data = build()
    assert _pictures_left(data, extension)  # there is a picture to take out
    verdict = classify(data, remove_pictures=True)
    assert verdict.accepted and verdict.extension == extension and verdict.removed >= 1
    _reopens(verdict.data, extension)
    left = _pictures_left(verdict.data, extension)
    assert all(size == (1, 1) for size in left), left  # at most a grey pixel where a picture was
    if extension == "pdf":
        assert left == []


def test_remove_takes_video_and_embedded_files_out_of_documents(no_detector):
    for data, extension in (
        (s.pptx({"ppt/media/media1.mp4": s.mp4(), "ppt/media/image1.png": s.png()}), "pptx"),
        (s.pdf_with_embedded_file(), "pdf"),
        (s.pdf_with_movie(), "pdf"),
    ):
        verdict = classify(data, remove_pictures=True)
        assert verdict.accepted and verdict.removed >= 1
        assert inspection.inspect(verdict.data, extension).media == []
    with zipfile.ZipFile(io.BytesIO(classify(s.pptx({"ppt/media/media1.mp4": s.mp4()}), remove_pictures=True).data)) as z:
        assert "ppt/media/media1.mp4" not in z.namelist()
    with pikepdf.open(io.BytesIO(classify(s.pdf_with_embedded_file(), remove_pictures=True).data)) as pdf:
        assert len(pdf.attachments) == 0


def test_remove_keeps_an_image_member_s_name_with_a_grey_pixel_in_it(no_detector):
    verdict = classify(s.docx({"word/media/notes.xml": s.jpeg()}), remove_pictures=True)
    with zipfile.ZipFile(io.BytesIO(verdict.data)) as archive:
        assert archive.read("word/media/notes.xml") == base.PLACEHOLDER_PNG
        assert archive.read("word/document.xml") == b"<w:document/>"


def test_remove_still_refuses_a_document_that_is_not_whole(no_detector):
    assert classify(s.pdf_plain() + b"junk", remove_pictures=True).reason == "incomplete"
    assert classify(s.zip_bomb(), remove_pictures=True).reason == "too_large_unpacked"


def test_remove_refuses_a_legacy_file_with_pictures(no_detector):
    verdict = classify(s.doc_with_picture(), remove_pictures=True)
    assert verdict.reason == "cannot_remove_legacy" and verdict.message == attachments.CANNOT_REMOVE_LEGACY
    assert classify(s.doc_plain(), remove_pictures=True).accepted


def test_remove_refuses_what_it_could_not_take_out(no_detector):
    verdict = classify(_pdf_with_picture_in_a_plain_stream(), remove_pictures=True)
    assert verdict.reason == "cannot_remove" and verdict.message == attachments.CANNOT_REMOVE


# --- The real detector ---------------------------------------------------------------------------


def test_nudenet_expects_an_rgba_array(monkeypatch):
    """NudeNet's _read_image converts with COLOR_RGBA2BGR: an RGBA array of red arrives as BGR red."""
    import cv2
    import numpy

    red = numpy.asarray(Image.new("RGB", (2, 2), (255, 0, 0)).convert("RGBA"))
    assert list(cv2.cvtColor(red, cv2.COLOR_RGBA2BGR)[0, 0]) == [0, 0, 255]
    shown = []
    monkeypatch.setattr(nudity, "_model", lambda: type("M", (), {"detect": lambda self, array: shown.append(array) or []})())
    nudity.flags(Image.new("RGB", (4, 4), (255, 0, 0)))
    assert shown[0].shape == (4, 4, 4) and list(shown[0][0, 0]) == [255, 0, 0, 255]


def test_the_real_detector_loads_and_does_not_flag_a_drawn_house():
    started = time.perf_counter()
    nudity.load()
    loaded = time.perf_counter() - started
    assert nudity.flags(s.house((640, 480))) is None
    assert nudity.flags(Image.new("RGB", (320, 240), (30, 90, 200))) is None
    assert nudity.flags(s.house((2000, 1500)).convert("L")) is None  # large: checked in quarters too
    assert loaded < 30


def test_the_real_detector_checks_a_document_end_to_end():
    assert classify(s.pdf_with_image(pages=5, images=3, size=(640, 480))).accepted


# --- The service and the upload form -------------------------------------------------------------


def _file(data=None, name="letter.pdf"):
    return SimpleUploadedFile(name, data or s.pdf_plain())


def test_the_service_requires_a_description_and_the_confirmation(case, dsl):
    with pytest.raises(ValidationError) as error:
        attachment_add(actor=dsl, case=case, upload=_file(), description="  ", confirmed_no_child_images=True)
    assert error.value.message_dict == {"description": ["Say what this document is, for example 'police referral form'."]}
    with pytest.raises(ValidationError) as error:
        attachment_add(actor=dsl, case=case, upload=_file(), description="Letter", confirmed_no_child_images=False)
    assert error.value.message_dict["confirmed_no_child_images"][0].startswith(
        "Tick the box to confirm this file holds no image of a child."
    )
    with pytest.raises(ValidationError) as error:
        attachment_add(actor=dsl, case=case, upload=_file(), description="x" * 301, confirmed_no_child_images=True)
    assert error.value.message_dict == {"description": ["Keep the description to 300 characters."]}
    assert not Attachment.objects.exists()
    reasons = list(AuditEvent.objects.filter(action="cases.attachment.refused").values_list("extra", flat=True))
    assert [r["reason"] for r in reasons] == ["no_description", "not_confirmed", "description_too_long"]


def test_a_refused_document_is_audited_without_its_name(case, dsl, detector):
    detector.flag = True
    upload = _file(s.docx({"word/media/image1.png": s.png()}), name="Jane Smith photo.docx")
    with pytest.raises(ValidationError) as error:
        attachment_add(actor=dsl, case=case, upload=upload, description="Form", confirmed_no_child_images=True)
    assert error.value.message_dict == {"file": [attachments.PICTURE_FLAGGED]}
    refusal = AuditEvent.objects.get(action="cases.attachment.refused")
    assert set(refusal.extra) == {"size", "reason"} and refusal.extra["reason"] == "flagged"
    assert "Jane" not in str(refusal.extra)


def test_remove_stores_the_document_without_its_pictures(case, dsl, school, no_detector):
    school.document_images = DocumentImages.REMOVE
    school.save(update_fields=["document_images"])
    case.school.refresh_from_db()
    original = s.pdf_with_image()
    attachment = attachment_add(
        actor=dsl, case=case, upload=_file(original), description="Police referral form", confirmed_no_child_images=True
    )
    stored = attachment.file.open("rb").read()
    assert stored != original and attachment.pictures_removed == 1
    assert attachment.size == len(stored) and attachment.sha256 == hashlib.sha256(stored).hexdigest()
    assert _pictures_left(stored, "pdf") == []
    added = AuditEvent.objects.get(action="cases.attachment.added")
    assert added.extra == {"attachment_id": attachment.pk, "type": "pdf", "size": len(stored), "removed": 1}


def _post(client, case, data, *, follow=False, **fields):
    return client.post(
        reverse("attachment_add", args=[case.pk]), {"file": SimpleUploadedFile("form.pdf", data), **fields}, follow=follow
    )


def test_the_form_requires_a_description_and_the_confirmation(case, dsl, login):
    client = login(dsl)
    page = client.get(reverse("attachment_add", args=[case.pk])).content.decode()
    assert "I confirm this file holds no image of a child" in page and "Say what it is." in page
    assert "Refuse a document if a picture in it may be indecent" in page  # the school's setting, shown
    body = _post(client, case, s.pdf_plain()).content.decode()
    assert "Say what this document is, for example &#x27;police referral form&#x27;." in body
    assert "Tick the box to confirm this file holds no image of a child." in body
    assert not Attachment.objects.exists()
    response = _post(client, case, s.pdf_plain(), description="Police referral form", confirmed_no_child_images="on")
    assert response.status_code == 302 and Attachment.objects.get().description == "Police referral form"


def test_the_form_says_when_pictures_were_taken_out(case, dsl, login, school, no_detector):
    school.document_images = DocumentImages.REMOVE
    school.save(update_fields=["document_images"])
    response = _post(login(dsl), case, s.pdf_with_image(), description="Referral", confirmed_no_child_images="on", follow=True)
    assert "The file is attached, with its pictures and any video taken out" in response.content.decode()


def test_the_dsl_chooses_refuse_or_remove_on_the_school_settings(school, dsl, login):
    from safeguard.forms import SchoolSettingsForm

    form = SchoolSettingsForm(instance=school)
    assert "document_images" in form.fields and form.fields["document_images"].widget.input_type == "radio"
    page = login(dsl).get(reverse("school_settings")).content.decode()
    assert "Attachments" in page and "Keep the document, with every picture and video taken out of it" in page
