"""Windows metafiles (WMF, EMF) and device-independent bitmaps (DIB), as office files hold them.

A metafile is a drawing, but it can carry photographs as bitmap records: those bitmaps are the
pictures found here. A metafile with no bitmap record is a drawing, and drawings are not
checked (README, "Attachments and imagery"). A bitmap record Safeguard cannot decode makes the
picture one it cannot check.
"""

from __future__ import annotations

import io
import struct
import zlib

from PIL import BmpImagePlugin

from cases.documents.base import Budget, Findings, Picture, Refused, carve, check_size

# EMF record types holding a bitmap, and where (from the record's start) the offsets of its
# BITMAPINFO and bits are: offBmiSrc, cbBmiSrc, offBitsSrc, cbBitsSrc.
_EMF_BITMAP_RECORDS = {76: 84, 77: 84, 80: 48, 81: 48}  # BITBLT, STRETCHBLT, SETDIBITSTODEVICE, STRETCHDIBITS
_EMF_OTHER_BITMAPS = {78, 79, 114, 116}  # MASKBLT, PLGBLT, ALPHABLEND, TRANSPARENTBLT
# WMF record functions holding a DIB, and where in the record (after its 6-byte header) it starts.
_WMF_DIB_RECORDS = {0x0B41: 20, 0x0F43: 22, 0x0940: 16, 0x0D33: 18, 0x0142: 4}


def dib_picture(where: str, dib: bytes) -> Picture:
    def load():
        try:
            image = BmpImagePlugin.DibImageFile(io.BytesIO(dib))
        except (OSError, SyntaxError, ValueError, struct.error, ZeroDivisionError):
            raise Refused("uncheckable_picture") from None
        check_size(*image.size)
        return image

    return Picture(where, load)


def pictures(data: bytes, where: str, budget: Budget) -> Findings:
    """The bitmaps in a metafile (and any PNG or JPEG carried in its comment records)."""
    found = carve(data, where, budget)
    if len(data) >= 44 and data[40:44] == b" EMF":
        _emf(data, where, found)
    else:
        _wmf(data, where, found)
    return found


def _emf(data: bytes, where: str, found: Findings) -> None:
    position = 0
    while position + 8 <= len(data):
        kind, size = struct.unpack("<II", data[position : position + 8])
        if size < 8 or size % 4 or position + size > len(data):
            raise Refused("uncheckable_picture")
        record = data[position : position + size]
        if kind in _EMF_BITMAP_RECORDS and size >= _EMF_BITMAP_RECORDS[kind] + 16:
            off_bmi, cb_bmi, off_bits, cb_bits = struct.unpack(
                "<IIII", record[_EMF_BITMAP_RECORDS[kind] : _EMF_BITMAP_RECORDS[kind] + 16]
            )
            if cb_bmi and cb_bits:
                dib = record[off_bmi : off_bmi + cb_bmi] + record[off_bits : off_bits + cb_bits]
                found.pictures.append(dib_picture(f"{where}, EMF record at {position}", dib))
        elif kind in _EMF_OTHER_BITMAPS and size > 200:
            found.uncheckable.append(f"{where}, EMF record at {position}")
        if kind == 14:  # EMR_EOF
            break
        position += size


def _wmf(data: bytes, where: str, found: Findings) -> None:
    position = 22 if data.startswith(b"\xd7\xcd\xc6\x9a") else 0
    if len(data) < position + 18:
        raise Refused("uncheckable_picture")
    position += struct.unpack("<H", data[position + 2 : position + 4])[0] * 2  # the header, in 16-bit words
    while position + 6 <= len(data):
        words, function = struct.unpack("<IH", data[position : position + 6])
        size = words * 2
        if size < 6 or position + size > len(data):
            raise Refused("uncheckable_picture")
        if function in _WMF_DIB_RECORDS and size > 6 + _WMF_DIB_RECORDS[function] + 40:
            dib = data[position + 6 + _WMF_DIB_RECORDS[function] : position + size]
            found.pictures.append(dib_picture(f"{where}, WMF record at {position}", dib))
        if function == 0x0000:  # META_EOF
            break
        position += size


# --- OfficeArt pictures (BLIPs) in legacy Word, Excel and PowerPoint files ----------------------

# recVer 0 and the recInstance of each BLIP type, as the 4 bytes of its record header start.
_BLIP_DIB = (b"\x80\x7a\x1f\xf0", b"\x90\x7a\x1f\xf0")
_BLIP_METAFILE = (b"\x40\x3d\x1a\xf0", b"\x50\x3d\x1a\xf0", b"\x60\x21\x1b\xf0", b"\x70\x21\x1b\xf0")
_BLIP_PICT = (b"\x20\x54\x1c\xf0", b"\x30\x54\x1c\xf0")


def _find_all(data: bytes, needles: tuple[bytes, ...]):
    for needle in needles:
        start = data.find(needle)
        while start >= 0:
            yield start, needle
            start = data.find(needle, start + 1)


def office_art(data: bytes, where: str, budget: Budget) -> Findings:
    """Bitmaps (DIB) and metafiles stored as OfficeArt BLIP records; PNG and JPEG BLIPs are carved."""
    found = Findings()
    for start, header in _find_all(data, _BLIP_DIB):
        uids = 1 if header[0] == 0x80 else 2
        length = struct.unpack("<I", data[start + 4 : start + 8])[0] if len(data) >= start + 8 else 0
        begin = start + 8 + 16 * uids + 1
        if length > 16 * uids + 41 and start + 8 + length <= len(data):
            budget.candidate()
            found.pictures.append(dib_picture(f"{where}, DIB picture at {start}", data[begin : start + 8 + length]))
    for start, header in _find_all(data, _BLIP_METAFILE):
        uids = 1 if header[0] in (0x40, 0x60) else 2
        length = struct.unpack("<I", data[start + 4 : start + 8])[0] if len(data) >= start + 8 else 0
        head = start + 8 + 16 * uids
        if length < 16 * uids + 34 or start + 8 + length > len(data):
            continue
        budget.candidate()
        size, saved, compression = struct.unpack("<I24xIB", data[head : head + 33])
        body = data[head + 34 : head + 34 + saved]
        if compression == 0:
            inflater = zlib.decompressobj()
            try:
                body = inflater.decompress(body, min(size, 64 * 1024 * 1024) + 1)
            except zlib.error:
                found.uncheckable.append(f"{where}, metafile at {start}")
                continue
            budget.unpack(len(body))
        found.extend(pictures(body, f"{where}, metafile at {start}", budget))
    for start, _header in _find_all(data, _BLIP_PICT):
        found.uncheckable.append(f"{where}, Macintosh PICT picture at {start}")
    return found
