"""Hostile input to every form: no server error, ever. Forms are found by reading every page a DSL
and an IT administrator can open (so a new form is covered without touching this file), and
hypothesis posts random and hostile values to every field: huge strings, control characters, NUL
bytes, mixed scripts, markup, impossible dates and numbers."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.matrix_context import build_world
from tests.url_matrix import MATRIX, url_for

HOSTILE = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=31), max_size=20),
    st.sampled_from(
        [
            "",
            "\x00",
            "a\x00b",
            "<script>alert(1)</script>",
            '"><img src=x onerror=alert(1)>',
            "' OR 1=1 --",
            "x" * 60_000,
            "٣٤٥ שלום мир 你好 😀 Zoë\u202e\u200d",
            "2026-02-30",
            "9999-99-99T99:99",
            "0000-00-00",
            "-1",
            "99999999999999999999999",
            "1e308",
            "NaN",
            "../../etc/passwd",
            "javascript:alert(1)",
            "%00",
            "\r\n\r\nSet-Cookie: x=1",
        ]
    ),
)


class _Forms(HTMLParser):
    """Every POST form on a page: its action and the names of its fields."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._current: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self._current = {"action": attrs.get("action") or "", "fields": set(), "files": set()}
            self.forms.append(self._current)
        elif self._current is not None and tag in ("input", "select", "textarea") and attrs.get("name"):
            if attrs.get("name") == "csrfmiddlewaretoken":
                return
            (self._current["files"] if attrs.get("type") == "file" else self._current["fields"]).add(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def _pages(context) -> list[str]:
    """Every page of the matrix (a row that cannot be built fails: ``url_for``)."""
    return [url_for(name, context) for name, row in MATRIX.items() if not (row.post_only or name in ("logout", "healthz"))]


@pytest.fixture
def attack_world(db):
    """The matrix's world, built for this test alone (hypothesis runs the test many times in it)."""
    return build_world()


@pytest.fixture
def forms_to_attack(attack_world, login):
    from django.utils import timezone

    from referrals.services import step_accept

    context = attack_world
    dsl = context["dsl"]
    # A step under way, so its later forms (made, acknowledged, outcome, changes) are on its page too.
    step_accept(actor=dsl, step=context["step"], owner=dsl, due_date=timezone.localdate())
    found = [
        ("anon", reverse("login"), ["username", "password"], []),
        ("dsl", reverse("disclosure_draft"), ["child_account", "summary", "pupils-TOTAL_FORMS", "pupils-0-pupil"], []),
    ]
    for persona in ("dsl", "it_admin"):
        client = login(context[persona])
        for url in _pages(context):
            response = client.get(url)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            parser = _Forms()
            parser.feed(response.content.decode())
            for form in parser.forms:
                action = form["action"] or url
                if action.startswith(reverse("logout")) or not action.startswith("/"):
                    continue
                found.append((persona, action, sorted(form["fields"]), sorted(form["files"])))
    assert len({action for _, action, _, _ in found}) >= 40, "expected to find every form of the site"
    return found


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_no_form_answers_a_server_error_to_hostile_input(data, forms_to_attack, attack_world, login):
    from django.test import Client

    clients = {persona: login(attack_world[persona]) for persona in ("dsl", "it_admin")} | {"anon": Client()}
    for persona, action, fields, files in forms_to_attack:
        payload = {name: data.draw(HOSTILE, label=f"{action}:{name}") for name in fields}
        for name in files:
            from django.core.files.uploadedfile import SimpleUploadedFile

            # A name Django's client can send at all (it refuses "", "." and ".." after the last "/").
            filename = data.draw(HOSTILE, label="filename")[:50].replace("/", "_").replace("\\", "_")
            payload[name] = SimpleUploadedFile(
                filename if filename not in ("", ".", "..") else "f", data.draw(st.binary(max_size=200))
            )
        response = clients[persona].post(action, payload)
        assert response.status_code < 500, (action, {k: str(v)[:80] for k, v in payload.items()})


def test_hostile_search_and_filters_do_not_break(dsl, login):
    client = login(dsl)
    for value in ["\x00", "a\x00b", "x" * 5000, "x" * 10_000, "%", "_", "\\", "' OR 1=1 --", "😀", 'a" NEAR b*', "^x:y"]:
        assert client.get(reverse("pupil_search"), {"q": value}).status_code < 500
        assert client.get(reverse("search"), {"q": value}).status_code < 500
        assert client.get(reverse("concern_pupil_search"), {"pupil_query": value}).status_code < 500
        assert client.get(reverse("case_list"), {"status": value, "outcome": value}).status_code < 500


def test_script_and_html_in_every_free_text_field_render_as_text(dsl, school, pupil, pastoral, login):
    from django.utils import timezone

    from cases import services
    from referrals import services as referrals
    from tests.factories import make_case

    evil = '<script>alert("x")</script><b onmouseover=alert(1)>bold</b>'
    case = make_case(
        actor=dsl,
        school=school,
        pupils=[pupil],
        summary=evil,
        child_account=evil,
        disclosed_to=evil,
        imagery="some",
        imagery_kinds=["other"],
        imagery_description=evil,
        platforms=[evil[:50]],
    )
    services.note_add(actor=dsl, case=case, text=evil)
    services.decision_record(actor=dsl, case=case, decision="refer", rationale=evil)
    services.other_child_add(actor=dsl, case=case, data=services.OtherChildInput(evil[:190], "witness", age=14))
    referrals.action_create(actor=dsl, case=case, owner=pastoral, title=evil, due_date=timezone.localdate())
    referrals.child_voice_record(
        actor=dsl, case=case, pupil=pupil, told_at=timezone.now(), told_by=evil[:190], views=evil, questions=evil, next_steps=evil
    )
    page = login(dsl).get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "<script>alert" not in page and "<b onmouseover" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_huge_ids_are_refused_quietly_not_with_a_server_error(dsl, case, login):
    client = login(dsl)
    huge = "9" * 30
    assert client.post(reverse("notification_read"), {"id": [huge, "-1", "x"]}).status_code == 302
    assert client.get(f"/cases/{huge}/").status_code == 404
    assert client.get(f"/cases/{case.pk}/steps/{huge}/").status_code == 404
    from tests.cases.helpers import disclosure_post

    response = client.post(
        reverse("disclosure_new"),
        disclosure_post(**{"pupils-TOTAL_FORMS": "1", "pupils-0-pupil": huge, "pupils-0-part": "harmed"}),
    )
    assert response.status_code == 200


def test_a_huge_login_address_is_refused_with_a_message_not_a_server_error(dsl, login):
    """Found by the hypothesis test in CI: AuthenticationForm never enforces its max_length, and on
    SQLite the case-insensitive lookup of a 60,000-character address is a LIKE pattern too complex."""
    from django.test import Client

    from safeguard.models import User

    huge = "x" * 60_000
    response = Client().post(reverse("login"), {"username": huge, "password": huge})
    assert response.status_code == 200
    assert "An email address is at most 254 characters" in response.content.decode()
    with pytest.raises(User.DoesNotExist):
        User.objects.get_by_natural_key(huge)
    assert User.objects.get_by_natural_key(dsl.email.upper()) == dsl


def test_an_id_no_database_holds_in_a_multiple_choice_is_refused_not_a_500(staff_member, dsl, case, login):
    """Found by the hypothesis test in CI: 99999999999999999999999 in a ticked list reached SQLite
    (OverflowError) from the concern form's pupils and colleagues, and the parents form."""
    huge = "99999999999999999999999"
    response = login(staff_member).post(
        reverse("concern_new"), {"urgent": "no", "what_happened": "Something seen", "pupils": [huge], "also_alert": [huge]}
    )
    assert response.status_code == 200 and "Something seen" in response.content.decode()
    response = login(dsl).post(reverse("parent_contact_add", args=[case.pk]), {"pupils": [huge], "informed": "yes"})
    assert response.status_code == 200
