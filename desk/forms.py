"""Forms of the pages that combine apps."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from safeguard.models import User
from safeguard.roles import SAFEGUARDING_LEADS


class _ByName(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name


class StaffLeaveForm(forms.Form):
    """Deactivating someone: who takes over their open work, and a confirmation."""

    new_owner = _ByName(
        queryset=User.objects.none(),
        required=False,
        label="Who takes over their open steps and actions",
        empty_label="Nobody yet: the DSLs see it on their home page and give it out",
        error_messages={"invalid_choice": "Choose someone from the list."},
    )
    confirm = forms.BooleanField(
        label="I understand they can no longer log in, and every session they have ends now",
        error_messages={"required": "Tick the box to confirm you want to deactivate this account."},
    )

    def __init__(self, *args, school, leaver, holds_work: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if holds_work:
            self.fields["new_owner"].queryset = (
                User.objects.filter(roles__school=school, roles__role__in=list(SAFEGUARDING_LEADS), is_active=True)
                .exclude(pk=leaver.pk)
                .distinct()
                .order_by("full_name")
            )
            self.fields[
                "new_owner"
            ].help_text = "A DSL or deputy, who can act on every step and action. Only a DSL can give work to pastoral staff."
        else:
            del self.fields["new_owner"]
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Deactivate the account", css_class="btn-danger"))


AT_ONCE, SUMMARY = "at_once", "summary"


class AlertPreferencesForm(forms.Form):
    """Per kind of alert: the email at once, or in the morning summary (``always`` kinds are fixed)."""

    def __init__(self, *args, kinds: dict, current: dict[str, bool], **kwargs):
        super().__init__(*args, **kwargs)
        self.fixed = []
        for kind, spec in kinds.items():
            if spec.get("always"):
                self.fixed.append(spec["words"])
                continue
            self.fields[kind] = forms.ChoiceField(
                label=spec["words"],
                choices=[(AT_ONCE, "Email me at once"), (SUMMARY, "In my morning summary")],
                widget=forms.RadioSelect,
                required=False,
                initial=AT_ONCE if current.get(kind, True) else SUMMARY,
            )

    def choices(self) -> dict[str, bool]:
        """What was sent; a kind not sent keeps what the person chose before."""
        return {kind: value == AT_ONCE for kind, value in self.cleaned_data.items() if value}
