from __future__ import annotations

from django import forms
from django.utils import timezone

from cases.forms import DATETIME_LOCAL, long_text
from cases.models import NARRATIVE_MAX, Pupil
from referrals.models import MadeHow, Route
from safeguard.forms import ChoicesById, KeepUnsentFieldsMixin
from safeguard.models import User

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL)
_DT_FORMATS = [DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def _due_date(label: str = "Due date") -> forms.DateField:
    return forms.DateField(
        label=label, widget=_DATE, error_messages={"invalid": "Enter a real date.", "required": "Give a due date."}
    )


def _when(label: str, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=_DT_FORMATS,
        widget=_DATETIME,
        required=required,
        error_messages={"invalid": "Enter a real date and time.", "required": "Give the date and time."},
    )


def _reference() -> forms.CharField:
    # No max_length here: the service gives the plain message for an absurd length, and the
    # input keeps what was typed.
    return forms.CharField(
        label="Their reference", required=False, help_text="A crime reference, report reference or case number."
    )


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name


def staff_at(school_id: int, roles) -> forms.ModelChoiceField:
    return StaffChoiceField(
        queryset=User.objects.filter(roles__school_id=school_id, roles__role__in=list(roles), is_active=True)
        .distinct()
        .order_by("full_name"),
        label="Owner",
        error_messages={"required": "Choose who owns this.", "invalid_choice": "Choose someone from the list."},
    )


class StepAcceptForm(forms.Form):
    due_date = _due_date()
    platform = forms.CharField(
        label="Platform or app", required=False, max_length=60, help_text="For a platform report: which one."
    )

    def __init__(self, *args, school_id: int, owner_roles, show_platform: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"owner": staff_at(school_id, owner_roles), **self.fields}
        if not show_platform:
            del self.fields["platform"]


class StepRecordForm(forms.Form):
    """Everything already known about a step, in one form: who owns it and when it is due (for a
    suggestion), when and how it was made, its reference, the acknowledgement, the outcome, and
    whether to close it. The fields follow the step's state; what is left empty is not yet."""

    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    due_date = forms.DateField(label="Due date", widget=_DATE, required=False, error_messages={"invalid": "Enter a real date."})
    made_how = forms.ChoiceField(
        label="How it was made",
        choices=[("", "Not made yet"), *MadeHow.choices],
        required=False,
        help_text="Leave as “Not made yet” to accept it for later.",
    )
    made_at = _when("When it was made", required=False)
    reference = _reference()
    contact = forms.CharField(
        label="Who you spoke to or reported to", required=False, help_text="For example, the officer's name and number."
    )
    platform = forms.CharField(label="Platform or app", required=False, max_length=60)
    acknowledged_at = _when("Acknowledged (if they have)", required=False)
    outcome = forms.CharField(
        label="The outcome (if known)",
        required=False,
        strip=False,
        max_length=NARRATIVE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": "Keep the outcome shorter: put the detail in a note."},
    )
    close = forms.BooleanField(label="Close the step once the outcome is recorded", required=False, initial=True)

    #: The fields each state offers (a suggestion is accepted with an owner and a due date first).
    FIELDS = {
        "suggested": ("owner", "due_date", "platform", "made_how", "made_at", "reference", "contact", "outcome", "close"),
        "not_needed": ("owner", "due_date", "made_how", "made_at", "reference", "contact", "outcome", "close"),
        "todo": ("made_how", "made_at", "reference", "contact", "platform", "acknowledged_at", "outcome", "close"),
        "made": ("acknowledged_at", "reference", "outcome", "close"),
        "acknowledged": ("reference", "outcome", "close"),
    }

    def __init__(self, *args, state: str, school_id: int, owner_roles, show_platform: bool, **kwargs):
        super().__init__(*args, **kwargs)
        keep = [name for name in self.FIELDS.get(state, ()) if show_platform or name != "platform"]
        self.fields = {name: self.fields[name] for name in keep}
        if "owner" in self.fields:
            owner = staff_at(school_id, owner_roles)
            owner.required = False
            owner.help_text = "You, unless you choose someone else."
            self.fields["owner"] = owner
        if "made_at" in self.fields:
            self.fields["made_at"].help_text = "Now, unless you say otherwise."


class StepMadeForm(forms.Form):
    made_at = _when("When it was made")
    made_how = forms.ChoiceField(
        label="How", choices=[("", "Choose…"), *MadeHow.choices], error_messages={"required": "Say how it was made."}
    )
    reference = _reference()
    contact = forms.CharField(
        label="Who you spoke to or reported to", required=False, help_text="For example, the officer's name and number."
    )
    platform = forms.CharField(label="Platform or app", required=False, max_length=60)

    def __init__(self, *args, show_platform: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not show_platform:
            del self.fields["platform"]


class StepAcknowledgeForm(forms.Form):
    acknowledged_at = _when("When it was acknowledged")
    reference = _reference()
    contact = forms.CharField(label="Who acknowledged it", required=False)


class StepOutcomeForm(forms.Form):
    outcome = long_text("The outcome", rows=3)
    reference = _reference()


class StepNotNeededForm(forms.Form):
    reason = forms.CharField(
        label="Why this step is not needed",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
        error_messages={"required": "Say why this step is not needed."},
    )


class StepUpdateForm(forms.Form):
    due_date = _due_date()
    reference = _reference()
    contact = forms.CharField(label="Contact", required=False)

    def __init__(self, *args, school_id: int, owner_roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"owner": staff_at(school_id, owner_roles), **self.fields}


class StepAddForm(forms.Form):
    route = forms.ModelChoiceField(queryset=Route.objects.all(), label="Route", error_messages={"required": "Choose a route."})
    due_date = _due_date()
    platform = forms.CharField(label="Platform or app (for a platform report)", required=False, max_length=60)
    reason = forms.CharField(label="Why", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, school_id: int, owner_roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"route": self.fields.pop("route"), "owner": staff_at(school_id, owner_roles), **self.fields}


class ActionForm(forms.Form):
    title = forms.CharField(label="What needs doing", max_length=1000, error_messages={"required": "Say what needs doing."})
    due_date = _due_date()

    def __init__(self, *args, school_id: int, owner_roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"title": self.fields.pop("title"), "owner": staff_at(school_id, owner_roles), **self.fields}
        self.fields["owner"].label = "Who does it"


class ActionOwnerForm(forms.Form):
    def __init__(self, *args, school_id: int, owner_roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"] = staff_at(school_id, owner_roles)
        self.fields["owner"].label = "Who does it now"


class ActionCompleteForm(forms.Form):
    note = forms.CharField(
        label="What was done (optional)", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ActionCancelForm(forms.Form):
    reason = forms.CharField(
        label="Why it is no longer needed",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say why this action is no longer needed."},
    )


class PupilOnCaseField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name


class PupilsOnCaseField(ChoicesById):
    def label_from_instance(self, obj):
        return obj.full_name


class ChildVoiceForm(forms.Form):
    told_at = _when("When the child was told")
    told_by = forms.CharField(label="Who told them", max_length=200)
    views = long_text(
        "Their views, in their own words",
        rows=4,
        help_text="Children may be scared, worried about getting into trouble, or about being taken from home. Their wishes never block a required referral.",
    )
    questions = long_text("Their questions, and the answers given", required=False, rows=3)
    next_steps = long_text("What they were told will happen next", rows=3)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        queryset = Pupil.objects.filter(case_links__case=case, case_links__removed_at__isnull=True).distinct()
        self.fields = {"pupil": PupilOnCaseField(queryset=queryset, label="Which child"), **self.fields}
        self.initial.setdefault("told_at", timezone.localtime().strftime(DATETIME_LOCAL))


class ParentContactForm(forms.Form):
    informed = forms.TypedChoiceField(
        label="Were the parents or carers informed?",
        choices=[("yes", "Yes"), ("no", "No: informing them would put the child at risk")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether they were informed."},
    )
    how = forms.ChoiceField(label="How they were told", choices=[("", "Choose…"), *MadeHow.choices], required=False)
    who = forms.CharField(
        label="Who was informed", required=False, max_length=200, help_text="Name and relationship to the child."
    )
    contacted_at = _when("When", required=False)
    contacted_by = forms.CharField(label="By whom", required=False, max_length=200)
    response = long_text("Their response", required=False, rows=3)
    not_informed_reason = long_text("Why they were not informed", required=False, rows=3)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        queryset = Pupil.objects.filter(case_links__case=case, case_links__removed_at__isnull=True).distinct()
        pupils = PupilsOnCaseField(
            queryset=queryset,
            label="Which children's parents or carers",
            widget=forms.CheckboxSelectMultiple,
            help_text="Tick each child this is about: brothers and sisters share parents.",
            error_messages={"required": "Choose the child or children whose parents or carers this is about."},
        )
        self.fields = {"pupils": pupils, **self.fields}


class CloseForm(forms.Form):
    summary = long_text(
        "How the concern was followed up and resolved",
        rows=5,
        help_text="KCSIE: the actions taken, decisions reached and the outcome.",
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label="Why the case is being reopened",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
        error_messages={"required": "Say why the case is being reopened."},
    )


class ReviewForm(forms.Form):
    notes = long_text("What the review found", rows=3)


class SchoolRouteForm(KeepUnsentFieldsMixin, forms.Form):
    contact_details = forms.CharField(
        label="Your contact details for this route", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    due_working_days = forms.IntegerField(
        label="Due within (working days)",
        required=False,
        min_value=0,
        max_value=30,
        help_text="Leave blank for the default.",
        error_messages={"min_value": "Enter 0 or more.", "max_value": "Enter 30 or fewer."},
    )
