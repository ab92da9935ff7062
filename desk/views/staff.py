"""Someone leaves: the IT administrator deactivates their account and hands over what they hold,
in one form. They see what the person holds as numbers only, never a case."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from cases.selectors import open_assignments_of
from desk.forms import StaffLeaveForm
from desk.services import staff_leave
from referrals.selectors import holdings_of
from safeguard.forms import add_service_errors
from safeguard.views.account import recent_authentication_required
from safeguard.views.core import staff_member, staff_school


@recent_authentication_required
def staff_deactivate(request, user_id: int):
    school = staff_school(request)
    member = staff_member(school, user_id)
    held = holdings_of(member, school)
    assigned = open_assignments_of(member, school)
    form = StaffLeaveForm(request.POST if request.method == "POST" else None, school=school, leaver=member, holds_work=held.any)
    if request.method == "POST" and form.is_valid():
        try:
            handed, waiting = staff_leave(
                actor=request.user, school=school, user=member, new_owner=form.cleaned_data.get("new_owner")
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _done_words(member, form.cleaned_data.get("new_owner"), handed, waiting))
            return redirect("staff_edit", user_id=member.pk)
    return render(
        request,
        "desk/staff_leave.html",
        {"school": school, "member": member, "held": held, "assigned": assigned, "form": form},
    )


def _done_words(member, new_owner, held, waiting: int) -> str:
    words = [f"{member.full_name}'s account is deactivated and their sessions have ended."]
    if held.any:
        if new_owner:
            words.append(f"Their {held.words} now belong to {new_owner.full_name}, who has been told.")
        else:
            words.append(f"Their {held.words} wait on the DSLs' home page for a new owner; the DSLs have been told.")
    if waiting:
        words.append(
            f"{waiting} open case{'s' if waiting != 1 else ''} they were assigned to wait for a DSL to assign someone new."
        )
    return " ".join(words)
