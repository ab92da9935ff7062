"""Importing the pupil roll from the MIS, and correcting one pupil's record."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import capfirst

from cases import pupil_import as mis
from cases.models import (
    Pupil,
)


class PupilImportForm(forms.Form):
    file = forms.FileField(
        label="Pupil list from your MIS (CSV file)",
        help_text="Up to 5 MB and 20,000 pupils. Nothing is changed until you have checked the report and chosen to import.",
        widget=forms.FileInput(attrs={"accept": ".csv,.txt,text/csv,text/plain"}),
        error_messages={"required": "Choose the CSV file exported from your MIS.", "empty": "The file is empty."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Check the file"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > mis.MAX_BYTES:
            raise ValidationError(
                f"The file is larger than {mis.MAX_BYTES // (1024 * 1024)} MB. Export only the columns Safeguard needs "
                "(UPN, names, date of birth, year group and the five vulnerability columns) and upload it again."
            )
        return upload


YEAR_GROUP_CHOICES = [(value, mis.year_group_label(value)) for value in range(mis.RECEPTION, mis.MAX_YEAR_GROUP + 1)]


def _flag_field(name: str) -> forms.BooleanField:
    return forms.BooleanField(label=capfirst(Pupil._meta.get_field(name).verbose_name), required=False)


class PupilEditForm(forms.Form):
    """Correct a pupil record. The checks are the import's (cases.pupil_import), so both say the same."""

    first_name = forms.CharField(label="First name", max_length=mis.NAME_MAX)
    last_name = forms.CharField(label="Last name", max_length=mis.NAME_MAX)
    date_of_birth = forms.DateField(
        label="Date of birth",
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a real date, for example 3 March 2014.", "required": "Enter the date of birth."},
    )
    year_group = forms.TypedChoiceField(label="Year group", choices=YEAR_GROUP_CHOICES, coerce=int)
    child_protection_plan = _flag_field("child_protection_plan")
    child_in_need_plan = _flag_field("child_in_need_plan")
    looked_after = _flag_field("looked_after")
    open_to_social_care = _flag_field("open_to_social_care")
    known_to_police = _flag_field("known_to_police")
    reason = forms.CharField(
        label="Reason for the change",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=(
            "For example: \u201cthe MIS had the wrong date of birth\u201d or "
            "\u201ca child protection plan started on 4 May\u201d."
        ),
        error_messages={"required": "Say why the record is being changed."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset("The pupil", "first_name", "last_name", "date_of_birth", "year_group"),
            Fieldset(
                "Known to children's social care or the police",
                *mis.FLAG_FIELDS,
            ),
            "reason",
        )
        self.helper.add_input(Submit("submit", "Save the corrected record"))

    @classmethod
    def initial_for(cls, pupil: Pupil) -> dict:
        return {name: getattr(pupil, name) for name in mis.EDITABLE_FIELDS}

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        problem = mis.date_of_birth_problem(value, today=timezone.localdate())
        if problem:
            raise ValidationError(mis.sentence(problem))
        return value

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in mis.EDITABLE_FIELDS}
