"""The head's reports: the page, one CSV per table, and the printable governors' report.

Who may see them: the DSL, Deputy DSL and head teacher of the school (safeguard.roles.
can_view_reports). Anyone holding none of those roles anywhere gets 403; a school the user has
no such role at gets 404, so the page never confirms which schools exist. Exports (each CSV and
the governors' report) ask for the password and a code again if the last proof is over five
minutes old (docs/domain.md, "Security and data protection").
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from cases.access import cases_hidden_from
from desk.reports import periods, selectors, services, tables
from desk.reports.periods import MAX_YEARS, Filters, parse_filters
from safeguard.models import School, Trust
from safeguard.permissions import trust_lead_of, user_roles
from safeguard.roles import can_view_reports
from safeguard.selectors import current_school, school_calendar
from safeguard.terms import england_default
from safeguard.views.account import recent_authentication_required


def _filters(request) -> tuple[Filters, School, list[School]]:
    """The school and period asked for, checked against the user's roles (403 / 404)."""
    allowed = sorted(school_id for school_id, roles in user_roles(request.user).items() if can_view_reports(roles))
    if not allowed:
        raise PermissionDenied("Reports are for the school's Designated Safeguarding Leads and head teacher.")
    current = current_school(request)
    default = current.pk if current is not None and current.pk in allowed else allowed[0]
    params = {key: request.GET[key] for key in ("start", "end", "school") if key in request.GET}
    filters = parse_filters(params, today=timezone.localdate(), allowed_schools=allowed, default_school=default)
    if filters.school_refused:
        raise Http404("No such school.")
    schools = list(School.objects.filter(pk__in=allowed).order_by("name"))
    school = next(s for s in schools if s.pk == filters.school_id)
    return filters, school, schools


def _query(filters: Filters, school: School) -> str:
    values = {"school": school.pk}
    if filters.period:
        values.update(filters.period.as_query())
    return urlencode(values)


def _periods(filters: Filters, school: School, today) -> dict:
    """The school years and terms offered as periods (from the school's term dates, or the England
    default), the one asked for if it is one, and the period it is compared with."""
    calendar = school_calendar(school.pk, periods.calendar_years(today, filters.period))
    known = periods.academic_periods(calendar)
    offered = [
        {"named": p, "query": urlencode({"school": school.pk, **p.as_query()}), "current": p.period == filters.period}
        for p in periods.offered_periods(known, today)
    ]
    chosen = periods.named(filters.period, known) if filters.period else None
    previous = periods.previous_period(filters.period, known) if filters.period else None
    return {
        "offered_periods": offered,
        "chosen_period": chosen,
        "previous_period": previous,
        "default_dates": any(item["named"].default_dates for item in offered),
    }


@require_GET
def reports(request):
    filters, school, schools = _filters(request)
    today = timezone.localdate()
    context = {
        "filters": filters,
        "school": school,
        "schools": schools,
        "max_years": MAX_YEARS,
        "verification": selectors.last_verification(),
        "query": _query(filters, school),
        **_periods(filters, school, today),
    }
    if filters.period is not None:
        context.update(tables.report_page(school, filters.period, today, hidden=cases_hidden_from(request.user, school.pk)))
    return render(request, "desk/reports/reports.html", context)


@require_GET
@recent_authentication_required
def report_export(request, table: str):
    if table not in tables.TABLES:
        raise Http404("No such table.")
    filters, school, _ = _filters(request)
    if filters.period is None:
        message = " ".join(filters.errors.values()) or "Choose a period."
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    export = services.report_export(
        actor=request.user,
        school=school,
        period=filters.period,
        table=table,
        today=timezone.localdate(),
        hidden=cases_hidden_from(request.user, school.pk),
    )
    response = HttpResponse(export.content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


@require_GET
@recent_authentication_required
def governors_report(request):
    filters, school, _ = _filters(request)
    today = timezone.localdate()
    context = {"filters": filters, "school": school, "query": _query(filters, school), **_periods(filters, school, today)}
    status = 200
    if filters.period is None:
        status = 400
    else:
        summary = services.governors_report_prepare(
            actor=request.user,
            school=school,
            period=filters.period,
            previous=context["previous_period"].period,
            today=today,
        )
        context.update(
            {
                "period": filters.period,
                "summary": summary,
                "figures": tables.governors_figures(summary),
                "generated_at": timezone.now(),
            }
        )
        if summary["total"]:
            context["charts"] = tables.governors_charts(summary)
    return render(request, "desk/reports/governors.html", context, status=status)


# --- The trust report (the trust's safeguarding lead) ---------------------------------------------


def _trust_filters(request) -> tuple[Filters, Trust, list[Trust]]:
    """The trust and period asked for: 403 for anyone who leads no trust; 404 for a trust they do
    not lead, so the page never confirms which trusts exist."""
    allowed = sorted(trust_lead_of(request.user))
    if not allowed:
        raise PermissionDenied("The trust report is for the trust's safeguarding lead.")
    params = {key: request.GET[key] for key in ("start", "end") if key in request.GET}
    # The reports page's period rules and messages; there is no school to choose here, so its half is unused.
    filters = parse_filters(params, today=timezone.localdate(), allowed_schools=[0], default_school=0)
    trusts = list(Trust.objects.filter(pk__in=allowed).order_by("name"))
    wanted = request.GET.get("trust")
    if wanted in (None, ""):
        return filters, trusts[0], trusts
    chosen = next((t for t in trusts if str(t.pk) == str(wanted).strip()), None)
    if chosen is None:
        raise Http404("No such trust.")
    return filters, chosen, trusts


def _trust_periods(filters: Filters, trust: Trust, today) -> dict:
    """School years and terms to choose from: England's default dates (the trust's schools may
    each have set their own, a few days apart)."""
    known = periods.academic_periods({year: england_default(year) for year in periods.calendar_years(today, filters.period)})
    offered = [
        {"named": p, "query": urlencode({"trust": trust.pk, **p.as_query()}), "current": p.period == filters.period}
        for p in periods.offered_periods(known, today)
    ]
    return {"offered_periods": offered, "chosen_period": periods.named(filters.period, known) if filters.period else None}


@require_GET
def trust_report(request):
    """Every school of the trust side by side, and the trust's totals: figures only."""
    filters, trust, trusts = _trust_filters(request)
    today = timezone.localdate()
    query = {"trust": trust.pk, **(filters.period.as_query() if filters.period else {})}
    context = {
        "filters": filters,
        "trust": trust,
        "trusts": trusts,
        "max_years": MAX_YEARS,
        "query": urlencode(query),
        **_trust_periods(filters, trust, today),
    }
    if filters.period is not None:
        context["report"] = services.trust_report_prepare(actor=request.user, trust=trust, period=filters.period, today=today)
    return render(request, "desk/reports/trust.html", context)


@require_GET
@recent_authentication_required
def trust_report_export(request):
    filters, trust, _ = _trust_filters(request)
    if filters.period is None:
        message = " ".join(filters.errors.values()) or "Choose a period."
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    export = services.trust_report_export(actor=request.user, trust=trust, period=filters.period, today=timezone.localdate())
    response = HttpResponse(export.content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response
