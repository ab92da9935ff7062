from django.urls import path

from cases import views

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/assign/", views.case_assign, name="case_assign"),
    path("<int:pk>/unassign/<int:user_id>/", views.case_unassign, name="case_unassign"),
]
