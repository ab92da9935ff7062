"""A school's term dates and INSET days, set and confirmed by its Designated Safeguarding Lead.

School days (``safeguard.school_days``) count from them: the transfer of a child protection file
within 5 school days (KCSIE), and the reports' terms. Until the DSL confirms a year, pages say its
dates are the England default (or the school's own, not yet confirmed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from safeguard.audit import audit_record
from safeguard.models import InsetDay, School, SchoolTerm, SchoolYear, User
from safeguard.permissions import roles_at
from safeguard.roles import can_change_school_settings
from safeguard.selectors import year_dates_of
from safeguard.terms import FIRST_YEAR, LAST_YEAR, Term, england_default, problems, year_label

CHANGED = "safeguard.school.terms_changed"
CONFIRMED = "safeguard.school.terms_confirmed"


@dataclass(frozen=True)
class TermDatesSaved:
    changed: bool  # the dates or INSET days are not what they were
    confirmed: bool  # the DSL confirmed them with this save
    unconfirmed: bool  # a change cleared an earlier confirmation


def _as_record(terms: Sequence[Term], inset_days: Sequence[tuple[date, str]]) -> tuple:
    return (
        tuple((t.name, t.first_day, t.last_day, t.half_term_first, t.half_term_last) for t in terms),
        tuple(sorted((day, note.strip()) for day, note in inset_days)),
    )


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


@transaction.atomic
def term_dates_save(
    *,
    actor: User,
    school: School,
    start_year: int,
    terms: Sequence[Term],
    inset_days: Sequence[tuple[date, str]],
    confirm: bool,
) -> TermDatesSaved:
    """The DSL sets a school year's terms (with their half-term breaks) and INSET days, and may
    confirm them. A change the DSL does not confirm clears an earlier confirmation: what is
    confirmed is always exactly what was checked. Audited with the dates themselves (never the
    INSET days' notes), so the log shows every version."""
    if not can_change_school_settings(roles_at(actor, school.pk)):
        raise ValidationError("Only the school's Designated Safeguarding Lead can change its term dates.")
    if not FIRST_YEAR <= start_year <= LAST_YEAR:
        raise ValidationError(f"Choose a school year from {year_label(FIRST_YEAR)} to {year_label(LAST_YEAR)}.")
    found = problems(start_year, terms, [day for day, _ in inset_days])
    if found:
        raise ValidationError([problem.message for problem in found])

    row = SchoolYear.objects.select_for_update().filter(school=school, start_year=start_year).first()
    if row is not None:
        stored = year_dates_of(row)
        notes = {d.day: d.note for d in row.inset_days.all()}
        before = _as_record(stored.terms, [(day, notes.get(day, "")) for day in stored.inset_days])
    else:
        before = _as_record(england_default(start_year).terms, [])
    after = _as_record(terms, inset_days)
    changed = before != after
    was_confirmed = row is not None and row.confirmed_at is not None
    if not changed and (not confirm or was_confirmed):
        return TermDatesSaved(changed=False, confirmed=False, unconfirmed=False)

    now = timezone.now()
    created = row is None
    if created:
        row = SchoolYear.objects.create(school=school, start_year=start_year, updated_by=actor, updated_at=now)
    dates = {
        "year": start_year,
        "terms": [[t.name, _iso(t.first_day), _iso(t.last_day), _iso(t.half_term_first), _iso(t.half_term_last)] for t in terms],
        "inset_days": sorted(day.isoformat() for day, _ in inset_days),
    }
    if changed or created:
        # A default confirmed as it is is stored too: what the DSL confirmed must not move if the
        # default's rules are refined later.
        _replace(row, terms, inset_days)
        row.updated_by, row.updated_at = actor, now
    if changed:
        audit_record(actor=actor, action=CHANGED, obj=row, school=school, extra=dates)
    if confirm:
        row.confirmed_by, row.confirmed_at = actor, now
        audit_record(actor=actor, action=CONFIRMED, obj=row, school=school, extra=dates)
    elif changed:
        row.confirmed_by, row.confirmed_at = None, None
    row.save()
    return TermDatesSaved(changed=changed, confirmed=confirm, unconfirmed=changed and was_confirmed and not confirm)


def _replace(row: SchoolYear, terms: Sequence[Term], inset_days: Sequence[tuple[date, str]]) -> None:
    SchoolTerm.objects.filter(year=row, position__gte=len(terms)).delete()
    for position, term in enumerate(terms):
        SchoolTerm.objects.update_or_create(
            year=row,
            position=position,
            defaults={
                "name": term.name,
                "first_day": term.first_day,
                "last_day": term.last_day,
                "half_term_first": term.half_term_first,
                "half_term_last": term.half_term_last,
            },
        )
    InsetDay.objects.filter(year=row).delete()
    InsetDay.objects.bulk_create([InsetDay(year=row, day=day, note=note.strip()) for day, note in inset_days])
