"""The child's file (issue 18, part 1): a preview page with the choices, and the PDF.

Only the school's DSLs and deputies make a child's file (``safeguard.roles.can_send_child_files``).
Whoever cannot see the pupil gets the pupil gateway's 404; whoever can see them but may not make
their file (the head, pastoral staff) gets 403, and the refusal is on the record.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from cases.access import get_pupil_for_reader
from cases.selectors import pupil_concerns
from desk.child_file.forms import ChildFileForm
from desk.child_file.records import CaseChoice, ChildFile, child_file, readable_cases
from desk.child_file.render import pdf_available, render_child_file_html, render_child_file_pdf
from desk.child_file.services import child_file_made
from safeguard.permissions import roles_at
from safeguard.refusals import refusal_record
from safeguard.roles import can_send_child_files
from safeguard.views.account import recent_authentication_required


def _pupil_for_maker(request, pk):
    pupil, _visible = get_pupil_for_reader(request.user, pk)
    if not can_send_child_files(roles_at(request.user, pupil.school_id)):
        refusal_record(
            actor=request.user,
            action="cases.pupil.access_refused",
            obj=pupil,
            school=pupil.school_id,
            extra={"reason": "not_permitted", "attempted": "child_file"},
            asked_for=str(pupil.pk),
        )
        raise PermissionDenied("Only the Designated Safeguarding Lead and their deputies make a child's file.")
    return pupil


def _form(request, pupil) -> ChildFileForm:
    choices = _choices(pupil, request.user)
    has_concerns = bool(pupil_concerns(pupil, user=request.user))
    data = request.POST if request.method == "POST" else None
    return ChildFileForm(data, choices=choices, has_concerns=has_concerns)


def _choices(pupil, user) -> list[CaseChoice]:
    return [CaseChoice(c.pk, c.reference, c.created_at, c.get_status_display()) for c in readable_cases(pupil, user)]


def _file_for(form: ChildFileForm, pupil, user) -> ChildFile:
    """The file the form's choices make; while the form has errors, what it would hold with the
    cases ticked and the other children lettered."""
    if form.is_bound:
        data = form.cleaned_data if form.is_valid() else {}
        raw_cases = data.get("cases", [pk for pk in form.data.getlist("cases") if str(pk).isascii() and str(pk).isdigit()])
        return child_file(
            pupil,
            viewer=user,
            case_ids=raw_cases,
            include_concerns=bool(data.get("include_concerns", form.data.get("include_concerns"))),
            name_others=bool(data.get("name_others")),
        )
    return child_file(pupil, viewer=user)


def _preview(request, pupil, form: ChildFileForm, *, status: int = 200, pdf_problem: str = ""):
    file = _file_for(form, pupil, request.user)
    now = timezone.now()
    ok, why = pdf_available()
    context = {
        "pupil": pupil,
        "file": file,
        "form": form,
        "document": render_child_file_html(file, made_by=request.user, made_at=now, request=request),
        "pdf_ok": ok,
        "pdf_why": pdf_problem or why,
    }
    response = render(request, "desk/child_file/preview.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@never_cache
@recent_authentication_required
def child_file_preview(request, pk: int):
    """The file as it will be made, and the choices: a POST here only shows the preview again
    with the choices made (nothing is made or recorded until "Make the PDF")."""
    pupil = _pupil_for_maker(request, pk)
    return _preview(request, pupil, _form(request, pupil))


@require_POST
@never_cache
@recent_authentication_required
def child_file_pdf(request, pk: int):
    pupil = _pupil_for_maker(request, pk)
    form = _form(request, pupil)
    if not form.is_valid():
        return _preview(request, pupil, form)
    ok, why = pdf_available()
    if not ok:
        return _preview(request, pupil, form, status=503, pdf_problem=why)
    file = _file_for(form, pupil, request.user)
    if file.is_empty:
        form.add_error(None, f"There is nothing recorded about {pupil.first_name} to put in a file.")
        return _preview(request, pupil, form)
    now = timezone.now()
    content = render_child_file_pdf(file, made_by=request.user, made_at=now)
    child_file_made(
        actor=request.user, pupil=pupil, file=file, purpose="download", name_others_reason=form.cleaned_data.get("reason", "")
    )
    return _pdf_response(content, pupil, now)


def _pdf_response(content: bytes, pupil, made_at) -> HttpResponse:
    tail = "".join(ch for ch in pupil.upn[-4:] if ch.isalnum()) or "pupil"
    name = f"child-file-{tail}-{timezone.localtime(made_at):%Y-%m-%d}.pdf"
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
