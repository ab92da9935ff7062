"""Forms of the case page: the DSL's decision, notes, corrections, assigning pastoral staff and
what they see."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from cases.forms.common import long_text
from cases.models import (
    AssignmentView,
    DecisionChoice,
)
from safeguard.models import User
from safeguard.roles import Role


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=DecisionChoice.choices, widget=forms.RadioSelect, label="Your decision on police referral"
    )
    rationale = long_text(
        "Your rationale",
        required=False,
        help_text="Required when your decision differs from the assessment, or while it is provisional.",
        rows=4,
    )


class NoteForm(forms.Form):
    text = long_text("Add a note to the chronology", rows=3)
    for_support = forms.BooleanField(
        label="Share with staff on the support view",
        required=False,
        help_text="Pastoral staff on the support view see only the notes shared with them, and their own.",
    )

    def __init__(self, *args, can_share: bool = False, **kwargs):
        """``can_share``: the DSL's form. Pastoral staff write notes, but do not choose who reads them."""
        super().__init__(*args, **kwargs)
        self.fields["text"].widget.attrs["class"] = "textarea form-control"  # as crispy would add
        if can_share:
            self.fields["for_support"].widget.attrs["class"] = "form-check-input"
        else:
            del self.fields["for_support"]

    def clean_text(self):
        value = self.cleaned_data["text"]
        if not value.strip():
            raise ValidationError("Write the note before saving it.")
        return value


class CorrectionForm(forms.Form):
    new_text = long_text("Corrected text", required=False, rows=8)
    reason = forms.CharField(
        label="Why is this being corrected?",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say why this is being corrected."},
    )


class AssignForm(forms.Form):
    user = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Assign a member of pastoral staff",
        widget=forms.Select(attrs={"class": "select form-select"}),  # as crispy would add
    )
    view = forms.ChoiceField(
        # Short enough for a phone; AssignmentView's labels say the same at length.
        choices=[(AssignmentView.SUPPORT, "The support view (what support to give)"), (AssignmentView.FULL, "The full case")],
        initial=AssignmentView.SUPPORT,
        required=False,
        label="What they see",
        widget=forms.Select(attrs={"class": "select form-select"}),
    )

    def clean_view(self):
        # Not sent (an older page): the support view, as the service's default.
        return self.cleaned_data["view"] or AssignmentView.SUPPORT

    def __init__(self, *args, school_id: int, exclude_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            User.objects.filter(roles__school_id=school_id, roles__role=Role.PASTORAL, is_active=True)
            .exclude(pk__in=list(exclude_ids))
            .distinct()
            .order_by("full_name")
        )


class AssignmentViewForm(forms.Form):
    """A DSL changes what someone assigned sees (the case page's list of assigned staff)."""

    view = forms.ChoiceField(choices=AssignmentView.choices, label="What they see")
