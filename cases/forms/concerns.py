"""Raising a concern, and no further action on one."""

from __future__ import annotations

from django import forms

from cases.forms.common import long_text


class ConcernForm(forms.Form):
    children = forms.CharField(
        label="Which child or children is this about?",
        max_length=300,
        help_text="Names, or a description if you do not know them.",
    )
    what_happened = long_text(
        "What did you see, hear or get told?",
        help_text="Write what happened and when, in the words that were used. The DSL will follow it up; you will not be able to read it back.",
        rows=8,
    )


class NoFurtherActionForm(forms.Form):
    reason = forms.CharField(
        label="Why is no further action needed?",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Record why no further action is needed."},
    )
