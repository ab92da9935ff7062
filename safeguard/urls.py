"""The core's pages: logging in, the account's second factor, notifications, staff and approvals.
Mounted by the root URLconf (``desk.urls``), which also mounts every other app's pages."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import path

from safeguard.views import account, sign_in
from safeguard.views import core as views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("login/provider/callback/", sign_in.provider_callback, name="sign_in_provider_callback"),
    path("login/provider/logout/", sign_in.provider_logout, name="sign_in_provider_logout"),
    path(
        "login/provider/<str:school_code>/",
        login_not_required(sign_in.ProviderStartView.as_view()),
        name="sign_in_provider_start",
    ),
    path("account/confirm/provider/", sign_in.ProviderReauthView.as_view(), name="sign_in_provider_reauth"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("password/reset/sent/", views.password_reset_sent, name="password_reset_sent"),
    path("password/set/<uidb64>/<token>/", views.password_set_confirm, name="password_set_confirm"),
    path("password/set/done/", views.password_set_done, name="password_set_done"),
    path("school/", views.school_switch, name="school_switch"),
    path("account/second-factor/", account.otp_setup, name="otp_setup"),
    path("account/second-factor/verify/", account.otp_verify, name="otp_verify"),
    path("account/second-factor/replace/", account.otp_replace, name="otp_replace"),
    path("account/second-factor/backup-codes/", account.otp_backup_codes, name="otp_backup_codes"),
    path("account/confirm/", account.reauth, name="reauth"),
    path("notifications/read/", views.notification_read, name="notification_read"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/add/", views.staff_add, name="staff_add"),
    path("staff/sign-in/", sign_in.sign_in_settings, name="sign_in_settings"),
    path("staff/approvals/", views.approval_list, name="approval_list"),
    path("staff/approvals/<int:approval_id>/", views.approval_decide, name="approval_decide"),
    path("staff/<int:user_id>/", views.staff_edit, name="staff_edit"),
    path("staff/<int:user_id>/reactivate/", views.staff_reactivate, name="staff_reactivate"),
    path("staff/<int:user_id>/send-link/", views.staff_send_link, name="staff_send_link"),
    path("staff/<int:user_id>/reset-second-factor/", views.staff_reset_second_factor, name="staff_reset_second_factor"),
    path("staff/<int:user_id>/trust-lead/", views.staff_trust_lead, name="staff_trust_lead"),
    path("staff/trust-leads/<int:lead_id>/end/", views.trust_lead_end, name="trust_lead_end"),
]
