"""Which uploaded files Safeguard accepts: PDF and office documents, judged by their content
(the file's own bytes), never by their name. Pure: bytes in, a verdict out.

Images and video are refused with the UKCIS explanation (DOMAIN.md, "Imagery"): staff must never
view, copy, store or share nude or semi-nude imagery of under-18s, and the record describes it
in words instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import filetype

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

IMAGERY_REFUSAL = (
    "Safeguard does not accept images, video or audio. If this is, or might be, a nude or semi-nude image of "
    "anyone under 18, do not view, copy, save, share or upload it: that is an offence (UKCIS). Describe what "
    "you were told or shown in words in the disclosure instead."
)
NOT_A_DOCUMENT = "Safeguard accepts only PDF files and office documents (Word, Excel, PowerPoint, OpenDocument, RTF) as attachments, such as referral forms and letters."

#: How many bytes from the start of a file are enough to judge it (zip-based formats name their parts early).
HEAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    extension: str = ""
    content_type: str = ""
    message: str = ""


def _looks_like_markup_image(head: bytes) -> bool:
    text = head[:2048].lstrip().lower()
    return text.startswith(b"<svg") or (text.startswith(b"<?xml") and b"<svg" in text)


def classify(head: bytes) -> Verdict:
    """Judge a file by its first bytes."""
    if not head:
        return Verdict(False, message="The file is empty.")
    kind = filetype.guess(head)
    if kind is not None and kind.mime.split("/")[0] in ("image", "video", "audio"):
        return Verdict(False, message=IMAGERY_REFUSAL)
    if _looks_like_markup_image(head):
        return Verdict(False, message=IMAGERY_REFUSAL)
    if kind is not None and kind.extension in ACCEPTED:
        return Verdict(True, kind.extension, ACCEPTED[kind.extension])
    return Verdict(False, message=NOT_A_DOCUMENT)


def safe_filename(name: str, extension: str) -> str:
    """A download name from what the uploader called the file, with the extension of what it is."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if c.isprintable() and c not in '"<>:|?*').strip(" .") or "attachment"
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{stem[:100]}.{extension}"
