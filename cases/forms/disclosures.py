"""The disclosure form (in sections, with rows of children) and the forms that change its facts.
The checks behind the messages are pure functions in cases.rules, shared with the services, so a
message shown beside a field is the same one the service would give."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from cases import rules
from cases.criteria import CRITERIA
from cases.forms.common import DATETIME_LOCAL, long_text
from cases.models import (
    AdultInvolvement,
    AgeBandChoice,
    AnswerChoice,
    ChildPart,
    Disclosure,
    DisclosureMethod,
    HarassmentKind,
    ImageryChoice,
    ImageryKindChoice,
    Pupil,
)
from cases.services import ChildInput, DisclosureInput, OtherChildInput
from safeguard.conf import bounded_ids
from safeguard.forms import ChoiceById
from safeguard.models import User
from safeguard.selectors import staff_of_school

QUESTIONS = {
    "C1": "Does it involve coercion, blackmail or exploitation?",
    "C2": "Is it extreme or violent in nature?",
    "C4": "Is a child at significant or immediate risk of harm?",
    "C6": "Does it involve images or a recording of a crime?",
}


def _answer_field(code: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=QUESTIONS[code],
        choices=AnswerChoice.choices,
        widget=forms.RadioSelect,
        help_text=CRITERIA[code][1],
        initial=AnswerChoice.UNKNOWN,
    )


class DisclosureFactsForm(forms.Form):
    """The structured facts: used when recording a disclosure and when changing its facts."""

    disclosed_at = forms.DateTimeField(
        label="When the child disclosed",
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        error_messages={"invalid": "Enter the date and time the child told someone, for example 23/11/2026 10:30."},
    )
    method = forms.ChoiceField(label="How the child disclosed", choices=DisclosureMethod.choices)
    incident_date = forms.DateField(
        label="Date of the incident",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="If you do not know the exact date, give your best estimate and tick \u201capproximate\u201d.",
        error_messages={"invalid": "Enter a real date, for example 3 October 2026."},
    )
    incident_date_approximate = forms.BooleanField(label="The date is approximate", required=False)
    kinds = forms.MultipleChoiceField(
        label="Kinds of online sexual harassment",
        choices=HarassmentKind.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Choose every kind that applies.",
        error_messages={"required": "Choose at least one kind of harassment."},
    )
    platforms = forms.CharField(
        label="Platforms or apps involved",
        required=False,
        max_length=600,
        help_text="Separate them with commas, for example: Snapchat, Instagram.",
        widget=forms.TextInput(attrs={"list": "platform-suggestions", "autocomplete": "off"}),
    )
    unidentified_children = forms.IntegerField(
        label="Children involved who are not yet identified",
        min_value=0,
        max_value=10_000,
        initial=0,
        help_text="For example, others in a group chat whose names you do not know yet.",
        error_messages={"min_value": "Enter 0 or more.", "max_value": "Enter a number up to 10,000."},
    )
    adult_involvement = forms.ChoiceField(
        label="Is an adult involved?",
        choices=AdultInvolvement.choices,
        widget=forms.RadioSelect,
        initial=AdultInvolvement.UNKNOWN,
        help_text="An adult making contact with a child online points to CEOP and the police; a member of staff to the LADO.",
    )
    imagery = forms.ChoiceField(
        label="Are images or videos involved?",
        choices=ImageryChoice.choices,
        widget=forms.RadioSelect,
        initial=ImageryChoice.UNKNOWN,
    )
    imagery_kinds = forms.MultipleChoiceField(
        label="What kind of imagery",
        choices=ImageryKindChoice.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    answer_c1 = _answer_field("C1")
    answer_c2 = _answer_field("C2")
    answer_c4 = _answer_field("C4")
    answer_c6 = _answer_field("C6")

    def clean_incident_date(self):
        value = self.cleaned_data["incident_date"]
        problem = rules.incident_date_problem(value, today=timezone.localdate())
        if problem:
            raise ValidationError(problem)
        return value

    def clean_disclosed_at(self):
        value = self.cleaned_data["disclosed_at"]
        if value > timezone.now() + timezone.timedelta(minutes=5):
            raise ValidationError("The time the child disclosed cannot be in the future.")
        return value

    def clean(self):
        data = super().clean()
        if "imagery" in data:
            problem = rules.imagery_problem(data["imagery"], data.get("imagery_kinds") or [], data.get("answer_c6", "unknown"))
            if problem:
                self.add_error(problem[0], problem[1])
        incident, disclosed = data.get("incident_date"), data.get("disclosed_at")
        if incident and disclosed and timezone.localtime(disclosed).date() < incident:
            self.add_error("disclosed_at", "The child cannot have disclosed before the incident happened. Check both dates.")
        return data

    @classmethod
    def initial_for(cls, case) -> dict:
        d: Disclosure = case.disclosure
        initial = {
            "disclosed_at": timezone.localtime(d.disclosed_at).strftime(DATETIME_LOCAL),
            "method": d.method,
            "incident_date": d.incident_date,
            "incident_date_approximate": d.incident_date_approximate,
            "kinds": d.kinds(),
            "platforms": ", ".join(case.platforms.filter(removed_at__isnull=True).values_list("name", flat=True)),
            "unidentified_children": d.unidentified_children,
            "adult_involvement": d.adult_involvement,
            "imagery": d.imagery,
            "imagery_kinds": d.imagery_kinds(),
        }
        initial.update({name: getattr(d, name) for name in Disclosure.ANSWER_FIELDS.values()})
        return initial

    def fact_values(self) -> dict:
        data = self.cleaned_data
        return {
            "disclosed_at": data["disclosed_at"],
            "method": data["method"],
            "incident_date": data["incident_date"],
            "incident_date_approximate": data["incident_date_approximate"],
            "kinds": list(data["kinds"]),
            "platforms": rules.normalise_platforms(data.get("platforms") or ""),
            "unidentified_children": data["unidentified_children"] or 0,
            "adult_involvement": data["adult_involvement"],
            "imagery": data["imagery"],
            "imagery_kinds": list(data.get("imagery_kinds") or []),
            "answers": {code: data[name] for code, name in Disclosure.ANSWER_FIELDS.items()},
        }


class DisclosureForm(DisclosureFactsForm):
    """Recording a disclosure: the facts, plus the narrative in the child's own words."""

    disclosed_to = forms.CharField(
        label="Who the child told", max_length=200, help_text="Name and role, for example: Ms Example, form tutor."
    )
    child_account = long_text(
        "What the child said, in their own words",
        help_text="Write down what they said as closely as you can, without adding your interpretation.",
        rows=8,
    )
    summary = long_text(
        "Summary of the concern",
        help_text="A short, clear summary for the case record (KCSIE).",
        rows=3,
    )
    imagery_description = long_text(
        "Describe the imagery",
        required=False,
        help_text="Describe it in words. Never view, copy, save, print or share it, and never ask a child to send it.",
        rows=3,
    )
    concern = forms.IntegerField(required=False, widget=forms.HiddenInput)
    staff_member = ChoiceById(
        label="The member of staff involved, if they have an account here",
        queryset=User.objects.none(),
        required=False,
        empty_label="Not named here, or no account",
        help_text=(
            "An allegation against a member of staff: the case is restricted at once to the DSLs, deputies and the head "
            "(or, if it is the head, the DSLs and the chair of governors), and the person named can never open it."
        ),
        error_messages={"invalid_choice": "Pick a member of staff of this school from the list."},
    )

    def clean(self):
        data = super().clean()
        if data.get("staff_member") is not None and data.get("adult_involvement") not in (None, "staff"):
            self.add_error(
                "staff_member",
                "You named a member of staff: choose \u201cA member of staff\u201d as the adult involved, or take the name off.",
            )
        return data

    field_order = [
        "disclosed_at",
        "method",
        "disclosed_to",
        "child_account",
        "summary",
        "incident_date",
        "incident_date_approximate",
        "kinds",
        "platforms",
    ]

    def clean_child_account(self):
        value = self.cleaned_data["child_account"]
        if not value.strip():
            raise ValidationError("Write down what the child said, in their own words.")
        return value

    def clean_summary(self):
        value = self.cleaned_data["summary"]
        if not value.strip():
            raise ValidationError("Write a short summary of the concern.")
        return value


