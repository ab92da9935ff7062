"""The search box in the header: pupils, cases and concerns of the current school.

For those who read cases (DSL, deputy, head; pastoral staff, who find only their assigned cases);
IT administrators and plain staff are refused (403), as on the case list. What is found comes
through the permission gateway (``cases.search.search``).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cases.search import SEARCH_LIMIT, SEARCH_MAX_LENGTH, SEARCH_MAX_WORDS, parse_query, search, search_record
from safeguard.permissions import roles_at
from safeguard.roles import CASE_READING_ROLES
from safeguard.selectors import current_school


@require_GET
def search_page(request):
    school = current_school(request)
    if school is None or not roles_at(request.user, school.pk) & CASE_READING_ROLES:
        raise PermissionDenied("Your role does not include reading cases.")
    asked = "q" in request.GET
    query = parse_query(request.GET.get("q", ""))
    results = search(request.user, school, query) if asked else None
    if results is not None and results.ran:
        search_record(actor=request.user, school=school, results=results.count)
    return render(
        request,
        "cases/search.html",
        {
            "school": school,
            "query": query,
            "asked": asked,
            "results": results,
            "limit": SEARCH_LIMIT,
            "max_length": SEARCH_MAX_LENGTH,
            "max_words": SEARCH_MAX_WORDS,
        },
    )
