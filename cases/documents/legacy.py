"""Legacy Word, Excel and PowerPoint files (.doc, .xls, .ppt): OLE2 compound files, read with olefile.

There is no reliable way to list the pictures of these formats short of implementing each, so
every stream is searched: PNG, JPEG, GIF and BMP by signature (kept only when Pillow decodes
them), OfficeArt bitmaps and metafiles by their record headers, video and sound by signature,
and documents embedded as objects (an Excel sheet in a Word file) are opened in turn. Excel
splits large records, so its drawing records are joined before they are searched.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable

import olefile

from cases.documents.base import MAX_DEPTH, Budget, Findings, Refused, carve, sniff
from cases.documents.metafiles import office_art

#: The stream each format needs, and the extension it makes.
MAIN_STREAMS = (("WordDocument", "doc"), ("Workbook", "xls"), ("Book", "xls"), ("PowerPoint Document", "ppt"))
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_STREAMS = 2_000

Nested = Callable[[bytes, str, Budget, int], Findings]


def _open(data: bytes) -> olefile.OleFileIO:
    if not data.startswith(OLE_MAGIC):
        raise Refused("incomplete", "legacy")
    try:
        # A file-like object: olefile takes a short bytes string for a file name.
        ole = olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_INCORRECT)
    except (OSError, ValueError, IndexError, struct.error, TypeError, RecursionError, AttributeError):
        raise Refused("incomplete", "legacy") from None
    if len(data) % ole.sectorsize:
        raise Refused("incomplete", "legacy")  # not whole sectors: something was added after the file
    return ole


def identify(data: bytes) -> str:
    ole = _open(data)
    for stream, extension in MAIN_STREAMS:
        if ole.exists(stream) and ole.get_type(stream) == olefile.STGTY_STREAM:
            return extension
    raise Refused("not_document")


def _excel_drawings(workbook: bytes) -> bytes:
    """The payloads of MSODRAWINGGROUP/MSODRAWING records and their CONTINUE records, joined."""
    joined, position, joining = [], 0, False
    while position + 4 <= len(workbook):
        kind, length = struct.unpack("<HH", workbook[position : position + 4])
        payload = workbook[position + 4 : position + 4 + length]
        if kind in (0x00EB, 0x00EC):
            joined.append(payload)
            joining = True
        elif kind == 0x003C and joining:
            joined.append(payload)
        else:
            joining = False
        position += 4 + length
    return b"".join(joined)


def packaged_file(stream: bytes) -> bytes | None:
    """The file held by an OLE 1 "Ole10Native" (Packager) stream."""
    try:
        position = 6
        for _ in range(2):  # label, then original path, each ending with a NUL
            position = stream.index(b"\x00", position) + 1
        position += 4
        temp_length = struct.unpack("<I", stream[position : position + 4])[0]
        position += 4 + temp_length
        size = struct.unpack("<I", stream[position : position + 4])[0]
        return stream[position + 4 : position + 4 + size]
    except (ValueError, struct.error):
        return None


def inspect(data: bytes, budget: Budget, nested: Nested, depth: int = 0) -> Findings:
    if depth > MAX_DEPTH:
        raise Refused("too_deep")
    ole = _open(data)
    found = carve(data, "legacy file", budget)  # free sectors and the mini stream too
    streams = ole.listdir(streams=True, storages=False)
    if len(streams) > MAX_STREAMS:
        raise Refused("too_many_parts")
    budget.member(len(streams))
    for path in streams:
        name = "/".join(path)
        try:
            content = ole.openstream(path).read()
        except (OSError, ValueError, IndexError, struct.error):
            raise Refused("incomplete", "legacy") from None
        budget.unpack(len(content))
        found.extend(office_art(content, f"stream {name!r}", budget))
        if path[-1] in ("Workbook", "Book"):
            drawings = _excel_drawings(content)
            found.extend(carve(drawings, f"drawings of {name!r}", budget))
            found.extend(office_art(drawings, f"drawings of {name!r}", budget))
        if path[-1] == "\x01Ole10Native":
            inner = packaged_file(content)
            if inner:
                found.extend(nested(inner, f"object in {name!r}", budget, depth + 1))
        elif sniff(content[:8192]) in ("zip", "ole", "pdf", "rtf"):
            found.extend(nested(content, f"object in {name!r}", budget, depth + 1))
        else:
            found.extend(carve(content, f"stream {name!r}", budget))
    return found
