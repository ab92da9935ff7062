"""Forms for a child's file: the pupil leaving, where they are going, what goes, and the receiving
school's answer. Fields only; the rules are the services'."""

from __future__ import annotations

from django import forms

from cases.forms.common import long_text
from cases.models import MoveKind, PeerInstance, Pupil, TransferRoute
from safeguard.forms import ChoiceById, ChoicesById
from safeguard.models import School

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class LeftForm(forms.Form):
    left_on = forms.DateField(
        label="The last day the pupil is on the roll",
        widget=_DATE,
        error_messages={
            "required": "Give the date the pupil leaves (or left).",
            "invalid": "Give the date as day, month and year.",
        },
        help_text="If they have a case or a concern on record, the checklist for their child protection file starts.",
    )


class _SchoolChoice(ChoiceById):
    def label_from_instance(self, obj):
        return obj.name


class _PeerChoice(ChoiceById):
    def label_from_instance(self, obj):
        return obj.name


class DestinationForm(forms.Form):
    route = forms.ChoiceField(
        label="How the file goes",
        choices=TransferRoute.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the file goes to the new school."},
    )
    move = forms.ChoiceField(
        label="When the child moves", choices=MoveKind.choices, widget=forms.RadioSelect, initial=MoveKind.IN_YEAR
    )
    on_roll_confirmed_on = forms.DateField(
        label="The new school confirmed the child is on its roll on",
        required=False,
        widget=_DATE,
        help_text="An in-year move: the file is due 5 school days after this. Until you know, 5 school days after the child left.",
        error_messages={"invalid": "Give the date as day, month and year."},
    )
    receiving_school = _SchoolChoice(
        label="The new school (on this Safeguard)",
        queryset=School.objects.none(),
        required=False,
        empty_label="Choose the school",
        error_messages={"invalid_choice": "Choose a school from the list."},
    )
    peer = _PeerChoice(
        label="The other Safeguard",
        queryset=PeerInstance.objects.none(),
        required=False,
        empty_label="Choose the Safeguard the new school uses",
        error_messages={"invalid_choice": "Choose one from the list."},
    )
    receiving_school_name = forms.CharField(label="The new school", max_length=200, required=False)
    receiving_school_urn = forms.CharField(
        label="The new school's URN", max_length=8, required=False, help_text="6 digits (Get Information about Schools)."
    )
    receiving_dsl_name = forms.CharField(label="The new school's DSL", max_length=200, required=False)
    receiving_dsl_email = forms.EmailField(
        label="Their email address",
        required=False,
        help_text="Check it with them by phone. The email holds no child's name; the code to open it you give them by phone.",
        error_messages={"invalid": "Give an email address such as name@school.example."},
    )

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["receiving_school"].queryset = School.objects.exclude(pk=school.pk).order_by("name")
        self.fields["peer"].queryset = PeerInstance.objects.filter(retired_at__isnull=True).order_by("name")


class _CaseChoices(ChoicesById):
    def label_from_instance(self, obj):
        return f"Case {obj.reference} ({obj.get_status_display().lower()}, opened {obj.created_at:%-d %B %Y})"


class SendForm(forms.Form):
    cases = _CaseChoices(
        label="Cases to send",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose cases from the list."},
        help_text="Every case goes by default: KCSIE asks for the whole child protection file.",
    )
    include_concerns = forms.BooleanField(label="The concerns kept on the pupil's record", required=False, initial=True)
    note = long_text(
        "A note for the new school's DSL", required=False, rows=3, help_text="For example, who to call about the child."
    )
    name_others = forms.BooleanField(
        label="Name the other children in the file",
        required=False,
        help_text="Otherwise they appear as Child B, Child C. Name them only for a reason you write below.",
    )
    name_others_reason = long_text("Why the other children are named", required=False, rows=2)

    def __init__(self, *args, cases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cases"].queryset = cases
        if not self.is_bound:
            self.initial.setdefault("cases", [case.pk for case in cases])


class CancelForm(forms.Form):
    reason = long_text("Why no file is being sent", rows=2)


class AcceptForm(forms.Form):
    pupil = ChoiceById(
        label="The pupil on your roll",
        queryset=Pupil.objects.none(),
        required=False,
        empty_label="Choose the pupil",
        error_messages={"invalid_choice": "Choose a pupil from the list."},
    )
    confirmed = forms.BooleanField(label="I have received this child's file", required=False)

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = Pupil.objects.filter(school=school, left_on__isnull=True).order_by(
            "last_name", "first_name"
        )
        self.fields["pupil"].label_from_instance = lambda p: f"{p.full_name} ({p.year_group_label}, UPN {p.upn_tail})"


class DeclineForm(forms.Form):
    reason = long_text("Why you are declining it", rows=2, help_text="The sending school's DSL reads this.")
