from django.urls import path

from referrals.views import actions, closure, people, routes, steps

# Mounted under /cases/<pk>/ (case-scoped) and /referrals/ (the school's routes).
case_urlpatterns = [
    path("steps/add/", steps.step_add, name="step_add"),
    path("steps/<int:step_id>/", steps.step_detail, name="step_detail"),
    path("steps/<int:step_id>/next/", steps.step_quick, name="step_quick"),
    path("steps/<int:step_id>/<str:act>/", steps.step_act, name="step_act"),
    path("actions/add/", actions.action_add, name="action_add"),
    path("actions/<int:action_id>/done/", actions.action_complete, name="action_complete"),
    path("actions/<int:action_id>/cancel/", actions.action_cancel, name="action_cancel"),
    path("actions/<int:action_id>/owner/", actions.action_reassign, name="action_reassign"),
    path("child-voice/add/", people.child_voice_add, name="child_voice_add"),
    path("parents/add/", people.parent_contact_add, name="parent_contact_add"),
    path("close/", closure.case_close, name="case_close"),
    path("reopen/", closure.case_reopen, name="case_reopen"),
    path("review/", closure.case_review, name="case_review"),
]

urlpatterns = [
    path("routes/", routes.route_list, name="route_list"),
    path("routes/<str:code>/", routes.route_edit, name="route_edit"),
]