class PupilRowForm(forms.Form):
    pupil = forms.ModelChoiceField(queryset=Pupil.objects.none(), widget=forms.HiddenInput)
    part = forms.ChoiceField(label="Their part", choices=ChildPart.choices)

    def __init__(self, *args, school=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = Pupil.objects.filter(school=school) if school else Pupil.objects.none()
        self.fields["pupil"].error_messages["invalid_choice"] = "That pupil is not on this school's roll. Search again."


class OtherChildRowForm(forms.Form):
    description = forms.CharField(
        label="Who they are", max_length=200, help_text="For example: \u201cYear 10 girl at another school\u201d."
    )
    part = forms.ChoiceField(label="Their part", choices=ChildPart.choices)
    age = forms.IntegerField(
        label="Age at the time of the incident",
        required=False,
        error_messages={"invalid": "Enter the age as a whole number, or leave it blank and choose an age band."},
    )
    age_band = forms.ChoiceField(label="Or an age band", choices=[("", "—"), *AgeBandChoice.choices], required=False)
    known_to_services = forms.BooleanField(label="Known to children's social care or the police", required=False)

    def clean_age(self):
        age = self.cleaned_data.get("age")
        problem = rules.child_age_problem(age)
        if problem:
            raise ValidationError(problem)
        return age

    def to_input(self) -> OtherChildInput:
        data = self.cleaned_data
        return OtherChildInput(
            description=data["description"].strip(),
            part=data["part"],
            age=data.get("age"),
            age_band=data.get("age_band") or "",
            known_to_services=bool(data.get("known_to_services")),
        )


class _RowFormSet(forms.BaseFormSet):
    def __init__(self, *args, school=None, **kwargs):
        self.school = school
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if self.form is PupilRowForm:
            kwargs["school"] = self.school
        return kwargs

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            **self.get_form_kwargs(None),
        )
        self.add_fields(form, None)
        return form

    def live_forms(self):
        return [
            f for f in self.forms if f.is_valid() and f.has_changed() and not (self.can_delete and self._should_delete_form(f))
        ]


