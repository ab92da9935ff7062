"""Views of the shared core: home pages, staff administration, notifications, health."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_GET, require_POST

from safeguard import selectors, services
from safeguard.conf import bounded_ids
from safeguard.forms import ApprovalDeclineForm, LoginForm, StaffAddForm, StaffRolesForm, add_service_errors
from safeguard.models import StaffApproval
from safeguard.permissions import roles_at
from safeguard.redirects import safe_next
from safeguard.roles import Role, can_manage_staff
from safeguard.services.approvals import APPROVER_ROLES
from safeguard.services.trust_leads import open_lead
from safeguard.views.account import recent_authentication_required


class LoginView(auth_views.LoginView):
    template_name = "safeguard/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        from safeguard.sign_in import words_for

        context = super().get_context_data(**kwargs)
        providers = selectors.sign_in_providers_offered()
        several = len(providers) > 1
        context["providers"] = [
            {
                "code": provider.school.code,
                "words": words_for(provider.kind) + (f" ({provider.school.name})" if several else ""),
            }
            for provider in providers
        ]
        return context


@require_GET
@login_not_required
def healthz(request):
    """For load balancers and docker-compose: the database answers. No content, no login."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_GET
@login_not_required
def readyz(request):
    """For load balancers and monitoring: ready to serve, or 503 naming what is not (the database,
    the broker, the reminder sweep, the audit chain). No content, no login."""
    from safeguard.health import readiness

    checks = readiness()
    ready = all(check.ok for check in checks)
    body = {
        "status": "ok" if ready else "unavailable",
        "checks": {check.name: {"ok": check.ok, "detail": check.detail} for check in checks},
        "failing": [check.name for check in checks if not check.ok],
    }
    response = JsonResponse(body, status=200 if ready else 503)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def school_switch(request):
    school_id = request.POST.get("school")
    allowed = {str(s.pk) for s in selectors.schools_for_user(request.user)}
    if school_id in allowed:
        request.session[selectors.SESSION_SCHOOL_KEY] = int(school_id)
    return redirect(safe_next(request))


# --- Staff administration (IT administrator) -------------------------------------------------


def staff_school(request):
    """The school whose staff the user administers (the IT administrator), or 403."""
    school = selectors.current_school(request)
    if school is None or not can_manage_staff(roles_at(request.user, school.pk)):
        raise PermissionDenied("Only the school's IT administrator can manage staff accounts.")
    return school


@require_GET
def staff_list(request):
    school = staff_school(request)
    return render(
        request,
        "safeguard/staff_list.html",
        {
            "school": school,
            "staff": selectors.staff_for_school(school),
            "waiting": selectors.approvals_waiting(school),
            "worker": selectors.worker_status(),
            "trust_leads": selectors.trust_leads_of(school.trust),
        },
    )


