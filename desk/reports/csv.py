"""Rows to CSV, safe to open in a spreadsheet. Pure: no database, no request.

Formula injection (OWASP, "CSV Injection"): a spreadsheet runs a cell that starts with ``=``,
``+``, ``-`` or ``@`` (and, in some, a tab or carriage return before one) as a formula, so a name
or rationale typed as ``=HYPERLINK(...)`` could act when the file is opened. Every text cell that
starts with one of those characters is prefixed with a single quote, which spreadsheets show as
text. Numbers Safeguard computed itself are written as numbers.

Full-width forms (``＝``, ``＋``, ``－``, ``＠``) count too: some spreadsheets fold them to their
ASCII twins when they read a file, so the check is made on the text folded the same way (NFKC).

The file starts with a UTF-8 byte-order mark so Excel reads accented names correctly.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

from desk.reports.periods import LONDON

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
BOM = "\ufeff"


def safe_text(text: str) -> str:
    """``text`` made inert for a spreadsheet: a leading formula character gets a ``'`` before it."""
    folded = unicodedata.normalize("NFKC", text[:8])
    return f"'{text}" if text.startswith(FORMULA_STARTS) or folded.startswith(FORMULA_STARTS) else text


def csv_cell(value) -> str | int | float | Decimal:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime):
        return value.astimezone(LONDON).strftime("%Y-%m-%d %H:%M") if value.tzinfo else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return round(value.total_seconds() / 3600, 2)
    return safe_text(str(value))


def rows_to_csv(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """A CSV document (with a BOM and a header row) of ``rows``, every cell made safe."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_text(str(name)) for name in header])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue()
