"""How the core's audit actions read to a head teacher. Each app words its own; the reports
combine them (desk.reports.labels)."""

from __future__ import annotations

ACTION_WORDS = {
    "safeguard.login.succeeded": "Logged in",
    "safeguard.login.failed": "A login failed",
    "safeguard.login.locked_out": "Was locked out after wrong passwords",
    "safeguard.logout": "Logged out",
    "safeguard.login.provider": "Signed in with the school's account",
    "safeguard.login.provider_refused": "A sign-in with the school's account was refused",
    "safeguard.reauth.provider": "Confirmed it was them with the school's account",
    "safeguard.logout.provider": "Signed out at the school's account provider (Safeguard sessions ended)",
    "safeguard.sign_in.saved": "Changed how staff sign in",
    "safeguard.sign_in.linked": "Linked their school account on first sign-in",
    "safeguard.sign_in.broken": "Signing in with the school's accounts stopped working",
    "safeguard.sign_in.working": "Signing in with the school's accounts works again",
    "safeguard.second_factor.enrolled": "Set up a second factor",
    "safeguard.second_factor.replaced": "Replaced their second factor",
    "safeguard.second_factor.failed": "Entered a wrong code",
    "safeguard.second_factor.backup_codes_renewed": "Made new backup codes",
    "safeguard.second_factor.reset": "A second factor was reset",
    "safeguard.staff.added": "Added a member of staff",
    "safeguard.staff.roles_changed": "Changed someone's roles",
    "safeguard.staff.deactivated": "Deactivated an account",
    "safeguard.staff.reactivated": "Reactivated an account",
    "safeguard.staff.password_link_sent": "Sent a set-password link",
    "safeguard.staff.approval_requested": "Asked for access to be approved",
    "safeguard.staff.approval_approved": "Approved access",
    "safeguard.staff.approval_declined": "Declined access",
    "safeguard.trust_lead.appointed": "The trust's safeguarding lead was appointed",
    "safeguard.trust_lead.ended": "The trust's safeguarding lead's appointment ended",
    "safeguard.school.settings_changed": "Changed the school's settings",
    "safeguard.school.digest_changed": "Changed who gets the morning digest",
    "safeguard.school.terms_changed": "Changed the school's term dates",
    "safeguard.school.terms_confirmed": "Confirmed the school's term dates",
}
