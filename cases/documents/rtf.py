"""RTF: one group from ``{\\rtf`` at the first byte to its closing brace at the last.

Pictures are ``\\pict`` groups (PNG, JPEG, metafiles, bitmaps, as hex or ``\\bin`` data);
embedded objects are ``\\objdata`` groups (an OLE 1 object, often a whole Word or Excel file).
Both are found at any depth, and both are dropped under the school's REMOVE setting.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable
from dataclasses import dataclass, field

from cases.documents.base import MAX_DEPTH, Budget, Findings, Refused, carve, encoded_picture, sniff
from cases.documents.legacy import packaged_file
from cases.documents.metafiles import dib_picture
from cases.documents.metafiles import pictures as metafile_pictures

#: Groups whose text is hex data holding a file: pictures, embedded objects, data stores.
HEX_DESTINATIONS = {"pict", "objdata", "datastore", "themedata", "colorschememapping"}
#: Groups dropped under REMOVE.
REMOVED_DESTINATIONS = {"pict", "objdata"}
#: What may follow the closing brace: whitespace, and the NUL some writers add.
TRAILING = b"\x00\t\n\r "
MAX_GROUPS = 1_000_000

_SPECIAL = re.compile(rb"[{}\\]")
_CONTROL_WORD = re.compile(rb"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?")
_NOT_HEX = re.compile(rb"[^0-9a-fA-F]")

Nested = Callable[[bytes, str, Budget, int], Findings]


@dataclass
class Group:
    start: int
    destination: str = ""
    words: set[str] = field(default_factory=set)
    text: list[bytes] = field(default_factory=list)
    binary: list[bytes] = field(default_factory=list)
    fresh: bool = True  # no control word yet: the next one names the destination

    @property
    def collects(self) -> bool:
        return self.destination in HEX_DESTINATIONS

    def data(self) -> bytes:
        digits = _NOT_HEX.sub(b"", b"".join(self.text))
        return bytes.fromhex(digits[: len(digits) // 2 * 2].decode()) + b"".join(self.binary)


def _parse(data: bytes) -> list[tuple[Group, int]]:
    """The groups that hold hex data, each with the offset just after it; refuses an RTF that is not whole."""
    if not data.startswith(b"{\\rtf"):
        raise Refused("incomplete", "rtf")
    stack: list[Group] = []
    found: list[tuple[Group, int]] = []
    groups = 0
    i, n = 0, len(data)
    while i < n:
        match = _SPECIAL.search(data, i)
        stop = match.start() if match else n
        if stack and stack[-1].collects and stop > i:
            stack[-1].text.append(data[i:stop])
        elif not stack and data[i:stop].strip(TRAILING):
            raise Refused("incomplete", "rtf")  # text after the document's closing brace
        if match is None:
            break
        i = stop
        char = data[i : i + 1]
        if char == b"{":
            if not stack and i:
                raise Refused("incomplete", "rtf")  # a second document after the first
            groups += 1
            if groups > MAX_GROUPS:
                raise Refused("too_many_parts", "rtf")
            stack.append(Group(start=i))
            i += 1
        elif char == b"}":
            if not stack:
                raise Refused("incomplete", "rtf")
            group = stack.pop()
            i += 1
            if group.collects:
                found.append((group, i))
        else:
            if not stack:
                raise Refused("incomplete", "rtf")
            group = stack[-1]
            word = _CONTROL_WORD.match(data, i)
            if word:
                name = word.group(1).decode()
                if group.fresh:
                    group.destination, group.fresh = name, False
                group.words.add(name)
                i = word.end()
                if name == "bin":
                    size = int(word.group(2) or 0)
                    if size < 0 or i + size > n:
                        raise Refused("incomplete", "rtf")
                    if group.collects:
                        group.binary.append(data[i : i + size])
                    i += size
            elif data[i + 1 : i + 2] == b"*":
                i += 2  # "\*": the destination is named by the control word that follows
            elif data[i + 1 : i + 2] == b"'":
                if group.collects:
                    group.text.append(data[i + 2 : i + 4])
                group.fresh = False
                i += 4
            else:
                group.fresh = False
                i += 2
    if stack:
        raise Refused("incomplete", "rtf")  # braces do not balance
    return found


def check(data: bytes) -> None:
    _parse(data)


def _ole1_native(data: bytes) -> tuple[str, bytes] | None:
    """(class name, native data) of an OLE 1 embedded object, as ``\\objdata`` holds it."""
    try:
        position = 8  # version, format
        names = []
        for _ in range(3):  # class, topic, item: each a length-prefixed string
            length = struct.unpack("<I", data[position : position + 4])[0]
            names.append(data[position + 4 : position + 4 + length].rstrip(b"\x00").decode("latin-1"))
            position += 4 + length
        size = struct.unpack("<I", data[position : position + 4])[0]
        return names[0], data[position + 4 : position + 4 + size]
    except (struct.error, UnicodeDecodeError):
        return None


def inspect(data: bytes, budget: Budget, nested: Nested, depth: int = 0) -> Findings:
    if depth > MAX_DEPTH:
        raise Refused("too_deep")
    found = Findings()
    for group, _end in _parse(data):
        content = group.data()
        budget.unpack(len(content))
        where = f"RTF {group.destination} group at {group.start}"
        if group.destination == "pict":
            _picture(group, content, where, budget, found)
            continue
        if group.destination == "objdata":
            native = _ole1_native(content)
            if native:
                class_name, content = native
                if class_name.lower().startswith("package"):
                    content = packaged_file(b"\x00\x00\x00\x00" + content) or content
        if sniff(content[:8192]):
            found.extend(nested(content, where, budget, depth + 1))
        else:
            found.extend(carve(content, where, budget))
    return found


def _picture(group: Group, content: bytes, where: str, budget: Budget, found: Findings) -> None:
    words = group.words
    if words & {"pngblip", "jpegblip"}:
        found.pictures.append(encoded_picture(where, content))
    elif words & {"emfblip", "wmetafile"}:
        found.extend(metafile_pictures(content, where, budget))
    elif "dibitmap" in words:
        found.pictures.append(dib_picture(where, content))
    elif sniff(content[:8192]) == "picture":
        found.pictures.append(encoded_picture(where, content))
    elif content:
        found.uncheckable.append(where)  # a device-dependent bitmap, a Mac PICT, an OS/2 metafile


def strip(data: bytes) -> tuple[bytes, int]:
    """The RTF with every picture and embedded object group replaced by an empty group."""
    groups = [(g, end) for g, end in _parse(data) if g.destination in REMOVED_DESTINATIONS]
    # Drop the outermost only: a picture inside a removed object goes with it.
    outermost, reach = [], -1
    for group, end in sorted(groups, key=lambda item: item[0].start):
        if group.start >= reach:
            outermost.append((group.start, end))
            reach = end
    out, position = [], 0
    for start, end in outermost:
        out += [data[position:start], b"{}"]
        position = end
    out.append(data[position:])
    return b"".join(out), len(outermost)
