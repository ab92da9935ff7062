"""The term dates form: one school year's three terms (with their half-term breaks) and its INSET
days, in one form. Its checks are ``safeguard.terms.problems``, shown beside the field each is
about; the service runs them again."""

from __future__ import annotations

from datetime import date

from django import forms

from safeguard.forms import KeepUnsentFieldsMixin
from safeguard.terms import INSET_DAYS_A_YEAR, TERM_NAMES, Problem, Term, YearDates, problems

#: INSET rows on the form: a year's five, and room for a sixth or a day moved.
INSET_ROWS = INSET_DAYS_A_YEAR + 3
DATE_HINT = "for example 2025-09-01"
TERM_PARTS = {
    "first_day": "First day",
    "last_day": "Last day",
    "half_term_first": "Half-term break: first day off",
    "half_term_last": "Half-term break: last day off",
}


def _date_field(label: str, *, required: bool, what: str) -> forms.DateField:
    """A date field; ``what`` names the date in a message ("the first day of the autumn term")."""
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": f"Give {what}.", "invalid": f"Enter {what} as a date, {DATE_HINT}."},
    )


def _lower(words: str) -> str:
    return words[:1].lower() + words[1:]


class TermDatesForm(KeepUnsentFieldsMixin, forms.Form):
    """Fields ``term_<n>_<part>`` for each term, ``inset_<n>_day`` and ``inset_<n>_note`` for each
    INSET day, and ``confirm``. A field the request did not send keeps what is stored (a stale or
    half-loaded page never wipes an INSET day)."""

    confirm = forms.BooleanField(
        label="I have checked these dates against the school's published term dates",
        required=False,
        help_text="Confirming tells everyone who uses them (the reports' terms, school-day deadlines) that they are right.",
    )

    def __init__(self, *args, start_year: int, current: YearDates, notes: dict[date, str] | None = None, **kwargs):
        # The stored dates are the form's initial values, so the mixin can keep any field unsent.
        kwargs["initial"] = {**_initial(current, notes or {}), **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        self.start_year = start_year

    # What the page shows, row by row.
    def term_rows(self) -> list[dict]:
        return [
            {"name": name, "index": index, "fields": [self[f"term_{index}_{part}"] for part in TERM_PARTS]}
            for index, name in enumerate(TERM_NAMES)
        ]

    def inset_rows(self) -> list[dict]:
        return [
            {"number": index + 1, "day": self[f"inset_{index}_day"], "note": self[f"inset_{index}_note"]}
            for index in range(INSET_ROWS)
        ]

    def clean(self):
        cleaned = super().clean()
        terms: list[Term] = []
        for index, name in enumerate(TERM_NAMES):
            values = {part: cleaned.get(f"term_{index}_{part}") for part in TERM_PARTS}
            if values["first_day"] is None or values["last_day"] is None:
                return cleaned  # a missing or mistyped date has its own message already
            terms.append(Term(name, **values))
        inset_rows: list[int] = []
        inset_days: list[date] = []
        for index in range(INSET_ROWS):
            day, note = cleaned.get(f"inset_{index}_day"), (cleaned.get(f"inset_{index}_note") or "").strip()
            if day is None:
                if note and f"inset_{index}_day" not in self.errors:
                    self.add_error(f"inset_{index}_day", "Give the date of this INSET day, or clear its note.")
                continue
            inset_rows.append(index)
            inset_days.append(day)
        for problem in problems(self.start_year, terms, inset_days):
            self.add_error(self._field_of(problem, inset_rows), problem.message)
        self.terms = terms
        self.inset_days = [
            (day, (cleaned.get(f"inset_{index}_note") or "").strip()) for index, day in zip(inset_rows, inset_days, strict=True)
        ]
        return cleaned

    def _field_of(self, problem: Problem, inset_rows: list[int]) -> str | None:
        if problem.kind == "term" and problem.part:
            return f"term_{problem.index}_{problem.part}"
        if problem.kind == "inset":
            return f"inset_{inset_rows[problem.index]}_day"
        return None


def _fields() -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {}
    for index, name in enumerate(TERM_NAMES):
        for part, words in TERM_PARTS.items():
            what = f"the {_lower(words)} of the {_lower(name)}"
            if part.startswith("half_term"):
                what = f"the {_lower(words.split(': ')[1])} of the {_lower(name)}'s half-term break"
            fields[f"term_{index}_{part}"] = _date_field(words, required=part in ("first_day", "last_day"), what=what)
    for index in range(INSET_ROWS):
        fields[f"inset_{index}_day"] = _date_field("Date", required=False, what="the INSET day")
        fields[f"inset_{index}_note"] = forms.CharField(
            label="Note (optional)",
            required=False,
            max_length=120,
            error_messages={"max_length": "Keep the note to 120 characters or fewer."},
        )
    return fields


def _initial(current: YearDates, notes: dict[date, str]) -> dict:
    initial: dict = {}
    for index, term in enumerate(current.terms[: len(TERM_NAMES)]):
        for part in TERM_PARTS:
            initial[f"term_{index}_{part}"] = getattr(term, part)
    for index, day in enumerate(sorted(current.inset_days)[:INSET_ROWS]):
        initial[f"inset_{index}_day"] = day
        initial[f"inset_{index}_note"] = notes.get(day, "")
    return initial


TermDatesForm.base_fields.update(_fields())
