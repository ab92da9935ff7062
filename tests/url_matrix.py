"""The URL × role × method matrix (pretix's test_permissions.py, zulip's "Some URLs are untested!").

Every named URL is listed with how to build its arguments (from ``tests.matrix_context``'s world)
and the status each persona gets on GET and on POST (an empty POST, with the CSRF token checked
separately in test_security). ``test_every_url_is_in_the_matrix`` fails when a new URL is added
without a row here, and a row whose URL cannot be built fails rather than being skipped.

POST defaults: a read-only page (``read_only``) answers 405 to everyone logged in; any other page
answers a POST as it answers a GET (a form re-shown with its errors, or the same refusal), unless
the row says otherwise. POST-only URLs always say what each persona gets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

PERSONAS = (
    "anon",
    "dsl",
    "deputy",
    "pastoral",
    "pastoral_unassigned",
    "pastoral_support",
    "head",
    "it_admin",
    "staff_member",
    "other_dsl",
    # The trust's safeguarding lead (issue 17): no role at any school, no case granted to them.
    "trust_lead",
)


def statuses(default: int | None = None, **overrides: int) -> dict[str, int]:
    table = {p: default for p in PERSONAS if p != "anon"} if default is not None else {}
    table.setdefault("anon", 302)
    table.update(overrides)
    return table


@dataclass(frozen=True)
class Row:
    args: Callable[[dict], list] = field(default=lambda ctx: [])
    get: dict[str, int] = field(default_factory=dict)
    #: POST-only URLs answer GET with 405 to everyone logged in.
    post_only: bool = False
    #: Pages that only show something: a POST is 405.
    read_only: bool = False
    #: What each persona gets for an empty POST, where it is not the default (see the docstring).
    post: dict[str, int] | None = None
    query: str = ""
    #: Reached without logging in (Django's ``login_not_required``).
    public: bool = False

    def post_statuses(self) -> dict[str, int]:
        if self.post is not None:
            return self.post
        if self.post_only:
            raise AssertionError("A POST-only row must say what each persona gets for a POST.")
        if self.read_only:
            return statuses(405, anon=405 if self.public else 302)
        return self.get


def url_for(name: str, world: dict) -> str:
    """The URL of a row, built from the world. A row that cannot be built fails: it never skips."""
    from django.urls import reverse

    row = MATRIX[name]
    try:
        return reverse(name, args=row.args(world)) + row.query
    except Exception as error:
        raise AssertionError(f"The matrix row {name!r} cannot build its URL from the world: {error!r}") from error


#: "pastoral" reads the full case; "pastoral_support" is on the support view (issue 17).
CASE_READERS = {"dsl": 200, "deputy": 200, "pastoral": 200, "pastoral_support": 200, "head": 200}
#: Who may change a case: the school's DSLs; those who may only read it get 403, others 404.
CASE_MANAGERS = {
    "dsl": 200,
    "deputy": 200,
    "pastoral": 403,
    "pastoral_support": 403,
    "head": 403,
    "pastoral_unassigned": 404,
    "it_admin": 404,
    "staff_member": 404,
    "other_dsl": 404,
    "trust_lead": 404,
}
#: The same, for a move that goes back to the case page (a redirect) whatever it did.
CASE_MANAGERS_MOVE = {**CASE_MANAGERS, "dsl": 302, "deputy": 302}
CASE_HIDDEN = {"pastoral_unassigned": 404, "it_admin": 404, "staff_member": 404, "other_dsl": 404, "trust_lead": 404}

MATRIX: dict[str, Row] = {
    "home": Row(read_only=True, get=statuses(200)),
    "healthz": Row(read_only=True, public=True, get=statuses(200, anon=200)),
    # Issue 21. Not ready in the world: no reminder sweep has run there (tests/safeguard/test_health.py).
    "readyz": Row(read_only=True, public=True, get=statuses(503, anon=503)),
    # Off unless SAFEGUARD_METRICS=1 (tests/safeguard/test_health.py turns it on).
    "metrics": Row(read_only=True, public=True, get=statuses(404, anon=404)),
    "login": Row(public=True, get=statuses(302, anon=200)),
    "logout": Row(post_only=True, get=statuses(405), post=statuses(302)),
    "password_reset": Row(public=True, get=statuses(200, anon=200)),
    "password_reset_sent": Row(read_only=True, public=True, get=statuses(200, anon=200)),
    "password_set_confirm": Row(public=True, args=lambda ctx: ["MQ", "bad-token"], get=statuses(200, anon=200)),
    "password_set_done": Row(read_only=True, public=True, get=statuses(200, anon=200)),
    # Signing in with the school's accounts (issue 20). The world's school (HTA) has no provider set up;
    # the end-to-end tests with a real provider are in tests/safeguard/test_sign_in_provider.py.
    "sign_in_provider_start": Row(read_only=True, public=True, args=lambda ctx: ["HTA"], get=statuses(404, anon=404)),
    # No sign-in was started in this session: back to the login page with the reason.
    "sign_in_provider_callback": Row(read_only=True, public=True, get=statuses(302, anon=302)),
    # The provider's back-channel logout: an empty POST is no logout token.
    "sign_in_provider_logout": Row(public=True, post_only=True, get=statuses(405, anon=405), post=statuses(400, anon=400)),
    # These sessions did not start with a provider.
    "sign_in_provider_reauth": Row(read_only=True, get=statuses(404)),
    "sign_in_settings": Row(get=statuses(403, it_admin=200)),
    "school_switch": Row(post_only=True, get=statuses(405), post=statuses(302)),
    # The account's second factor: everyone logged in.
    "otp_setup": Row(get=statuses(200)),
    "otp_verify": Row(get=statuses(200)),
    "otp_backup_codes": Row(post_only=True, get=statuses(405), post=statuses(200)),
    "otp_replace": Row(get=statuses(200)),
    "reauth": Row(get=statuses(200)),
    "notification_list": Row(read_only=True, get=statuses(200)),
    # Every choice is optional (a kind not sent keeps what was chosen): an empty POST saves nothing, and says so.
    "alert_preferences": Row(get=statuses(200), post=statuses(302)),
    "notification_read": Row(post_only=True, get=statuses(405), post=statuses(302)),
    "staff_list": Row(read_only=True, get=statuses(403, it_admin=200)),
    "staff_add": Row(get=statuses(403, it_admin=200)),
    # Staff access that a second person approves: the DSLs and the head.
    "approval_list": Row(read_only=True, get=statuses(403, dsl=200, head=200, other_dsl=200)),
    "approval_decide": Row(
        args=lambda ctx: [ctx["approval"].pk],
        post_only=True,
        get=statuses(405),
        # Another school's DSL is not shown this school's request at all.
        post=statuses(403, dsl=302, head=302, other_dsl=404),
    ),
    "staff_edit": Row(args=lambda ctx: [ctx["staff_member"].pk], get=statuses(403, it_admin=200)),
    # The leaving form: an empty POST is the form again, asking for the confirmation.
    "staff_deactivate": Row(args=lambda ctx: [ctx["staff_member"].pk], get=statuses(403, it_admin=200)),
    "staff_reactivate": Row(
        args=lambda ctx: [ctx["staff_member"].pk], post_only=True, get=statuses(405), post=statuses(403, it_admin=302)
    ),
    "staff_send_link": Row(
        args=lambda ctx: [ctx["staff_member"].pk], post_only=True, get=statuses(405), post=statuses(403, it_admin=302)
    ),
    "staff_reset_second_factor": Row(
        args=lambda ctx: [ctx["staff_member"].pk], post_only=True, get=statuses(405), post=statuses(403, it_admin=302)
    ),
    "case_list": Row(
        read_only=True,
        get=statuses(
            403, dsl=200, deputy=200, pastoral=200, pastoral_unassigned=200, pastoral_support=200, head=200, other_dsl=200
        ),
    ),
    # Your work: a person's own actions and steps, behind the same gate as the case list.
    "my_work": Row(
        read_only=True,
        get=statuses(
            403, dsl=200, deputy=200, pastoral=200, pastoral_unassigned=200, pastoral_support=200, head=200, other_dsl=200
        ),
    ),
    "case_detail": Row(read_only=True, args=lambda ctx: [ctx["case"].pk], get=statuses(None, **CASE_READERS, **CASE_HIDDEN)),
    "case_access_log": Row(
        read_only=True,
        args=lambda ctx: [ctx["case"].pk],
        get=statuses(None, dsl=200, deputy=200, head=200, pastoral=403, pastoral_support=403, **CASE_HIDDEN),
    ),
    "attachment_add": Row(args=lambda ctx: [ctx["case"].pk], get=statuses(None, **CASE_MANAGERS)),
    # The support view shows no attachments: a 404, as for a file that is not there.
    "attachment_download": Row(
        read_only=True,
        args=lambda ctx: [ctx["case"].pk, ctx["attachment"].pk],
        get=statuses(None, **{**CASE_READERS, "pastoral_support": 404}, **CASE_HIDDEN),
    ),
    "case_assign": Row(
        args=lambda ctx: [ctx["case"].pk], post_only=True, get=statuses(405), post=statuses(None, **CASE_MANAGERS_MOVE)
    ),
    "case_unassign": Row(
        args=lambda ctx: [ctx["case"].pk, ctx["pastoral"].pk],
        post_only=True,
        get=statuses(405),
        post=statuses(None, **CASE_MANAGERS_MOVE),
    ),
    # What someone assigned sees (the support view or the full case): the DSLs change it.
    "case_assignment_view": Row(
        args=lambda ctx: [ctx["case"].pk, ctx["pastoral_support"].pk],
        post_only=True,
        get=statuses(405),
        post=statuses(None, **CASE_MANAGERS_MOVE),
    ),
    # Need to know (issue 17): the DSLs restrict a case; the world's case is not restricted, so no
    # one may break the glass on it (tests/cases/test_need_to_know.py works a restricted one).
    "case_restriction": Row(args=lambda ctx: [ctx["case"].pk], get=statuses(None, **CASE_MANAGERS)),
    "case_restriction_lift": Row(
        args=lambda ctx: [ctx["case"].pk], post_only=True, get=statuses(405), post=statuses(None, **CASE_MANAGERS_MOVE)
    ),
    "break_glass_end": Row(
        args=lambda ctx: [ctx["case"].pk, 999999],
        post_only=True,
        get=statuses(405),
        post=statuses(None, **{**CASE_MANAGERS, "dsl": 404, "deputy": 404}),
    ),
    "case_break_glass": Row(args=lambda ctx: [ctx["case"].pk], get=statuses(404)),
    # Recording and changing disclosures: the DSL and deputy only; a hidden case is a 404.
    "disclosure_new": Row(get=statuses(403, dsl=200, deputy=200, other_dsl=200)),
    "disclosure_draft": Row(post_only=True, get=statuses(405), post=statuses(403, dsl=200, deputy=200, other_dsl=200)),
    "disclosure_draft_discard": Row(post_only=True, get=statuses(405), post=statuses(403, dsl=302, deputy=302, other_dsl=302)),
    "case_facts_edit": Row(args=lambda ctx: [ctx["case"].pk], get=statuses(None, **CASE_MANAGERS)),
    "case_correct": Row(args=lambda ctx: [ctx["case"].pk, "child_account"], get=statuses(None, **CASE_MANAGERS)),
    "case_decide": Row(args=lambda ctx: [ctx["case"].pk], get=statuses(None, **CASE_MANAGERS)),
    "case_note_add": Row(
        args=lambda ctx: [ctx["case"].pk],
        get=statuses(None, dsl=200, deputy=200, pastoral=200, pastoral_support=200, head=403, **CASE_HIDDEN),
    ),
    "case_note_correct": Row(args=lambda ctx: [ctx["case"].pk, ctx["note"].pk], get=statuses(None, **CASE_MANAGERS)),
    "case_child_add": Row(args=lambda ctx: [ctx["case"].pk], get=statuses(None, **CASE_MANAGERS)),
    "case_child_remove": Row(
        args=lambda ctx: [ctx["case"].pk, "pupil", ctx["case_child"].pk], get=statuses(None, **CASE_MANAGERS)
    ),
    # Referral steps, actions, the child's voice, parents, closure: the DSLs; pastoral staff complete their own actions.
    "step_add": Row(args=lambda ctx: [ctx["case"].pk], get=statuses(None, **CASE_MANAGERS)),
    # A step that is not theirs is not shown to pastoral staff (as another's action is not).
    "step_detail": Row(
        read_only=True,
        args=lambda ctx: [ctx["case"].pk, ctx["step"].pk],
        get=statuses(None, **{**CASE_MANAGERS, "pastoral": 404, "pastoral_support": 404}),
    ),
    "step_quick": Row(
        read_only=True,
        args=lambda ctx: [ctx["case"].pk, ctx["step"].pk],
        get=statuses(None, **{**CASE_MANAGERS, "pastoral": 404, "pastoral_support": 404}),
    ),
    "step_act": Row(
        args=lambda ctx: [ctx["case"].pk, ctx["step"].pk, "made"],
        post_only=True,
        get=statuses(405),
        # The made form, shown again with what it needs.
        post=statuses(None, **{**CASE_MANAGERS, "pastoral": 404, "pastoral_support": 404}),
    ),
    "action_add": Row(args=lambda ctx: [ctx["case"].pk], get=statuses(None, **CASE_MANAGERS)),
    "action_complete": Row(
        args=lambda ctx: [ctx["case"].pk, ctx["action"].pk],
        # Pastoral staff complete their own actions only: another's is not shown to them.
        get=statuses(None, **{**CASE_MANAGERS, "pastoral": 200, "pastoral_support": 404}),
    ),
    "action_cancel": Row(args=lambda ctx: [ctx["case"].pk, ctx["action"].pk], get=statuses(None, **CASE_MANAGERS)),
    "action_reassign": Row(args=lambda ctx: [ctx["case"].pk, ctx["action"].pk], get=statuses(None, **CASE_MANAGERS)),
    # The world's case is not waiting for anyone new: the DSLs are told so, on the home page.
    "case_nobody_new_needed": Row(
        args=lambda ctx: [ctx["case"].pk], post_only=True, get=statuses(405), post=statuses(None, **CASE_MANAGERS_MOVE)
    ),
    "child_voice_add": Row(args=lambda ctx: [ctx["case"].pk], get=statuses(None, **CASE_MANAGERS)),
    "parent_contact_add": Row(args=lambda ctx: [ctx["case"].pk], get=statuses(None, **CASE_MANAGERS)),
    "case_close": Row(args=lambda ctx: [ctx["case"].pk], get=statuses(None, **CASE_MANAGERS)),
    "case_reopen": Row(args=lambda ctx: [ctx["case"].pk], get=statuses(None, **{**CASE_MANAGERS, "dsl": 302, "deputy": 302})),
    "case_review": Row(args=lambda ctx: [ctx["case"].pk], get=statuses(None, **CASE_MANAGERS)),
    "route_list": Row(read_only=True, get=statuses(403, dsl=200, deputy=200, other_dsl=200)),
    "route_edit": Row(args=lambda ctx: ["R7"], get=statuses(403, dsl=200, deputy=200, other_dsl=200)),
    # Concerns: anyone with a role raises one; only the DSLs read them, and the raiser never can.
    # The trust's lead holds no role at a school: they raise concerns at none.
    "concern_new": Row(get=statuses(200, trust_lead=403)),
    "concern_sent": Row(read_only=True, get=statuses(200)),
    "concern_list": Row(read_only=True, get=statuses(403, dsl=200, deputy=200, other_dsl=200)),
    "concern_detail": Row(read_only=True, args=lambda ctx: [ctx["concern"].pk], get=statuses(404, dsl=200, deputy=200)),
    "concern_pupil_search": Row(read_only=True, get=statuses(200, trust_lead=403), query="?q=Te"),
    "concern_pupil_record": Row(
        args=lambda ctx: [ctx["concern"].pk], post_only=True, get=statuses(405), post=statuses(404, dsl=200, deputy=200)
    ),
    "concern_add_to_case": Row(
        args=lambda ctx: [ctx["concern"].pk, ctx["case"].pk],
        post_only=True,
        get=statuses(405),
        # The concern names no pupil of that case: refused, with the reason shown on the concern.
        post=statuses(404, dsl=302, deputy=302),
    ),
    "concern_nfa": Row(
        args=lambda ctx: [ctx["concern"].pk], post_only=True, get=statuses(405), post=statuses(404, dsl=200, deputy=200)
    ),
    "school_settings": Row(get=statuses(403, dsl=200, other_dsl=200)),
    # Term dates: the DSL changes them (an empty POST changes nothing: every date keeps its value);
    # deputies and the head read them (the reports' terms come from them) and are refused a change.
    "school_terms": Row(
        get=statuses(403, dsl=200, deputy=200, head=200, other_dsl=200),
        post=statuses(403, dsl=302, other_dsl=302),
    ),
    # Pupils: import, search and correction are for the school's DSLs; the pupil page follows the cases.
    "pupil_import": Row(get=statuses(403, dsl=200, deputy=200, other_dsl=200)),
    "pupil_import_detail": Row(
        args=lambda ctx: [ctx["pupil_import"].pk],
        get=statuses(404, dsl=200, deputy=200),
        post=statuses(404, dsl=302, deputy=302),  # an import with nothing to apply: refused, back to its report
    ),
    # The nightly import (issue 20): the IT admin sets it up; the DSLs see how it went and change nothing.
    "roll_feed": Row(
        get=statuses(403, dsl=200, deputy=200, other_dsl=200, it_admin=200),
        post=statuses(403, dsl=403, deputy=403, other_dsl=403, it_admin=200),  # an empty form: shown again with its errors
    ),
    "pupil_search": Row(read_only=True, get=statuses(403, dsl=200, deputy=200, other_dsl=200), query="?q=Te"),
    # The header's search box: whoever reads cases (pastoral staff find only their own); 403 for the rest.
    "search": Row(
        read_only=True,
        get=statuses(
            403, dsl=200, deputy=200, pastoral=200, pastoral_unassigned=200, pastoral_support=200, head=200, other_dsl=200
        ),
        query="?q=Te",
    ),
    "pupil_edit": Row(args=lambda ctx: [ctx["pupil"].pk], get=statuses(404, dsl=200, deputy=200)),
    "pupil_detail": Row(read_only=True, args=lambda ctx: [ctx["pupil"].pk], get=statuses(None, **CASE_READERS, **CASE_HIDDEN)),
    # The child's file (issue 18): the school's DSLs and deputies; those who read the pupil but may
    # not make their file get 403; the rest the pupil gateway's 404. An empty POST ticks nothing:
    # the preview again, saying what to choose.
    "child_file": Row(args=lambda ctx: [ctx["pupil"].pk], get=statuses(None, **CASE_MANAGERS)),
    "child_file_pdf": Row(
        args=lambda ctx: [ctx["pupil"].pk], post_only=True, get=statuses(405), post=statuses(None, **CASE_MANAGERS)
    ),
    # Children's files leaving and arriving (issue 18): the school's DSLs and deputies; everyone
    # else finds no such transfer or file (404, audited). An empty POST is the form with its errors.
    "transfer_list": Row(read_only=True, get=statuses(404, dsl=200, deputy=200, other_dsl=200)),
    "transfer_detail": Row(read_only=True, args=lambda ctx: [ctx["transfer"].pk], get=statuses(404, dsl=200, deputy=200)),
    "transfer_destination": Row(
        args=lambda ctx: [ctx["transfer"].pk], post_only=True, get=statuses(405), post=statuses(404, dsl=400, deputy=400)
    ),
    "transfer_send": Row(
        args=lambda ctx: [ctx["transfer"].pk], post_only=True, get=statuses(405), post=statuses(404, dsl=400, deputy=400)
    ),
    "transfer_cancel": Row(
        args=lambda ctx: [ctx["transfer"].pk], post_only=True, get=statuses(405), post=statuses(404, dsl=400, deputy=400)
    ),
    # Nothing has been sent, so there is no document yet: 404 for the leads too.
    "transfer_document": Row(read_only=True, args=lambda ctx: [ctx["transfer"].pk], get=statuses(404)),
    # The head reads a file that came (it joins the pupil's record); the DSLs answer it.
    "received_detail": Row(
        read_only=True, args=lambda ctx: [ctx["received"].pk], get=statuses(404, dsl=200, deputy=200, head=200)
    ),
    "received_accept": Row(
        args=lambda ctx: [ctx["received"].pk], post_only=True, get=statuses(405), post=statuses(404, dsl=400, deputy=400)
    ),
    "received_decline": Row(
        args=lambda ctx: [ctx["received"].pk], post_only=True, get=statuses(405), post=statuses(404, dsl=400, deputy=400)
    ),
    "pupil_leave": Row(args=lambda ctx: [ctx["pupil"].pk], get=statuses(404, dsl=200, deputy=200)),
    # The pupil has not left: the pupil page again, saying to mark them as left first.
    "transfer_start": Row(
        args=lambda ctx: [ctx["pupil"].pk], post_only=True, get=statuses(405), post=statuses(404, dsl=302, deputy=302)
    ),
    # A link for a school without Safeguard (issue 18, part 4): public pages; a token that is no
    # link of ours opens nothing, for anyone (the journey is tests/desk/test_transfer_links.py).
    "transfer_link": Row(public=True, args=lambda ctx: ["no-such-link"], get=statuses(404, anon=404)),
    "transfer_link_download": Row(read_only=True, public=True, args=lambda ctx: ["no-such-link"], get=statuses(404, anon=404)),
    "transfer_link_confirm": Row(
        public=True,
        args=lambda ctx: ["no-such-link"],
        post_only=True,
        get=statuses(405, anon=405),
        post=statuses(404, anon=404),
    ),
    # The world's transfer was not sent by a link: the leads are sent back to its page, saying so.
    "transfer_link_reissue": Row(
        args=lambda ctx: [ctx["transfer"].pk], post_only=True, get=statuses(405), post=statuses(404, dsl=302, deputy=302)
    ),
    # Another Safeguard (issue 18, part 3; the journeys are tests/desk/test_transfer_remote.py).
    # The inbox and its answers' address are public, POST only, bytes only: an empty form POST
    # is refused (415, and recorded) for anyone.
    "transfer_inbox": Row(public=True, post_only=True, get=statuses(405, anon=405), post=statuses(415, anon=415)),
    "transfer_inbox_ack": Row(public=True, post_only=True, get=statuses(405, anon=405), post=statuses(415, anon=415)),
    # Instance-wide pages for any school's DSL or deputy (the other school's DSL too); others 403.
    "transfer_send_to_us": Row(read_only=True, get=statuses(403, dsl=200, deputy=200, other_dsl=200)),
    "transfer_peers": Row(
        get=statuses(403, dsl=200, deputy=200, other_dsl=200), post=statuses(403, dsl=400, deputy=400, other_dsl=400)
    ),
    "transfer_inbox_upload": Row(
        get=statuses(403, dsl=200, deputy=200, other_dsl=200), post=statuses(403, dsl=400, deputy=400, other_dsl=400)
    ),
    # No bundle uploaded in this session: back to the upload page, saying so.
    "transfer_inbox_receipt": Row(read_only=True, get=statuses(403, dsl=302, deputy=302, other_dsl=302)),
    # The world's transfer did not go to another Safeguard: its leads are sent back to its page.
    "transfer_bundle": Row(read_only=True, args=lambda ctx: [ctx["transfer"].pk], get=statuses(404, dsl=302, deputy=302)),
    "transfer_receipt": Row(args=lambda ctx: [ctx["transfer"].pk], get=statuses(404, dsl=302, deputy=302)),
    # Files on paper (parts 4 and 6): an empty POST is the form with its errors. The world's
    # received file has no PDF, so its download is a 404 for its readers too (they are not refused).
    "transfer_receipt_by_hand": Row(
        args=lambda ctx: [ctx["transfer"].pk], post_only=True, get=statuses(405), post=statuses(404, dsl=400, deputy=400)
    ),
    "received_record_by_hand": Row(
        args=lambda ctx: [ctx["pupil"].pk], get=statuses(404, dsl=200, deputy=200), post=statuses(404, dsl=400, deputy=400)
    ),
    "received_document": Row(read_only=True, args=lambda ctx: [ctx["received"].pk], get=statuses(404)),
    # The head's reports (safeguard/reports): DSLs, deputies and heads of their own school; other roles 403.
    "reports": Row(read_only=True, get=statuses(403, dsl=200, deputy=200, head=200, other_dsl=200)),
    "report_export": Row(
        read_only=True, args=lambda ctx: ["kinds"], get=statuses(403, dsl=200, deputy=200, head=200, other_dsl=200)
    ),
    "governors_report": Row(read_only=True, get=statuses(403, dsl=200, deputy=200, head=200, other_dsl=200)),
    # The trust report: the trust's safeguarding lead only; school staff get 403.
    "trust_report": Row(read_only=True, get=statuses(403, trust_lead=200)),
    "trust_report_export": Row(read_only=True, get=statuses(403, trust_lead=200)),
    # The IT administrator asks for someone as the trust's lead (an empty POST chooses nothing: back to the page).
    "staff_trust_lead": Row(
        args=lambda ctx: [ctx["staff_member"].pk], post_only=True, get=statuses(405), post=statuses(403, it_admin=302)
    ),
    "trust_lead_end": Row(
        args=lambda ctx: [ctx["trust_lead_appointment"].pk], post_only=True, get=statuses(405), post=statuses(403, it_admin=302)
    ),
    # Granting a case to the trust's lead, and taking it back: the school's DSLs (back to the case page).
    "case_trust_grant": Row(
        args=lambda ctx: [ctx["case"].pk], post_only=True, get=statuses(405), post=statuses(None, **CASE_MANAGERS_MOVE)
    ),
    "case_trust_grant_end": Row(
        args=lambda ctx: [ctx["case"].pk, ctx["granted_lead"].pk],
        post_only=True,
        get=statuses(405),
        post=statuses(None, **CASE_MANAGERS_MOVE),
    ),
    # Subject access requests (issue 19, part 4): the school's DSLs, deputies and the head; everyone
    # else finds no such page (404, audited). The world's request is gathered, one passage withheld:
    # an empty POST is the form with its errors (400); a move not possible now goes back to the page.
    "sar_list": Row(read_only=True, get=statuses(404, dsl=200, deputy=200, head=200, other_dsl=200)),
    "sar_new": Row(
        get=statuses(404, dsl=200, deputy=200, head=200, other_dsl=200),
        post=statuses(404, dsl=400, deputy=400, head=400, other_dsl=400),
    ),
    "sar_detail": Row(read_only=True, args=lambda ctx: [ctx["sar"].pk], get=statuses(404, dsl=200, deputy=200, head=200)),
    "sar_gather": Row(
        args=lambda ctx: [ctx["sar"].pk], post_only=True, get=statuses(405), post=statuses(404, dsl=302, deputy=302, head=302)
    ),
    "sar_withhold": Row(
        args=lambda ctx: [ctx["sar"].pk], post_only=True, get=statuses(405), post=statuses(404, dsl=400, deputy=400, head=400)
    ),
    "sar_undo": Row(
        args=lambda ctx: [ctx["sar"].pk, ctx["sar_redaction"].pk],
        post_only=True,
        get=statuses(405),
        post=statuses(404, dsl=400, deputy=400, head=400),
    ),
    "sar_reviewed": Row(
        args=lambda ctx: [ctx["sar"].pk], post_only=True, get=statuses(405), post=statuses(404, dsl=302, deputy=302, head=302)
    ),
    # Not reviewed: back to the page, saying so.
    "sar_release": Row(
        args=lambda ctx: [ctx["sar"].pk], post_only=True, get=statuses(405), post=statuses(404, dsl=302, deputy=302, head=302)
    ),
    # Nothing released yet: no document, for anyone.
    "sar_document": Row(read_only=True, args=lambda ctx: [ctx["sar"].pk], get=statuses(404)),
    "sar_withdraw": Row(
        args=lambda ctx: [ctx["sar"].pk], post_only=True, get=statuses(405), post=statuses(404, dsl=400, deputy=400, head=400)
    ),
    # Retention (issue 19, parts 1, 2, 3 and 5): the school's DSLs, deputies and head; anyone else
    # finds no such page or pupil (404, a pupil's refusal audited). Only the DSL sets the school's
    # rule (the deputy and the head: 403). An empty POST is the form with its errors; the world has
    # no destruction proposed, so approving or withdrawing one goes back to the pupil's page.
    "retention": Row(read_only=True, get=statuses(404, dsl=200, deputy=200, head=200, other_dsl=200)),
    "retention_rule_set": Row(
        post_only=True, get=statuses(405), post=statuses(404, dsl=400, deputy=403, head=403, other_dsl=400)
    ),
    "retention_pupil": Row(read_only=True, args=lambda ctx: [ctx["pupil"].pk], get=statuses(404, dsl=200, deputy=200, head=200)),
    "retention_review": Row(
        args=lambda ctx: [ctx["pupil"].pk], post_only=True, get=statuses(405), post=statuses(404, dsl=400, deputy=400, head=400)
    ),
    "retention_hold_place": Row(
        args=lambda ctx: [ctx["pupil"].pk], post_only=True, get=statuses(405), post=statuses(404, dsl=400, deputy=400, head=400)
    ),
    "retention_hold_lift": Row(
        args=lambda ctx: [ctx["legal_hold"].pk],
        post_only=True,
        get=statuses(405),
        post=statuses(404, dsl=400, deputy=400, head=400),
    ),
    "destruction_propose": Row(
        args=lambda ctx: [ctx["pupil"].pk], post_only=True, get=statuses(405), post=statuses(404, dsl=400, deputy=400, head=400)
    ),
    "destruction_approve": Row(
        args=lambda ctx: [ctx["pupil"].pk], post_only=True, get=statuses(405), post=statuses(404, dsl=302, deputy=302, head=302)
    ),
    "destruction_withdraw": Row(
        args=lambda ctx: [ctx["pupil"].pk], post_only=True, get=statuses(405), post=statuses(404, dsl=302, deputy=302, head=302)
    ),
    "data_protection": Row(read_only=True, get=statuses(404, dsl=200, deputy=200, head=200, other_dsl=200)),
}
