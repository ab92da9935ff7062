"""A corpus of documents that smuggle pictures and video, built here from generated shapes.

No real imagery anywhere: every "photo" is coloured rectangles drawn by Pillow. Each builder
returns the bytes of one file.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pikepdf
from pikepdf import Array, Dictionary, Name, Pdf, Stream
from PIL import Image, ImageDraw

# --- Pictures and video --------------------------------------------------------------------------


def house(size: tuple[int, int] = (96, 72), *, colour=(200, 60, 40)) -> Image.Image:
    """A drawn house: sky, a wall, a roof, a door. Harmless by construction."""
    width, height = size
    image = Image.new("RGB", size, (120, 180, 230))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, height * 4 // 5, width, height], fill=(60, 160, 60))
    draw.rectangle([width // 4, height * 2 // 5, width * 3 // 4, height * 4 // 5], fill=colour)
    draw.polygon([(width // 5, height * 2 // 5), (width // 2, height // 8), (width * 4 // 5, height * 2 // 5)], fill=(90, 40, 20))
    draw.rectangle([width * 9 // 20, height * 3 // 5, width * 11 // 20, height * 4 // 5], fill=(70, 50, 30))
    return image


def encoded(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def png(size=(96, 72), **kwargs) -> bytes:
    return encoded(house(size, **kwargs), "PNG")


def jpeg(size=(96, 72), **kwargs) -> bytes:
    return encoded(house(size, **kwargs), "JPEG")


def mp4() -> bytes:
    """The start of an MP4 file: its ftyp box, a free box and an (empty) media data box."""
    ftyp = struct.pack(">I", 24) + b"ftypmp42" + b"\x00\x00\x00\x00" + b"mp42isom"
    return ftyp + struct.pack(">I", 16) + b"free" + b"\x00" * 8 + struct.pack(">I", 8 + 256) + b"mdat" + bytes(range(256))


PDF_PREFIX = b"%PDF-1.4\n"

# --- PDF -------------------------------------------------------------------------------------------


def _pdf(build) -> bytes:
    pdf = Pdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    page = pdf.pages[0]
    font = pdf.make_indirect(Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica))
    page.Resources = Dictionary(Font=Dictionary(F1=font))
    page.Contents = pdf.make_stream(b"BT /F1 18 Tf 72 760 Td (Police referral form) Tj ET")
    build(pdf, page)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _image_xobject(pdf: Pdf, picture: bytes | None = None) -> Stream:
    data = picture or jpeg()
    width, height = Image.open(io.BytesIO(data)).size
    image = Stream(pdf, data)
    image.Type, image.Subtype, image.Width, image.Height = Name.XObject, Name.Image, width, height
    image.ColorSpace, image.BitsPerComponent, image.Filter = Name.DeviceRGB, 8, Name.DCTDecode
    return image


def pdf_plain(pages: int = 1) -> bytes:
    def build(pdf, page):
        for number in range(2, pages + 1):
            pdf.add_blank_page(page_size=(595, 842))
            pdf.pages[-1].Contents = pdf.make_stream(f"BT /F1 12 Tf 72 760 Td (Page {number}) Tj ET".encode())
            pdf.pages[-1].Resources = page.Resources

    return _pdf(build)


def pdf_with_image(picture: bytes | None = None, *, pages: int = 1, images: int = 1, size=(96, 72)) -> bytes:
    """A PDF of ``pages`` pages, the first ``images`` of them each with a different drawn house
    (or ``picture`` on each)."""

    def build(pdf, page):
        for number in range(1, pages + 1):
            target = page if number == 1 else pdf.add_blank_page(page_size=(595, 842))
            if number > 1:
                target.Resources = Dictionary(Font=page.Resources.Font)
                target.Contents = pdf.make_stream(b"BT /F1 12 Tf 72 760 Td (Next page) Tj ET")
            if number <= images:
                drawn = picture or jpeg(size, colour=(200, 60 + 50 * number % 190, 40))
                target.Resources.XObject = Dictionary(Im0=_image_xobject(pdf, drawn))
                target.contents_add(b"q 200 0 0 150 72 500 cm /Im0 Do Q")

    return _pdf(build)


def pdf_with_inline_image() -> bytes:
    image = house((16, 12))

    def build(pdf, page):
        data = image.tobytes().hex().encode()
        page.contents_add(b"q 160 0 0 120 72 500 cm BI /W 16 /H 12 /CS /RGB /BPC 8 /F /AHx ID " + data + b"> EI Q")

    return _pdf(build)


def pdf_with_form_image() -> bytes:
    """The picture is drawn by a form XObject, not by the page itself."""

    def build(pdf, page):
        form = pdf.make_stream(b"q 200 0 0 150 0 0 cm /Im0 Do Q")
        form.Type, form.Subtype, form.BBox = Name.XObject, Name.Form, Array([0, 0, 200, 150])
        form.Resources = Dictionary(XObject=Dictionary(Im0=_image_xobject(pdf)))
        page.Resources.XObject = Dictionary(Fm0=form)
        page.contents_add(b"q 1 0 0 1 72 500 cm /Fm0 Do Q")

    return _pdf(build)


def pdf_with_annotation_image() -> bytes:
    """The picture is only in an annotation's appearance stream (a stamp)."""

    def build(pdf, page):
        appearance = pdf.make_stream(b"q 100 0 0 75 0 0 cm /Im0 Do Q")
        appearance.Type, appearance.Subtype, appearance.BBox = Name.XObject, Name.Form, Array([0, 0, 100, 75])
        appearance.Resources = Dictionary(XObject=Dictionary(Im0=_image_xobject(pdf)))
        stamp = Dictionary(Type=Name.Annot, Subtype=Name.Stamp, Rect=Array([72, 300, 172, 375]), AP=Dictionary(N=appearance))
        page.Annots = pdf.make_indirect(Array([pdf.make_indirect(stamp)]))

    return _pdf(build)


