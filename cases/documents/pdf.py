"""PDF: opened whole by pikepdf (QPDF) without repair, every object looked at.

Pictures are image XObjects, wherever they are used from (pages, form XObjects, annotations'
appearances, patterns, Type 3 glyphs, thumbnails, or nowhere at all), and inline images in any
content stream. Earlier revisions left in the file by incremental saves are inspected too: a
picture "deleted" by an edit is often still in the bytes. Embedded files and multimedia (video,
sound, Flash) are refused outright; under REMOVE they are taken out with the pictures.
"""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Callable, Iterator

import pikepdf
from pikepdf import Array, Dictionary, Name, Pdf, PdfImage, Stream

from cases.documents.base import (
    MAX_UNPACKED,
    PLACEHOLDER_BASE64,
    Budget,
    Findings,
    Picture,
    Refused,
    base64_contents,
    carve,
    check_size,
)

#: PDF's whitespace characters (ISO 32000-1, 7.2.2): all that may follow the last %%EOF.
WHITESPACE = b"\x00\t\n\x0c\r "
#: Annotations that play video or sound, or show 3D or Flash content.
MEDIA_ANNOTATIONS = {"/RichMedia", "/Movie", "/Sound", "/Screen", "/3D"}
#: Actions that play media.
MEDIA_ACTIONS = {"/Movie", "/Sound", "/Rendition", "/RichMediaExecute"}
#: Earlier revisions inspected (each incremental save adds one).
MAX_REVISIONS = 20

Nested = Callable[[bytes, str, Budget, int], Findings]


def open_pdf(data: bytes) -> Pdf:
    if not data.startswith(b"%PDF-"):
        raise Refused("incomplete", "pdf")
    end = data.rfind(b"%%EOF")
    if end < 0 or data[end + 5 :].strip(WHITESPACE):
        raise Refused("incomplete", "pdf")
    try:
        return pikepdf.open(io.BytesIO(data), attempt_recovery=False)
    except pikepdf.PasswordError:
        raise Refused("password", "pdf") from None
    except (pikepdf.PdfError, ValueError, RuntimeError, OverflowError):
        raise Refused("incomplete", "pdf") from None


def _name(value) -> str:
    if not isinstance(value, Name):
        return ""
    try:
        return str(value)
    except UnicodeDecodeError:
        return "/?"  # a name no check looks for


def _dictionaries(obj, depth: int = 0) -> Iterator:
    """``obj`` (a dictionary or stream) and the direct dictionaries inside it; indirect objects
    are visited on their own, so references are not followed."""
    if depth > 64:
        raise Refused("incomplete", "pdf")
    if isinstance(obj, Dictionary | Stream):
        yield obj
        values = obj.values()
    elif isinstance(obj, Array):
        values = list(obj)
    else:
        return
    for value in values:
        if isinstance(value, Dictionary | Array) and not value.is_indirect:
            yield from _dictionaries(value, depth + 1)


def _all_dictionaries(pdf: Pdf) -> Iterator:
    yield from _dictionaries(pdf.trailer)
    for obj in pdf.objects:
        if isinstance(obj, Dictionary | Stream | Array):
            yield from _dictionaries(obj)


def _is_image(obj) -> bool:
    if not isinstance(obj, Stream):
        return False
    subtype = obj.get("/Subtype")
    return subtype == Name.Image or (subtype is None and "/Width" in obj and "/Height" in obj)


def _is_media_action(value) -> bool:
    return isinstance(value, Dictionary) and _name(value.get("/S")) in MEDIA_ACTIONS


def _problem(d) -> str:
    """ "embedded_files", "media" or "" for one dictionary."""
    if _name(d.get("/Type")) == "/EmbeddedFile" or "/EF" in d or "/EmbeddedFiles" in d or "/Collection" in d:
        return "embedded_files"
    subtype = _name(d.get("/Subtype"))
    if subtype == "/FileAttachment":
        return "embedded_files"
    if subtype in MEDIA_ANNOTATIONS or _name(d.get("/S")) in MEDIA_ACTIONS:
        return "media"
    return ""


