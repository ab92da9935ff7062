"""URLs of children's files to and from another Safeguard (issue 18, part 3)."""

from django.urls import path

from desk.transfers import views_remote

urlpatterns = [
    path("transfers/inbox/", views_remote.transfer_inbox, name="transfer_inbox"),
    path("transfers/inbox/ack/", views_remote.transfer_inbox_ack, name="transfer_inbox_ack"),
    path("transfers/inbox/upload/", views_remote.transfer_inbox_upload, name="transfer_inbox_upload"),
    path("transfers/inbox/upload/receipt/", views_remote.transfer_inbox_receipt, name="transfer_inbox_receipt"),
    path("transfers/send-to-us/", views_remote.transfer_send_to_us, name="transfer_send_to_us"),
    path("transfers/peers/", views_remote.transfer_peers, name="transfer_peers"),
    path("transfers/<int:pk>/bundle/", views_remote.transfer_bundle, name="transfer_bundle"),
    path("transfers/<int:pk>/receipt/", views_remote.transfer_receipt, name="transfer_receipt"),
]
