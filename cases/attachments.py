"""Which uploaded files Safeguard accepts: PDF and office documents, judged by their content
(the file's own bytes), never by their name. Pure: bytes in, a verdict out.

Images and video are refused with the UKCIS explanation (docs/domain.md, "Imagery"): staff must never
view, copy, store or share nude or semi-nude imagery of under-18s, and the record describes it
in words instead. A document must be whole and exactly what it claims to be (a photo behind a
PDF header is refused), and the pictures inside it are looked at: any video or sound is refused,
and a picture the nudity check flags, or one it cannot check, refuses the document. Under the
school's REMOVE setting the document is kept instead, with every picture and video taken out.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from cases import nudity
from cases.documents.base import (
    MAX_PICTURES,
    MAX_PIXELS,
    MAX_TOTAL_PIXELS,
    MAX_UNPACKED,
    SIGNATURES,
    Findings,
    Picture,
    Refused,
    frames,
    kind_at,
    open_picture,
    sniff,
)
from cases.documents.inspection import identify, inspect, strip

logger = logging.getLogger(__name__)

ACCEPTED = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "rtf": "application/rtf",
}

#: A picture smaller than this on either side shows nothing a person could recognise (spacers,
#: bullets, the one-pixel placeholders of REMOVE): it is counted, but not shown to the detector.
MIN_CHECKED_SIDE = 8

# --- What the DSL reads ----------------------------------------------------------------------

IMAGERY_REFUSAL = (
    "Safeguard does not accept images, video or audio. If this is, or might be, a nude or semi-nude image of "
    "anyone under 18, do not view, copy, save, share or upload it: that is an offence (UKCIS). Describe what "
    "you were told or shown in words in the disclosure instead."
)
NOT_A_DOCUMENT = "Safeguard accepts only PDF files and office documents (Word, Excel, PowerPoint, OpenDocument, RTF) as attachments, such as referral forms and letters."
EMPTY = "The file is empty."
PICTURE_FLAGGED = (
    "A picture inside this document may be a nude or semi-nude image, so Safeguard has not attached it. If the picture "
    "might show anyone under 18, do not open, copy, save, share or upload the document again: that is an offence (UKCIS). "
    "Describe in words what the document shows in the disclosure instead. If you are sure every picture in it is innocent, "
    "save a copy without its pictures and attach that."
)
DOCUMENT_MEDIA = "This document holds a video or a sound recording. " + IMAGERY_REFUSAL
UNCHECKABLE_PICTURE = (
    "This document holds a picture Safeguard cannot check, so it has not been attached. Save a copy without its pictures "
    "and attach that, and describe in words in the case anything the pictures showed."
)
EMBEDDED_FILES = (
    "This PDF has other files attached inside it, which Safeguard cannot check. Save or print it as a PDF again without "
    "the attached files, and attach each document on its own."
)
LOCKED_FILE = (
    "This file is protected by a password, so Safeguard cannot check it. Save a copy without the password and attach that."
)
TOO_MANY_PICTURES = (
    f"This document holds more than {MAX_PICTURES} pictures, more than Safeguard checks in one document. Split it into "
    "smaller documents, or save a copy without its pictures, and attach that."
)
PICTURE_TOO_LARGE = (
    f"A picture inside this document is too large for Safeguard to check (more than {MAX_PIXELS // 1_000_000} million "
    "pixels). Save a copy with smaller pictures, or without them, and attach that."
)
TOO_LARGE_UNPACKED = (
    f"This document unpacks to more than {MAX_UNPACKED // (1024 * 1024)} MB, more than Safeguard can check. "
    "Save or print it as a PDF and attach that."
)
TOO_MANY_PARTS = "This document is made of more parts than Safeguard can check. Save or print it as a PDF and attach that."
TOO_DEEP = (
    "This document holds documents inside documents, nested more deeply than Safeguard checks. "
    "Save or print it as a PDF and attach that."
)
PART_UNREADABLE = (
    "This document holds another file inside it (an embedded object) that is damaged or cannot be opened, so Safeguard "
    "cannot check it. Save or print it as a PDF and attach that."
)
CANNOT_REMOVE_LEGACY = (
    "This is an older Word, Excel or PowerPoint file (.doc, .xls or .ppt) with pictures in it, and Safeguard cannot take "
    "the pictures out of these. Save it in the newer format (.docx, .xlsx or .pptx) or as a PDF and attach that."
)
CANNOT_REMOVE = (
    "Safeguard could not take every picture out of this document, so it has not been attached. Save a copy without its "
    "pictures and attach that."
)
UNREADABLE = "Safeguard could not check this file, so it has not been attached. Save or print it as a PDF again and attach that."

#: How each format is named in "This file says it is … but is not a complete …".
FORMAT_NAMES = {
    "pdf": ("a PDF", "PDF"),
    "docx": ("a Word document", "Word document"),
    "doc": ("a Word document", "Word document"),
    "xlsx": ("an Excel spreadsheet", "Excel spreadsheet"),
    "xls": ("an Excel spreadsheet", "Excel spreadsheet"),
    "pptx": ("a PowerPoint presentation", "PowerPoint presentation"),
    "ppt": ("a PowerPoint presentation", "PowerPoint presentation"),
    "odt": ("an OpenDocument file", "OpenDocument file"),
    "ods": ("an OpenDocument file", "OpenDocument file"),
    "odp": ("an OpenDocument file", "OpenDocument file"),
    "rtf": ("an RTF document", "RTF document"),
    "office": ("an office document", "office document"),
    "legacy": ("an office document", "office document"),
}

MESSAGES = {
    "empty": EMPTY,
    "not_document": NOT_A_DOCUMENT,
    "imagery": IMAGERY_REFUSAL,
    "media": DOCUMENT_MEDIA,
    "flagged": PICTURE_FLAGGED,
    "uncheckable_picture": UNCHECKABLE_PICTURE,
    "embedded_files": EMBEDDED_FILES,
    "password": LOCKED_FILE,
    "too_many_pictures": TOO_MANY_PICTURES,
    "picture_too_large": PICTURE_TOO_LARGE,
    "too_large_unpacked": TOO_LARGE_UNPACKED,
    "too_many_parts": TOO_MANY_PARTS,
    "too_deep": TOO_DEEP,
    "part_unreadable": PART_UNREADABLE,
    "cannot_remove_legacy": CANNOT_REMOVE_LEGACY,
    "cannot_remove": CANNOT_REMOVE,
    "unreadable": UNREADABLE,
}


def incomplete(kind: str) -> str:
    article, name = FORMAT_NAMES.get(kind, FORMAT_NAMES["office"])
    return f"This file says it is {article} but is not a complete {name}, so Safeguard cannot check it. Save or print it as a PDF again and attach that."


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    extension: str = ""
    content_type: str = ""
    message: str = ""
    #: A short code for the audit log: why the file was refused.
    reason: str = ""
    #: What to store: the upload itself, or under REMOVE the document with its pictures taken out.
    data: bytes = b""
    #: Pictures, videos, sounds and embedded files taken out under REMOVE.
    removed: int = 0


def classify(data: bytes, *, remove_pictures: bool = False) -> Verdict:
    """Judge a whole file. With ``remove_pictures`` (the school's REMOVE setting) an accepted
    document comes back with every picture, video and sound taken out of it."""
    extension = ""
    try:
        if not data:
            raise Refused("empty")
        try:
            extension = identify(data)
        except Refused:
            if _is_or_hides_imagery(data):
                raise Refused("imagery") from None
            raise
        if remove_pictures:
            stored, removed = strip(data, extension)
            identify(stored)
            _check_removed(inspect(stored, extension))
        else:
            stored, removed = data, 0
            _judge(inspect(data, extension))
    except Refused as refusal:
        message = incomplete(extension or refusal.kind) if refusal.reason == "incomplete" else MESSAGES[refusal.reason]
        return Verdict(False, message=message, reason=refusal.reason)
    except (RecursionError, MemoryError):
        return Verdict(False, message=TOO_MANY_PARTS, reason="too_many_parts")
    except Exception as error:  # a file no check foresaw: refused, never stored unchecked
        logger.warning("Attachment check failed: %s", type(error).__name__)
        return Verdict(False, message=UNREADABLE, reason="unreadable")
    return Verdict(True, extension, ACCEPTED[extension], data=stored, removed=removed)


def _is_or_hides_imagery(data: bytes) -> bool:
    """A picture, video or sound, or one behind a few bytes of another format's header (a JPEG
    behind "%PDF-1.4"): the DSL is told the UKCIS explanation rather than that the document is
    incomplete. Only the first bytes are looked at: a damaged document with a photo inside it
    is told it is damaged."""
    if sniff(data[:8192]) in ("picture", "media", "svg", "metafile"):
        return True
    for match in SIGNATURES.finditer(data, 0, 64):
        kind = kind_at(data, match.start(), match.group())
        if kind in ("media", "uncheckable"):
            return True
        if kind == "picture":
            try:
                open_picture(data[match.start() :])
            except Exception:  # noqa: S112 - a chance match, not a picture
                continue
            return True
    return False


def _frames(picture: Picture):
    """The decoded frames of a picture; a carved one that does not decode was a chance match."""
    try:
        yield from frames(picture.load())
    except Refused as refusal:
        if not (picture.carved and refusal.reason == "uncheckable_picture"):
            raise
    except Exception:
        if not picture.carved:
            raise Refused("uncheckable_picture") from None


def _judge(found: Findings) -> None:
    """Refuse video and sound, pictures that cannot be checked, and pictures the detector flags."""
    if found.media:
        raise Refused("media")
    if found.uncheckable:
        raise Refused("uncheckable_picture")
    seen: set[bytes] = set()
    pixels = 0
    for picture in found.pictures:
        for frame in _frames(picture):
            # The same picture found twice (as an object and by its signature) is checked once.
            key = hashlib.sha256(frame.mode.encode() + repr(frame.size).encode() + frame.tobytes()).digest()
            if key in seen:
                continue
            seen.add(key)
            if len(seen) > MAX_PICTURES:
                raise Refused("too_many_pictures")
            pixels += frame.size[0] * frame.size[1]
            if pixels > MAX_TOTAL_PIXELS:
                raise Refused("picture_too_large")
            if min(frame.size) < MIN_CHECKED_SIDE:
                continue
            if nudity.flags(frame) is not None:
                raise Refused("flagged")


def _check_removed(found: Findings) -> None:
    """Under REMOVE, the document as it will be stored: nothing left but one-pixel placeholders."""
    if found.media or found.uncheckable:
        raise Refused("cannot_remove")
    try:
        for picture in found.pictures:
            for frame in _frames(picture):
                if frame.size[0] * frame.size[1] > 1:
                    raise Refused("cannot_remove")
    except Refused as refusal:
        raise Refused("cannot_remove") from refusal


def safe_filename(name: str, extension: str) -> str:
    """A download name from what the uploader called the file, with the extension of what it is."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if c.isprintable() and c not in '"<>:|?*').strip(" .") or "attachment"
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{stem[:100]}.{extension}"
