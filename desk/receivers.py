"""What the desk app does when the apps below it say something happened (cases.signals)."""

from __future__ import annotations

from django.dispatch import receiver

from cases.signals import pupils_left
from desk.transfers.services import pupils_left_by_import


@receiver(pupils_left, dispatch_uid="desk.pupils_left_by_import")
def on_pupils_left(sender, *, pupils, actor, **kwargs) -> None:
    """Issue 18: a pupil marked as left by the MIS import starts the checklist for their file, as
    marking them by hand does."""
    pupils_left_by_import(actor=actor, pupils=pupils)
