"""URLs of children's files on paper (issue 18, parts 4 and 6)."""

from django.urls import path

from desk.transfers import views_paper

urlpatterns = [
    path("transfers/<int:pk>/receipt-by-hand/", views_paper.transfer_receipt_by_hand, name="transfer_receipt_by_hand"),
    path("transfers/received/<int:pk>/document/", views_paper.received_document, name="received_document"),
    path("pupils/<int:pk>/files/received/new/", views_paper.received_record_by_hand, name="received_record_by_hand"),
]
