"""Your work: every open action and referral step a person owns at the current school, soonest
due first (the home page shows the first few of each)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from referrals import selectors as referral_selectors
from safeguard.permissions import roles_at
from safeguard.roles import CASE_READING_ROLES
from safeguard.selectors import current_school

WORK_PER_PAGE = 50

#: The two lists, by the ``list`` query parameter: actions first (most people have no steps).
LISTS = {"actions": referral_selectors.my_open_actions, "steps": referral_selectors.my_open_steps}


@require_GET
def my_work(request):
    school = current_school(request)
    if school is None or not roles_at(request.user, school.pk) & CASE_READING_ROLES:
        raise PermissionDenied("Your role does not include working on cases.")
    shown = request.GET.get("list") if request.GET.get("list") in LISTS else "actions"
    page = Paginator(LISTS[shown](request.user, school=school), WORK_PER_PAGE).get_page(request.GET.get("page"))
    rows = referral_selectors.mark_overdue(list(page.object_list), timezone.localdate())
    return render(request, "desk/my_work.html", {"school": school, "shown": shown, "page": page, "rows": rows})
