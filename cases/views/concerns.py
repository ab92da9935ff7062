"""Raising a concern (any member of staff) and triaging concerns (the DSLs)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from cases import selectors, services
from cases.access import get_case_for_user, get_concern_for_user
from cases.forms import ConcernForm, NoFurtherActionForm, PupilRecordForm
from cases.models import ConcernStatus
from cases.services.cases import concern_record_view
from cases.services.pupils import pupil_search_record
from cases.views.common import lead_school
from safeguard.forms import add_service_errors
from safeguard.permissions import roles_at
from safeguard.roles import CaseAction, can_raise_concern
from safeguard.selectors import current_school

SESSION_SENT_KEY = "safeguard_concern_sent"
QUERY_MAX = 100


def _raiser_school(request):
    school = current_school(request)
    if school is None or not can_raise_concern(roles_at(request.user, school.pk)):
        raise PermissionDenied("You need a role at a school to raise a concern.")
    return school


def _roll_search(request, school, raw: str) -> dict:
    """Pupils of the roll by name or UPN, for naming them in a concern: names, year group and the
    end of the UPN only (no case information, no photograph). Each search is audited (a count)."""
    query = " ".join(raw.replace("\x00", "").split())[:QUERY_MAX]
    too_short = len(query) < selectors.SEARCH_MIN_LENGTH
    pupils, more = ([], False) if too_short else selectors.search_roll(school, query)
    if not too_short:
        pupil_search_record(actor=request.user, school=school, results=len(pupils), more=more)
    return {"query": query, "too_short": too_short, "results": pupils, "more": more, "searched": bool(query)}


def concern_new(request):
    """Raise a concern. Searching the roll re-shows the form with what was typed kept (without
    JavaScript it is a button of the form; with it, the results come as the name is typed)."""
    school = _raiser_school(request)
    form = ConcernForm(request.POST or None, school=school, actor=request.user)
    search = {"query": "", "results": [], "searched": False, "too_short": False, "more": False}
    if request.method == "POST" and "find_pupil" in request.POST:
        search = _roll_search(request, school, request.POST.get("pupil_query", ""))
        form = ConcernForm(request.POST, school=school, actor=request.user)
        form.errors.clear()  # a search is not a send: no complaints about what is still to type
        return render(request, "cases/concern_form.html", {"school": school, "form": form, "search": search})
    if request.method == "POST" and form.is_valid():
        try:
            concern = services.concern_raise(actor=request.user, school=school, data=form.to_input())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            # Only the reference, time and urgency are kept for the thank-you page: never the content.
            request.session[SESSION_SENT_KEY] = {
                "reference": concern.reference,
                "at": concern.raised_at.isoformat(),
                "urgent": concern.urgent,
            }
            return redirect("concern_sent")
    return render(request, "cases/concern_form.html", {"school": school, "form": form, "search": search})


@require_GET
def concern_pupil_search(request):
    """The roll, as the name is typed (htmx): tick boxes to name pupils in a concern."""
    school = _raiser_school(request)
    context = {"school": school, **_roll_search(request, school, request.GET.get("pupil_query") or request.GET.get("q", ""))}
    response = render(request, "cases/includes/concern_pupil_results.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_GET
def concern_sent(request):
    sent = request.session.get(SESSION_SENT_KEY)
    return render(request, "cases/concern_sent.html", {"sent": sent})


@require_GET
def concern_list(request):
    school = lead_school(request)
    return render(
        request,
        "cases/concern_list.html",
        {
            "school": school,
            "queue": selectors.triage_queue(school, user=request.user),
            "done": selectors.concerns_dealt_with(school, user=request.user),
        },
    )


def _detail(request, concern, **forms):
    return render(
        request,
        "cases/concern_detail.html",
        {
            "concern": concern,
            "pupils": selectors.concern_pupils(concern),
            "open_cases": selectors.open_cases_for_concern(request.user, concern),
            "earlier": selectors.earlier_concerns(concern, user=request.user),
            "form": forms.get("form") or NoFurtherActionForm(),
            "record_form": forms.get("record_form") or PupilRecordForm(prefix="record"),
            "is_new": concern.status == ConcernStatus.NEW,
        },
    )


@require_GET
def concern_detail(request, pk: int):
    concern = get_concern_for_user(request.user, pk)
    concern_record_view(actor=request.user, concern=concern)
    return _detail(request, concern)


@require_POST
def concern_nfa(request, pk: int):
    concern = get_concern_for_user(request.user, pk)
    form = NoFurtherActionForm(request.POST)
    if form.is_valid():
        try:
            services.concern_no_further_action(actor=request.user, concern=concern, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Concern {concern.reference}: no further action, with your reason recorded.")
            return redirect("concern_list")
    return _detail(request, concern, form=form)


@require_POST
def concern_pupil_record(request, pk: int):
    concern = get_concern_for_user(request.user, pk)
    form = PupilRecordForm(request.POST, prefix="record")
    if form.is_valid():
        try:
            services.concern_keep_on_pupil_record(actor=request.user, concern=concern, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Concern {concern.reference} is kept on the pupil's record, with your reason.")
            return redirect("concern_list")
    return _detail(request, concern, record_form=form)


@require_POST
def concern_add_to_case(request, pk: int, case_id: int):
    concern = get_concern_for_user(request.user, pk)
    case = get_case_for_user(request.user, case_id, CaseAction.MANAGE)
    if case.school_id != concern.school_id:
        raise Http404("No such case for this concern.")
    try:
        services.concern_add_to_case(actor=request.user, concern=concern, case=case)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("concern_detail", pk=concern.pk)
    if request.POST.get("then") == "facts":
        messages.success(
            request,
            f"Concern {concern.reference} is now part of case {case.reference}, in its chronology. "
            "Change the facts it adds below: when you save, the case is assessed again.",
        )
        return redirect("case_facts_edit", pk=case.pk)
    messages.success(
        request,
        f"Concern {concern.reference} is now part of case {case.reference}, in its chronology. "
        "If it changes the facts, choose “Change the facts”: the case is assessed again.",
    )
    return redirect("case_detail", pk=case.pk)
