"""Every page that shows case content writes exactly one view event (issue 13, finding 7).

Generated from the URL matrix: every page of a case (its URL starts /cases/<id>/) that a persona
may open, and every page about a pupil, concern or pupil import, is opened and the audit events it
wrote are counted. A new case page is covered without touching this file.

Its own module: it uses the matrix's shared world (see tests.matrix_context).
"""

from __future__ import annotations

import pytest

from safeguard.models import AuditEvent
from tests.matrix_context import world_client
from tests.url_matrix import MATRIX, PERSONAS, url_for

#: What opening each kind of page writes (exactly one of these, about that record).
PAGE_EVENTS = {
    "case": {"cases.case.viewed", "cases.attachment.downloaded"},
    "pupil": {"cases.pupil.viewed"},
    "search": {"cases.pupil.searched"},
    "header_search": {"cases.search.searched"},
    "concern": {"cases.concern.viewed"},
    "pupil_import": {"cases.pupil_import.viewed"},
}
OTHER_PAGES = {
    "pupil_detail": "pupil",
    "pupil_edit": "pupil",
    "pupil_search": "search",
    "search": "header_search",
    "concern_detail": "concern",
    "pupil_import_detail": "pupil_import",
}


class _Names(dict):
    """Stands in for the world when choosing rows: every object is its own name, so a row whose
    first argument is the case's id is a page of that case."""

    def __missing__(self, key):
        return type("Named", (), {"pk": key})()


def _kind(name: str) -> str | None:
    if name in OTHER_PAGES:
        return OTHER_PAGES[name]
    args = MATRIX[name].args(_Names())
    return "case" if args and args[0] == "case" else None


ROWS = [
    (name, persona, _kind(name))
    for name, row in sorted(MATRIX.items())
    if not row.post_only and _kind(name)
    for persona in PERSONAS
    if persona != "anon" and row.get[persona] == 200
]


@pytest.mark.parametrize(("name", "persona", "kind"), ROWS)
def test_every_page_with_case_content_writes_exactly_one_view_event(name, persona, kind, world, db):
    client = world_client(world, persona)
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = client.get(url_for(name, world))
    assert response.status_code == 200
    written = list(AuditEvent.objects.filter(pk__gt=before, actor=world[persona]).values_list("action", flat=True))
    views = [action for action in written if action in PAGE_EVENTS[kind]]
    assert len(views) == 1, f"GET {name} as {persona} wrote {written}"


def test_the_generated_rows_reach_every_kind_of_page():
    assert {kind for _, _, kind in ROWS} == set(PAGE_EVENTS)
    case_pages = {name for name, _, kind in ROWS if kind == "case"}
    # The pages the security review named, among others.
    assert {
        "case_correct",
        "case_note_correct",
        "case_facts_edit",
        "case_decide",
        "step_detail",
        "case_child_remove",
    } <= case_pages
    assert {"child_voice_add", "parent_contact_add", "case_close", "action_complete"} <= case_pages
