"""The preview page's choices: which cases, the concerns, and naming the other children."""

from __future__ import annotations

from django import forms

from desk.child_file.records import CaseChoice

REASON_MAX = 2000


class ChildFileForm(forms.Form):
    cases = forms.TypedMultipleChoiceField(
        label="Cases to include", coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    include_concerns = forms.BooleanField(label="Include the concerns raised about the child", required=False)
    name_others = forms.BooleanField(
        label="Name the other children",
        required=False,
        help_text="Only for a named reason, such as a strategy meeting or the police asking for their names.",
    )
    reason = forms.CharField(
        label="Why the other children are named",
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept on the record with the file you make.",
    )

    def __init__(self, *args, choices: list[CaseChoice], has_concerns: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_concerns = has_concerns
        self.fields["cases"].choices = [
            (c.pk, f"{c.reference} — opened {c.opened_at:%-d %B %Y}, {c.status.lower()}") for c in choices
        ]
        if not self.is_bound:
            self.initial.setdefault("cases", [c.pk for c in choices])
            self.initial.setdefault("include_concerns", True)

    def clean(self):
        data = super().clean()
        if data.get("name_others") and not (data.get("reason") or "").strip():
            self.add_error("reason", "Say why the other children should be named: the reason is kept on the record.")
        if not data.get("cases") and not (data.get("include_concerns") and self.has_concerns):
            raise forms.ValidationError("Choose at least one case, or include the concerns: there is nothing to put in the file.")
        return data
