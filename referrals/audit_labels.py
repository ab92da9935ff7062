"""How the referrals app's audit actions read to a head teacher. Each app words its own; the
reports combine them (desk.reports.labels)."""

from __future__ import annotations

ACTION_WORDS = {
    "referrals.step.suggested": "Referral steps suggested",
    "referrals.step.automatic": "A referral step was added automatically",
    "referrals.step.added": "Added a referral step",
    "referrals.step.accepted": "Accepted a referral step",
    "referrals.step.made": "Made a referral",
    "referrals.step.acknowledged": "Recorded an acknowledgement",
    "referrals.step.outcome_recorded": "Recorded a referral outcome",
    "referrals.step.closed": "Closed a referral step",
    "referrals.step.not_needed": "Marked a referral step not needed",
    "referrals.step.changed": "Changed a referral step",
    "referrals.step.reordered": "Reordered the referral steps",
    "referrals.action.created": "Added an action",
    "referrals.action.completed": "Completed an action",
    "referrals.action.cancelled": "Cancelled an action",
    "referrals.action.reassigned": "Gave an action to someone else",
    "referrals.action.handed_over": "Handed over an action when its owner left",
    "referrals.step.handed_over": "Handed over a referral step when its owner left",
    "referrals.child_voice.recorded": "Recorded the child's voice",
    "referrals.parent_contact.recorded": "Recorded contact with parents or carers",
    "referrals.step.reinstated": "Reinstated a referral step",
    "referrals.route.updated": "Changed the school's details for a route",
}