def pdf_with_embedded_file() -> bytes:
    def build(pdf, page):
        attached = pikepdf.AttachedFileSpec(pdf, b"notes", mime_type="text/plain")
        pdf.attachments["notes.txt"] = attached

    return _pdf(build)


def pdf_with_movie() -> bytes:
    def build(pdf, page):
        screen = Dictionary(Type=Name.Annot, Subtype=Name.Screen, Rect=Array([72, 300, 272, 450]))
        page.Annots = pdf.make_indirect(Array([pdf.make_indirect(screen)]))

    return _pdf(build)


def _flate_image(pdf: Pdf) -> Stream:
    """A picture as raw pixels, deflated: no signature in the file for carving to find."""
    picture = house()
    image = Stream(pdf, zlib.compress(picture.tobytes()))
    image.Type, image.Subtype, image.Width, image.Height = Name.XObject, Name.Image, picture.width, picture.height
    image.ColorSpace, image.BitsPerComponent, image.Filter = Name.DeviceRGB, 8, Name.FlateDecode
    return image


def pdf_with_flate_image() -> bytes:
    def build(pdf, page):
        page.Resources.XObject = Dictionary(Im0=_flate_image(pdf))
        page.contents_add(b"q 200 0 0 150 72 500 cm /Im0 Do Q")

    return _pdf(build)


def pdf_with_image_removed_by_an_edit() -> bytes:
    """An incremental update that takes the picture off the page: it is still in the file's
    first revision, and no longer reachable from the last one."""
    original = pdf_with_flate_image()
    pdf = pikepdf.open(io.BytesIO(original))
    page = pdf.pages[0].obj
    page_number, parent, font = page.objgen[0], page.Parent.objgen[0], page.Resources.Font.F1.objgen[0]
    size = int(pdf.trailer.Size)
    root = pdf.Root.objgen[0]
    pdf.close()
    previous = int(original.rsplit(b"startxref", 1)[1].split()[0])
    content = b"BT /F1 18 Tf 72 760 Td (Police referral form) Tj ET"
    objects = [
        (size, b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content)),
        (
            page_number,
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>"
            % (parent, font, size),
        ),
    ]
    update, offsets = b"", {}
    for number, body in objects:
        offsets[number] = len(original) + len(update)
        update += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(original) + len(update)
    update += b"xref\n"
    for number in sorted(offsets):
        update += b"%d 1\n%010d 00000 n \n" % (number, offsets[number])
    update += b"trailer\n<< /Size %d /Root %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (size + 1, root, previous, xref_at)
    return original + update


# --- Zip-based office documents ---------------------------------------------------------------------


