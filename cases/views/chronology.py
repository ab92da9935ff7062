"""The pupil page: one child's chronology across the cases the user may see."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from cases import selectors
from cases.models import Pupil
from cases.services.pupils import pupil_record_view
from safeguard.permissions import cases_visible_to, roles_at
from safeguard.roles import READS_ALL_CASES


def pupil_detail(request, pk: int):
    """Visible only through cases the user may see (the school's DSLs and head see every case)."""
    pupil = Pupil.objects.filter(pk=pk).select_related("school").first()
    if pupil is None:
        raise Http404("No such pupil.")
    visible = list(cases_visible_to(request.user).filter(children__pupil_id=pk).values_list("pk", flat=True).distinct())
    if not visible and not roles_at(request.user, pupil.school_id) & READS_ALL_CASES:
        raise Http404("No such pupil.")
    pupil_record_view(actor=request.user, pupil=pupil, page="chronology")
    # Pastoral staff (who cannot read every case) see only their own actions in the chronology.
    own_only = not roles_at(request.user, pupil.school_id) & READS_ALL_CASES
    page = selectors.pupil_page(pupil, visible, only_actions_of=request.user if own_only else None)
    return render(request, "cases/pupil_detail.html", page)
