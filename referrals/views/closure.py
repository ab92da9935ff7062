"""Closing, reopening and reviewing a case."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect

from cases.access import get_case_for_user
from cases.models import CaseStatus
from cases.views.common import render_case_page
from referrals import forms as ref_forms
from referrals import selectors, services
from safeguard.forms import add_service_errors
from safeguard.roles import CaseAction


def case_close(request, pk: int):
    case = get_case_for_user(request.user, pk, CaseAction.MANAGE)
    if case.status == CaseStatus.CLOSED:
        return redirect("case_reopen", pk=case.pk)
    form = ref_forms.CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_close(actor=request.user, case=case, summary=form.cleaned_data["summary"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Case {case.reference} is closed. It can be reopened if needed.")
            return redirect("case_detail", pk=case.pk)
    return render_case_page(
        request,
        case,
        "referrals/case_close.html",
        {
            "form": form,
            "referrals": selectors.case_referrals(case),
            "heading": "Close the case",
            "submit": "Close the case",
        },
        page="case_close",
    )


def case_reopen(request, pk: int):
    case = get_case_for_user(request.user, pk, CaseAction.MANAGE)
    if case.status != CaseStatus.CLOSED:
        return redirect("case_detail", pk=case.pk)
    form = ref_forms.ReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_reopen(actor=request.user, case=case, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Case {case.reference} is open again.")
            return redirect("case_detail", pk=case.pk)
    return render_case_page(
        request,
        case,
        "referrals/case_reopen.html",
        {"form": form, "heading": "Reopen the case", "submit": "Reopen the case"},
        page="case_reopen",
    )


def case_review(request, pk: int):
    case = get_case_for_user(request.user, pk, CaseAction.MANAGE)
    form = ref_forms.ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_review(actor=request.user, case=case, notes=form.cleaned_data["notes"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Review recorded; the next review date has moved on.")
            return redirect("case_detail", pk=case.pk)
    return render_case_page(
        request,
        case,
        "referrals/case_review.html",
        {"form": form, "heading": "Review the case", "submit": "Record the review"},
        page="case_review",
    )
