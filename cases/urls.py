from django.urls import path

from cases.views import attachments, cases, concerns, disclosures, grants, pupils, restrictions

urlpatterns = [
    path("", cases.case_list, name="case_list"),
    path("new/", disclosures.disclosure_new, name="disclosure_new"),
    path("new/draft/", disclosures.disclosure_draft, name="disclosure_draft"),
    path("new/draft/discard/", disclosures.disclosure_draft_discard, name="disclosure_draft_discard"),
    path("<int:pk>/facts/", disclosures.case_facts_edit, name="case_facts_edit"),
    path("<int:pk>/correct/<str:field>/", disclosures.case_correct, name="case_correct"),
    path("<int:pk>/decision/", disclosures.case_decide, name="case_decide"),
    path("<int:pk>/notes/new/", disclosures.case_note_add, name="case_note_add"),
    path("<int:pk>/notes/<int:note_id>/correct/", disclosures.case_note_correct, name="case_note_correct"),
    path("<int:pk>/children/add/", disclosures.case_child_add, name="case_child_add"),
    path("<int:pk>/children/<str:kind>/<int:child_id>/remove/", disclosures.case_child_remove, name="case_child_remove"),
    path("<int:pk>/attachments/add/", attachments.attachment_add_view, name="attachment_add"),
    path("<int:pk>/attachments/<int:attachment_id>/", attachments.attachment_download, name="attachment_download"),
    path("<int:pk>/assign/", cases.case_assign, name="case_assign"),
    path("<int:pk>/unassign/<int:user_id>/", cases.case_unassign, name="case_unassign"),
    path("<int:pk>/assigned/<int:user_id>/view/", cases.case_assignment_view, name="case_assignment_view"),
    path("<int:pk>/nobody-new-needed/", cases.case_nobody_new_needed, name="case_nobody_new_needed"),
    path("<int:pk>/trust-lead/", grants.case_trust_grant, name="case_trust_grant"),
    path("<int:pk>/trust-lead/<int:user_id>/end/", grants.case_trust_grant_end, name="case_trust_grant_end"),
    path("<int:pk>/restriction/", restrictions.case_restriction, name="case_restriction"),
    path("<int:pk>/restriction/lift/", restrictions.case_restriction_lift, name="case_restriction_lift"),
    path("<int:pk>/restriction/break-glass/<int:glass_id>/end/", restrictions.break_glass_end, name="break_glass_end"),
    path("<int:pk>/break-glass/", restrictions.case_break_glass, name="case_break_glass"),
]

pupil_urlpatterns = [
    path("import/", pupils.pupil_import, name="pupil_import"),
    path("import/<int:pk>/", pupils.pupil_import_detail, name="pupil_import_detail"),
    path("nightly/", pupils.roll_feed, name="roll_feed"),
    path("search/", pupils.pupil_search, name="pupil_search"),
    path("<int:pk>/edit/", pupils.pupil_edit, name="pupil_edit"),
]

concern_urlpatterns = [
    path("", concerns.concern_list, name="concern_list"),
    path("new/", concerns.concern_new, name="concern_new"),
    path("sent/", concerns.concern_sent, name="concern_sent"),
    path("<int:pk>/", concerns.concern_detail, name="concern_detail"),
    path("pupils/", concerns.concern_pupil_search, name="concern_pupil_search"),
    path("<int:pk>/no-further-action/", concerns.concern_nfa, name="concern_nfa"),
    path("<int:pk>/pupil-record/", concerns.concern_pupil_record, name="concern_pupil_record"),
    path("<int:pk>/add-to-case/<int:case_id>/", concerns.concern_add_to_case, name="concern_add_to_case"),
]
