"""Subject access requests' pages (issue 19, part 4): the list, recording one, the review page,
and each move on it. Only the school's DSLs, deputies and the head: everyone else finds no such
page (404, the refusal audited), so nothing about a request reaches them.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.access import get_request_for_reader, request_school_ids
from cases.models import Redaction, RequestStatus
from desk.child_file.render import pdf_available, render_records_html
from desk.sar import selectors, services
from desk.sar.forms import ReasonForm, RequestForm, WithholdForm
from desk.sar.redact import RULE_PREFIX
from safeguard.forms import add_service_errors
from safeguard.models import School
from safeguard.refusals import asked_for_text, refusal_record
from safeguard.selectors import current_school
from safeguard.views.account import recent_authentication_required


def _school(request) -> School:
    """The school whose requests the user works on: the one chosen in the header, when they are a
    DSL, deputy or the head there; else the first where they are."""
    ids = request_school_ids(request.user)
    chosen = current_school(request)
    if chosen is not None and chosen.pk in ids:
        return chosen
    if ids:
        return School.objects.get(pk=ids[0])
    refusal_record(
        actor=request.user,
        action="desk.sar.access_refused",
        school=chosen.pk if chosen else None,
        extra={"reason": "not_permitted"},
        asked_for=asked_for_text(request.path),
    )
    raise Http404("No such page.")


@require_GET
@never_cache
def sar_list(request):
    school = _school(request)
    context = {"school": school, "today": timezone.localdate(), **selectors.requests_of(school)}
    return render(request, "desk/sar/list.html", context)


@require_http_methods(["GET", "POST"])
@never_cache
def sar_new(request):
    school = _school(request)
    pupils = selectors.pupils_for_request(school)
    initial = {}
    wanted = request.GET.get("pupil", "")
    if wanted.isascii() and wanted.isdigit() and pupils.filter(pk=int(wanted)).exists():
        initial["pupil"] = int(wanted)
    form = RequestForm(request.POST if request.method == "POST" else None, pupils=pupils, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sar = services.request_record(
                actor=request.user,
                school=school,
                pupil=data["pupil"],
                data=services.RequestInput(
                    requester_name=data["requester_name"],
                    requester_kind=data["requester_kind"],
                    identity_checked=data["identity_checked"],
                    received_on=data["received_on"],
                ),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Request recorded. It is due by {sar.due_on:%-d %B %Y}: gather the records next.")
            return redirect("sar_detail", pk=sar.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "desk/sar/new.html", {"school": school, "form": form}, status=status)


def _detail(request, sar, *, withhold_form: WithholdForm | None = None, undo_errors=None, withdraw_form=None, status=200):
    views, _undos = selectors.redactions_of(sar)
    active = [v.redaction for v in views if v.active]
    items = selectors.draft_items(sar) if sar.draft else []
    withheld = selectors.withheld_targets(active)
    open_items = [item for item in items if item.target not in withheld]
    if withhold_form is None:
        chosen = request.GET.get("withhold", "")
        withhold_form = WithholdForm(items=open_items, initial={"target": chosen} if chosen else None)
    groups: list[tuple[str, list]] = []
    for item in items:
        if not groups or groups[-1][0] != item.group:
            groups.append((item.group, []))
        groups[-1][1].append((item, item.target in withheld))
    document = ""
    if sar.draft:
        document = render_records_html(
            selectors.release_records(sar, active),
            made_by=request.user,
            made_at=timezone.now(),
            extra=services.release_context(sar, active),
            request=request,
        )
    ok, why = pdf_available()
    context = {
        "sar": sar,
        "title": services.request_title(sar) if sar.pupil_id else "A subject access request",
        "redactions": views,
        "groups": groups,
        "withhold_form": withhold_form,
        "undo_errors": undo_errors or {},
        "reason_form": ReasonForm(),
        "withdraw_form": withdraw_form or ReasonForm(),
        "document": document,
        "restricted_left_out": ((sar.draft or {}).get("left_out") or {}).get("restricted", 0),
        "can_change": sar.status in (RequestStatus.DRAFT, RequestStatus.REVIEWED),
        "is_open": sar.status in selectors.OPEN_STATUSES,
        "pdf_ok": ok,
        "pdf_why": why,
        "today": timezone.localdate(),
        "rule_prefix": RULE_PREFIX,
    }
    response = render(request, "desk/sar/detail.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@never_cache
def sar_detail(request, pk: int):
    """The review page: the request, what is withheld and why, the controls, and the response as
    it will be released (the draft with the redactions applied, read-only)."""
    return _detail(request, get_request_for_reader(request.user, pk))


def _move(request, sar, call, done: str):
    try:
        call()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("sar_detail", pk=sar.pk)


@require_POST
def sar_gather(request, pk: int):
    sar = get_request_for_reader(request.user, pk)
    return _move(
        request,
        sar,
        lambda: services.request_gather(actor=request.user, request=sar),
        "The records are gathered into a draft, the other children left out. Read it, and withhold what the law allows.",
    )


@require_POST
def sar_withhold(request, pk: int):
    sar = get_request_for_reader(request.user, pk)
    views, _ = selectors.redactions_of(sar)
    withheld = selectors.withheld_targets([v.redaction for v in views if v.active])
    items = [item for item in selectors.draft_items(sar) if item.target not in withheld] if sar.draft else []
    form = WithholdForm(request.POST, items=items)
    if form.is_valid():
        try:
            services.redaction_make(
                actor=request.user,
                request=sar,
                target=form.cleaned_data["target"],
                reason_kind=form.cleaned_data["reason_kind"],
                reason_text=form.cleaned_data["reason_text"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            done = "Withheld, with its reason."
            if sar.reviewed_by_id:
                done += " The draft changed, so it needs reviewing again before it is released."
            messages.success(request, done)
            return redirect("sar_detail", pk=sar.pk)
    sar.refresh_from_db()
    return _detail(request, sar, withhold_form=form, status=400)


@require_POST
def sar_undo(request, pk: int, redaction_id: int):
    sar = get_request_for_reader(request.user, pk)
    redaction = Redaction.objects.filter(pk=redaction_id, request=sar).first()
    if redaction is None:
        raise Http404("No such redaction.")
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.redaction_undo(actor=request.user, request=sar, redaction=redaction, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            return _detail(request, sar, undo_errors={redaction.pk: " ".join(error.messages)}, status=400)
        messages.success(request, "No longer withheld. The redaction and its undoing are both kept.")
        return redirect("sar_detail", pk=sar.pk)
    return _detail(request, sar, undo_errors={redaction.pk: " ".join(form.errors["reason"])}, status=400)


@require_POST
def sar_reviewed(request, pk: int):
    sar = get_request_for_reader(request.user, pk)
    return _move(
        request,
        sar,
        lambda: services.request_mark_reviewed(actor=request.user, request=sar),
        "The draft is marked as reviewed by you. It may now be released.",
    )


@require_POST
@recent_authentication_required
def sar_release(request, pk: int):
    sar = get_request_for_reader(request.user, pk)
    ok, why = pdf_available()
    if not ok:
        messages.error(request, why)
        return redirect("sar_detail", pk=sar.pk)
    return _move(
        request,
        sar,
        lambda: services.request_release(actor=request.user, request=sar),
        "Released. Download the response and send it securely to the person who asked.",
    )


@require_GET
@never_cache
@recent_authentication_required
def sar_document(request, pk: int):
    sar = get_request_for_reader(request.user, pk)
    content = selectors.released_document(sar) if sar.status == RequestStatus.RELEASED else None
    if content is None:
        raise Http404("This request has no released response.")
    services.request_document_downloaded(actor=request.user, request=sar)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="records-request-{sar.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def sar_withdraw(request, pk: int):
    sar = get_request_for_reader(request.user, pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.request_withdraw(actor=request.user, request=sar, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The request is withdrawn. It stays on the record with its reason.")
            return redirect("sar_detail", pk=sar.pk)
    return _detail(request, sar, withdraw_form=form, status=400)
