"""Forms for children's files on paper: the receipt of a file handed over in person, and a file
that came from a school without Safeguard. Fields only; the rules are ``paper``'s."""

from __future__ import annotations

from django import forms

from cases.attachments import IMAGERY_REFUSAL
from cases.forms.common import long_text
from desk.transfers import paper

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_DATE_ERRORS = {"invalid": "Give the date as day, month and year."}


class ReceiptByHandForm(forms.Form):
    """Who signed for the printed file at the new school, and when."""

    name = forms.CharField(label="Who signed for it", max_length=200, error_messages={"required": paper.NAME_REQUIRED})
    role = forms.CharField(
        label="Their role at the new school",
        max_length=200,
        help_text="For example Designated Safeguarding Lead, or Deputy DSL.",
        error_messages={"required": paper.ROLE_REQUIRED},
    )
    received_on = forms.DateField(
        label="The day it was handed over",
        widget=_DATE,
        error_messages={"required": "Give the day the file was handed over.", **_DATE_ERRORS},
    )


class ReceivedByHandForm(forms.Form):
    """A file from a previous school without Safeguard: on paper, or by secure email."""

    from_school_name = forms.CharField(
        label="The school it came from", max_length=200, error_messages={"required": paper.FROM_SCHOOL_REQUIRED}
    )
    from_school_urn = forms.CharField(
        label="That school's URN (if you know it)",
        max_length=8,
        required=False,
        help_text="6 digits, as Get Information about Schools shows it.",
    )
    from_dsl_name = forms.CharField(label="Sent by (their DSL)", max_length=200, required=False)
    received_on = forms.DateField(
        label="The day it reached you",
        widget=_DATE,
        error_messages={"required": "Give the day the file reached you.", **_DATE_ERRORS},
    )
    note = long_text(
        label="Anything to note",
        required=False,
        help_text="For example how it came (by hand, by secure email), or what the covering letter says. "
        "The paper file itself: keep it securely, as your school's policy says.",
    )
    pdf_file = forms.FileField(
        label="The file, as a PDF (optional)",
        required=False,
        help_text="A scan of the paper file, or the PDF the school emailed. " + IMAGERY_REFUSAL.split(". ", 1)[0] + ".",
        widget=forms.FileInput(attrs={"accept": ".pdf,application/pdf"}),
        error_messages={"empty": "The file is empty."},
    )
    confirmed_no_child_images = forms.BooleanField(
        label="I confirm this file holds no photograph or video of a child",
        required=False,
        help_text="Needed only when you attach a PDF.",
    )
