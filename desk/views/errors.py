"""The 404 page. A restricted case refused to someone who may break the glass is still a 404
(nothing of the case is shown), with one line offering to open it with a reason."""

from __future__ import annotations

from django.http import HttpResponseNotFound
from django.template import loader
from django.urls import reverse

from cases.access import CaseRestricted


def page_not_found(request, exception=None):
    context = {}
    if isinstance(exception, CaseRestricted):
        context["break_glass_url"] = reverse("case_break_glass", args=[exception.case_id])
    return HttpResponseNotFound(loader.render_to_string("404.html", context, request))
