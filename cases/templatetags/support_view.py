"""What a list of cases shows of a case read on the support view (issue 17)."""

from __future__ import annotations

from django import template

from cases.rules import children_supported

register = template.Library()


@register.filter
def children_shown(case) -> list:
    """The case's current children (prefetched by ``cases.selectors.case_list``) a row may name:
    on the support view only the child the support is for, never the other children involved."""
    links = list(case.children.all())
    if not getattr(case, "on_support_view", False):
        return links
    supported = children_supported([(link.pupil_id, link.part) for link in links])
    return [link for link in links if link.pupil_id in supported]
