"""What reminders say. In-app: the kind of thing and the case reference. Email: the kind of thing
and a link that needs a login; never case content, never a child's name (docs/domain.md, "Security")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

IN_APP = {
    "police_required": "Case {ref}: police referral required",
    "step_due": "Case {ref}: a referral step is due today",
    "step_overdue": "Case {ref}: a referral step is overdue",
    "police_not_made": "Case {ref}: the required police referral has not been made today",
    "ack_chase": "Case {ref}: a referral has not been acknowledged; chase it",
    "platform_unresolved": "Case {ref}: a platform report is still unresolved; consider Report Harmful Content",
    "review_due": "Case {ref}: a review is due",
    "action_due": "Case {ref}: an action of yours is due today",
}

EMAIL_SUBJECT = {
    "police_required": "Safeguard: a police referral is required",
    "step_due": "Safeguard: a referral step is due today",
    "step_overdue": "Safeguard: a referral step is overdue",
    "police_not_made": "Safeguard: a required police referral has not been made",
    "ack_chase": "Safeguard: a referral has not been acknowledged",
    "platform_unresolved": "Safeguard: a platform report is still unresolved",
    "review_due": "Safeguard: a case review is due",
    "action_due": "Safeguard: an action is due today",
    "digest": "Safeguard: what is waiting for you today",
}

EMAIL_LINE = {
    "police_required": "A case has just met the police-referral criteria. A police referral is due today.",
    "step_due": "A referral step you own is due today.",
    "step_overdue": "A referral step is overdue (it was due on {due}).",
    "police_not_made": "A police referral that the criteria require has not been recorded as made, and the school day has ended.",
    "ack_chase": "A referral made some working days ago has not been acknowledged. It may need chasing.",
    "platform_unresolved": "A report to a platform is still unresolved. Safeguard suggests escalating it to Report Harmful Content.",
    "review_due": "A case is due for review.",
    "action_due": "An action assigned to you is due today.",
}

DIGEST_PARTS = (
    ("police_not_made", "required police referral{s} not yet made"),
    ("overdue", "referral step{s} overdue"),
    ("due_today", "referral step{s} due today"),
    ("suggested", "suggested step{s} waiting for a decision"),
    ("reviews", "case review{s} due"),
    ("actions_overdue", "action{s} overdue"),
    ("triage", "concern{s} waiting for triage"),
)


@dataclass(frozen=True)
class Message:
    title: str
    subject: str
    body: str


def digest_summary(counts: dict) -> list[str]:
    return [f"{counts[key]} {words.format(s='' if counts[key] == 1 else 's')}" for key, words in DIGEST_PARTS if counts.get(key)]


def compose(
    *, kind: str, reference: str, due_on: date, counts: dict, school_name: str, link: str, step_due: date | None = None
) -> Message:
    """``due_on``: the day the reminder is for; ``step_due``: when the step itself was due."""
    if kind == "digest":
        lines = digest_summary(counts)
        title = f"Your digest for {due_on.day} {due_on:%b}: " + ", ".join(lines)
        body = "\n".join(
            [
                f"Good morning. Waiting for you at {school_name} today:",
                "",
                *[f"  - {line}" for line in lines],
                "",
                f"Log in to see them: {link}",
            ]
        )
        return Message(title=title[:200], subject=EMAIL_SUBJECT["digest"], body=body)
    was_due = step_due or due_on
    line = EMAIL_LINE[kind].format(due=f"{was_due.day} {was_due:%B}")
    body = "\n".join(
        [
            line,
            "",
            f"Log in to Safeguard to see it ({school_name}): {link}",
            "",
            "This email holds no details of the case, by design.",
        ]
    )
    return Message(title=IN_APP[kind].format(ref=reference)[:200], subject=EMAIL_SUBJECT[kind], body=body)
