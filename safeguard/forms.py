from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth.forms import AuthenticationForm

from safeguard.roles import ROLE_HELP, Role


def add_service_errors(form, error) -> None:
    """Show a service's ValidationError beside the matching form fields (or above the form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            for item in errors:
                form.add_error(field if field in form.fields else None, item)
    else:
        for message in error.messages:
            form.add_error(None, message)


class LoginForm(AuthenticationForm):
    """Email and password. A failure says only that one of them is wrong, never which."""

    error_messages = {
        "invalid_login": "The email address or password is not right. Check them and try again.",
        "inactive": "The email address or password is not right. Check them and try again.",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "Email address"
        self.fields["username"].widget = forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Log in"))


def _role_choices():
    return [(value, f"{label} — {ROLE_HELP[Role(value)]}") for value, label in Role.choices]


class StaffRolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        choices=_role_choices, widget=forms.CheckboxSelectMultiple, required=False, label="Roles at this school"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Save roles"))


class StaffAddForm(forms.Form):
    full_name = forms.CharField(max_length=150, label="Full name")
    email = forms.EmailField(max_length=254, label="Email address")
    roles = forms.MultipleChoiceField(choices=_role_choices, widget=forms.CheckboxSelectMultiple, label="Roles at this school")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Add member of staff"))

    def clean_full_name(self):
        name = self.cleaned_data["full_name"].strip()
        if not name:
            raise forms.ValidationError("Enter the person's full name.")
        return name


class SchoolSettingsForm(forms.ModelForm):
    class Meta:
        from safeguard.models import School

        model = School
        fields = ["high_number_threshold"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["high_number_threshold"].error_messages.update(
            {"min_value": "Enter at least 2.", "max_value": "Enter 500 or fewer.", "invalid": "Enter a whole number."}
        )
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Save settings"))
