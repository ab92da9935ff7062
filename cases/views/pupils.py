"""Pupil views: import from the MIS, search while typing, correct a pupil record.

Only the school's Designated Safeguarding Leads (DSL, Deputy DSL) use these. Import and search
work in the current school (403 for anyone else); an import or a pupil is reached only through a
school where the user is a lead (404 otherwise: another school's pupils are never revealed).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from cases import pupil_import as mis
from cases.access import get_pupil_for_lead, get_pupil_import_for_lead
from cases.forms import PupilEditForm, PupilImportForm, RollFeedForm
from cases.models import PupilImport, RollFeed
from cases.selectors import SEARCH_MIN_LENGTH, nightly_imports, recent_pupil_imports, search_pupils
from cases.services.pupils import (
    pupil_import_apply,
    pupil_import_preview,
    pupil_import_view,
    pupil_record_view,
    pupil_search_record,
    pupil_update,
)
from cases.services.roll_feed import roll_feed_save, roll_root
from cases.views.common import lead_school
from safeguard.forms import add_service_errors
from safeguard.permissions import roles_at
from safeguard.roles import SAFEGUARDING_LEADS, can_manage_staff
from safeguard.selectors import current_school

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
        {
            "school": school,
            "form": form,
            "imports": recent_pupil_imports(school),
            "headings": mis.accepted_headings(),
            "feed": RollFeed.objects.filter(school=school).first(),
        },
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
            "failed": record.status == PupilImport.Status.FAILED,
            "marked_left": record.report.get("left_by_absence", 0),
            "left_pupils": record.report.get("left_pupils", []),
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


def roll_feed(request):
    """The nightly import from the MIS (issue 20). The IT admin sets it up; the DSLs see how it went.

    The page shows the folder, the last look and the nightly files' outcomes: counts and reasons,
    never a pupil (the IT admin never reads pupil data; the DSLs open a file's report from the
    pupils page)."""
    school = current_school(request)
    held = roles_at(request.user, school.pk) if school is not None else frozenset()
    manages = can_manage_staff(held)
    if school is None or not (manages or held & SAFEGUARDING_LEADS):
        raise PermissionDenied("Only the school's IT administrator and Designated Safeguarding Leads can see the nightly import.")
    feed = RollFeed.objects.filter(school=school).first()
    form = None
    if manages:
        initial = {"enabled": True, "settle_minutes": 10, "preset": RollFeed.Preset.SIMS}
        if feed is not None:
            initial = {
                "enabled": feed.enabled,
                "folder": feed.folder,
                "preset": feed.preset,
                "settle_minutes": feed.settle_minutes,
            }
            initial.update({f"heading_{name}": text for name, text in feed.headings.items()})
        form = RollFeedForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                roll_feed_save(
                    actor=request.user,
                    school=school,
                    folder=form.cleaned_data["folder"],
                    preset=form.cleaned_data["preset"],
                    headings=form.headings(),
                    settle_minutes=form.cleaned_data["settle_minutes"],
                    enabled=form.cleaned_data["enabled"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "The nightly import is saved. Safeguard looks at the folder every 10 minutes.")
                return redirect("roll_feed")
    elif request.method == "POST":
        raise PermissionDenied("Only the school's IT administrator can set up the nightly import.")
    return render(
        request,
        "cases/pupils/roll_feed.html",
        {
            "school": school,
            "feed": feed,
            "form": form,
            "root": roll_root(),
            "nightly": nightly_imports(school),
            "is_lead": bool(held & SAFEGUARDING_LEADS),
            "presets": mis.MIS_PRESETS,
            "labels": mis.FIELD_LABELS,
        },
    )