PupilFormSet = forms.formset_factory(PupilRowForm, formset=_RowFormSet, extra=0, can_delete=True, max_num=200, absolute_max=500)
OtherChildFormSet = forms.formset_factory(
    OtherChildRowForm, formset=_RowFormSet, extra=0, can_delete=True, max_num=200, absolute_max=500
)


def pupil_label(pupil: Pupil) -> str:
    return f"{pupil.full_name} ({pupil.year_group_label}, born {pupil.date_of_birth.day} {pupil.date_of_birth:%b %Y})"


def _initial_from_data(form_class, data: MultiValueDict, prefix: str | None, **kwargs) -> dict:
    """Turn raw submitted (or draft) data into ``initial`` values, so a draft reopens without errors."""
    probe = form_class(prefix=prefix, **kwargs)
    initial = {}
    for name, field in probe.fields.items():
        value = field.widget.value_from_datadict(data, MultiValueDict(), probe.add_prefix(name))
        if value not in (None, "", []):
            initial[name] = value
    return initial


class DisclosureForms:
    """The disclosure form and its two child formsets, validated together."""

    def __init__(self, data=None, *, school, initial=None, draft: dict | None = None, pupil_rows: list[dict] | None = None):
        self.school = school
        if draft is not None and data is None:
            raw = MultiValueDict(draft)
            self.form = DisclosureForm(initial=_initial_from_data(DisclosureForm, raw, None))
            self.pupils = PupilFormSet(
                prefix="pupils", school=school, initial=self._rows(PupilRowForm, raw, "pupils", school=school)
            )
            self.others = OtherChildFormSet(prefix="others", school=school, initial=self._rows(OtherChildRowForm, raw, "others"))
        else:
            self.form = DisclosureForm(data, initial=initial)
            self.pupils = PupilFormSet(data, prefix="pupils", school=school, initial=None if data else pupil_rows)
            self.others = OtherChildFormSet(data, prefix="others", school=school)
        self.form.fields["staff_member"].queryset = staff_of_school(school)

    @staticmethod
    def _rows(form_class, raw: MultiValueDict, prefix: str, **kwargs) -> list[dict]:
        try:
            total = min(int(raw.get(f"{prefix}-TOTAL_FORMS", 0)), 200)
        except (TypeError, ValueError):
            total = 0
        rows = []
        for index in range(total):
            if raw.get(f"{prefix}-{index}-DELETE"):
                continue
            row = _initial_from_data(form_class, raw, f"{prefix}-{index}", **kwargs)
            if row:
                rows.append(row)
        return rows

    def is_valid(self) -> bool:
        valid = all([self.form.is_valid(), self.pupils.is_valid(), self.others.is_valid()])
        if not valid:
            return False
        incident = self.form.cleaned_data["incident_date"]
        seen = set()
        for row in self.pupils.live_forms():
            pupil = row.cleaned_data["pupil"]
            if pupil.pk in seen:
                row.add_error("pupil", f"{pupil.full_name} is already listed.")
                return False
            seen.add(pupil.pk)
            problem = rules.born_after_incident_problem(incident, name=pupil.full_name, date_of_birth=pupil.date_of_birth)
            if problem:
                self.form.add_error("incident_date", problem)
        return not self.form.errors

    def to_input(self) -> DisclosureInput:
        data = self.form.cleaned_data
        return DisclosureInput(
            summary=data["summary"],
            disclosed_to=data["disclosed_to"],
            child_account=data["child_account"],
            imagery_description=data.get("imagery_description") or "",
            pupils=[ChildInput(r.cleaned_data["pupil"], r.cleaned_data["part"]) for r in self.pupils.live_forms()],
            others=[r.to_input() for r in self.others.live_forms()],
            staff_member=data.get("staff_member"),
            **self.form.fact_values(),
        )

    def label_pupil_rows(self) -> None:
        """Give each pupil row a label: its hidden input holds only the pupil's id. One query."""
        values = {row: str(row["pupil"].value() or "") for row in self.pupils.forms}
        ids = bounded_ids(values.values())
        pupils = {str(p.pk): p for p in Pupil.objects.filter(school=self.school, pk__in=ids)}
        for row, value in values.items():
            pupil = pupils.get(value)
            row.pupil_label = pupil_label(pupil) if pupil else "A pupil who is not on this school's roll"

    def apply_service_errors(self, error: ValidationError) -> None:
        for field, messages in getattr(error, "error_dict", {"__all__": error.error_list}).items():
            target = field if field in self.form.fields else None
            for message in messages:
                self.form.add_error(target, message)


class FactsChangeForm(DisclosureFactsForm):
    reason = forms.CharField(
        label="Why are the facts changing?",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
        help_text="For example: the child added more in a second conversation.",
        error_messages={"required": "Say why the facts are changing."},
    )


class AddPupilForm(forms.Form):
    pupil = forms.ModelChoiceField(queryset=Pupil.objects.none(), widget=forms.HiddenInput)
    part = forms.ChoiceField(label="Their part", choices=ChildPart.choices)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = Pupil.objects.filter(school=school)
        self.fields["pupil"].error_messages = {
            "required": "Search for the pupil and choose them first.",
            "invalid_choice": "That pupil is not on this school's roll.",
        }


class RemoveChildForm(forms.Form):
    reason = forms.CharField(
        label="Why is this child being taken off the case?",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say why this child is being taken off the case."},
    )
