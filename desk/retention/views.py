"""The retention pages (issue 19): what is due for review and what is held (the DSLs and the head),
one pupil's retention (review, holds, destruction by two people), and the data protection
officer's page. Thin: each view parses the request, calls one service or selector, and says what
happened in the DSL's words. Everyone else finds no such page or pupil (404, audited for a pupil)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from cases.access import get_hold_for_retention, get_pupil_for_retention, retention_school_ids
from cases.models import Case, ReviewOutcome
from desk.retention import destruction, rules, selectors, services
from desk.retention.forms import ApproveForm, HoldForm, LiftForm, ProposeForm, ReviewForm, RuleForm, WithdrawForm
from safeguard.forms import add_service_errors
from safeguard.models import School
from safeguard.permissions import roles_at
from safeguard.roles import READS_ALL_CASES, ROLE_HELP, Role, can_change_school_settings
from safeguard.selectors import current_school
from safeguard.views.account import recent_authentication_required

#: Who sees the record of processing's "who can see it": the roles that reach case content.
PROCESSING_ROLES = (Role.DSL, Role.DEPUTY_DSL, Role.HEAD, Role.PASTORAL, Role.CHAIR_OF_GOVERNORS, Role.IT_ADMIN, Role.STAFF)


def _school(request) -> School:
    """The school the user is working in, if they may see its retention; else the first that is."""
    allowed = retention_school_ids(request.user)
    if not allowed:
        raise Http404("No such page.")
    current = current_school(request)
    if current is not None and current.pk in allowed:
        return current
    return School.objects.get(pk=min(allowed))


# --- The retention page ----------------------------------------------------------------------------


def _overview(request, school: School, *, rule_form=None, status=200):
    today = timezone.localdate()
    years, rule = selectors.retention_rule(school)
    can_set = can_change_school_settings(roles_at(request.user, school.pk))
    holds, unseen_holds = selectors.placed_holds(school, viewer=request.user)
    return render(
        request,
        "desk/retention/overview.html",
        {
            "school": school,
            "today": today,
            "years": years,
            "rule": rule,
            "history": selectors.rule_history(school),
            "can_set_rule": can_set,
            "rule_form": rule_form or (RuleForm(initial={"years": years}) if can_set else None),
            "due": selectors.due_for_review(school, today, viewer=request.user),
            "placed_holds": holds,
            "unseen_holds": unseen_holds,
            "open_destructions": selectors.open_destructions(school),
            "tombstones": [(t, destruction.count_words(t.counts or {})) for t in selectors.tombstones(school)],
        },
        status=status,
    )


@require_GET
def retention_overview(request):
    return _overview(request, _school(request))


@require_POST
def retention_rule_set(request):
    school = _school(request)
    if not can_change_school_settings(roles_at(request.user, school.pk)):
        raise PermissionDenied("Only the school's Designated Safeguarding Lead sets how long records are kept.")
    form = RuleForm(request.POST)
    if form.is_valid():
        try:
            rule = services.retention_rule_set(
                actor=request.user, school=school, years=form.cleaned_data["years"], reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Saved: pupils' records are now kept until their date of birth + {rule.years} years.")
            return redirect("retention")
    return _overview(request, school, rule_form=form, status=400)


# --- One pupil's retention -------------------------------------------------------------------------


def _signer_may(request, pupil, proposal) -> dict:
    """What this viewer may do with the destruction: propose one, or approve or withdraw it (the
    approver is someone else, and the other of the DSL and the head: ``rules.pair_words``)."""
    roles = frozenset(roles_at(request.user, pupil.school_id))
    me = rules.Signer(user_id=request.user.pk, roles=roles)
    may_sign = me.is_lead or me.is_head
    if proposal is None:
        return {"can_propose": may_sign, "can_approve": False, "can_withdraw": False, "waiting_for": ""}
    proposer = rules.Signer(user_id=proposal.proposed_by_id, roles=frozenset(roles_at(proposal.proposed_by, pupil.school_id)))
    waiting_for = "a Designated Safeguarding Lead or a deputy" if proposer.is_head else "the head"
    return {
        "can_propose": False,
        "can_approve": may_sign and rules.pair_words(proposer, me) is None,
        "can_withdraw": may_sign,
        "waiting_for": waiting_for,
    }


def _pupil_page(request, pupil, *, status=200, **forms):
    today = timezone.localdate()
    info = selectors.pupil_retention(pupil, today=today, viewer=request.user)
    plan = destruction.destruction_plan(pupil, viewer=request.user, today=today) if info.has_records else None
    context = {
        "pupil": pupil,
        "info": info,
        "today": today,
        "plan": plan,
        "review_form": forms.get("review_form") or ReviewForm(initial={"outcome": None}),
        "hold_form": forms.get("hold_form") or HoldForm(cases=_hold_cases(info)),
        "lift_form": forms.get("lift_form") or LiftForm(),
        "lift_hold_id": forms.get("lift_hold_id"),
        "propose_form": forms.get("propose_form") or ProposeForm(),
        "approve_form": forms.get("approve_form") or ApproveForm(),
        "withdraw_form": forms.get("withdraw_form") or WithdrawForm(),
        "outcomes": ReviewOutcome,
        **_signer_may(request, pupil, info.destruction),
    }
    return render(request, "desk/retention/pupil.html", context, status=status)


def _hold_cases(info):
    return Case.objects.filter(pk__in=[case.pk for case in info.cases]).order_by("created_at")


@require_GET
def retention_pupil(request, pk: int):
    pupil = get_pupil_for_retention(request.user, pk)
    services.retention_page_view(actor=request.user, pupil=pupil)
    return _pupil_page(request, pupil)


@require_POST
def retention_review(request, pk: int):
    pupil = get_pupil_for_retention(request.user, pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            review = services.retention_review_record(
                actor=request.user,
                pupil=pupil,
                outcome=data["outcome"],
                reason=data["reason"],
                next_review_on=data["next_review_on"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if review.outcome == ReviewOutcome.KEEP:
                messages.success(
                    request, f"Kept. {pupil.full_name}'s records are reviewed again on {review.next_review_on:%-d %B %Y}."
                )
                return redirect("retention_pupil", pk=pupil.pk)
            messages.success(
                request, "Your review is recorded. Now propose the destruction below: the second person approves it."
            )
            return redirect(f"{_pupil_url(pupil)}#destruction")
    return _pupil_page(request, pupil, review_form=form, status=400)


def _pupil_url(pupil) -> str:
    return reverse("retention_pupil", args=[pupil.pk])


@require_POST
def retention_hold_place(request, pk: int):
    pupil = get_pupil_for_retention(request.user, pk)
    info = selectors.pupil_retention(pupil, today=timezone.localdate(), viewer=request.user)
    form = HoldForm(request.POST, cases=_hold_cases(info))
    if form.is_valid():
        case = form.cleaned_data["case"]
        try:
            services.legal_hold_place(
                actor=request.user,
                pupil=None if case else pupil,
                case=case,
                kind=form.cleaned_data["kind"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            what = f"case {case.reference}" if case else f"all {pupil.full_name}'s records"
            messages.success(request, f"Held: {what} cannot be destroyed until the hold is lifted.")
            return redirect("retention_pupil", pk=pupil.pk)
    return _pupil_page(request, pupil, hold_form=form, status=400)


@require_POST
def retention_hold_lift(request, pk: int):
    hold = get_hold_for_retention(request.user, pk)
    pupil = hold.pupil or _hold_pupil(hold, request.POST.get("pupil", ""))
    form = LiftForm(request.POST)
    if form.is_valid():
        try:
            services.legal_hold_lift(actor=request.user, hold=hold, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The hold is lifted; it stays on the record with your reason.")
            return redirect("retention_pupil", pk=pupil.pk) if pupil else redirect("retention")
    if pupil is None:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("retention")
    return _pupil_page(request, pupil, lift_form=form, lift_hold_id=hold.pk, status=400)


def _hold_pupil(hold, asked: str):
    """The pupil whose page a case's hold was lifted from (one of the case's children), else the
    first child named on the case."""
    links = hold.case.children.filter(removed_at__isnull=True).select_related("pupil__school").order_by("id")
    chosen = links.filter(pupil_id=int(asked)).first() if asked.isascii() and asked.isdigit() and len(asked) < 19 else None
    link = chosen or links.first()
    return link.pupil if link else None


# --- Destruction by two people (the services are desk.retention.destruction) -------------------------


def _destruction_error(request, pupil, error: Exception, **forms):
    if isinstance(error, PermissionDenied):
        raise error
    form = next(iter(forms.values()))
    add_service_errors(form, error)
    return _pupil_page(request, pupil, status=400, **forms)


@require_POST
@recent_authentication_required
def destruction_propose(request, pk: int):
    pupil = get_pupil_for_retention(request.user, pk)
    form = ProposeForm(request.POST)
    if form.is_valid():
        try:
            # Only here, behind recent_authentication_required, is the proof of who this is fresh.
            destruction.destruction_propose(
                actor=request.user,
                pupil=pupil,
                basis=form.cleaned_data["basis"],
                early_reason=form.cleaned_data["early_reason"],
                recent=True,
            )
        except ValidationError as error:
            return _destruction_error(request, pupil, error, propose_form=form)
        messages.success(request, "Proposed. The second person (the DSL or the head, not you) now approves it.")
        return redirect(f"{_pupil_url(pupil)}#destruction")
    return _pupil_page(request, pupil, propose_form=form, status=400)


def _proposal(request, pupil):
    proposal = selectors.pupil_retention(pupil, today=timezone.localdate(), viewer=request.user).destruction
    if proposal is None:
        messages.error(request, "There is no destruction waiting for approval: it may have been withdrawn or carried out.")
    return proposal


@require_POST
@recent_authentication_required
def destruction_approve(request, pk: int):
    pupil = get_pupil_for_retention(request.user, pk)
    proposal = _proposal(request, pupil)
    if proposal is None:
        return redirect("retention_pupil", pk=pupil.pk)
    form = ApproveForm(request.POST)
    if form.is_valid():
        try:
            destruction.destruction_approve(actor=request.user, destruction=proposal, recent=True)
        except ValidationError as error:
            return _destruction_error(request, pupil, error, approve_form=form)
        messages.success(request, "Destroyed. What was destroyed, and by whom, is in the list of destroyed records below.")
        return redirect(f"{_overview_url()}#destroyed")
    return _pupil_page(request, pupil, approve_form=form, status=400)


def _overview_url() -> str:
    return reverse("retention")


@require_POST
def destruction_withdraw(request, pk: int):
    pupil = get_pupil_for_retention(request.user, pk)
    proposal = _proposal(request, pupil)
    if proposal is None:
        return redirect("retention_pupil", pk=pupil.pk)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            destruction.destruction_withdraw(actor=request.user, destruction=proposal, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            return _destruction_error(request, pupil, error, withdraw_form=form)
        messages.success(request, "Withdrawn. Nothing was destroyed; your reason is on the record.")
        return redirect("retention_pupil", pk=pupil.pk)
    return _pupil_page(request, pupil, withdraw_form=form, status=400)


# --- For the data protection officer -----------------------------------------------------------------


@require_GET
def data_protection(request):
    """Figures and the record of processing (UK GDPR Art. 30) for the school's DPO: read-only,
    printable, no one named."""
    school = _school(request)
    years, rule = selectors.retention_rule(school)
    return render(
        request,
        "desk/retention/data_protection.html",
        {
            "school": school,
            "figures": selectors.dpo_figures(school, today=timezone.localdate()),
            "years": years,
            "rule": rule,
            "roles": [(role.label, ROLE_HELP[role], bool({role} & READS_ALL_CASES)) for role in PROCESSING_ROLES],
            "made_at": timezone.now(),
        },
    )
