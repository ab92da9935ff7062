"""Forms for children's files to and from another Safeguard. Fields only; the services check."""

from __future__ import annotations

from django import forms
from django.conf import settings


class PeerAddForm(forms.Form):
    card = forms.CharField(
        label="The other Safeguard's details",
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "class": "font-monospace"}),
        error_messages={"required": "Paste the details the other school gave you."},
        help_text="The other school's DSL copies them from their Safeguard's \"Send a child's file to us\" page. "
        "Check with them by phone that the instance id matches before you add it.",
    )
    name = forms.CharField(
        label="What to call it (optional)",
        max_length=200,
        required=False,
        help_text="For example the trust or local authority. Left empty, the name in the details is used.",
    )


class PeerRetireForm(forms.Form):
    peer = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class BundleUploadForm(forms.Form):
    bundle = forms.FileField(
        label="The bundle file (.sgbundle)",
        error_messages={"required": "Choose the .sgbundle file the sending school gave you."},
        help_text="The sending school downloads it from their Safeguard and gives it to you on a memory stick or by secure email.",
    )

    def clean_bundle(self):
        upload = self.cleaned_data["bundle"]
        limit = settings.TRANSFER_BUNDLE_MAX_MB * 1024 * 1024
        if upload.size > limit:
            raise forms.ValidationError(
                f"This file is larger than {settings.TRANSFER_BUNDLE_MAX_MB} MB: it is not a Safeguard bundle."
            )
        return upload


class ReceiptUploadForm(forms.Form):
    receipt_file = forms.FileField(
        label="The receipt file (.json)",
        required=False,
        help_text="The receiving school downloads it from their Safeguard after uploading your bundle.",
    )
    receipt_text = forms.CharField(
        label="Or paste the receipt",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "class": "font-monospace"}),
    )

    def clean(self):
        data = super().clean()
        upload = data.get("receipt_file")
        if upload is not None:
            if upload.size > 64 * 1024:
                raise forms.ValidationError("That file is too large to be a receipt.")
            data["receipt"] = upload.read().decode("utf-8", "replace")
        elif (data.get("receipt_text") or "").strip():
            data["receipt"] = data["receipt_text"].strip()
        else:
            raise forms.ValidationError("Choose the receipt file, or paste the receipt.")
        return data
