"""What every document family shares: the refusal, the limits, what was found, and carving.

Carving finds pictures, video and sound by their signatures anywhere in a run of bytes: in the
streams of an old Word file, in the gaps of a PDF, in an XML part that holds base64 data. It is
a net under the structured checks of each format, not a replacement for them.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import struct
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import filetype
from PIL import Image, ImageSequence

# --- Limits ------------------------------------------------------------------------------------
# A document past any of these is refused politely (the DSL is told to save it smaller or as a
# PDF), never half-checked. They bound the work one upload can cause: zip bombs, decompression
# bombs in pictures, documents of thousands of parts.

#: Pictures (counting each frame of a moving picture) checked in one document.
MAX_PICTURES = 100
#: Pixels in one picture; Pillow's own decompression-bomb limit (Image.MAX_IMAGE_PIXELS) applies too, if lower.
MAX_PIXELS = 40_000_000
#: Pixels decoded across the whole document.
MAX_TOTAL_PIXELS = 250_000_000
#: Parts of a zip-based document and of the documents nested inside it, added up.
MAX_MEMBERS = 2_000
#: Bytes a document may unpack to (zip members, PDF streams, nested documents), added up.
MAX_UNPACKED = 200 * 1024 * 1024
#: How deep documents may nest inside documents (a spreadsheet inside a Word file is depth 1).
MAX_DEPTH = 3
#: Signature matches tried while carving one document: each failed try is cheap, but bounded.
MAX_CARVE_CANDIDATES = 2_000

#: What a picture is replaced with under the school's REMOVE setting: one grey pixel.
PLACEHOLDER_PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00\x00:~\x9bU"
    b"\x00\x00\x00\nIDATx\x9cch\x00\x00\x00\x82\x00\x81w\xcdr\xb6\x00\x00\x00\x00IEND\xaeB`\x82"
)


class Refused(Exception):
    """The document cannot be accepted. ``reason`` is a short code (the audit log holds it and
    :mod:`cases.attachments` words it for the DSL); ``kind`` names the format it claimed to be."""

    def __init__(self, reason: str, kind: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind


@dataclass
class Picture:
    """A picture found in a document, decoded only when it is judged.

    A ``carved`` picture was found by its signature in raw bytes: if Pillow cannot decode it, it
    is taken to be a chance match and ignored. Any other picture that cannot be decoded is refused.
    """

    where: str
    load: Callable[[], Image.Image]
    carved: bool = False


@dataclass
class Findings:
    pictures: list[Picture] = field(default_factory=list)
    #: Video, sound, Flash and the like: refused whatever the detector says.
    media: list[str] = field(default_factory=list)
    #: Pictures that are certainly there but that Safeguard cannot decode (HEIC, a metafile's bitmap).
    uncheckable: list[str] = field(default_factory=list)

    def extend(self, other: Findings) -> None:
        self.pictures.extend(other.pictures)
        self.media.extend(other.media)
        self.uncheckable.extend(other.uncheckable)


class Budget:
    """Counts the work one document causes, across nesting, and refuses past the limits."""

    def __init__(self) -> None:
        self.unpacked = 0
        self.members = 0
        self.carve_candidates = 0

    def unpack(self, size: int) -> None:
        self.unpacked += max(size, 0)
        if self.unpacked > MAX_UNPACKED:
            raise Refused("too_large_unpacked")

    def member(self, count: int = 1) -> None:
        self.members += count
        if self.members > MAX_MEMBERS:
            raise Refused("too_many_parts")

    def candidate(self) -> None:
        self.carve_candidates += 1
        if self.carve_candidates > MAX_CARVE_CANDIDATES:
            raise Refused("too_many_pictures")


# --- Decoding pictures -------------------------------------------------------------------------


def pixel_limit() -> int:
    return min(MAX_PIXELS, Image.MAX_IMAGE_PIXELS or MAX_PIXELS)


def check_size(width: int, height: int) -> None:
    if width <= 0 or height <= 0:
        raise Refused("uncheckable_picture")
    if width * height > pixel_limit():
        raise Refused("picture_too_large")


def open_picture(data: bytes) -> Image.Image:
    """Open (not yet decode) an encoded picture, refusing decompression bombs before decoding."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise Refused("picture_too_large") from None
    check_size(*image.size)
    return image


