from django.urls import path

from desk.reports import views

urlpatterns = [
    path("", views.reports, name="reports"),
    path("export/<slug:table>.csv", views.report_export, name="report_export"),
    path("governors/", views.governors_report, name="governors_report"),
    path("trust/", views.trust_report, name="trust_report"),
    path("trust/export.csv", views.trust_report_export, name="trust_report_export"),
]
