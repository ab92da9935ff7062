"""The case page's form for granting the case to the trust's safeguarding lead."""

from __future__ import annotations

from django import forms
from django.db.models import Q

from cases.models import Case
from safeguard.forms import ChoiceById
from safeguard.models import User

NOT_IN_THE_LIST = "Choose the trust's safeguarding lead from the list: only they can be granted a case."


class TrustGrantForm(forms.Form):
    #: The case page has the assignment form's "user" too: its fields must not share an id.
    prefix = "trust"

    user = ChoiceById(
        queryset=User.objects.none(),
        label="Grant this case to",
        empty_label="Choose the trust's safeguarding lead",
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={"invalid_choice": NOT_IN_THE_LIST, "required": NOT_IN_THE_LIST},
    )

    def __init__(self, *args, case: Case, leads, **kwargs):
        """``leads``: the trust's open safeguarding leads, offered. Anyone else of the trust may be
        sent (a stale page, a hand-made request): the service refuses them in words."""
        super().__init__(*args, **kwargs)
        trust_id = case.school.trust_id
        self.fields["user"].queryset = User.objects.filter(
            Q(roles__school__trust_id=trust_id) | Q(trust_leads__trust_id=trust_id)
        ).distinct()
        self.fields["user"].choices = [("", "Choose the trust's safeguarding lead")] + [
            (lead.pk, f"{lead.full_name} ({lead.email})") for lead in leads
        ]
