"""Logging in and landing on one's own home page."""

from __future__ import annotations

from django.urls import reverse


def test_login_failure_says_only_that_email_or_password_is_wrong(dsl, client):
    wrong_password = client.post(reverse("login"), {"username": dsl.email, "password": "nope"})
    no_account = client.post(reverse("login"), {"username": "nobody@hillside.example", "password": "nope"})
    message = b"The email address or password is not right"
    assert message in wrong_password.content and message in no_account.content
    # Same page either way: nothing reveals whether the account exists.
    strip = lambda r: r.content.replace(b'value="nobody@hillside.example"', b"").replace(f'value="{dsl.email}"'.encode(), b"")  # noqa: E731
    assert b"csrfmiddlewaretoken" in strip(wrong_password)
    assert len(strip(wrong_password)) - len(strip(no_account)) in range(-80, 81)


def test_login_with_email_in_any_case(dsl, client):
    response = client.post(reverse("login"), {"username": dsl.email.upper(), "password": "correct-horse-battery"})
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_login_next_cannot_redirect_off_site(dsl, client):
    response = client.post(
        reverse("login") + "?next=https://evil.example/", {"username": dsl.email, "password": "correct-horse-battery"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_every_page_requires_login_by_default(client):
    response = client.get(reverse("case_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_home_page_shows_each_role_its_own_panel(case, personas, login):
    expectations = {
        "dsl": b"Open cases",
        "deputy": b"Open cases",
        "head": b"Cases at Hillside Test Academy",
        "pastoral": b"Open cases assigned to you (",
        "pastoral_unassigned": b"No open case is assigned to you",
        "it_admin": b"Staff accounts",
    }
    for persona, marker in expectations.items():
        body = login(personas[persona]).get(reverse("home")).content
        assert marker in body, persona
    it_body = login(personas["it_admin"]).get(reverse("home")).content
    assert case.reference.encode() not in it_body
