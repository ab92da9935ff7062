"""Forms of the page a link to a child's file opens (no login): the code, then the receipt."""

from __future__ import annotations

from django import forms

from desk.transfers import links


class LinkCodeForm(forms.Form):
    code = forms.CharField(
        label="The code",
        max_length=40,
        help_text="12 digits, given to you by phone by the school that sent the file. Spaces do not matter.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}),
        error_messages={"required": "Enter the code you were given by phone."},
    )


class LinkReceiptForm(forms.Form):
    name = forms.CharField(label="Your name", max_length=200, error_messages={"required": links.NAME_REQUIRED})
    role = forms.CharField(
        label="Your role at your school",
        max_length=200,
        help_text="For example Designated Safeguarding Lead, and your school's name.",
        error_messages={"required": links.ROLE_REQUIRED},
    )
