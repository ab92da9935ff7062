"""Zip-based office documents: Word, Excel and PowerPoint (OOXML) and OpenDocument (ODF).

The zip must be exactly a zip: its first local header at offset 0, every member where the
central directory says, the central directory straight after the last member, and nothing
after the end record and its comment. Every member is judged by its content (never its name):
a picture is a picture whatever it is called, and a document or zip inside (an embedded
spreadsheet) is looked inside in turn, to MAX_DEPTH.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable

from cases.documents.base import (
    MAX_DEPTH,
    PLACEHOLDER_BASE64,
    PLACEHOLDER_PNG,
    Budget,
    Findings,
    Refused,
    base64_contents,
    carve,
    sniff,
)

OOXML_MAIN_PARTS = {"word/document.xml": "docx", "xl/workbook.xml": "xlsx", "ppt/presentation.xml": "pptx"}
ODF_MIMETYPES = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
    b"application/vnd.oasis.opendocument.presentation": "odp",
}
Nested = Callable[[bytes, str, Budget, int], Findings]


def _end_of_central_directory(data: bytes) -> tuple[int, int, int]:
    """(central directory offset, its size, where the end records start), or refused."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or len(data) < end + 22:
        raise Refused("incomplete")
    _sig, _disk, _cd_disk, _here, entries, cd_size, cd_offset, comment = struct.unpack("<IHHHHIIH", data[end : end + 22])
    if end + 22 + comment != len(data):
        raise Refused("incomplete")  # data after the end record and its comment
    records_start = end
    if cd_offset == 0xFFFFFFFF or cd_size == 0xFFFFFFFF or entries == 0xFFFF:
        locator = end - 20
        if locator < 0 or data[locator : locator + 4] != b"PK\x06\x07":
            raise Refused("incomplete")
        zip64_end = struct.unpack("<Q", data[locator + 8 : locator + 16])[0]
        if data[zip64_end : zip64_end + 4] != b"PK\x06\x06":
            raise Refused("incomplete")
        cd_size, cd_offset = struct.unpack("<QQ", data[zip64_end + 40 : zip64_end + 56])
        records_start = zip64_end
    if cd_offset + cd_size != records_start:
        raise Refused("incomplete")
    return cd_offset, cd_size, records_start


def open_zip(data: bytes, budget: Budget) -> zipfile.ZipFile:
    """The zip, checked to be exactly a zip and within the limits; not yet unpacked."""
    if not data.startswith(b"PK\x03\x04"):
        raise Refused("incomplete")
    cd_offset, _cd_size, _records = _end_of_central_directory(data)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, NotImplementedError, struct.error):
        raise Refused("incomplete") from None
    budget.member(len(members))
    # Every byte before the central directory belongs to a member: no data hidden between them.
    position = 0
    total = 0
    for info in sorted(members, key=lambda i: i.header_offset):
        if info.header_offset != position or data[position : position + 4] != b"PK\x03\x04":
            raise Refused("incomplete")
        name_length, extra_length = struct.unpack("<HH", data[position + 26 : position + 30])
        position += 30 + name_length + extra_length + info.compress_size
        if info.flag_bits & 0x08:  # a data descriptor follows the data
            if data[position : position + 4] == b"PK\x07\x08":
                position += 4
            position += 20 if info.file_size >= 0xFFFFFFFF or info.compress_size >= 0xFFFFFFFF else 12
        if info.flag_bits & 0x01:
            raise Refused("password")
        total += info.file_size
    if position != cd_offset:
        raise Refused("incomplete")
    budget.unpack(total)
    try:
        if archive.testzip() is not None:
            raise Refused("incomplete")
    except (zipfile.BadZipFile, zlib.error, ValueError, EOFError, NotImplementedError, OSError):
        raise Refused("incomplete") from None
    return archive


def identify(data: bytes) -> str:
    """docx, xlsx, pptx, odt, ods or odp: the parts the format needs must be there."""
    budget = Budget()
    try:
        archive = open_zip(data, budget)
    except Refused as refusal:
        raise Refused(refusal.reason, "office") from None
    names = set(archive.namelist())
    if "[Content_Types].xml" in names:
        for part, extension in OOXML_MAIN_PARTS.items():
            if part in names:
                return extension
        raise Refused("incomplete", "office")
    if "mimetype" in names:
        mimetype = archive.read("mimetype").strip()
        if mimetype in ODF_MIMETYPES and "content.xml" in names:
            return ODF_MIMETYPES[mimetype]
        raise Refused("incomplete", "office")
    raise Refused("not_document")


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    try:
        return archive.read(info)
    except (zipfile.BadZipFile, zlib.error, ValueError, EOFError, NotImplementedError, OSError):
        raise Refused("incomplete") from None


def inspect(data: bytes, budget: Budget, nested: Nested, depth: int = 0) -> Findings:
    """Every picture, video and sound in the zip and in what it holds."""
    if depth > MAX_DEPTH:
        raise Refused("too_deep")
    archive = open_zip(data, budget)
    found = carve(data, "zip file", budget)  # stored (uncompressed) members and the headers
    for info in archive.infolist():
        if info.is_dir():
            continue
        found.extend(nested(_read(archive, info), f"part {info.filename!r}", budget, depth + 1))
    return found


def strip(data: bytes, nested_strip: Callable[[bytes, int], tuple[bytes, int]], depth: int = 0) -> tuple[bytes, int]:
    """The document with every picture member replaced by one grey pixel (same name), every
    video and sound member dropped, base64 pictures in XML replaced, and documents inside
    stripped in turn; and how many things were taken out."""
    if depth > MAX_DEPTH:
        raise Refused("too_deep")
    budget = Budget()
    archive = open_zip(data, budget)
    removed = 0
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as rebuilt:
        for info in archive.infolist():
            content = _read(archive, info)
            kind = sniff(content[:8192])
            if kind == "media":
                removed += 1
                continue
            if kind in ("picture", "metafile", "svg"):
                content, removed = PLACEHOLDER_PNG, removed + 1
            elif kind in ("zip", "ole", "pdf", "rtf"):
                content, count = nested_strip(content, depth + 1)
                removed += count
            else:
                runs = [match for match, _decoded, _kind in base64_contents(content, budget)]
                for match in reversed(runs):
                    content = content[: match.start()] + PLACEHOLDER_BASE64 + content[match.end() :]
                removed += len(runs)
            copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            copy.external_attr = info.external_attr
            # ODF needs its "mimetype" member first and stored; everything else may be deflated.
            copy.compress_type = zipfile.ZIP_STORED if info.compress_type == zipfile.ZIP_STORED else zipfile.ZIP_DEFLATED
            rebuilt.writestr(copy, content)
    return out.getvalue(), removed
