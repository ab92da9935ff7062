"""Forms for restricting a case and for breaking the glass (issue 17)."""

from __future__ import annotations

from django import forms

from cases.forms.common import long_text
from cases.services.restrictions import BREAK_GLASS_REASON_MIN, NAMEABLE_ROLES, REASON_MIN
from safeguard.forms import ChoicesById
from safeguard.models import User


def nameable_staff(school_id: int, *, kept_out_ids=()):
    """The school's active staff who could read the case if named (never whoever is kept out)."""
    return (
        User.objects.filter(roles__school_id=school_id, roles__role__in=list(NAMEABLE_ROLES), is_active=True)
        .exclude(pk__in=list(kept_out_ids))
        .distinct()
        .order_by("full_name", "id")
    )


class _PersonChoices(ChoicesById):
    def label_from_instance(self, obj):
        return obj.full_name


class RestrictionForm(forms.Form):
    people = _PersonChoices(
        label="Who may read this case",
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Name at least one person: a restricted case is read only by the people named in it.",
            "invalid_choice": "Choose people of this school from the list.",
        },
        help_text="Everyone else, the head and deputies included, will find no such case. Leave yourself ticked to keep reading it.",
    )
    reason = long_text(
        "Why the case is restricted",
        help_text=f"Kept on the record and shown to the people named. At least {REASON_MIN} characters.",
        rows=3,
    )

    def __init__(self, *args, school_id: int, kept_out_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].queryset = nameable_staff(school_id, kept_out_ids=kept_out_ids)

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if len(reason) < REASON_MIN:
            raise forms.ValidationError(f"Say why, in at least {REASON_MIN} characters: it is kept on the record.")
        return reason


class LiftRestrictionForm(forms.Form):
    lift_reason = long_text("Why the restriction is lifted", rows=2)

    def clean_lift_reason(self):
        reason = self.cleaned_data["lift_reason"].strip()
        if len(reason) < REASON_MIN:
            raise forms.ValidationError(f"Say why, in at least {REASON_MIN} characters: it is kept on the record.")
        return reason


class BreakGlassForm(forms.Form):
    reason = long_text(
        "Why you need to open this case now",
        help_text=(
            f"At least {BREAK_GLASS_REASON_MIN} characters. Every DSL is told at once, and it stands out in the "
            "head's access report. It is open to you for this session only."
        ),
        rows=4,
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if len(reason) < BREAK_GLASS_REASON_MIN:
            raise forms.ValidationError(
                f"Say why you need to open it, in at least {BREAK_GLASS_REASON_MIN} characters: a few words do not say why."
            )
        return reason