def _content_streams(pdf: Pdf) -> Iterator[tuple[Stream, object]]:
    """Every content stream, with the resources it is drawn with: pages, form XObjects (so
    annotations' appearances), tiling patterns and Type 3 glyphs."""
    for page in pdf.pages:
        contents = page.obj.get("/Contents")
        for stream in contents if isinstance(contents, Array) else [contents]:
            if isinstance(stream, Stream):
                yield stream, page.obj.get("/Resources")
    for obj in pdf.objects:
        if isinstance(obj, Stream) and (obj.get("/Subtype") == Name.Form or obj.get("/PatternType") == 1):
            yield obj, obj.get("/Resources")
        elif isinstance(obj, Dictionary) and obj.get("/Subtype") == Name.Type3 and isinstance(obj.get("/CharProcs"), Dictionary):
            for glyph in obj.CharProcs.values():
                if isinstance(glyph, Stream):
                    yield glyph, obj.get("/Resources")
    for page in pdf.pages:
        for annotation in page.obj.get("/Annots", []):
            for appearance in (annotation.get("/AP") or {}).values() if isinstance(annotation, Dictionary) else []:
                states = appearance.values() if isinstance(appearance, Dictionary) and not isinstance(appearance, Stream) else []
                for stream in [appearance, *states]:
                    if isinstance(stream, Stream) and stream.get("/Subtype") != Name.Form:
                        yield stream, stream.get("/Resources")


def _instructions(stream: Stream):
    try:
        return pikepdf.parse_content_stream(stream)
    except (pikepdf.PdfError, ValueError, RuntimeError):
        raise Refused("incomplete", "pdf") from None


def _image_picture(pdf: Pdf, obj: Stream) -> Picture:
    def load():
        try:
            check_size(int(obj.get("/Width", 0)), int(obj.get("/Height", 0)))
        except (TypeError, ValueError):
            raise Refused("uncheckable_picture") from None
        try:
            return PdfImage(obj).as_pil_image()
        except Refused:
            raise
        except Exception:
            raise Refused("uncheckable_picture") from None

    load.pdf = pdf  # keep the document open until the picture is judged
    return Picture(f"PDF image object {obj.objgen[0]}", load)


def _inline_picture(iimage, resources) -> Picture:
    def load():
        check_size(int(iimage.width), int(iimage.height))
        try:
            # pikepdf's own conversion needs a page at least 3 units wide; this one draws any size.
            scratch = Pdf.new()
            scratch.add_blank_page(page_size=(72, 72))
            page = scratch.pages[0]
            if isinstance(resources, Dictionary) and isinstance(resources.get("/ColorSpace"), Dictionary):
                page.Resources = Dictionary(ColorSpace=scratch.copy_foreign(resources.ColorSpace))
            page.contents_add(b"q 72 0 0 72 0 0 cm ", prepend=True)
            page.contents_add(iimage._unparse_expanded() + b" Q")
            page.externalize_inline_images(min_size=0)
            raw = next(iter(page.get_images(recursive=False).values()))
            image = PdfImage(raw).as_pil_image()
            image.load()
            return image
        except Refused:
            raise
        except Exception:
            raise Refused("uncheckable_picture") from None

    return Picture("PDF inline image", load)


def _decoded(stream: Stream, budget: Budget) -> bytes | None:
    """A non-image stream's data, decoded within the budget (None when that cannot be bounded)."""
    filters = stream.get("/Filter")
    names = [_name(f) for f in (filters if isinstance(filters, Array) else [filters] if filters is not None else [])]
    raw = stream.read_raw_bytes()
    if not names:
        return raw
    if all(n == "/FlateDecode" for n in names):
        remaining = max(0, MAX_UNPACKED - budget.unpacked) + 1
        size, data = len(raw), raw
        for _ in names:
            inflater = zlib.decompressobj()
            try:
                data = inflater.decompress(data, remaining)
            except zlib.error:
                return None
            if inflater.unconsumed_tail:
                raise Refused("too_large_unpacked")
            size = len(data)
        budget.unpack(size)
        try:
            return stream.read_bytes()  # now bounded: applies any predictor as well
        except pikepdf.PdfError:
            return data
    if len(raw) <= 64 * 1024 and not set(names) & {"/DCTDecode", "/JPXDecode", "/JBIG2Decode", "/CCITTFaxDecode"}:
        try:
            data = stream.read_bytes()
        except pikepdf.PdfError:
            return None
        budget.unpack(len(data))
        return data
    return None


