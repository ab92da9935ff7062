"""The DSLs' "work needs a new owner" notification: sent when a hand-over leaves work unowned,
cleared by whichever service gives the last of it an owner again."""

from __future__ import annotations

from referrals.selectors import actions_needing_owner, steps_needing_owner
from safeguard.models import School
from safeguard.services import notifications_clear

#: The subject of the notification at a school.
UNOWNED_SUBJECT = "unowned:{school_id}"


def clear_if_all_owned(school_id: int) -> None:
    """Clear it once every open step and action of the school has an active owner again."""
    school = School(pk=school_id)
    if not steps_needing_owner(school).exists() and not actions_needing_owner(school).exists():
        notifications_clear(subject=UNOWNED_SUBJECT.format(school_id=school_id))
