"""The forms of a subject access request: recording it, withholding, undoing, withdrawing."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from cases.models import RequesterKind
from desk.sar import rules
from desk.sar.redact import REASON_OTHER, REASONS
from desk.sar.services import REQUIRED_IDENTITY

TEXT_MAX = 2000


class PupilChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        left = f", left {obj.left_on:%-d %B %Y}" if obj.left_on else ""
        return f"{obj.last_name}, {obj.first_name} ({obj.year_group_label}{left})"


class RequestForm(forms.Form):
    pupil = PupilChoice(
        label="Who the request is about",
        queryset=None,
        empty_label="Choose the pupil",
        error_messages={
            "required": "Choose the pupil the request is about.",
            "invalid_choice": "Choose a pupil of this school, on roll or former.",
        },
    )
    requester_name = forms.CharField(label="Who asked", max_length=200, error_messages={"required": "Say who asked."})
    requester_kind = forms.ChoiceField(
        label="Who they are",
        choices=RequesterKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Say who they are: the young person, a parent or carer, or someone acting for them."},
    )
    identity_checked = forms.CharField(
        label="Proof of identity seen",
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What you saw, such as a passport and a council tax bill. For a parent, also what shows they may act for the child.",
        error_messages={"required": REQUIRED_IDENTITY},
    )
    received_on = forms.DateField(
        label="Date received",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The answer is due one calendar month later.",
        error_messages={
            "required": "Say the date the request was received: the month to answer it starts then.",
            "invalid": "Enter the date received as a date, such as 3 March 2026.",
        },
    )

    def __init__(self, *args, pupils, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = pupils

    def clean_received_on(self):
        value = self.cleaned_data["received_on"]
        why = rules.received_refusal(value, timezone.localdate())
        if why:
            raise forms.ValidationError(why)
        return value


class WithholdForm(forms.Form):
    target = forms.ChoiceField(label="What to withhold", error_messages={"required": "Choose what to withhold from the draft."})
    reason_kind = forms.ChoiceField(
        label="Why it is withheld",
        choices=list(REASONS.items()),
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why it is withheld: a redaction needs a reason."},
    )
    reason_text = forms.CharField(
        label="The reason, written out",
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only for another reason. It is shown in the response: do not repeat what is withheld.",
    )

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [("", "Choose a record or a passage")] + [
            (item.target, item.description) for item in items
        ]

    def clean(self):
        data = super().clean()
        if data.get("reason_kind") == REASON_OTHER and not (data.get("reason_text") or "").strip():
            self.add_error("reason_text", "Write out the reason: a redaction needs a reason, and it is shown in the response.")
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Why",
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say why: the reason is kept."},
    )