@recent_authentication_required
def staff_add(request):
    school = staff_school(request)
    form = StaffAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.staff_create(
                actor=request.user,
                school=school,
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                roles=form.cleaned_data["roles"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            message = f"{user.full_name} was added. New accounts are emailed a link to set a password."
            waiting = selectors.pending_roles(school, user)
            if waiting:
                message += " " + _waiting_words(waiting)
            messages.success(request, message)
            return redirect("staff_list")
    return render(request, "safeguard/staff_form.html", {"school": school, "form": form, "title": "Add a member of staff"})


def _waiting_words(roles) -> str:
    names = ", ".join(Role(role).label for role in sorted(roles))
    return f"{names} reads the school's cases, so it takes effect when a Designated Safeguarding Lead approves it: they have been told."


def staff_member(school, user_id: int):
    member = selectors.staff_member_at_school(school, user_id)
    if member is None:
        raise Http404("No such member of staff at this school.")
    return member


@recent_authentication_required
def staff_edit(request, user_id: int):
    school = staff_school(request)
    member = staff_member(school, user_id)
    waiting = selectors.pending_roles(school, member)
    current = [r.role for r in member.school_roles] + sorted(waiting)
    form = StaffRolesForm(request.POST or None, initial={"roles": current}, waiting=waiting)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.staff_set_roles(actor=request.user, school=school, user=member, roles=form.cleaned_data["roles"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            message = f"Roles saved for {member.full_name}."
            if result["added"] or result["removed"]:
                message += " Their open sessions have ended."
            if result["waiting"]:
                message += " " + _waiting_words(result["waiting"])
            messages.success(request, message)
            return redirect("staff_list")
    waiting_approvals = selectors.approvals_waiting(school, user=member)
    return render(
        request,
        "safeguard/staff_edit.html",
        {
            "school": school,
            "form": form,
            "member": member,
            "waiting": waiting_approvals,
            "trust_lead": open_lead(member, school.trust),
            "trust_lead_asked": any(a.kind == StaffApproval.Kind.TRUST_LEAD for a in waiting_approvals),
        },
    )


@require_POST
@recent_authentication_required
def staff_trust_lead(request, user_id: int):
    """The IT administrator asks for this member of staff to be the trust's safeguarding lead (a
    DSL of the school approves it), or ends their appointment (at once)."""
    school = staff_school(request)
    member = staff_member(school, user_id)
    try:
        if request.POST.get("decision") == "propose":
            services.trust_lead_propose(actor=request.user, school=school, user=member)
            messages.success(
                request,
                f"Asked for {member.full_name} to be the safeguarding lead of {school.trust.name}. It takes effect when a "
                "Designated Safeguarding Lead of the school approves it: they have been told.",
            )
        elif request.POST.get("decision") == "end":
            lead = open_lead(member, school.trust)
            if lead is None:
                raise ValidationError(f"{member.full_name} is not the safeguarding lead of {school.trust.name}.")
            services.trust_lead_end(actor=request.user, lead=lead)
            messages.success(request, f"{member.full_name} is no longer the safeguarding lead of {school.trust.name}.")
        else:
            messages.error(request, "Choose whether to ask for them as the trust's safeguarding lead, or to end it.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("staff_edit", user_id=member.pk)


@require_POST
@recent_authentication_required
def staff_reactivate(request, user_id: int):
    return _staff_toggle(request, user_id, services.staff_reactivate, "{name}'s account is active again.")


@require_POST
@recent_authentication_required
def staff_send_link(request, user_id: int):
    return _staff_toggle(
        request, user_id, services.staff_send_password_link, "We emailed {name} a new link to set their password."
    )


@require_POST
@recent_authentication_required
def staff_reset_second_factor(request, user_id: int):
    school = staff_school(request)
    member = staff_member(school, user_id)
    try:
        done = services.staff_reset_second_factor(actor=request.user, school=school, user=member)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if done:
            messages.success(
                request, f"{member.full_name}'s second factor is reset; they will set up a new one when they next log in."
            )
        else:
            messages.success(
                request,
                f"{member.full_name} reads safeguarding cases, so a Designated Safeguarding Lead or the head must approve "
                "the reset first. They have been told; the reset happens when one of them approves it.",
            )
    return redirect("staff_edit", user_id=member.pk)


@require_POST
@recent_authentication_required
def trust_lead_end(request, lead_id: int):
    """The IT administrator ends an appointment as the trust's safeguarding lead, from the staff
    page: also one made at deployment, for someone with no role at the school."""
    school = staff_school(request)
    lead = next((lead for lead in selectors.trust_leads_of(school.trust) if lead.pk == lead_id), None)
    if lead is None:
        raise Http404("No such safeguarding lead of this trust.")
    try:
        services.trust_lead_end(actor=request.user, lead=lead)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{lead.user.full_name} is no longer the safeguarding lead of {school.trust.name}.")
    return redirect("staff_list")


def _staff_toggle(request, user_id, service, done_message):
    school = staff_school(request)
    member = staff_member(school, user_id)
    try:
        service(actor=request.user, school=school, user=member)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done_message.format(name=member.full_name))
    return redirect("staff_edit", user_id=member.pk)


APPROVER_ROLES_ANY = frozenset().union(*APPROVER_ROLES.values())

# --- Approvals (a second person: the DSL, or for a reset the head) ----------------------------


def _approver_school(request):
    school = selectors.current_school(request)
    if school is None or not roles_at(request.user, school.pk) & APPROVER_ROLES_ANY:
        raise PermissionDenied("Only the school's Designated Safeguarding Leads and head approve changes to staff access.")
    return school


@require_GET
def approval_list(request):
    """What the IT administrator asked for that could open cases to someone, for a second person."""
    school = _approver_school(request)
    return render(
        request,
        "safeguard/approval_list.html",
        {
            "school": school,
            "waiting": selectors.approvals_waiting(school),
            "decided": selectors.approvals_decided(school),
            "form": ApprovalDeclineForm(),
        },
    )


@require_POST
@recent_authentication_required
def approval_decide(request, approval_id: int):
    school = _approver_school(request)
    approval = selectors.approval_at_school(school, approval_id)
    if approval is None:
        raise Http404("No such request at this school.")
    form = ApprovalDeclineForm(request.POST)
    try:
        if request.POST.get("decision") == "approve":
            services.approval_approve(actor=request.user, approval=approval)
            messages.success(request, f"Approved: {approval.what} for {approval.user.full_name}.")
        elif request.POST.get("decision") == "decline":
            reason = form.cleaned_data["reason"] if form.is_valid() else ""
            services.approval_decline(actor=request.user, approval=approval, reason=reason)
            messages.success(
                request, f"Declined: {approval.what} for {approval.user.full_name}. The IT administrator is told why."
            )
        else:
            messages.error(request, "Choose Approve or Decline.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("approval_list")


# --- Notifications -------------------------------------------------------------------------------


@require_POST
def notification_read(request):
    ids = request.POST.getlist("id")
    services.notification_mark_read(user=request.user, notification_ids=bounded_ids(ids) if ids else None)
    if request.htmx:
        return HttpResponse(status=204)
    return redirect("notification_list")


password_set_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="safeguard/password_set.html", success_url=reverse_lazy("password_set_done")
)
password_set_done = auth_views.PasswordResetCompleteView.as_view(template_name="safeguard/password_set_done.html")
password_reset = auth_views.PasswordResetView.as_view(
    template_name="safeguard/password_reset.html",
    email_template_name="safeguard/email/password_reset.txt",
    subject_template_name="safeguard/email/password_reset_subject.txt",
    success_url=reverse_lazy("password_reset_sent"),
)
password_reset_sent = auth_views.PasswordResetDoneView.as_view(template_name="safeguard/password_reset_sent.html")
