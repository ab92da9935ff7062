"""URLs of a child's file sent by a link (issue 18, part 4): the recipient's pages (no login) and
the sending DSL's new link."""

from django.urls import path

from desk.transfers import views_links

urlpatterns = [
    path("file/<str:token>/", views_links.transfer_link, name="transfer_link"),
    path("file/<str:token>/download/", views_links.transfer_link_download, name="transfer_link_download"),
    path("file/<str:token>/confirm/", views_links.transfer_link_confirm, name="transfer_link_confirm"),
    path("transfers/<int:pk>/link/new/", views_links.transfer_link_reissue, name="transfer_link_reissue"),
]
