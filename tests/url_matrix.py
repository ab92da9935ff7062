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
    "login": Row(public=True, get=statuses(302, anon=200)),
    "logout": Row(post_only=True, get=statuses(405), post=statuses(302)),
    "password_reset": Row(public=True, get=statuses(200, anon=200)),
    "password_reset_sent": Row(read_only=True, public=True, get=statuses(200, anon=200)),
    "password_set_confirm": Row(public=True, args=lambda ctx: ["MQ", "bad-token"], get=statuses(200, anon=200)),
    "password_set_done": Row(read_only=True, public=True, get=statuses(200, anon=200)),
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
}
