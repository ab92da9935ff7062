"""The text of a PDF that WeasyPrint made, for tests: each page's words, read with pikepdf.

pikepdf (in the requirements) reads PDFs but does not extract text. WeasyPrint writes each font as
a Type 0 font with Identity-H encoding and a ToUnicode map, so the text of a page is its text
operators' two-byte glyph codes read through that map. Enough for WeasyPrint's own output.
"""

from __future__ import annotations

import io
import re

import pikepdf

_HEX = re.compile(rb"<([0-9a-fA-F]+)>")


def _unicode_map(font) -> dict[int, str]:
    found: dict[int, str] = {}
    if "/ToUnicode" not in font:
        return found
    cmap = font.ToUnicode.read_bytes()
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        codes = _HEX.findall(block)
        for src, dst in zip(codes[::2], codes[1::2], strict=False):
            found[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for line in block.strip().splitlines():
            codes = _HEX.findall(line)
            if len(codes) == 3:
                lo, hi, dst = (int(c, 16) for c in codes)
                for i, code in enumerate(range(lo, hi + 1)):
                    found[code] = chr(dst + i)
    return found


def _decode(raw: bytes, cmap: dict[int, str]) -> str:
    return "".join(cmap.get(int.from_bytes(raw[i : i + 2], "big"), "") for i in range(0, len(raw) - 1, 2))


def _text_of(stream_owner, resources) -> list[str]:
    fonts = {}
    if resources is not None and "/Font" in resources:
        fonts = {str(name): _unicode_map(font) for name, font in resources.Font.items()}
    lines, current = [], {}
    for operands, op in pikepdf.parse_content_stream(stream_owner):
        name = str(op)
        if name == "Tf":
            current = fonts.get(str(operands[0]), {})
        elif name == "Tj":
            lines.append(_decode(bytes(operands[0]), current))
        elif name == "TJ":
            lines.append("".join(_decode(bytes(part), current) for part in operands[0] if isinstance(part, pikepdf.String)))
        elif name == "Do" and resources is not None and "/XObject" in resources:
            xobject = resources.XObject.get(str(operands[0]))
            if xobject is not None and xobject.get("/Subtype") == "/Form":
                lines += _text_of(xobject, xobject.get("/Resources", resources))
    return lines


def pdf_pages_text(content: bytes) -> list[str]:
    """Each page's text, its lines joined by new lines."""
    with pikepdf.open(io.BytesIO(content)) as pdf:
        return ["\n".join(_text_of(page, page.get("/Resources"))) for page in pdf.pages]
