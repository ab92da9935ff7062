from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Submit
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator

from safeguard.conf import MAX_ID
from safeguard.models import EMAIL_MAX_LENGTH, SignInProvider
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


class ChoicesById(forms.ModelMultipleChoiceField):
    """A multiple choice of rows that refuses, before any query, an id no database could hold
    (SQLite raises OverflowError on 99999999999999999999999): a clear "choose from the list"."""

    def _check_values(self, value):
        try:
            values = list(value)
        except TypeError:
            raise ValidationError(self.error_messages["invalid_list"], code="invalid_list") from None
        for item in values:
            text = str(item)
            if not (text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID):
                raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": text})
        return super()._check_values(values)


class ChoiceById(forms.ModelChoiceField):
    """One row by id, refusing before any query an id no database could hold (see ChoicesById)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value)
        if not (text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class KeepUnsentFieldsMixin:
    """A field the request did not send at all keeps its current value: a POST with an empty body
    (a stale tab, a script, a half-loaded page) must never wipe what is stored. Checkboxes are
    absent from a form when unticked, so they are left out of this."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            return
        data = self.data.copy()
        for name, field in self.fields.items():
            key = self.add_prefix(name)
            if isinstance(field, forms.BooleanField) or key in data:
                continue
            shown = field.widget.format_value(self.get_initial_for_field(field, name))
            values = [str(v) for v in shown] if isinstance(shown, list | tuple) else ["" if shown is None else str(shown)]
            if hasattr(data, "setlist"):
                data.setlist(key, values)
            else:
                data[key] = values[0] if len(values) == 1 else values
        self.data = data


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

    def clean_username(self):
        # AuthenticationForm sets max_length after the field is built, so nothing enforces it.
        username = self.cleaned_data["username"]
        if len(username) > EMAIL_MAX_LENGTH:
            raise forms.ValidationError(f"An email address is at most {EMAIL_MAX_LENGTH} characters. Check it and try again.")
        return username

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        from safeguard.selectors import password_sign_in_allowed

        if not password_sign_in_allowed(user):
            raise forms.ValidationError(
                "Your school signs in with its own accounts, not Safeguard passwords: use the button above.",
                code="password_sign_in_off",
            )


class SignInProviderForm(forms.Form):
    """The school's sign-in provider (the IT admin). The client secret is never typed here: the
    server's environment holds it, under the name given."""

    enabled = forms.BooleanField(label="Staff may sign in with the school's accounts", required=False, initial=True)
    kind = forms.ChoiceField(label="The school's accounts", choices=SignInProvider.Kind.choices)
    directory = forms.CharField(
        label="Directory (tenant) ID, Workspace domain or issuer URL",
        max_length=300,
        help_text="Microsoft 365: the directory (tenant) ID. Google: the school's Workspace domain. Another provider: its issuer URL.",
        error_messages={"required": "Give the directory (tenant) ID, the Workspace domain or the issuer URL."},
    )
    client_id = forms.CharField(
        label="Client (application) ID",
        max_length=200,
        help_text="From the app registration you made for Safeguard at the provider.",
        error_messages={"required": "Give the client (application) ID the provider gave Safeguard."},
    )
    secret_env = forms.CharField(
        label="Environment variable holding the client secret",
        max_length=100,
        help_text="Set it on the server (a line in sign-in.env beside docker-compose.yml), then give its name here. The secret itself is never stored in Safeguard.",
        error_messages={"required": "Give the name of the environment variable that holds the client secret."},
    )
    password_sign_in = forms.BooleanField(
        label="Staff may also sign in with a Safeguard password",
        required=False,
        initial=True,
        help_text="The school's IT administrators always may, so that a provider that stops working never locks the school out.",
    )
    trust_provider_mfa = forms.BooleanField(
        label="Trust the provider's own multi-factor sign-in instead of Safeguard's second factor",
        required=False,
        help_text="Only when the provider reports it checked a second factor (amr includes mfa). Otherwise staff who read cases still enter Safeguard's code.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Save and check"))


def _role_choices():
    return [(value, f"{label} — {ROLE_HELP[Role(value)]}") for value, label in Role.choices]


class StaffRolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        choices=_role_choices,
        widget=forms.CheckboxSelectMultiple,
        label="Roles at this school",
        error_messages={
            "required": "Choose at least one role. To take away all of someone's access, deactivate their account instead."
        },
    )

    def __init__(self, *args, waiting=(), **kwargs):
        super().__init__(*args, **kwargs)
        if waiting:
            names = ", ".join(Role(role).label for role in sorted(waiting))
            self.fields[
                "roles"
            ].help_text = f"Waiting for a Designated Safeguarding Lead to approve: {names}. Untick it to withdraw the request."
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Save roles"))


