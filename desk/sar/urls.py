"""Subject access requests (issue 19, part 4): /requests/..."""

from django.urls import path

from desk.sar import views

urlpatterns = [
    path("requests/", views.sar_list, name="sar_list"),
    path("requests/new/", views.sar_new, name="sar_new"),
    path("requests/<int:pk>/", views.sar_detail, name="sar_detail"),
    path("requests/<int:pk>/gather/", views.sar_gather, name="sar_gather"),
    path("requests/<int:pk>/withhold/", views.sar_withhold, name="sar_withhold"),
    path("requests/<int:pk>/redactions/<int:redaction_id>/undo/", views.sar_undo, name="sar_undo"),
    path("requests/<int:pk>/reviewed/", views.sar_reviewed, name="sar_reviewed"),
    path("requests/<int:pk>/release/", views.sar_release, name="sar_release"),
    path("requests/<int:pk>/response.pdf", views.sar_document, name="sar_document"),
    path("requests/<int:pk>/withdraw/", views.sar_withdraw, name="sar_withdraw"),
]
