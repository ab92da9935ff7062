"""URLs of retention and data protection (issue 19): /retention/... and /data-protection/."""

from django.urls import path

from desk.retention import views

urlpatterns = [
    path("retention/", views.retention_overview, name="retention"),
    path("retention/rule/", views.retention_rule_set, name="retention_rule_set"),
    path("retention/pupils/<int:pk>/", views.retention_pupil, name="retention_pupil"),
    path("retention/pupils/<int:pk>/review/", views.retention_review, name="retention_review"),
    path("retention/pupils/<int:pk>/holds/", views.retention_hold_place, name="retention_hold_place"),
    path("retention/holds/<int:pk>/lift/", views.retention_hold_lift, name="retention_hold_lift"),
    path("retention/pupils/<int:pk>/destruction/propose/", views.destruction_propose, name="destruction_propose"),
    path("retention/pupils/<int:pk>/destruction/approve/", views.destruction_approve, name="destruction_approve"),
    path("retention/pupils/<int:pk>/destruction/withdraw/", views.destruction_withdraw, name="destruction_withdraw"),
    path("data-protection/", views.data_protection, name="data_protection"),
]
