"""Building POST data for the disclosure form, as a browser would send it."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone


def disclosure_post(*, pupils=(), others=(), **overrides) -> dict:
    """A complete, valid submission; pupils is a list of (pupil, part); others a list of dicts."""
    now = timezone.localtime()
    data = {
        "disclosed_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "method": "in_person",
        "disclosed_to": "Ms Example, form tutor",
        "child_account": "He keeps asking me for pictures.",
        "summary": "Requests for images from another pupil.",
        "incident_date": (now.date() - timedelta(days=2)).isoformat(),
        "kinds": ["unwanted_sexualisation"],
        "platforms": "Snapchat",
        "unidentified_children": "0",
        "adult_involvement": "none",
        "imagery": "none",
        "imagery_description": "",
        "answer_c1": "no",
        "answer_c2": "no",
        "answer_c4": "no",
        "answer_c6": "no",
        "pupils-TOTAL_FORMS": str(len(pupils)),
        "pupils-INITIAL_FORMS": "0",
        "others-TOTAL_FORMS": str(len(others)),
        "others-INITIAL_FORMS": "0",
    }
    for index, (pupil, part) in enumerate(pupils):
        data[f"pupils-{index}-pupil"] = str(pupil.pk)
        data[f"pupils-{index}-part"] = part
    for index, other in enumerate(others):
        for key, value in other.items():
            data[f"others-{index}-{key}"] = value
    data.update(overrides)
    return data
