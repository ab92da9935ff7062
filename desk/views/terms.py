"""The school's term dates and INSET days, one school year at a time: the DSL sees, changes and
confirms them; deputies and the head teacher read them (the reports' terms come from them)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from desk.term_forms import TermDatesForm
from safeguard.forms import add_service_errors
from safeguard.permissions import roles_at
from safeguard.roles import READS_ALL_CASES, can_change_school_settings
from safeguard.school_days import school_days_between
from safeguard.selectors import current_school, school_years, year_dates_of
from safeguard.services import term_dates_save
from safeguard.terms import FIRST_YEAR, LAST_YEAR, academic_year_of, england_default, year_label
from safeguard.workdays import bank_holiday_name

#: Who may read the term dates: those who read the reports built on them (DSL, deputies, head).
READERS = READS_ALL_CASES


def _year_asked(value: str | None, this_year: int) -> tuple[int, str]:
    """The school year asked for (``?year=2025``), or this one with a message saying why not."""
    if value is None or not value.strip():
        return this_year, ""
    text = value.strip()[:20]
    latest = min(this_year + 1, LAST_YEAR)
    if text.isascii() and text.isdigit() and FIRST_YEAR <= int(text) <= latest:
        return int(text), ""
    return this_year, (
        f"There are no term dates to show for “{text}”: choose a school year from {year_label(FIRST_YEAR)} "
        f"to {year_label(latest)}. Showing {year_label(this_year)}."
    )


def _url(start_year: int) -> str:
    return f"{reverse('school_terms')}?{urlencode({'year': start_year})}"


def _saved_words(saved, label: str) -> str:
    if saved.confirmed and saved.changed:
        return f"Term dates for {label} saved and confirmed."
    if saved.confirmed:
        return f"Term dates for {label} confirmed."
    if saved.unconfirmed:
        return f"Term dates for {label} saved. The change needs confirming again: tick the box when you have checked them."
    if saved.changed:
        return f"Term dates for {label} saved. They are not confirmed yet: tick the box when you have checked them."
    return f"Nothing changed in the term dates for {label}."


def school_terms(request):
    school = current_school(request)
    roles = roles_at(request.user, school.pk) if school is not None else frozenset()
    if school is None or not set(roles) & READERS:
        raise PermissionDenied("Term dates are for the school's Designated Safeguarding Leads and head teacher.")
    can_change = can_change_school_settings(roles)
    if request.method == "POST" and not can_change:
        raise PermissionDenied("Only the school's Designated Safeguarding Lead can change its term dates.")
    this_year = academic_year_of(timezone.localdate())
    start_year, year_problem = _year_asked(request.GET.get("year"), this_year)
    label = year_label(start_year)
    row = school_years(school.pk, [start_year]).get(start_year)
    current = year_dates_of(row) if row is not None else england_default(start_year)
    form = None
    if can_change:
        notes = {d.day: d.note for d in row.inset_days.all()} if row is not None else {}
        data = request.POST if request.method == "POST" else None
        form = TermDatesForm(data, start_year=start_year, current=current, notes=notes)
        if request.method == "POST" and form.is_valid():
            try:
                saved = term_dates_save(
                    actor=request.user,
                    school=school,
                    start_year=start_year,
                    terms=form.terms,
                    inset_days=form.inset_days,
                    confirm=form.cleaned_data["confirm"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _saved_words(saved, label))
                return redirect(_url(start_year))
    calendar = {start_year: current}
    first, last = current.first_day, current.last_day
    holidays_in_term = [
        (day, bank_holiday_name(day))
        for term in current.terms
        for day in (term.first_day + timedelta(days=n) for n in range((term.last_day - term.first_day).days + 1))
        if term.in_term_time(day) and day.weekday() < 5 and bank_holiday_name(day)
    ]
    return render(
        request,
        "desk/school_terms.html",
        {
            "school": school,
            "form": form,
            "can_change": can_change,
            "dates": current,
            "record": row,
            "label": label,
            "year_problem": year_problem,
            "school_days": school_days_between(first - timedelta(days=1), last, calendar),
            "holidays_in_term": holidays_in_term,
            "inset_list": [(d.day, d.note) for d in row.inset_days.all()] if row is not None else [],
            "previous_url": _url(start_year - 1) if start_year > FIRST_YEAR else "",
            "previous_label": year_label(start_year - 1),
            "next_url": _url(start_year + 1) if start_year < min(this_year + 1, LAST_YEAR) else "",
            "next_label": year_label(start_year + 1),
            "is_this_year": start_year == this_year,
        },
    )
