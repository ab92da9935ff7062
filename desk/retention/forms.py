"""Forms for retention: the school's rule, a review, a hold and its lifting, and the destruction's
proposal, approval and withdrawal. Fields only; the rules are the services'."""

from __future__ import annotations

from django import forms

from cases.forms.common import long_text
from cases.models import HoldKind, ReviewOutcome
from safeguard.forms import ChoiceById

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _text(label: str, missing: str, **kwargs) -> forms.CharField:
    """A long text field whose "required" message says what to write, in the DSL's words."""
    field = long_text(label, **kwargs)
    field.error_messages["required"] = missing
    return field


class RuleForm(forms.Form):
    years = forms.IntegerField(
        label="Keep pupils' records until their date of birth plus (years)",
        min_value=0,
        max_value=1000,
        error_messages={
            "required": "Give the number of years after the date of birth.",
            "invalid": "Give a whole number of years, such as 25.",
            "min_value": "Give a whole number of years, such as 25.",
            "max_value": "Give a whole number of years, such as 25.",
        },
        help_text="The IRMS toolkit for schools: 25 years, then a review.",
        widget=forms.NumberInput(attrs={"class": "w-auto"}),
    )
    reason = _text(
        "Why the school keeps them for this long",
        "Write why the school keeps records for this long (it is kept with the rule).",
        rows=2,
    )


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Your decision",
        choices=ReviewOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to keep the records or destroy them."},
    )
    reason = _text("The reason for your decision", "Write the reason for your decision.", rows=3)
    next_review_on = forms.DateField(
        label="If kept: review them again on",
        required=False,
        widget=_DATE,
        error_messages={"invalid": "Give the date as day, month and year."},
    )


class _CaseChoice(ChoiceById):
    def label_from_instance(self, obj):
        return f"Case {obj.reference} (opened {obj.created_at:%-d %B %Y})"


class HoldForm(forms.Form):
    WHOLE = ""

    case = _CaseChoice(
        label="What to hold",
        queryset=None,
        required=False,
        empty_label="All the pupil's records",
        error_messages={"invalid_choice": "Choose from the list."},
    )
    kind = forms.ChoiceField(
        label="What the hold is for",
        choices=[("", "Choose what the hold is for"), *HoldKind.choices],
        error_messages={"required": "Choose what the hold is for.", "invalid_choice": "Choose what the hold is for."},
    )
    reason = _text(
        "The reason",
        "Write why the records are held (for example, the police force and the crime reference).",
        rows=2,
        help_text="For example, the police force, the officer and the crime reference.",
    )

    def __init__(self, *args, cases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = cases


class LiftForm(forms.Form):
    reason = _text("Why the hold is lifted", "Write why the hold is lifted (for example, the case closed on a date).", rows=2)


class ProposeForm(forms.Form):
    basis = _text(
        "On what basis",
        "Write the basis for destroying these records (for example: the review date was reached and nothing is held).",
        rows=2,
        help_text="For example: reviewed at date of birth + 25 years; nothing in them may matter to an inquiry.",
    )
    early_reason = long_text(
        "Why before the review date",
        required=False,
        rows=2,
        help_text="Only when the review date has not been reached, in a sentence: for example, a record made in error.",
    )


class ApproveForm(forms.Form):
    confirmed = forms.BooleanField(
        label="I have checked what will be destroyed, and agree it goes",
        error_messages={"required": "Tick the box to say you have checked what will be destroyed."},
    )


class WithdrawForm(forms.Form):
    reason = _text("Why the destruction is withdrawn", "Write why the proposal is withdrawn.", rows=2)
