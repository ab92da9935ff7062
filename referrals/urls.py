from django.urls import path

from referrals import views

# Mounted under /cases/<pk>/ (case-scoped) and /referrals/ (the school's routes).
case_urlpatterns = [
    path("steps/add/", views.step_add, name="step_add"),
    path("steps/<int:step_id>/", views.step_detail, name="step_detail"),
    path("steps/<int:step_id>/<str:act>/", views.step_act, name="step_act"),
    path("actions/add/", views.action_add, name="action_add"),
    path("actions/<int:action_id>/done/", views.action_complete, name="action_complete"),
    path("actions/<int:action_id>/cancel/", views.action_cancel, name="action_cancel"),
    path("child-voice/add/", views.child_voice_add, name="child_voice_add"),
    path("parents/add/", views.parent_contact_add, name="parent_contact_add"),
    path("close/", views.case_close, name="case_close"),
    path("reopen/", views.case_reopen, name="case_reopen"),
    path("review/", views.case_review, name="case_review"),
]

urlpatterns = [
    path("routes/", views.route_list, name="route_list"),
    path("routes/<str:code>/", views.route_edit, name="route_edit"),
]
