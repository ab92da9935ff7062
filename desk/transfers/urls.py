"""URLs of children's files leaving and arriving (issue 18); each route adds its own module."""

from django.urls import path

from desk.transfers import views

urlpatterns = [
    path("transfers/", views.transfer_list, name="transfer_list"),
    path("transfers/<int:pk>/", views.transfer_detail, name="transfer_detail"),
    path("transfers/<int:pk>/destination/", views.transfer_destination, name="transfer_destination"),
    path("transfers/<int:pk>/send/", views.transfer_send, name="transfer_send"),
    path("transfers/<int:pk>/document/", views.transfer_document, name="transfer_document"),
    path("transfers/<int:pk>/cancel/", views.transfer_cancel, name="transfer_cancel"),
    path("transfers/received/<int:pk>/", views.received_detail, name="received_detail"),
    path("transfers/received/<int:pk>/accept/", views.received_accept, name="received_accept"),
    path("transfers/received/<int:pk>/decline/", views.received_decline, name="received_decline"),
    path("pupils/<int:pk>/leave/", views.pupil_leave, name="pupil_leave"),
    path("pupils/<int:pk>/file/send/", views.transfer_start, name="transfer_start"),
]
