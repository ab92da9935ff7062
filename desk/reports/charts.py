"""Charts a head can read at a glance: plain data in, accessible inline SVG out. Pure: no
database, no request, no JavaScript, no style attributes (colours come from app.css classes, so
the strict Content-Security-Policy holds).

Each chart is a ``<figure>`` holding an ``<svg role="img">`` with a title and a one-sentence
description, and beside it the same figures as a table, for screen readers and for print.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
BAR_HEIGHT = 26
BAR_GAP = 10
LABEL_WIDTH = 230
VALUE_ROOM = 48
LABEL_CHARS = 32


@dataclass(frozen=True)
class Datum:
    label: str  # as in the table
    value: int | float
    short: str = ""  # shorter label for the chart, if the table's is long

    @property
    def chart_label(self) -> str:
        text = self.short or self.label
        return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1].rstrip() + "…"


def _number(value: int | float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _summary(data: Sequence[Datum], unit: str) -> str:
    total = sum(d.value for d in data)
    top = max(data, key=lambda d: d.value)
    return f"{_number(total)} {unit} in all; the most: {top.label}, {_number(top.value)}."


def _table(chart_id: str, title: str, data: Sequence[Datum], label_heading: str, value_heading: str) -> SafeString:
    rows = mark_safe(  # noqa: S308 - every value is escaped by format_html
        "".join(
            format_html('<tr><th scope="row">{}</th><td class="text-end">{}</td></tr>', d.label, _number(d.value)) for d in data
        )
    )
    return format_html(
        '<table class="table table-sm sg-chart__table" id="{}-table"><caption>{}</caption>'
        '<thead><tr><th scope="col">{}</th><th scope="col" class="text-end">{}</th></tr></thead><tbody>{}</tbody></table>',
        chart_id,
        f"{title}: the figures",
        label_heading,
        value_heading,
        rows,
    )


def _figure(chart_id: str, title: str, svg: SafeString, table: SafeString) -> SafeString:
    return format_html(
        '<figure class="sg-chart" id="{}"><div class="sg-chart__graphic">{}</div><div class="sg-chart__data">{}</div></figure>',
        chart_id,
        svg,
        table,
    )


def _svg_open(chart_id: str, title: str, description: str, height: int) -> SafeString:
    return format_html(
        '<svg class="sg-chart__svg" role="img" aria-labelledby="{0}-title {0}-desc" viewBox="0 0 {1} {2}" '
        'width="100%" preserveAspectRatio="xMinYMin meet" focusable="false" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{0}-title">{3}</title><desc id="{0}-desc">{4}</desc>',
        chart_id,
        WIDTH,
        height,
        title,
        description,
    )


def bar_chart(
    *, chart_id: str, title: str, data: Sequence[Datum], label_heading: str, value_heading: str, unit: str = "disclosures"
) -> SafeString:
    """Horizontal bars, one per category, longest first as given; the table beside it."""
    if not data:
        return format_html('<p class="sg-chart__empty">{}</p>', "None recorded in this period.")
    peak = max((d.value for d in data), default=0) or 1
    height = len(data) * (BAR_HEIGHT + BAR_GAP) + BAR_GAP
    room = WIDTH - LABEL_WIDTH - VALUE_ROOM
    parts = [_svg_open(chart_id, title, f"Bar chart. {_summary(data, unit)} The figures are in the table beside it.", height)]
    for index, d in enumerate(data):
        y = BAR_GAP + index * (BAR_HEIGHT + BAR_GAP)
        width = round(room * d.value / peak, 1)
        parts.append(
            format_html(
                '<g class="sg-chart__bar"><title>{label}: {value}</title>'
                '<text class="sg-chart__label" x="{lx}" y="{ty}" text-anchor="end">{short}</text>'
                '<rect class="sg-chart__rect" x="{x}" y="{y}" width="{w}" height="{h}"></rect>'
                '<text class="sg-chart__value" x="{vx}" y="{ty}">{value}</text></g>',
                label=d.label,
                value=_number(d.value),
                lx=LABEL_WIDTH - 8,
                ty=y + BAR_HEIGHT - 8,
                short=d.chart_label,
                x=LABEL_WIDTH,
                y=y,
                w=width,
                h=BAR_HEIGHT,
                vx=round(LABEL_WIDTH + width + 6, 1),
            )
        )
    parts.append(mark_safe("</svg>"))
    svg = mark_safe("".join(str(p) for p in parts))  # noqa: S308 - built from format_html pieces
    return _figure(chart_id, title, svg, _table(chart_id, title, data, label_heading, value_heading))


def column_chart(
    *, chart_id: str, title: str, data: Sequence[Datum], label_heading: str, value_heading: str, unit: str = "disclosures"
) -> SafeString:
    """Vertical columns in time order (months); labels thinned out when there are many."""
    if not data:
        return format_html('<p class="sg-chart__empty">{}</p>', "None recorded in this period.")
    peak = max((d.value for d in data), default=0) or 1
    top, bottom, left = 24, 42, 8
    plot_height = 180
    height = top + plot_height + bottom
    slot = (WIDTH - 2 * left) / len(data)
    bar = max(slot * 0.7, 1)
    every = 1 if len(data) <= 12 else 3 if len(data) <= 36 else 12
    show_values = len(data) <= 24
    parts = [_svg_open(chart_id, title, f"Column chart. {_summary(data, unit)} The figures are in the table beside it.", height)]
    parts.append(
        format_html(
            '<line class="sg-chart__axis" x1="{}" y1="{}" x2="{}" y2="{}"></line>',
            left,
            top + plot_height,
            WIDTH - left,
            top + plot_height,
        )
    )
    for index, d in enumerate(data):
        x = left + index * slot + (slot - bar) / 2
        h = plot_height * d.value / peak
        y = top + plot_height - h
        label = ""
        if index % every == 0:
            # "Mar 2025" is written as "Mar", with the year beneath on the first column and each January.
            word, _, year = d.chart_label.partition(" ")
            first_of_year = index == 0 or word == "Jan"
            label = format_html(
                '<text class="sg-chart__label" x="{x}" y="{y}" text-anchor="middle">{word}</text>{year}',
                x=round(x + bar / 2, 1),
                y=top + plot_height + 16,
                word=word,
                year=format_html(
                    '<text class="sg-chart__label" x="{}" y="{}" text-anchor="middle">{}</text>',
                    round(x + bar / 2, 1),
                    top + plot_height + 32,
                    year,
                )
                if year and first_of_year
                else "",
            )
        value = ""
        if show_values:
            value = format_html(
                '<text class="sg-chart__value" x="{}" y="{}" text-anchor="middle">{}</text>',
                round(x + bar / 2, 1),
                round(y - 5, 1),
                _number(d.value),
            )
        parts.append(
            format_html(
                '<g class="sg-chart__bar"><title>{}: {}</title>'
                '<rect class="sg-chart__rect" x="{}" y="{}" width="{}" height="{}"></rect>{}{}</g>',
                d.label,
                _number(d.value),
                round(x, 1),
                round(y, 1),
                round(bar, 1),
                round(h, 1),
                value,
                label,
            )
        )
    parts.append(mark_safe("</svg>"))
    svg = mark_safe("".join(str(p) for p in parts))  # noqa: S308 - built from format_html pieces
    return _figure(chart_id, title, svg, _table(chart_id, title, data, label_heading, value_heading))


def data_from_rows(rows: Sequence[tuple], short: dict[str, str] | None = None) -> list[Datum]:
    """Chart data from a report table's (label, value, …) rows."""
    short = short or {}
    return [Datum(str(row[0]), row[1], short.get(str(row[0]), "")) for row in rows]
