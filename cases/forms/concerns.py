"""Raising a concern (any member of staff), and the DSL's triage of one."""

from __future__ import annotations

from django import forms

from cases.forms.common import DATETIME_LOCAL, long_text
from cases.models import Pupil
from cases.services.concerns import ALSO_ALERT_ROLES, ConcernInput
from safeguard.conf import bounded_ids
from safeguard.forms import ChoiceById, ChoicesById
from safeguard.models import StaffRole, User
from safeguard.roles import Role
from safeguard.selectors import staff_of_school

URGENT_CHOICES = [("no", "No"), ("yes", "Yes: a child may be in danger now")]


class _Colleagues(ChoicesById):
    """Colleagues by name, with their role at the school ("Casey Marsh, Pastoral staff")."""

    roles: dict[int, str] = {}

    def label_from_instance(self, obj):
        return f"{obj.full_name}, {self.roles[obj.pk]}" if obj.pk in self.roles else obj.full_name


class ConcernForm(forms.Form):
    """What any member of staff records. The first question comes first on purpose: a child in
    immediate danger needs the DSL in person, or 999, before anything is typed."""

    urgent = forms.ChoiceField(
        label="Is a child in immediate danger?",
        choices=URGENT_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Answer this first: is a child in immediate danger?"},
    )
    pupils = ChoicesById(
        queryset=Pupil.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Which pupils is it about?",
        error_messages={"invalid_choice": "A pupil of another school cannot be named here. Search this school's roll again."},
    )
    children = forms.CharField(
        label="Anyone else, or a child you cannot name",
        max_length=300,
        required=False,
        help_text="For example: “a Year 9 boy, I do not know his name”.",
    )
    what_happened = long_text(
        "What did you see, hear or get told?",
        help_text="Write what happened, in the words that were used. The DSL will follow it up; you will not be able to read it back.",
        rows=6,
    )
    happened_at = forms.DateTimeField(
        label="When did it happen, or when were you told?",
        required=False,
        input_formats=[DATETIME_LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        error_messages={"invalid": "Enter a real date and time, or leave it empty if you are not sure."},
    )
    where = forms.CharField(
        label="Where?", max_length=200, required=False, help_text="For example: the canteen, online, on the bus."
    )
    child_words = long_text(
        "If the child spoke to you, what did they say?",
        required=False,
        help_text="Their own words, as near as you can remember them.",
        rows=3,
    )
    told = forms.CharField(
        label="Who have you told?", max_length=300, required=False, help_text="For example: no one yet, or their form tutor."
    )
    also_alert = _Colleagues(
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Tell anyone else as well?",
        help_text="The Designated Safeguarding Leads are always told. You can also tell a DSL, deputy or pastoral colleague here.",
    )

    staff_member = ChoiceById(
        label="Is it about a member of staff?",
        queryset=User.objects.none(),
        required=False,
        empty_label="No, or not named here",
        help_text=(
            "If what happened was done by a member of staff, pick them (or leave this and tell the DSL in person). "
            "They will never see this concern or the case, and are not told of it. If it is the head teacher, the DSLs "
            "handle it with the chair of governors, not the head."
        ),
        error_messages={"invalid_choice": "Pick a member of staff of this school from the list."},
    )

    def __init__(self, *args, school, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupils"].queryset = Pupil.objects.filter(school=school)
        self.fields["staff_member"].queryset = staff_of_school(school).exclude(pk=actor.pk)
        self.fields["staff_member"].label_from_instance = lambda user: user.full_name
        self.fields["also_alert"].queryset = (
            User.objects.filter(roles__school=school, roles__role__in=list(ALSO_ALERT_ROLES), is_active=True)
            .exclude(pk=actor.pk)
            .distinct()
            .order_by("full_name")
        )
        held: dict[int, list[str]] = {}
        for user_id, role in StaffRole.objects.filter(school=school, role__in=list(ALSO_ALERT_ROLES)).values_list(
            "user_id", "role"
        ):
            held.setdefault(user_id, []).append(Role(role).label)
        self.fields["also_alert"].roles = {user_id: ", ".join(sorted(labels)) for user_id, labels in held.items()}

    def chosen_pupils(self) -> list[Pupil]:
        """The pupils ticked so far, for showing them again (the form is re-shown after a search)."""
        ids = bounded_ids(self.data.getlist(self.add_prefix("pupils"))) if self.is_bound else []
        return list(self.fields["pupils"].queryset.filter(pk__in=ids).order_by("last_name", "first_name")) if ids else []

    def to_input(self) -> ConcernInput:
        data = self.cleaned_data
        return ConcernInput(
            what_happened=data["what_happened"],
            pupils=list(data["pupils"]),
            children=data["children"],
            happened_at=data["happened_at"],
            where=data["where"],
            child_words=data["child_words"],
            told=data["told"],
            urgent=data["urgent"] == "yes",
            also_alert=list(data["also_alert"]),
            staff_member=data.get("staff_member"),
        )


class NoFurtherActionForm(forms.Form):
    reason = forms.CharField(
        label="Why is no further action needed?",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Record why no further action is needed."},
    )


class PupilRecordForm(forms.Form):
    reason = forms.CharField(
        label="Why does this stay on the pupil's record, not a case?",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="A low-level concern is kept in the pupil's chronology, so that a pattern can be seen.",
        error_messages={"required": "Say why this stays on the pupil's record rather than opening a case."},
    )
