"""Every page of the URL × role matrix, read as its user reads it (issue 16, "No internal words on
the page"): no template syntax that escaped rendering, no Python repr, no "None" where a value
should be, and no route code (R1–R8, P1) where the route's name should be.

Its own module: it uses the matrix's shared world (see tests.matrix_context), and adds to the
world's case what its pages would otherwise have no cause to show (a decision, a step made, the
child's voice, parents told) before the first page is read.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from tests.matrix_context import world_client
from tests.url_matrix import MATRIX, PERSONAS, url_for

#: Template syntax that should have been rendered (a comment that spans lines, a tag mistyped).
TEMPLATE_SYNTAX = ("{#", "#}", "{%", "%}", "{{", "}}")
#: What Python writes for an object it was asked to print as text.
PYTHON_REPR = re.compile(r"<QuerySet|<User:|<[A-Z]\w+: [^>]*>| object at 0x|<bound method|<function \w")
#: "None" standing for a value. In the DSL's words "None" starts a phrase ("None recorded", "None is
#: ever overwritten"); Python's None stands alone, or before punctuation.
NONE_VALUE = re.compile(r"\bNone\b(?! [a-z])")
ROUTE_CODE = re.compile(r"\b(R[1-8]|P1)\b")
#: Attributes a user reads (or hears from a screen reader): held to the same words as the text.
READ_ATTRIBUTES = {"title", "aria-label", "alt", "placeholder", "value", "aria-description"}

#: Bodies that are not a page: a document as it was uploaded.
NOT_PAGES = {"attachment_download"}


class _Reader(HTMLParser):
    """The text of a page as its user meets it: text nodes, and the attributes they read."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if value and name in READ_ATTRIBUTES and not (tag == "input" and dict(attrs).get("type") == "hidden"):
                self.attributes.append((tag, name, value))

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(" ".join(data.split()))


def problems(body: str, content_type: str) -> list[str]:
    """What a user should never read in ``body``, each with where it is."""
    found = []
    for mark in TEMPLATE_SYNTAX:
        at = body.find(mark)
        if at != -1:
            found.append(f"template syntax {mark!r}: …{body[max(0, at - 60) : at + 60]!r}…")
    if "html" not in content_type:
        text = body
        found += [f"a Python repr: {m.group(0)!r}" for m in PYTHON_REPR.finditer(text)]
        found += [f'"None" as a value: …{text[max(0, m.start() - 40) : m.end() + 20]!r}…' for m in NONE_VALUE.finditer(text)]
        return found
    reader = _Reader()
    reader.feed(body)
    reader.close()
    for text in reader.texts:
        if PYTHON_REPR.search(text):
            found.append(f"a Python repr in the text: {text[:160]!r}")
        if NONE_VALUE.search(text):
            found.append(f'"None" as a value in the text: {text[:160]!r}')
        if ROUTE_CODE.search(text):
            found.append(f"a route code in the text: {text[:160]!r}")
    for tag, name, value in reader.attributes:
        if PYTHON_REPR.search(value) or NONE_VALUE.search(value) or ROUTE_CODE.search(value):
            found.append(f"<{tag} {name}={value[:120]!r}>")
    return found


def test_the_checks_catch_what_they_are_for():
    """Each check fails on the thing it is for, and passes the DSL's own words."""
    page = "text/html; charset=utf-8"
    assert problems("<p>Hello</p>{# a comment\n that spans lines #}", page)
    assert problems("<p>{% url 'x' %}</p>", page)
    assert problems("<p>&lt;QuerySet [&lt;Case: 1&gt;]&gt;</p>", page)
    assert problems("<p>&lt;cases.Case object at 0x7f00&gt;</p>", page)
    assert problems("<dd>None</dd>", page)
    assert problems("<p>Platform: None.</p>", page)
    assert problems('<input type="text" value="None">', page)
    assert problems("<a href='/cases/1/steps/2/'>NDA-2026-0001 R7</a>", page)
    assert problems("<li>P1: parents</li>", page)
    assert not problems("<dd>None recorded</dd><p>None is ever overwritten.</p>", page)
    assert not problems("<a href='/settings/routes/R7/'>The police</a><input type='hidden' value='R7'>", page)
    assert not problems('<body hx-headers=\'{"X-CSRFToken": "abc"}\'><p>Case NDA-2026-0001</p></body>', page)
    assert problems("Kind,Count\nNone,3\n", "text/csv")


@pytest.fixture(scope="module")
def lived_in(world, django_db_blocker):
    """The world's case as a DSL has worked it: decided, a step made with its reference, the
    child told, a parent told, another parent not (with why), a note corrected."""
    from cases.services import decision_record
    from referrals.services import child_voice_record, parent_contact_record, step_accept, step_mark_made

    with django_db_blocker.unblock():
        case, dsl, pupil = world["case"], world["dsl"], world["pupil"]
        now = timezone.now()
        decision_record(actor=dsl, case=case, decision="refer", rationale="The family asked us to; the police will decide.")
        step = world["step"]
        step_accept(actor=dsl, step=step, owner=dsl, due_date=timezone.localdate())
        step.refresh_from_db()
        step_mark_made(actor=dsl, step=step, made_at=now, made_how="online", reference="REF/1")
        step.refresh_from_db()
        child_voice_record(
            actor=dsl,
            case=case,
            pupil=pupil,
            told_at=now,
            told_by="Ms Example",
            views="I don't want a fuss.",
            questions="",
            next_steps="We will tell the police.",
        )
        parent_contact_record(
            actor=dsl,
            case=case,
            pupils=[pupil],
            informed=True,
            how="phone",
            who="Mum",
            contacted_at=now,
            contacted_by="Ms Example",
        )
    return world


PAGES = [
    (name, persona)
    for name in sorted(MATRIX)
    for persona in PERSONAS
    if MATRIX[name].get[persona] == 200 and name not in NOT_PAGES
]


def test_the_pages_left_out_are_not_pages():
    assert set(MATRIX) >= NOT_PAGES
    for name in NOT_PAGES:
        assert any(MATRIX[name].get[p] == 200 for p in PERSONAS), name


@pytest.mark.parametrize(("name", "persona"), PAGES)
def test_the_page_holds_only_the_dsls_words(name, persona, lived_in, db):
    response = world_client(lived_in, persona).get(url_for(name, lived_in))
    assert response.status_code == 200, f"GET {name} as {persona}: {response.status_code}"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    found = problems(body.decode(response.charset or "utf-8"), response.get("Content-Type", ""))
    assert not found, f"GET {name} as {persona}:\n  " + "\n  ".join(found)