class StaffAddForm(forms.Form):
    full_name = forms.CharField(max_length=150, label="Full name")
    email = forms.EmailField(max_length=254, label="Email address")
    roles = forms.MultipleChoiceField(
        choices=_role_choices,
        widget=forms.CheckboxSelectMultiple,
        label="Roles at this school",
        help_text="A role that reads cases (DSL, Deputy DSL, head teacher) takes effect when a Designated Safeguarding Lead approves it.",
        error_messages={"required": "Choose at least one role."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Add member of staff"))

    def clean_full_name(self):
        name = self.cleaned_data["full_name"].strip()
        if not name:
            raise forms.ValidationError("Enter the person's full name.")
        return name


class ApprovalDeclineForm(forms.Form):
    reason = forms.CharField(
        label="Why you are declining", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class SchoolSettingsForm(KeepUnsentFieldsMixin, forms.ModelForm):
    """The school's safeguarding settings (docs/domain.md's defaults a school may change)."""

    class Meta:
        from safeguard.models import School

        model = School
        fields = [
            "urn",
            "high_number_threshold",
            "police_referral_due_days",
            "acknowledgement_chase_days",
            "platform_check_hours",
            "review_interval_days",
            "overdue_escalation_days",
            "quiet_hours_start",
            "quiet_hours_end",
            "school_day_end",
            "hours_start",
            "hours_end",
            "document_images",
        ]
        widgets = {
            "document_images": forms.RadioSelect,
            "quiet_hours_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_hours_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "school_day_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "hours_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "hours_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name == "urn":
                continue
            if not isinstance(field, forms.IntegerField):
                field.error_messages["invalid"] = "Enter a time such as 07:30."
                continue
            field.error_messages["invalid"] = "Enter a whole number."
            # The model's own limits, checked here with messages in plain words (and shown as min/max).
            for validator in self._meta.model._meta.get_field(name).validators:
                if isinstance(validator, MinValueValidator) and validator.limit_value > 0:
                    field.validators.append(
                        MinValueValidator(validator.limit_value, message=f"Enter at least {validator.limit_value}.")
                    )
                    field.widget.attrs["min"] = validator.limit_value
                elif isinstance(validator, MaxValueValidator):
                    field.validators.append(
                        MaxValueValidator(validator.limit_value, message=f"Enter {validator.limit_value} or fewer.")
                    )
                    field.widget.attrs["max"] = validator.limit_value
        for name in ("hours_start", "hours_end"):
            self.fields[name].required = False
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset("Police-referral criteria", "high_number_threshold"),
            Fieldset(
                "Referral timings",
                "police_referral_due_days",
                "acknowledgement_chase_days",
                "platform_check_hours",
                "review_interval_days",
            ),
            Fieldset("Reminders", "overdue_escalation_days", "quiet_hours_start", "quiet_hours_end", "school_day_end"),
            Fieldset("School hours", "hours_start", "hours_end"),
            Fieldset("Attachments", "document_images"),
        )

    def clean(self):
        cleaned = super().clean()
        # School hours left empty keep their value.
        for name in ("hours_start", "hours_end"):
            if name in cleaned and cleaned[name] is None and name not in self.errors:
                cleaned[name] = getattr(self.instance, name)
        start, end = cleaned.get("hours_start"), cleaned.get("hours_end")
        if start and end and end <= start:
            self.add_error("hours_end", "The end of school hours must be later than the start.")
        return cleaned

    def clean_urn(self) -> str:
        """Blank, or the 6 digits another Safeguard addresses a child's file to (issue 18)."""
        from safeguard.models import School

        urn = "".join(self.cleaned_data.get("urn", "").split())
        if urn and not (urn.isdigit() and len(urn) == 6):
            raise forms.ValidationError("A URN is 6 digits, as Get Information about Schools shows it.")
        if urn and School.objects.filter(urn=urn).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("Another school on this Safeguard has that URN: check it.")
        return urn


class DigestForm(forms.Form):
    """Who gets the morning digest: one tick per DSL and Deputy DSL."""

    def __init__(self, *args, people, chosen: set[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.people = list(people)
        for person in self.people:
            self.fields[f"digest_{person.pk}"] = forms.BooleanField(
                label=f"{person.full_name} ({person.email})", required=False, initial=person.pk in chosen
            )

    def choices(self) -> dict[int, bool]:
        return {person.pk: bool(self.cleaned_data.get(f"digest_{person.pk}")) for person in self.people}
