"""The school's safeguarding settings (the DSL): timings, the criteria's threshold, reminders,
attachments, and the reminders that could not be emailed."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone

from desk.services import school_settings_update
from referrals.selectors import failed_reminders, reminder_counts
from safeguard.forms import DigestForm, SchoolSettingsForm, add_service_errors
from safeguard.models import MemberSettings
from safeguard.permissions import roles_at
from safeguard.roles import SAFEGUARDING_LEADS, can_change_school_settings
from safeguard.selectors import current_school, failed_alert_emails, school_calendar, users_with_role
from safeguard.services import digest_preferences_update
from safeguard.terms import academic_year_of


def school_settings(request):
    school = current_school(request)
    if school is None or not can_change_school_settings(roles_at(request.user, school.pk)):
        raise PermissionDenied("Only the school's Designated Safeguarding Lead can change its settings.")
    leads = users_with_role(school.pk, SAFEGUARDING_LEADS).order_by("full_name")
    off = set(MemberSettings.objects.filter(school=school, digest=False).values_list("user_id", flat=True))
    data = request.POST or None
    form = SchoolSettingsForm(data, instance=school)
    digest = DigestForm(data, people=leads, chosen={p.pk for p in leads} - off, prefix="digest")
    if request.method == "POST" and form.is_valid() and digest.is_valid():
        try:
            changed = school_settings_update(actor=request.user, school=school, changes=form.cleaned_data)
            digest_preferences_update(actor=request.user, school=school, choices=digest.choices())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Settings saved." if changed else "Settings saved (the school's timings were unchanged).")
            return redirect("school_settings")
    this_year = academic_year_of(timezone.localdate())
    return render(
        request,
        "desk/school_settings.html",
        {
            "school": school,
            "form": form,
            "digest": digest,
            "failed": failed_reminders(school),
            "failed_alerts": failed_alert_emails(school),
            "counts": reminder_counts(school),
            "term_dates": school_calendar(school.pk, [this_year])[this_year],
        },
    )
