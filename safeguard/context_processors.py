"""What the layout needs on every page: the current school, the user's roles there, unread count."""

from django.utils import timezone

from safeguard import selectors
from safeguard.permissions import roles_at, trust_lead_of
from safeguard.roles import (
    CASE_READING_ROLES,
    can_change_school_settings,
    can_manage_staff,
    can_triage_concerns,
    can_view_reports,
)


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    school = selectors.current_school(request)
    # Without a verified second factor, the menu offers only what can be reached: raising a concern.
    verified = user.is_verified() if hasattr(user, "is_verified") else False
    roles = roles_at(user, school.pk) if school and verified else frozenset()
    return {
        "today": timezone.localdate(),
        "nav": {
            "school": school,
            "schools": getattr(request, "_safeguard_schools", []),
            "roles": roles,
            "can_manage_staff": can_manage_staff(roles),
            "can_view_reports": can_view_reports(roles),
            "is_lead": can_triage_concerns(roles),
            "can_change_settings": can_change_school_settings(roles),
            "sees_cases": bool(roles & CASE_READING_ROLES),
            "is_trust_lead": bool(trust_lead_of(user)) if verified else False,
            "unread": selectors.unread_notification_count(user) if verified else 0,
            "verified": verified,
        },
    }
