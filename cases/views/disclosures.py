"""Recording a disclosure and changing what it says, always through a service."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cases import forms as case_forms
from cases import selectors, services
from cases.access import get_case_for_user, get_concern_for_user
from cases.models import NARRATIVE_LABELS, CaseChild, Concern, ConcernStatus, DisclosureDraft, OtherChild
from cases.views.common import lead_school, render_case_page
from safeguard.forms import add_service_errors
from safeguard.roles import CaseAction


def _concern_for(request, school) -> Concern | None:
    """The concern a case is opened from, through the gateway (never one about the DSL themself:
    for them it does not exist), still waiting for triage at this school."""
    raw = request.POST.get("concern") or request.GET.get("concern")
    if not raw:
        return None
    concern = get_concern_for_user(request.user, raw)
    if concern.school_id != school.pk or concern.status != ConcernStatus.NEW:
        raise Http404("No such concern waiting for triage.")
    return concern


def disclosure_new(request):
    """Record a disclosure. A draft is saved as the DSL types (see disclosure_draft)."""
    school = lead_school(request)
    concern = _concern_for(request, school)
    draft = DisclosureDraft.objects.filter(user=request.user, school=school).first()
    if request.method == "POST":
        bundle = case_forms.DisclosureForms(request.POST, school=school)
        if bundle.is_valid():
            try:
                case = services.disclosure_record(actor=request.user, school=school, data=bundle.to_input(), concern=concern)
            except ValidationError as error:
                bundle.apply_service_errors(error)
            else:
                messages.success(
                    request, f"Disclosure recorded as case {case.reference} and assessed against the police-referral criteria."
                )
                return redirect("case_detail", pk=case.pk)
        # Keep what was typed even if the tab is closed now.
        services.draft_save(user=request.user, school=school, data=dict(request.POST.lists()), concern=concern)
        messages.error(request, "Some answers need attention. They are marked below; nothing you typed has been lost.")
    elif draft is not None and request.GET.get("fresh") != "1":
        bundle = case_forms.DisclosureForms(school=school, draft=draft.data)
        concern = concern or draft.concern
    else:
        initial = {"disclosed_at": case_forms.local_now_for_input(), "concern": concern.pk if concern else None}
        pupil_rows = []
        if concern is not None:
            # From the concern's own fields: when the child told, and whom (the member of staff who
            # raised it); the child's words go to the account, what was seen to the summary.
            initial |= {
                "summary": concern.what_happened[:2000],
                "disclosed_to": concern.raised_by.full_name,
                "child_account": concern.child_words,
                **({"adult_involvement": "staff", "staff_member": concern.staff_member_id} if concern.staff_member_id else {}),
            }
            if concern.happened_at:
                initial["disclosed_at"] = timezone.localtime(concern.happened_at).strftime(case_forms.DATETIME_LOCAL)
            pupil_rows = [{"pupil": link.pupil_id, "part": "harmed"} for link in concern.pupil_links.all()]
        bundle = case_forms.DisclosureForms(school=school, initial=initial, pupil_rows=pupil_rows)
    bundle.label_pupil_rows()
    return render(
        request,
        "cases/disclosure_form.html",
        {
            "school": school,
            "forms": bundle,
            "form": bundle.form,
            "draft": draft if request.method == "GET" else None,
            "concern": concern,
            "platform_suggestions": selectors.platform_suggestions(school),
        },
    )


@require_POST
def disclosure_draft(request):
    """Autosave (htmx): keeps the form as typed; answers with when it was saved."""
    school = lead_school(request)
    concern = _concern_for(request, school) if request.POST.get("concern") else None
    draft = services.draft_save(user=request.user, school=school, data=dict(request.POST.lists()), concern=concern)
    if draft is None:
        return HttpResponse("This draft is too long to save automatically. Save the disclosure to keep it.")
    return HttpResponse(f"Draft saved at {timezone.localtime(draft.updated_at):%H:%M:%S}.")


@require_POST
def disclosure_draft_discard(request):
    school = lead_school(request)
    services.draft_discard(user=request.user, school=school)
    messages.success(request, "The draft was discarded.")
    return redirect("disclosure_new")


def case_facts_edit(request, pk: int):
    case = get_case_for_user(request.user, pk, CaseAction.MANAGE)
    case = selectors.case_for_editing(case)
    form = case_forms.FactsChangeForm(request.POST or None, initial=case_forms.FactsChangeForm.initial_for(case))
    if request.method == "POST" and form.is_valid():
        data = services.DisclosureInput(summary="", disclosed_to="", child_account="", **form.fact_values())
        try:
            changed = services.facts_update(actor=request.user, case=case, data=data, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if changed:
                messages.success(request, "The facts were changed and the case was assessed again.")
            else:
                messages.info(request, "Nothing had changed, so nothing was saved.")
            return redirect("case_detail", pk=case.pk)
    return render_case_page(
        request,
        case,
        "cases/facts_form.html",
        {"form": form, "platform_suggestions": selectors.platform_suggestions(case.school)},
        page="facts",
    )


def case_correct(request, pk: int, field: str):
    case = get_case_for_user(request.user, pk, CaseAction.MANAGE)
    if field not in NARRATIVE_LABELS:
        raise Http404("That part of the record cannot be corrected.")
    case = selectors.case_for_editing(case)
    current = case.summary if field == "summary" else getattr(case.disclosure, field)
    form = case_forms.CorrectionForm(request.POST or None, initial={"new_text": current})
    if request.method == "POST" and form.is_valid():
        try:
            services.narrative_correct(
                actor=request.user,
                case=case,
                field_name=field,
                new_text=form.cleaned_data["new_text"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{NARRATIVE_LABELS[field]} corrected. The earlier text is kept in the record.")
            return redirect("case_detail", pk=case.pk)
    history = selectors.corrections_of(case, field)
    return render_case_page(
        request,
        case,
        "cases/correction_form.html",
        {"form": form, "label": NARRATIVE_LABELS[field], "history": history},
        page=f"correct_{field}",
    )


def case_decide(request, pk: int):
    case = get_case_for_user(request.user, pk, CaseAction.MANAGE)
    page = selectors.case_page(case)
    form = case_forms.DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.decision_record(
                actor=request.user, case=case, decision=form.cleaned_data["decision"], rationale=form.cleaned_data["rationale"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Your decision is recorded.")
            return redirect("case_detail", pk=case.pk)
    return render_case_page(request, page.case, "cases/decision_form.html", {"page": page, "form": form}, page="decision")


def case_note_add(request, pk: int):
    case = get_case_for_user(request.user, pk, CaseAction.ADD_NOTE)
    form = case_forms.NoteForm(request.POST or None, can_share=CaseAction.MANAGE in case.allowed_actions)
    if request.method == "POST" and form.is_valid():
        try:
            services.note_add(
                actor=request.user,
                case=case,
                text=form.cleaned_data["text"],
                for_support=form.cleaned_data.get("for_support", False),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Note added to the chronology.")
            return redirect("case_detail", pk=case.pk)
    return render_case_page(request, case, "cases/note_form.html", {"form": form}, page="note_add")


def case_note_correct(request, pk: int, note_id: int):
    case = get_case_for_user(request.user, pk, CaseAction.MANAGE)
    note = case.notes.filter(pk=note_id).first()
    if note is None:
        raise Http404("No such note on this case.")
    current = note.corrections.order_by("-made_at", "-id").values_list("new_text", flat=True).first() or note.text
    form = case_forms.CorrectionForm(request.POST or None, initial={"new_text": current})
    if request.method == "POST" and form.is_valid():
        try:
            services.note_correct(
                actor=request.user,
                case=case,
                note=note,
                new_text=form.cleaned_data["new_text"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Note corrected. The note as first written is kept in the record.")
            return redirect("case_detail", pk=case.pk)
    history = note.corrections.select_related("made_by").order_by("made_at", "id")
    return render_case_page(
        request,
        case,
        "cases/correction_form.html",
        {"form": form, "label": "Note", "history": history, "note": note},
        page="note_correct",
    )


def case_child_add(request, pk: int):
    case = get_case_for_user(request.user, pk, CaseAction.MANAGE)
    case = selectors.case_for_editing(case)
    pupil_form = case_forms.AddPupilForm(
        request.POST if "add_pupil" in request.POST else None, school=case.school, prefix="pupil"
    )
    other_form = case_forms.OtherChildRowForm(request.POST if "add_other" in request.POST else None, prefix="other")
    if request.method == "POST":
        form = pupil_form if "add_pupil" in request.POST else other_form
        if form.is_valid():
            try:
                if form is pupil_form:
                    services.child_add(
                        actor=request.user, case=case, pupil=form.cleaned_data["pupil"], part=form.cleaned_data["part"]
                    )
                else:
                    services.other_child_add(actor=request.user, case=case, data=form.to_input())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Child added to the case; the case was assessed again.")
                return redirect("case_detail", pk=case.pk)
    return render_case_page(
        request, case, "cases/child_add.html", {"pupil_form": pupil_form, "other_form": other_form}, page="child_add"
    )


def case_child_remove(request, pk: int, kind: str, child_id: int):
    case = get_case_for_user(request.user, pk, CaseAction.MANAGE)
    model = {"pupil": CaseChild, "other": OtherChild}.get(kind)
    if model is None:
        raise Http404("No such child on this case.")
    child = model.objects.filter(case=case, pk=child_id, removed_at__isnull=True).first()
    if child is None:
        raise Http404("No such child on this case.")
    form = case_forms.RemoveChildForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if kind == "pupil":
                services.child_remove(actor=request.user, case=case, link=child, reason=form.cleaned_data["reason"])
            else:
                services.other_child_remove(actor=request.user, case=case, other=child, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, "Child taken off the case; the record keeps that they were on it, and why they were taken off."
            )
            return redirect("case_detail", pk=case.pk)
    label = child.pupil.full_name if kind == "pupil" else child.description
    return render_case_page(request, case, "cases/child_remove.html", {"form": form, "label": label}, page="child_remove")