def _inspect_objects(pdf: Pdf, budget: Budget, nested: Nested, depth: int, found: Findings) -> None:
    for d in _all_dictionaries(pdf):
        problem = _problem(d)
        if problem:
            raise Refused(problem, "pdf")
    for obj in pdf.objects:
        if not isinstance(obj, Stream):
            continue
        if _is_image(obj):
            found.pictures.append(_image_picture(pdf, obj))
            continue
        data = _decoded(obj, budget)
        if data:
            found.extend(carve(data, f"PDF object {obj.objgen[0]}", budget))
            for _match, decoded, _kind in base64_contents(data, budget):
                found.extend(nested(decoded, f"base64 in PDF object {obj.objgen[0]}", budget, depth + 1))
    for stream, resources in _content_streams(pdf):
        for instruction in _instructions(stream):
            if isinstance(instruction, pikepdf.ContentStreamInlineImage):
                found.pictures.append(_inline_picture(instruction.iimage, resources))


def inspect(data: bytes, budget: Budget, nested: Nested, depth: int = 0) -> Findings:
    """Every picture in the PDF and in each earlier revision of it; refuses embedded files and media."""
    pdf = open_pdf(data)
    found = carve(data, "PDF file", budget)
    _inspect_objects(pdf, budget, nested, depth, found)
    ends = [m.end() for m in re.finditer(rb"%%EOF", data)][:-1]
    if len(ends) > MAX_REVISIONS:
        raise Refused("too_many_parts", "pdf")
    for end in ends:
        try:
            earlier = pikepdf.open(io.BytesIO(data[:end]), attempt_recovery=False)
            _inspect_objects(earlier, budget, nested, depth, found)
        except (pikepdf.PdfError, ValueError, RuntimeError, OverflowError):
            # Not a revision (a linearised file's first part, or "%%EOF" inside a stream); the
            # objects it shares with the last revision were inspected above, and carving
            # looked at every byte of it.
            continue
    return found


# --- REMOVE ------------------------------------------------------------------------------------

_REMOVED = zlib.compress(b"% A picture was taken out here by Safeguard.\n")


def strip(data: bytes) -> tuple[bytes, int]:
    """The PDF with every picture, embedded file and piece of media taken out, and how many.

    Images become empty form XObjects (a valid PDF that draws nothing where the picture was),
    inline images are dropped from their content streams, embedded files and media annotations
    and actions are removed, and base64 pictures (XMP thumbnails) become one grey pixel. Saving
    writes only the objects still in use, so earlier revisions and unused objects are gone too.
    """
    pdf = open_pdf(data)
    removed = 0
    root = pdf.Root
    if isinstance(root.get("/Names"), Dictionary) and "/EmbeddedFiles" in root.Names:
        del root.Names["/EmbeddedFiles"]
        removed += 1
    for page in pdf.pages:
        if "/Thumb" in page.obj:
            del page.obj["/Thumb"]
        annotations = page.obj.get("/Annots")
        if isinstance(annotations, Array):
            kept = [a for a in annotations if not (isinstance(a, Dictionary) and _problem(a))]
            removed += len(annotations) - len(kept)
            page.obj.Annots = Array(kept)
    for d in list(_all_dictionaries(pdf)):
        for key in ("/Collection", "/AF", "/EF"):
            if key in d:
                del d[key]
                removed += 1
        for key in ("/A", "/OpenAction", "/Next"):
            if _is_media_action(d.get(key)):
                del d[key]
                removed += 1
        if isinstance(d.get("/AA"), Dictionary):
            for key in [k for k, v in d.AA.items() if _is_media_action(v)]:
                del d.AA[key]
                removed += 1
    for stream, _resources in list(_content_streams(pdf)):
        instructions = _instructions(stream)
        kept = [i for i in instructions if not isinstance(i, pikepdf.ContentStreamInlineImage)]
        if len(kept) != len(instructions):
            removed += len(instructions) - len(kept)
            stream.write(zlib.compress(pikepdf.unparse_content_stream(kept)), filter=Name.FlateDecode)
    budget = Budget()
    for obj in list(pdf.objects):
        if not isinstance(obj, Stream):
            continue
        if _is_image(obj):
            obj.write(_REMOVED, filter=Name.FlateDecode)
            for key in [k for k in list(obj.keys()) if k not in ("/Length", "/Filter")]:
                del obj[key]
            obj.Type, obj.Subtype, obj.BBox = Name.XObject, Name.Form, Array([0, 0, 1, 1])
            removed += 1
            continue
        content = _decoded(obj, budget)
        if content:
            runs = [match for match, _decoded_run, kind in base64_contents(content, budget)]
            if runs:
                for match in reversed(runs):
                    content = content[: match.start()] + PLACEHOLDER_BASE64 + content[match.end() :]
                obj.write(zlib.compress(content), filter=Name.FlateDecode)
                removed += len(runs)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue(), removed
