"""One entry point over the families: what a document is, what it holds, and the same document
with its pictures taken out. Parts inside a document are judged by their content, whatever
their name, and documents inside documents are opened in turn."""

from __future__ import annotations

from cases.documents import legacy, metafiles, packages, pdf, rtf
from cases.documents.base import (
    MAX_DEPTH,
    PLACEHOLDER_PNG,
    Budget,
    Findings,
    Refused,
    base64_contents,
    carve,
    encoded_picture,
    sniff,
)

#: The family each accepted extension belongs to.
FAMILIES = {
    "pdf": "pdf",
    **dict.fromkeys(("docx", "xlsx", "pptx", "odt", "ods", "odp"), "package"),
    **dict.fromkeys(("doc", "xls", "ppt"), "legacy"),
    "rtf": "rtf",
}


def identify(data: bytes) -> str:
    """The extension of what the file is, judged from its first byte on; refused if it is not
    whole and exactly that. A file that is none of these is refused as ``not_document``."""
    if data.startswith(b"%PDF-"):
        pdf.open_pdf(data)
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return packages.identify(data)
    if data.startswith(legacy.OLE_MAGIC):
        return legacy.identify(data)
    if data.startswith(b"{\\rtf"):
        rtf.check(data)
        return "rtf"
    # A document's header a little way in: something was put in front of it.
    head = data[:1024]
    for magic, kind in ((b"%PDF-", "pdf"), (b"PK\x03\x04", "office"), (legacy.OLE_MAGIC, "legacy"), (b"{\\rtf", "rtf")):
        if magic in head:
            raise Refused("incomplete", kind)
    raise Refused("not_document")


def inspect(data: bytes, extension: str, budget: Budget | None = None) -> Findings:
    """Every picture, video and sound in a document that :func:`identify` accepted."""
    budget = budget or Budget()
    family = FAMILIES[extension]
    if family == "pdf":
        return pdf.inspect(data, budget, inspect_part)
    if family == "package":
        return packages.inspect(data, budget, inspect_part)
    if family == "legacy":
        return legacy.inspect(data, budget, inspect_part)
    return rtf.inspect(data, budget, inspect_part)


def inspect_part(content: bytes, where: str, budget: Budget, depth: int) -> Findings:
    """What one part of a document holds (a zip member, an OLE stream, an embedded object)."""
    if depth > MAX_DEPTH + 1:
        raise Refused("too_deep")
    kind = sniff(content[:8192])
    if kind == "picture":
        return Findings(pictures=[encoded_picture(where, content)])
    if kind == "media":
        return Findings(media=[where])
    if kind == "metafile":
        return metafiles.pictures(content, where, budget)
    try:
        if kind == "zip":
            return packages.inspect(content, budget, inspect_part, depth)
        if kind == "ole":
            return legacy.inspect(content, budget, inspect_part, depth)
        if kind == "pdf":
            return pdf.inspect(content, budget, inspect_part, depth)
        if kind == "rtf":
            return rtf.inspect(content, budget, inspect_part, depth)
    except Refused as refusal:
        if refusal.reason in ("incomplete", "not_document", "password"):
            raise Refused("part_unreadable") from None
        raise
    # XML, text, SVG, fonts and anything else: pictures hidden in it, plain or as base64.
    found = carve(content, where, budget)
    for _match, decoded, _kind in base64_contents(content, budget):
        found.extend(inspect_part(decoded, f"base64 data in {where}", budget, depth + 1))
    return found


def strip(data: bytes, extension: str) -> tuple[bytes, int]:
    """The document with every picture, video and sound taken out, and how many were."""
    family = FAMILIES[extension]
    if family == "pdf":
        return pdf.strip(data)
    if family == "package":
        return packages.strip(data, strip_part)
    if family == "rtf":
        return rtf.strip(data)
    found = legacy.inspect(data, Budget(), inspect_part)
    if found.pictures or found.media or found.uncheckable:
        # Pictures in these formats are found by searching, not by their structure, so they
        # cannot be taken out reliably: the DSL is asked for a newer format or a PDF instead.
        raise Refused("cannot_remove_legacy", "legacy")
    return data, 0


def strip_part(content: bytes, depth: int) -> tuple[bytes, int]:
    """A document nested inside another, with its pictures taken out (see :func:`strip`)."""
    kind = sniff(content[:8192])
    try:
        if kind == "zip":
            return packages.strip(content, strip_part, depth)
        if kind == "pdf":
            return pdf.strip(content)
        if kind == "rtf":
            return rtf.strip(content)
        found = inspect_part(content, "embedded object", Budget(), depth)
    except Refused as refusal:
        if refusal.reason in ("incomplete", "not_document", "password"):
            raise Refused("part_unreadable") from None
        raise
    if found.pictures or found.media or found.uncheckable:
        return PLACEHOLDER_PNG, 1  # an embedded legacy object that holds a picture goes whole
    return content, 0
