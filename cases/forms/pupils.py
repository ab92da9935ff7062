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


class RollFeedForm(forms.Form):
    """The nightly import's settings (the IT admin): where the file lands and how to read it."""

    enabled = forms.BooleanField(label="Import the roll from this folder every night", required=False, initial=True)
    folder = forms.CharField(
        label="Folder the MIS saves its export to",
        max_length=200,
        help_text="Inside the folder Safeguard's worker reads from (shown above), for example \u201cmis/pupils\u201d.",
        error_messages={"required": "Give the folder the MIS saves its export to."},
    )
    preset = forms.ChoiceField(label="The school's MIS", choices=mis.MIS_PRESET_LABELS.items())
    settle_minutes = forms.IntegerField(
        label="Minutes a file must be unchanged before it is read",
        min_value=1,
        max_value=240,
        initial=10,
        help_text="So that a file the MIS is still writing is never read half-written.",
        error_messages={"min_value": "Give at least 1 minute.", "max_value": "Give at most 240 minutes (4 hours)."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in mis.HEADER_ALIASES:
            self.fields[f"heading_{name}"] = forms.CharField(
                label=f"Heading of the {mis.FIELD_LABELS[name]} column",
                max_length=80,
                required=False,
                help_text="Leave empty to use the MIS's usual heading.",
            )
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Save the nightly import"))

    @property
    def heading_fields(self):
        return [self[f"heading_{name}"] for name in mis.HEADER_ALIASES]

    def headings(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(f"heading_{name}") or "" for name in mis.HEADER_ALIASES}
