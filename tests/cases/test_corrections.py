"""Corrections, not deletions: the earlier text stays for the DSLs, with the reason."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases import services
from cases.models import Correction
from safeguard.models import AuditEvent
from tests.factories import make_case


@pytest.fixture
def recorded(dsl, school, pupil):
    return make_case(actor=dsl, school=school, pupils=[pupil], child_account="He sent messges every nigth.")


def test_correcting_the_account_keeps_the_earlier_text(recorded, dsl):
    services.narrative_correct(
        actor=dsl, case=recorded, field_name="child_account", new_text="He sent messages every night.", reason="Typos"
    )
    recorded.disclosure.refresh_from_db()
    assert recorded.disclosure.child_account == "He sent messages every night."
    correction = Correction.objects.get()
    assert correction.previous_text == "He sent messges every nigth." and correction.reason == "Typos"
    assert AuditEvent.objects.filter(action="cases.narrative.corrected", extra={"field": "child_account"}).count() == 1


@pytest.mark.parametrize(
    ("field_name", "new_text", "reason", "error_key"),
    [
        ("child_account", "New text", "", "reason"),
        ("child_account", "   ", "Because", "new_text"),
        ("summary", "", "Because", "new_text"),
    ],
)
def test_a_correction_needs_a_reason_and_text(recorded, dsl, field_name, new_text, reason, error_key):
    with pytest.raises(ValidationError) as error:
        services.narrative_correct(actor=dsl, case=recorded, field_name=field_name, new_text=new_text, reason=reason)
    assert error_key in error.value.error_dict
    assert not Correction.objects.exists()


def test_the_correction_page_shows_earlier_versions_to_the_dsl(recorded, dsl, login):
    client = login(dsl)
    response = client.post(
        reverse("case_correct", args=[recorded.pk, "child_account"]), {"new_text": "Corrected words", "reason": "Misheard"}
    )
    assert response.status_code == 302
    page = client.get(reverse("case_correct", args=[recorded.pk, "child_account"])).content.decode()
    assert "He sent messges every nigth." in page and "Misheard" in page


def test_a_failed_correction_keeps_what_was_typed(recorded, dsl, login):
    response = login(dsl).post(
        reverse("case_correct", args=[recorded.pk, "child_account"]), {"new_text": "My careful rewrite", "reason": ""}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "My careful rewrite" in body and "Say why this is being corrected." in body


def test_unknown_fields_cannot_be_corrected(recorded, dsl, login):
    assert login(dsl).get(reverse("case_correct", args=[recorded.pk, "incident_date"])).status_code == 404


def test_a_note_is_corrected_by_a_new_entry(recorded, dsl, pastoral, login):
    services.case_assign(actor=dsl, case=recorded, user=pastoral)
    note = services.note_add(actor=pastoral, case=recorded, text="Spoke to Ava at break.")
    services.note_correct(actor=dsl, case=recorded, note=note, new_text="Spoke to Ava at lunch.", reason="Wrong time")
    note.refresh_from_db()
    assert note.text == "Spoke to Ava at break."  # the note as first written
    page = login(dsl).get(reverse("case_detail", args=[recorded.pk])).content.decode()
    assert "Spoke to Ava at lunch." in page and "Spoke to Ava at break." in page and "Wrong time" in page


def test_pastoral_staff_add_notes_but_cannot_correct(recorded, dsl, pastoral, login):
    services.case_assign(actor=dsl, case=recorded, user=pastoral)
    client = login(pastoral)
    assert client.post(reverse("case_note_add", args=[recorded.pk]), {"text": "Checked in with her."}).status_code == 302
    note = recorded.notes.get()
    assert client.get(reverse("case_note_correct", args=[recorded.pk, note.pk])).status_code == 403
    assert client.get(reverse("case_correct", args=[recorded.pk, "summary"])).status_code == 403


def test_an_empty_note_is_refused(recorded, dsl, login):
    response = login(dsl).post(reverse("case_note_add", args=[recorded.pk]), {"text": "   "})
    assert response.status_code == 200 and "Write the note before saving it." in response.content.decode()
