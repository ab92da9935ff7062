"""The root URLconf: every app's pages, and the pages of this top app that combine them."""

from django.urls import include, path

from cases.urls import concern_urlpatterns, pupil_urlpatterns
from cases.views.search import search_page
from desk import metrics
from desk.views import alerts, cases, child_file, home, pupils, settings, staff, work
from desk.views.terms import school_terms
from referrals.urls import case_urlpatterns as referral_case_urlpatterns

urlpatterns = [
    path("", home.home, name="home"),
    path("metrics", metrics.metrics, name="metrics"),
    path("cases/<int:pk>/", cases.case_detail, name="case_detail"),
    path("cases/<int:pk>/access-log/", cases.case_access_log, name="case_access_log"),
    path("pupils/<int:pk>/", pupils.pupil_detail, name="pupil_detail"),
    path("pupils/<int:pk>/file/", child_file.child_file_preview, name="child_file"),
    path("pupils/<int:pk>/file/pdf/", child_file.child_file_pdf, name="child_file_pdf"),
    path("search/", search_page, name="search"),
    path("settings/school/", settings.school_settings, name="school_settings"),
    path("settings/school/terms/", school_terms, name="school_terms"),
    path("staff/<int:user_id>/deactivate/", staff.staff_deactivate, name="staff_deactivate"),
    path("notifications/", alerts.notification_list, name="notification_list"),
    path("my-work/", work.my_work, name="my_work"),
    path("account/alerts/", alerts.alert_preferences, name="alert_preferences"),
    path("reports/", include("desk.reports.urls")),
    path("", include("desk.transfers.urls")),
    path("", include("desk.transfers.urls_remote")),
    path("", include("desk.transfers.urls_links")),
    path("", include("desk.transfers.urls_paper")),
    path("", include("desk.sar.urls")),
    path("", include("desk.retention.urls")),
    path("", include("safeguard.urls")),
    path("cases/", include("cases.urls")),
    path("cases/<int:pk>/", include(referral_case_urlpatterns)),
    path("pupils/", include(pupil_urlpatterns)),
    path("concerns/", include(concern_urlpatterns)),
    path("referrals/", include("referrals.urls")),
]
handler404 = "desk.views.errors.page_not_found"
