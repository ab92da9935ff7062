from __future__ import annotations

from django import forms

from safeguard.models import User
from safeguard.roles import Role


class AssignForm(forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.none(), label="Assign a member of pastoral staff")

    def __init__(self, *args, school_id: int, exclude_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            User.objects.filter(roles__school_id=school_id, roles__role=Role.PASTORAL, is_active=True)
            .exclude(pk__in=list(exclude_ids))
            .distinct()
            .order_by("full_name")
        )