def _zip(members: dict[str, bytes], *, stored_first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if stored_first:
            archive.writestr(zipfile.ZipInfo(stored_first), members[stored_first], compress_type=zipfile.ZIP_STORED)
        for name, data in members.items():
            if name != stored_first:
                archive.writestr(name, data)
    return buffer.getvalue()


CONTENT_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def docx(extra: dict[str, bytes] | None = None) -> bytes:
    return _zip({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": b"<w:document/>", **(extra or {})})


def xlsx(extra: dict[str, bytes] | None = None) -> bytes:
    return _zip({"[Content_Types].xml": CONTENT_TYPES, "xl/workbook.xml": b"<workbook/>", **(extra or {})})


def pptx(extra: dict[str, bytes] | None = None) -> bytes:
    return _zip({"[Content_Types].xml": CONTENT_TYPES, "ppt/presentation.xml": b"<p:presentation/>", **(extra or {})})


def odt(extra: dict[str, bytes] | None = None, content: bytes = b"<office:document-content/>") -> bytes:
    members = {"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": content, **(extra or {})}
    return _zip(members, stored_first="mimetype")


def odt_with_base64_picture() -> bytes:
    import base64

    encoded_png = base64.encodebytes(png()).replace(b"\n", b"&#xA;")
    return odt(
        content=b"<office:document-content><draw:image><office:binary-data>"
        + encoded_png
        + b"</office:binary-data></draw:image></office:document-content>"
    )


def zip_bomb() -> bytes:
    """A Word document whose one part unpacks from a few hundred kilobytes to 300 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("word/document.xml", b"<w:document/>")
        with archive.open("word/media/big.bin", "w") as member:
            block = b"\x00" * (1024 * 1024)
            for _ in range(300):
                member.write(block)
    return buffer.getvalue()


# --- RTF ----------------------------------------------------------------------------------------------


def rtf(body: bytes = b"Police referral form\\par") -> bytes:
    return b"{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Arial;}}\\f0 " + body + b"}"


def rtf_with_picture(picture: bytes | None = None) -> bytes:
    data = (picture or png()).hex().encode()
    lines = b"\n".join(data[i : i + 128] for i in range(0, len(data), 128))
    return rtf(b"Referral\\par{\\*\\shppict{\\pict{\\*\\picprop}\\pngblip\\picw96\\pich72\n" + lines + b"\n}}\\par Signed\\par")


# --- Legacy OLE2 (a .doc) --------------------------------------------------------------------------------

FREE, END, FAT_SECTOR = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def ole2(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE2 compound file (version 3, 512-byte sectors) holding ``streams`` at its root.

    Each stream is padded with zeros to at least 4096 bytes, so that it lives in ordinary sectors (no mini
    stream). Written here because olefile only reads. Up to three streams.
    """
    assert 1 <= len(streams) <= 3
    # Directory order: CFB compares names by length, then upper case; a right-leaning chain is a valid tree.
    names = sorted(streams, key=lambda n: (len(n), n.upper()))
    blobs = [streams[n].ljust(max(4096, -(-len(streams[n]) // 512) * 512), b"\x00") for n in names]
    sector_counts = [len(b) // 512 for b in blobs]
    fat = [FAT_SECTOR, END]  # sector 0: the FAT; sector 1: the directory
    starts = []
    for count in sector_counts:
        first = len(fat)
        starts.append(first)
        fat += [first + i + 1 for i in range(count - 1)] + [END]
    assert len(fat) <= 128, "one FAT sector only"
    fat += [FREE] * (128 - len(fat))

    def entry(name: str, kind: int, child=FREE, right=FREE, start=END, size=0) -> bytes:
        encoded_name = name.encode("utf-16-le") + b"\x00\x00"
        return (
            encoded_name.ljust(64, b"\x00")
            + struct.pack("<HBB", len(encoded_name), kind, 1)
            + struct.pack("<III", FREE, right, child)
            + b"\x00" * 16
            + b"\x00" * 4
            + b"\x00" * 16
            + struct.pack("<IQ", start, size)
        )

    directory = entry("Root Entry", 5, child=1)
    for index, name in enumerate(names):
        directory += entry(
            name, 2, right=index + 2 if index + 1 < len(names) else FREE, start=starts[index], size=len(blobs[index])
        )
    directory = directory.ljust(512, b"\x00")
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\x00" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, END, 0, END, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", FREE) * 108
    )
    assert len(header) == 512
    return header + struct.pack("<128I", *fat) + directory + b"".join(blobs)


def doc_with_picture(picture: bytes | None = None) -> bytes:
    """A .doc whose Data stream holds a PNG after some bytes, as Word stores pictures there."""
    return ole2({"WordDocument": b"\xec\xa5" + b"\x00" * 600, "1Table": b"\x00" * 64, "Data": b"\x00" * 68 + (picture or png())})


def doc_plain() -> bytes:
    return ole2({"WordDocument": b"\xec\xa5" + b"\x00" * 600, "1Table": b"\x00" * 64})
