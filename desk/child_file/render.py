"""The child's file as a page, a PDF and documented JSON, all from the same records.

One template (``desk/child_file/document.html``) renders the records whatever they came from: a
file made here (``desk.child_file.records.child_file``) or the JSON of a file received from
another school (``render_received_records_html``). The PDF is WeasyPrint's print of that same
template inside ``desk/child_file/pdf.html``, whose print CSS puts the marking, the school, the
maker and the page numbers on every page.

WeasyPrint needs Pango from the system. It is imported here only, when a PDF is asked for: where
Pango is missing the import fails with OSError, ``pdf_available`` says what to install, and the
preview and everything else keep working.
"""

from __future__ import annotations

import copy
import functools
from datetime import date, datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from desk.child_file.records import FORMAT, VERSION, ChildFile

#: The protective marking on every page (Government Security Classifications: OFFICIAL, with the
#: SENSITIVE handling caveat, for a child protection record).
MARKING = "OFFICIAL-SENSITIVE"

PANGO_MISSING = "PDF files need the Pango library: on Debian or Ubuntu, apt-get install libpango-1.0-0 libpangoft2-1.0-0"


@functools.cache
def pdf_available() -> tuple[bool, str]:
    """Whether a PDF can be made here, and if not, what to install (in words a DSL can pass on)."""
    try:
        import weasyprint  # noqa: F401 - Pango is loaded when WeasyPrint is imported
    except OSError:
        return False, PANGO_MISSING
    except ImportError:
        return False, "PDF files need WeasyPrint: install the project's requirements (requirements/base.txt)."
    return True, ""


def child_file_json(file: ChildFile) -> dict:
    """The records as documented JSON (docs/child-file-format.md, version 1), other children
    lettered as in the document. A copy: changing it changes nothing in ``file``."""
    return copy.deepcopy(file.records)


def _hydrate(value, key: str = ""):
    """The JSON's ISO dates back as dates and times, for the template's date filters: a key
    ending in ``_at`` (or ``at``) holds a moment, one ending in ``_on`` a day. A value that is not
    a valid date (a file from elsewhere) is left as it is, and the template shows nothing for it."""
    if isinstance(value, dict):
        return {k: _hydrate(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_hydrate(v, key) for v in value]
    if isinstance(value, str) and (key == "at" or key.endswith("_at")):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return moment if timezone.is_aware(moment) else timezone.make_aware(moment)
    if isinstance(value, str) and key.endswith("_on"):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _css_string(value: str) -> str:
    """``value`` as a CSS string literal, safe inside a <style> element (no quote, backslash, new
    line or "<" of a name can end the string or the element)."""
    out = []
    for ch in str(value):
        if ch in '"\\<>&' or ord(ch) < 0x20:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _when(value: datetime) -> str:
    local = timezone.localtime(value)
    return f"{local.day} {local:%B %Y}, {local:%H:%M}"


def _context(records: dict, *, made_by: str, made_at: datetime, received: bool = False) -> dict:
    doc = _hydrate(records)
    school = doc.get("school") or {}
    return {
        "doc": doc,
        "made_by": made_by,
        "made_at": made_at,
        "marking": MARKING,
        "received": received,
        "css": {
            "marking": mark_safe(_css_string(MARKING)),  # noqa: S308 - escaped by _css_string
            "school": mark_safe(_css_string(school.get("name", ""))),  # noqa: S308
            "made": mark_safe(_css_string(f"Made by {made_by} on {_when(made_at)}")),  # noqa: S308
            "made_on": mark_safe(_css_string(f"Made on {timezone.localtime(made_at):%-d %B %Y}")),  # noqa: S308
        },
    }


def render_child_file_html(file: ChildFile, *, made_by, made_at: datetime, request=None) -> str:
    """The document alone (the body the preview page and the PDF share)."""
    return render_to_string(
        "desk/child_file/document.html", _context(file.records, made_by=_who(made_by), made_at=made_at), request=request
    )


def render_child_file_pdf(file: ChildFile, *, made_by, made_at: datetime) -> bytes:
    """The file as a PDF (WeasyPrint): raises RuntimeError with ``pdf_available``'s words when
    Pango is missing."""
    ok, why = pdf_available()
    if not ok:
        raise RuntimeError(why)
    import weasyprint

    html = render_to_string("desk/child_file/pdf.html", _context(file.records, made_by=_who(made_by), made_at=made_at))
    static = settings.BASE_DIR / "safeguard" / "static"
    return weasyprint.HTML(string=html, base_url=str(static)).write_pdf()


def render_received_records_html(records: dict) -> str:
    """A read-only HTML fragment of a file received from another school (the JSON of
    ``child_file_json``), rendered by the same template as a file made here. Raises ValueError for
    anything that is not a child's file of a version this Safeguard reads."""
    if not isinstance(records, dict) or records.get("format") != FORMAT:
        raise ValueError("This is not a child's file from Safeguard.")
    if records.get("version") != VERSION:
        raise ValueError(f"This child's file is version {records.get('version')!r}; this Safeguard reads version {VERSION}.")
    made_at = _hydrate(records.get("made_at"), "made_at")
    if not isinstance(made_at, datetime):
        made_at = timezone.now()
    return render_to_string(
        "desk/child_file/document.html", _context(records, made_by="the previous school", made_at=made_at, received=True)
    )


def render_records_html(records: dict, *, made_by, made_at: datetime, extra: dict | None = None, request=None) -> str:
    """The document of records in the child's file's shape made for another purpose (a subject
    access request's response, issue 19), by the same template. ``extra`` adds to the template's
    context: ``doc_title`` (instead of "Child protection file: <name>") and ``appendix`` (a
    template included at the end of the document, with the same context)."""
    context = {**_context(records, made_by=_who(made_by), made_at=made_at), **(extra or {})}
    return render_to_string("desk/child_file/document.html", context, request=request)


def render_records_pdf(records: dict, *, made_by, made_at: datetime, extra: dict | None = None) -> bytes:
    """The same as a PDF, with the child's file's marking, header and footer on every page."""
    ok, why = pdf_available()
    if not ok:
        raise RuntimeError(why)
    import weasyprint

    context = {**_context(records, made_by=_who(made_by), made_at=made_at), **(extra or {})}
    html = render_to_string("desk/child_file/pdf.html", context)
    static = settings.BASE_DIR / "safeguard" / "static"
    return weasyprint.HTML(string=html, base_url=str(static)).write_pdf()


def _who(made_by) -> str:
    return getattr(made_by, "full_name", None) or str(made_by)