def frames(image: Image.Image) -> Iterator[Image.Image]:
    """Every frame of a picture, decoded: an animated GIF or a multi-page TIFF has several."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            for frame in ImageSequence.Iterator(image):
                check_size(*frame.size)
                frame.load()
                yield frame.copy()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise Refused("picture_too_large") from None


def encoded_picture(where: str, data: bytes, *, carved: bool = False) -> Picture:
    return Picture(where, lambda: open_picture(data), carved=carved)


# --- Recognising content by its first bytes ----------------------------------------------------

_IMAGE_MIMES = {m.mime for m in filetype.image_matchers} | {"application/dicom"}
_MEDIA_MIMES = {m.mime for m in filetype.video_matchers} | {m.mime for m in filetype.audio_matchers}
_MEDIA_MIMES |= {"application/x-shockwave-flash"}
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"}


def sniff(head: bytes) -> str:
    """What a run of bytes is, by its first bytes: "picture", "media", "zip", "ole", "pdf", "rtf",
    "metafile", "svg", or "" for anything else (XML, text, fonts)."""
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if is_metafile(head):
        return "metafile"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "picture"
    kind = filetype.guess(head[:8192])
    if kind is not None:
        if kind.mime in _MEDIA_MIMES:
            return "media"
        if kind.mime in _IMAGE_MIMES:
            return "picture"
    if looks_like_svg(head):
        return "svg"
    return ""


def looks_like_svg(head: bytes) -> bool:
    text = head[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith(b"<svg") or (text.startswith((b"<?xml", b"<!doctype", b"<!--")) and b"<svg" in text)


def is_metafile(head: bytes) -> bool:
    """A Windows metafile (WMF, placeable or not) or an enhanced metafile (EMF)."""
    if head.startswith(b"\xd7\xcd\xc6\x9a"):
        return True
    if len(head) >= 44 and head[:4] == b"\x01\x00\x00\x00" and head[40:44] == b" EMF":
        return True
    return len(head) >= 18 and head[:2] in (b"\x01\x00", b"\x02\x00") and head[2:6] == b"\x09\x00\x00\x03"


# --- Carving -----------------------------------------------------------------------------------

SIGNATURES = re.compile(
    rb"\xff\xd8\xff|\x89PNG\r\n\x1a\n|GIF8[79]a|BM|II\*\x00|MM\x00\*|\x00\x00\x00\x0cjP  \r\n\x87\n|RIFF|ftyp"
    rb"|\x1a\x45\xdf\xa3|OggS\x00\x02|fLaC\x00\x00\x00\x22|ID3[\x02-\x04]\x00|FLV\x01[\x01\x04\x05]\x00\x00\x00\x09"
    rb"|\x30\x26\xb2\x75\x8e\x66\xcf\x11\xa6\xd9\x00\xaa\x00\x62\xce\x6c"
)
# Flash (FWS/CWS) is recognised at the start of a part (``sniff``), not carved: its three-byte
# signature and loose header would match compressed data by chance in one file in fifty.
_VIDEO_BRANDS = re.compile(rb"isom|iso[2-9]|mp4[12v]|avc1|M4[VAPB] |qt  |3g[p2][0-9a-z]|dash|mmp4|MSNV|f4[va] |NDSC|XAVC")


def kind_at(data: bytes, i: int, sig: bytes) -> str | None:
    """ "picture", "media" or "uncheckable" for a signature match; None for a chance match. Video
    and sound signatures are checked strictly, so that compressed data rarely matches by chance."""
    if sig == b"BM":
        header = data[i : i + 18]
        if len(header) < 18 or header[6:10] != b"\x00\x00\x00\x00":
            return None
        size, offset, dib = struct.unpack("<I4xII", header[2:18])
        return "picture" if dib in (12, 40, 52, 56, 64, 108, 124) and 26 <= offset < size else None
    if sig == b"RIFF":
        return {b"WEBP": "picture", b"AVI ": "media", b"WAVE": "media"}.get(data[i + 8 : i + 12])
    if sig == b"ftyp":
        if i < 4 or not 12 <= struct.unpack(">I", data[i - 4 : i])[0] <= 256:
            return None
        brand = data[i + 4 : i + 8]
        if brand in _HEIF_BRANDS:
            return "uncheckable"
        return "media" if _VIDEO_BRANDS.fullmatch(brand) else None
    if sig == b"\x1a\x45\xdf\xa3":
        window = data[i : i + 64]
        return "media" if b"webm" in window or b"matroska" in window else None
    if sig.startswith(b"ID3"):
        return "media" if len(data) >= i + 10 and all(b < 0x80 for b in data[i + 6 : i + 10]) else None
    if sig.startswith((b"OggS", b"fLaC", b"FLV", b"\x30\x26")):
        return "media"
    return "picture"


def carve(data: bytes, where: str, budget: Budget) -> Findings:
    """Pictures, video and sound found by their signatures anywhere in ``data``."""
    found = Findings()
    for match in SIGNATURES.finditer(data):
        i = match.start()
        kind = kind_at(data, i, match.group())
        if kind == "picture":
            budget.candidate()
            found.pictures.append(encoded_picture(f"{where}, offset {i}", data[i:], carved=True))
        elif kind == "media":
            found.media.append(f"{where}, offset {i}")
        elif kind == "uncheckable":
            found.uncheckable.append(f"{where}, offset {i}")
    return found


# --- Base64 inside XML or text -----------------------------------------------------------------

# A long run of base64 (line breaks allowed, written plainly or as XML character references), as
# ODF's <office:binary-data>, XMP thumbnails and SVG's data: URIs hold pictures.
_BASE64_RUN = re.compile(rb"(?:[A-Za-z0-9+/=\r\n]|&#x[aAdD];|&#1[03];){256,}")
_LINE_BREAKS = re.compile(rb"&#x[aAdD];|&#1[03];|[\r\n]")


def _b64(text: bytes) -> bytes | None:
    text = _LINE_BREAKS.sub(b"", text)
    if not text.endswith(b"="):
        text = text[: len(text) - len(text) % 4]
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def base64_contents(data: bytes, budget: Budget) -> Iterator[tuple[re.Match, bytes, str]]:
    """Each base64 run in ``data`` that decodes to something ``sniff`` knows: (match, bytes, kind)."""
    for match in _BASE64_RUN.finditer(data):
        head = _b64(_LINE_BREAKS.sub(b"", match.group()[:400])[:128])
        if not head or not sniff(head):
            continue
        decoded = _b64(match.group())
        if decoded:
            budget.unpack(len(decoded))
            yield match, decoded, sniff(decoded[:8192])


PLACEHOLDER_BASE64 = base64.b64encode(PLACEHOLDER_PNG)
