"""The pupil page: one child's chronology across the cases the user may see."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cases.access import get_pupil_for_reader
from cases.selectors import pupils_supported, support_view_case_ids
from cases.services.pupils import pupil_record_view
from desk.selectors import pupil_page
from desk.transfers.selectors import pupil_files
from safeguard.permissions import roles_at
from safeguard.refusals import refusal_record
from safeguard.roles import READS_ALL_CASES, can_send_child_files, can_triage_concerns


@require_GET
def pupil_detail(request, pk: int):
    """Visible only through cases the user may see (the school's DSLs and head see every case).
    On a case a DSL shows them on the support view, pastoral staff reach only the child the support
    is for, never the other children involved (issue 17), and see their name and year alone."""
    pupil, visible = get_pupil_for_reader(request.user, pk)
    # Pastoral staff (who cannot read every case) see only their own actions in the chronology.
    roles = roles_at(request.user, pupil.school_id)
    own_only = not roles & READS_ALL_CASES
    on_support_view = support_view_case_ids(request.user, visible) if own_only else set()
    support: set[int] = set()
    if on_support_view:
        supported = pupils_supported(on_support_view)
        support = {case_id for case_id in on_support_view if pupil.pk in supported.get(case_id, [])}
        visible = [case_id for case_id in visible if case_id not in on_support_view or case_id in support]
        if not visible:
            refusal_record(
                actor=request.user,
                action="cases.pupil.access_refused",
                obj=pupil,
                school=pupil.school_id,
                extra={"reason": "support_view"},
                asked_for=str(pupil.pk),
            )
            raise Http404("No such pupil.")
    pupil_record_view(actor=request.user, pupil=pupil, page="chronology")
    page = pupil_page(
        pupil,
        visible,
        only_actions_of=request.user if own_only else None,
        support_view_of=support,
        with_concerns=can_triage_concerns(roles),
        viewer=request.user,
    )
    page["support_only"] = bool(support) and set(visible) <= support
    if can_send_child_files(roles):
        page["files"] = pupil_files(pupil)
    return render(request, "desk/pupil_detail.html", page)
