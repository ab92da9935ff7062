"""Pupil views: import from the MIS, search while typing, correct a pupil record.

Only the school's Designated Safeguarding Leads (DSL, Deputy DSL) use these. Import and search
work in the current school (403 for anyone else); an import or a pupil is reached only through a
school where the user is a lead (404 otherwise: another school's pupils are never revealed).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from cases import pupil_import as mis
from cases.access import get_pupil_for_lead, get_pupil_import_for_lead
from cases.forms import PupilEditForm, PupilImportForm
from cases.models import PupilImport
from cases.selectors import SEARCH_MIN_LENGTH, recent_pupil_imports, search_pupils
from cases.services.pupils import (
    pupil_import_apply,
    pupil_import_preview,
    pupil_import_view,
    pupil_record_view,
    pupil_search_record,
    pupil_update,
)
from cases.views.common import lead_school
from safeguard.forms import add_service_errors

# --- Views ---------------------------------------------------------------------------------------


def pupil_import(request):
    """Upload an MIS export: it is checked (a dry run) and the report shown before anything changes."""
    school = lead_school(request)
    form = PupilImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            record = pupil_import_preview(actor=request.user, school=school, filename=upload.name, data=upload.read())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("pupil_import_detail", pk=record.pk)
    return render(
        request,
        "cases/pupils/import.html",
        {"school": school, "form": form, "imports": recent_pupil_imports(school), "headings": mis.accepted_headings()},
    )


def pupil_import_detail(request, pk: int):
    """GET: the report of the dry run. POST: import it, whole or not at all."""
    record = get_pupil_import_for_lead(request.user, pk)
    if request.method == "POST":
        try:
            record = pupil_import_apply(actor=request.user, pupil_import=record)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _applied_message(record))
        return redirect("pupil_import_detail", pk=record.pk)
    report = mis.report_from_json(record.report)
    pupil_import_view(actor=request.user, pupil_import=record)
    return render(
        request,
        "cases/pupils/import_detail.html",
        {
            "record": record,
            "report": report,
            "applied": record.status == PupilImport.Status.APPLIED,
            "can_apply": record.status == PupilImport.Status.PREVIEWED and report.can_apply,
        },
    )


def _applied_message(record: PupilImport) -> str:
    report = mis.report_from_json(record.report)
    message = (
        f"{record.filename} is imported: {_count(report.added, 'pupil')} added, {report.changed} changed, "
        f"{report.unchanged} unchanged."
    )
    if report.reassessed_cases:
        message += f" {_count(report.reassessed_cases, 'open case')} re-assessed against the police-referral criteria."
    return message


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


@require_GET
def pupil_search(request):
    """Find a pupil while typing (htmx: pick buttons for the disclosure form), or as a page."""
    school = lead_school(request)
    query = " ".join(request.GET.get("q", "").replace("\x00", "").split())[:100]
    too_short = len(query) < SEARCH_MIN_LENGTH
    pupils, more = ([], False) if too_short else search_pupils(school, query)
    if not too_short:
        # Who searched, when and how many were found; never the words (they may be a child's name).
        pupil_search_record(actor=request.user, school=school, results=len(pupils), more=more)
    context = {"school": school, "query": query, "too_short": too_short, "pupils": pupils, "more": more}
    template = "cases/pupils/_search_results.html" if request.htmx else "cases/pupils/search.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def pupil_edit(request, pk: int):
    """Correct one pupil record, with a reason. Date of birth or flag changes re-assess open cases."""
    pupil = get_pupil_for_lead(request.user, pk)
    form = PupilEditForm(request.POST or None, initial=PupilEditForm.initial_for(pupil))
    if request.method == "POST" and form.is_valid():
        try:
            result = pupil_update(actor=request.user, pupil=pupil, changes=form.changes(), reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if not result.fields:
                form.add_error(None, "Nothing in the record was changed. Change what is wrong, or go back without saving.")
            else:
                message = f"The record for {result.pupil.full_name} is saved."
                if result.reassessed_cases:
                    message += (
                        f" {_count(result.reassessed_cases, 'open case')} re-assessed against the police-referral criteria."
                    )
                messages.success(request, message)
                return redirect("pupil_detail", pk=pupil.pk)
    if request.method == "GET":
        pupil_record_view(actor=request.user, pupil=pupil, page="edit")
    return render(request, "cases/pupils/edit.html", {"pupil": pupil, "form": form})
