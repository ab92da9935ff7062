"""The pupil page: one child's chronology across the cases the user may see."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from cases.access import get_pupil_for_reader
from cases.services.pupils import pupil_record_view
from desk.selectors import pupil_page
from safeguard.permissions import roles_at
from safeguard.roles import READS_ALL_CASES, can_triage_concerns


@require_GET
def pupil_detail(request, pk: int):
    """Visible only through cases the user may see (the school's DSLs and head see every case)."""
    pupil, visible = get_pupil_for_reader(request.user, pk)
    pupil_record_view(actor=request.user, pupil=pupil, page="chronology")
    # Pastoral staff (who cannot read every case) see only their own actions in the chronology.
    roles = roles_at(request.user, pupil.school_id)
    own_only = not roles & READS_ALL_CASES
    page = pupil_page(
        pupil,
        visible,
        only_actions_of=request.user if own_only else None,
        with_concerns=can_triage_concerns(roles),
    )
    return render(request, "desk/pupil_detail.html", page)
