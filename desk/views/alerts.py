"""Notifications (what still needs doing, then the history) and each person's choice of how their
alerts reach them. Here, not in the core, because a notification about a case the reader can no
longer see (a pastoral teacher no longer assigned) must not be shown, and only the cases app knows."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from cases.access import cases_visible_to
from cases.alert_kinds import ALERT_KINDS as CASE_KINDS
from desk.alert_kinds import ALERT_KINDS as DESK_KINDS
from desk.forms import AlertPreferencesForm
from referrals.alert_kinds import ALERT_KINDS as REFERRAL_KINDS
from safeguard.alert_kinds import ALERT_KINDS as CORE_KINDS
from safeguard.models import AlertPreference
from safeguard.permissions import user_roles
from safeguard.selectors import notifications_inbox
from safeguard.services import alert_preferences_update

#: Every kind of alert, by the app that sends it.
ALERT_KINDS = CORE_KINDS | CASE_KINDS | REFERRAL_KINDS | DESK_KINDS


def _visible(user, notifications):
    case_ids = {n.case_id for n in notifications if n.case_id is not None}
    readable = set(cases_visible_to(user).filter(pk__in=case_ids).values_list("pk", flat=True)) if case_ids else set()
    return [n for n in notifications if n.case_id is None or n.case_id in readable]


@require_GET
def notification_list(request):
    needs_doing, history = notifications_inbox(request.user)
    shown = _visible(request.user, needs_doing + history)
    ids = {n.pk for n in shown}
    return render(
        request,
        "desk/notifications.html",
        {"needs_doing": [n for n in needs_doing if n.pk in ids], "history": [n for n in history if n.pk in ids]},
    )


def alert_preferences(request):
    """Each person chooses, per kind, the email at once or in one morning summary. Urgent concerns
    and required police referrals always come at once; the notification in Safeguard always does."""
    held = set().union(set(), *user_roles(request.user).values())
    kinds = {kind: spec for kind, spec in ALERT_KINDS.items() if spec["roles"] & held}
    current = dict(AlertPreference.objects.filter(user=request.user).values_list("kind", "at_once"))
    form = AlertPreferencesForm(request.POST if request.method == "POST" else None, kinds=kinds, current=current)
    if request.method == "POST" and form.is_valid():
        changed = alert_preferences_update(user=request.user, choices=form.choices())
        messages.success(request, "Your choices are saved." if changed else "Nothing changed: your choices are as they were.")
        return redirect("alert_preferences")
    return render(request, "desk/alert_preferences.html", {"form": form})
