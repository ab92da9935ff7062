from django.urls import path

from desk.reports import views

urlpatterns = [
    path("", views.reports, name="reports"),
    path("export/<slug:table>.csv", views.report_export, name="report_export"),
    path("governors/", views.governors_report, name="governors_report"),
]
