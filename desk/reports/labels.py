"""Words for the reports: what an audit action code means to a head teacher. Pure data.

Each app words its own actions (``safeguard.audit_labels``, ``cases.audit_labels``,
``referrals.audit_labels``, ``desk.audit_labels``); the reports, which show all of them, combine the tables here.
"""

from __future__ import annotations

from cases import audit_labels as cases_labels
from desk import audit_labels as desk_labels
from referrals import audit_labels as referrals_labels
from referrals.catalogue import ROUTES
from referrals.routes import RouteCode
from safeguard import audit_labels as core_labels

CASE_OBJECT = cases_labels.CASE_OBJECT
VIEWED = cases_labels.VIEWED
REFUSED = cases_labels.REFUSED
#: Written by the reports themselves (its code predates this app's name; audit rows are never rewritten).
EXPORTED = "safeguard.report.exported"

ACTION_WORDS = {
    **core_labels.ACTION_WORDS,
    **cases_labels.ACTION_WORDS,
    **referrals_labels.ACTION_WORDS,
    **desk_labels.ACTION_WORDS,
    EXPORTED: "Exported a report",
}
ATTEMPT_WORDS = cases_labels.ATTEMPT_WORDS
REFUSAL_WORDS = cases_labels.REFUSAL_WORDS


#: Each route's name, as the catalogue words it: a page never shows a route's code.
ROUTE_NAMES = {spec["code"]: spec["name"] for spec in ROUTES}
#: Shorter names for the charts (the tables beside them keep the full name).
ROUTE_SHORT = {
    RouteCode.POLICE: "Police",
    RouteCode.PLATFORM: "The app or service",
    RouteCode.REPORT_HARMFUL_CONTENT: "Report Harmful Content",
    RouteCode.REPORT_REMOVE: "Report Remove",
    RouteCode.IWF: "Internet Watch Foundation",
    RouteCode.CEOP: "CEOP",
    RouteCode.SCHOOL: "The school's own support",
    RouteCode.SOCIAL_CARE: "Social care or the LADO",
    RouteCode.PARENTS: "Parents or carers",
}

#: The agencies the governors' report counts referrals to, in its order, and the route of each.
#: Children's social care and the LADO share a route: the LADO's are those about a member of staff.
POLICE, CEOP, SOCIAL_CARE, LADO, IWF, REPORT_REMOVE = "police", "ceop", "social_care", "lado", "iwf", "report_remove"
AGENCY_ROUTES = {
    POLICE: RouteCode.POLICE,
    CEOP: RouteCode.CEOP,
    SOCIAL_CARE: RouteCode.SOCIAL_CARE,
    LADO: RouteCode.SOCIAL_CARE,
    IWF: RouteCode.IWF,
    REPORT_REMOVE: RouteCode.REPORT_REMOVE,
}
AGENCY_WORDS = {
    POLICE: ROUTE_NAMES[RouteCode.POLICE],
    CEOP: ROUTE_NAMES[RouteCode.CEOP],
    SOCIAL_CARE: "Children's social care (MASH)",
    LADO: "The LADO (a member of staff involved)",
    IWF: ROUTE_NAMES[RouteCode.IWF],
    REPORT_REMOVE: ROUTE_NAMES[RouteCode.REPORT_REMOVE],
}
PROGRESS_WORDS = {
    "outcome": "Outcome recorded",
    "acknowledged": "Acknowledged, no outcome yet",
    "awaiting": "Awaiting acknowledgement or outcome",
}


def action_words(code: str) -> str:
    return ACTION_WORDS.get(code) or code.rsplit(".", 1)[-1].replace("_", " ").capitalize()


def attempt_words(code: str | None) -> str:
    return ATTEMPT_WORDS.get(code or "", code or "—")


def refusal_words(code: str | None) -> str:
    return REFUSAL_WORDS.get(code or "", code or "—")


def year_group_words(year_group: int | None) -> str:
    if year_group is None:
        return "Not recorded"
    return "Reception" if year_group == 0 else f"Year {year_group}"


def duration_words(seconds: float | None) -> str:
    """A duration a head reads at a glance: "45 min", "3 h 20 min", "2 days 4 h"."""
    if seconds is None:
        return "—"
    minutes = round(max(seconds, 0) / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} days {hours} h" if hours else f"{days} days"
