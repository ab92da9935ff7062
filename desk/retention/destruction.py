"""Destroying a former pupil's records, by two people, leaving a tombstone (issue 19).

IRMS Information Management Toolkit for Schools: a child protection file is kept until the
child's date of birth + 25 years and then reviewed; the IICSA retention instruction: records that
may matter to an inquiry into child sexual abuse are not destroyed. So destruction is proposed by
one of the school's Designated Safeguarding Lead (or a deputy) and the head, and approved by the
other — two different people, each just after proving who they are — never while anything is
held, never while the pupil is on roll, and before the review date only with a written reason.
Approval carries it out at once, in the same transaction.

What goes is worked out from the models' relations, not from a hand-kept list: starting from the
pupil, the cases that are theirs alone and the concerns only about them, every row that points at
a row going goes too (``on_delete=SET_NULL`` relations, and the few in ``DETACH`` below, lose only
their link). A model added later is therefore destroyed with the rest without anyone remembering
it, and ``tests/desk/test_destruction.py`` walks every relation afterwards to prove nothing is left
pointing at the pupil or their cases. A case shared with another pupil whose records are kept is
that child's record too: it stays, and only this pupil's link to it goes.

The audit log is not touched: it holds no case content (ids, codes and counts), so its hash chain
stays intact and ``verify_audit`` passes afterwards; on PostgreSQL the application role may only
read and add audit rows, and destruction needs no more. Files on disk (attachments, the PDFs of
files sent and received) are removed only once the transaction has committed, so a destruction
that fails leaves everything in place.
"""

from __future__ import annotations

import hmac
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.deletion import get_candidate_relations_to_delete
from django.utils import timezone
from guardian.models import GroupObjectPermission, UserObjectPermission

from cases.models import (
    BreakGlass,
    Case,
    CaseChild,
    Concern,
    ConcernPupil,
    Destruction,
    DestructionStatus,
    DisclosureDraft,
    FileTransfer,
    LegalHold,
    Pupil,
    ReceivedFile,
    SubjectAccessRequest,
    Tombstone,
)
from desk.retention import rules, selectors
from desk.sar.selectors import document_path as sar_document_path
from desk.sar.selectors import document_storage as sar_document_storage
from referrals.models import Action, Step
from safeguard.audit import audit_record
from safeguard.models import Notification, User
from safeguard.permissions import roles_at

logger = logging.getLogger(__name__)

#: Relations that point at something destroyed but belong to a record that is kept: the link is
#: cleared and the row stays. (``on_delete=SET_NULL`` relations are cleared the same way.)
DETACH = {
    # A concern that also names a pupil whose records are kept is their record: it stays, without the case.
    (Concern, "case"),
    # A file another school received from this one is that school's record: it stays, without the sender's row.
    (ReceivedFile, "transfer"),
}
#: Fields also cleared on a row whose link to the pupil is cleared (what it held about them).
CLEAR_ON_DETACH = {SubjectAccessRequest: {"draft": None, "drafted_at": None, "document_sha256": ""}}

#: The kinds of record, as the tombstone counts them (the retention page shows them in words).
COUNT_KEYS = {
    "cases.pupil": "pupil_record",
    "cases.case": "cases",
    "cases.disclosure": "disclosures",
    "cases.note": "notes",
    "cases.correction": "corrections",
    "cases.assessment": "assessments",
    "cases.decision": "police_referral_decisions",
    "cases.attachment": "attachments",
    "cases.concern": "concerns",
    "cases.disclosuredraft": "drafts",
    "cases.casereview": "case_reviews",
    "cases.casestatuschange": "closures_and_reopenings",
    "cases.factchange": "changes_of_facts",
    "cases.otherchild": "other_children_recorded",
    "cases.caseplatform": "apps_and_services_named",
    "cases.caseassignment": "staff_assignments",
    "cases.caserestriction": "restrictions",
    "cases.caseexclusion": "people_kept_out_of_a_case",
    "cases.breakglass": "break_glass_openings",
    "cases.filetransfer": "files_sent_to_a_new_school",
    "cases.receivedfile": "files_from_a_previous_school",
    "cases.pupilchange": "corrections_to_the_pupil_record",
    "cases.legalhold": "lifted_legal_holds",
    "cases.casechild": "links_to_cases",
    "cases.concernpupil": "links_to_concerns",
    "referrals.step": "referral_steps",
    "referrals.stepevent": "referral_step_updates",
    "referrals.action": "actions",
    "referrals.childvoice": "records_of_the_child's_voice",
    "referrals.parentcontact": "contacts_with_parents_or_carers",
}
#: Copies and pointers, not records: counted together.
HOUSEKEEPING = "search_entries_alerts_and_permissions"
#: How each kind reads, one and many ("1 case", "3 cases"); a kind not here reads as its key.
KIND_WORDS = {
    "pupil_record": ("pupil record", "pupil records"),
    "cases": ("case", "cases"),
    "disclosures": ("disclosure", "disclosures"),
    "notes": ("note", "notes"),
    "corrections": ("correction", "corrections"),
    "assessments": ("assessment against the police-referral criteria", "assessments against the police-referral criteria"),
    "police_referral_decisions": ("decision on police referral", "decisions on police referral"),
    "attachments": ("attachment (and its file)", "attachments (and their files)"),
    "concerns": ("concern", "concerns"),
    "drafts": ("draft", "drafts"),
    "case_reviews": ("case review", "case reviews"),
    "closures_and_reopenings": ("closure or reopening", "closures and reopenings"),
    "changes_of_facts": ("change of facts", "changes of facts"),
    "other_children_recorded": ("other child recorded", "other children recorded"),
    "apps_and_services_named": ("app or service named", "apps and services named"),
    "staff_assignments": ("staff assignment", "staff assignments"),
    "restrictions": ("restriction", "restrictions"),
    "people_kept_out_of_a_case": ("person kept out of a case", "people kept out of a case"),
    "break_glass_openings": ("break-glass opening", "break-glass openings"),
    "files_sent_to_a_new_school": ("file sent to a new school (and its PDF)", "files sent to a new school (and their PDFs)"),
    "files_from_a_previous_school": (
        "file from a previous school (and its PDF)",
        "files from a previous school (and their PDFs)",
    ),
    "corrections_to_the_pupil_record": ("correction to the pupil record", "corrections to the pupil record"),
    "lifted_legal_holds": ("lifted legal hold", "lifted legal holds"),
    "links_to_cases": ("link to a case", "links to cases"),
    "links_to_concerns": ("link to a concern", "links to concerns"),
    "referral_steps": ("referral step", "referral steps"),
    "referral_step_updates": ("update to a referral step", "updates to referral steps"),
    "actions": ("action", "actions"),
    "records_of_the_child's_voice": ("record of the child's voice", "records of the child's voice"),
    "contacts_with_parents_or_carers": ("contact with parents or carers", "contacts with parents or carers"),
    HOUSEKEEPING: ("search index entry, alert or permission", "search index entries, alerts and permissions"),
}


def count_words(counts: dict[str, int]) -> list[str]:
    """A tombstone's or a plan's counts in words, in a steady order: "1 case", "5 notes"."""
    said = []
    for key, count in counts.items():
        one, many = KIND_WORDS.get(key, (key.replace("_", " "), key.replace("_", " ")))
        said.append(f"{count} {one if count == 1 else many}")
    return said


HOUSEKEEPING_LABELS = {
    "cases.searchentry",
    "cases.caseuserobjectpermission",
    "cases.casegroupobjectpermission",
    "guardian.userobjectpermission",
    "guardian.groupobjectpermission",
    "safeguard.notification",
    "safeguard.alertemail",
    "referrals.reminder",
}
#: The shortest early reason taken as "a sentence": a destruction before the review date is the
#: exception (a record made in error, about the wrong child), and the reason is kept for ever.
EARLY_REASON_MIN_WORDS = 5
#: Ids per query: well under SQLite's smallest limit on variables (999).
CHUNK = 900

BASIS_REQUIRED = "Write the basis for destroying these records (for example: the review date was reached and nothing is held)."
EARLY_REASON_TOO_SHORT = (
    "The review date has not been reached: write the reason for destroying the records early in a sentence "
    "(for example: the record was made in error, about the wrong child)."
)
OPEN_PROPOSAL = "Destroying these records has already been proposed: approve or withdraw that proposal first."
NOT_PROPOSED = "This proposal is no longer waiting: it was carried out or withdrawn."
WITHDRAW_REASON_REQUIRED = "Write why the proposal is withdrawn."
NOT_ALLOWED = "Only a Designated Safeguarding Lead, a deputy or the head may do this."
GONE = "These records have already been destroyed."


class DestructionRefused(ValidationError):
    """A destruction step refused: ``messages`` says why, in the DSL's words. Nothing changed."""


# --- What would be destroyed ----------------------------------------------------------------------


@dataclass(frozen=True)
class KeptCase:
    """A case of the pupil's that stays: another pupil on it is kept (or the pupil was taken off
    it before). Only this pupil's link to it is removed."""

    case_id: int
    reference: str
    other_pupils: int

    @property
    def words(self) -> str:
        if self.other_pupils:
            others = "another pupil" if self.other_pupils == 1 else f"{self.other_pupils} other pupils"
            return (
                f"Case {self.reference} is kept: {others} on it still have their records kept, so it is their record too. "
                "Only this pupil's link to it is removed; what the case itself says stays."
            )
        return f"Case {self.reference} is kept: this pupil was taken off it earlier. Only their old link to it is removed."


@dataclass
class _Collected:
    """Every row a destruction removes, by model, and the links it clears on rows that stay."""

    delete: dict[type[models.Model], set] = field(default_factory=lambda: defaultdict(set))
    #: (model, field name) -> pks of rows that stay with that link cleared.
    detach: dict[tuple[type[models.Model], str], set] = field(default_factory=lambda: defaultdict(set))
    #: (child model, field name, parent model): child rows point at parent rows, both going.
    edges: set[tuple[type[models.Model], str, type[models.Model]]] = field(default_factory=set)
    #: Object permissions of guardian's generic tables (by content type and text id), by model.
    generic_permissions: dict[type[models.Model], list[int]] = field(default_factory=dict)

    def ids(self, model) -> set:
        return self.delete.get(model, set())


@dataclass(frozen=True)
class DestructionPlan:
    """What destroying a pupil's records would do, before anyone proposes it, and what stops it.

    ``counts``: the kinds of record and how many (the tombstone's words, ``COUNT_KEYS``);
    ``case_references``: the cases destroyed; ``kept_cases``: the pupil's cases that stay, each
    saying why; ``kept_concerns``: concerns that also name other pupils (only this pupil's link
    goes); ``refusals``: why it cannot go ahead now (on roll, held); ``needs_early_reason``: the
    review date is still ahead, so a proposal must say why it is early."""

    pupil_id: int
    review_on: date
    counts: dict[str, int]
    case_references: list[str]
    kept_cases: list[KeptCase]
    kept_concerns: int
    unseen_cases: int
    refusals: list[str]
    needs_early_reason: bool

    @property
    def possible(self) -> bool:
        return not self.refusals

    @property
    def counts_in_words(self) -> list[tuple[str, int]]:
        """(kind in words, count) pairs: the kind singular for a count of one."""
        pairs = []
        for key, count in self.counts.items():
            one, many = KIND_WORDS.get(key, (key.replace("_", " "), key.replace("_", " ")))
            pairs.append((one if count == 1 else many, count))
        return pairs

    @property
    def count_words(self) -> list[str]:
        return count_words(self.counts)

    @property
    def lines(self) -> list[str]:
        """The plan in plain sentences, for the page."""
        said = []
        cases = len(self.case_references)
        if cases:
            said.append(f"{cases} case{'s' if cases != 1 else ''} destroyed, with everything recorded on them.")
        else:
            said.append("No case is destroyed: the pupil is on none that is theirs alone.")
        said.extend(kept.words for kept in self.kept_cases)
        if self.kept_concerns:
            n = self.kept_concerns
            said.append(
                f"{n} concern{'s' if n != 1 else ''} also name{'' if n != 1 else 's'} other pupils and "
                f"{'are' if n != 1 else 'is'} kept: only this pupil's name is taken off."
            )
        if self.unseen_cases:
            said.append(
                f"{self.unseen_cases} of the cases destroyed are restricted: you may not open them, so they are not named here."
            )
        return said


def _pupil_cases(pupil: Pupil) -> tuple[list[int], list[KeptCase], dict[int, str]]:
    """The pupil's cases: those destroyed (theirs alone) and those kept, with references."""
    links = list(CaseChild.objects.filter(pupil=pupil).values_list("case_id", "removed_at", "case__reference"))
    reference = {case_id: ref for case_id, _, ref in links}
    current = {case_id for case_id, removed_at, _ in links if removed_at is None}
    others: dict[int, set[int]] = defaultdict(set)
    for case_id, other in (
        CaseChild.objects.filter(case_id__in=list(reference), removed_at__isnull=True)
        .exclude(pupil=pupil)
        .values_list("case_id", "pupil_id")
    ):
        others[case_id].add(other)
    destroyed = sorted(case_id for case_id in current if not others.get(case_id))
    kept = [
        KeptCase(case_id=case_id, reference=reference[case_id], other_pupils=len(others.get(case_id, ())))
        for case_id in sorted(set(reference) - set(destroyed), key=lambda c: reference[c])
    ]
    return destroyed, kept, reference


def _pupil_concerns(pupil: Pupil, destroyed_cases: list[int]) -> tuple[list[int], list[int]]:
    """Concerns only about the pupil (destroyed) and those that also name others (kept)."""
    concern_ids = set(ConcernPupil.objects.filter(pupil=pupil).values_list("concern_id", flat=True))
    concern_ids |= set(Concern.objects.filter(case_id__in=destroyed_cases).values_list("pk", flat=True))
    naming_others = set(
        ConcernPupil.objects.filter(concern_id__in=concern_ids).exclude(pupil=pupil).values_list("concern_id", flat=True)
    )
    case_of = dict(Concern.objects.filter(pk__in=concern_ids).values_list("pk", "case_id"))
    destroyed_set = set(destroyed_cases)
    gone = sorted(
        pk for pk in concern_ids if pk not in naming_others and (case_of.get(pk) is None or case_of[pk] in destroyed_set)
    )
    return gone, sorted(concern_ids - set(gone))


def _drafts_naming(pupil: Pupil) -> list[int]:
    """Disclosures being typed at the school that name the pupil (a draft is raw form input)."""
    wanted = str(pupil.pk)
    found = []
    for pk, data in DisclosureDraft.objects.filter(school_id=pupil.school_id).values_list("pk", "data"):
        for key, values in (data or {}).items():
            if (key == "pupils" or key == "pupil" or key.endswith("-pupil")) and wanted in (
                values if isinstance(values, list) else [values]
            ):
                found.append(pk)
                break
    return found


def _chunks(values: Iterable) -> Iterable[list]:
    items = sorted(values)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _pks_pointing(model, field_name: str, targets: set) -> set:
    found: set = set()
    for chunk in _chunks(targets):
        found.update(model._base_manager.filter(**{f"{field_name}__in": chunk}).values_list("pk", flat=True))
    return found


def _walk(collected: _Collected, roots: dict[type[models.Model], set]) -> None:
    """Add ``roots`` and, through every relation that points at them, all that goes with them."""
    queue: list[tuple[type[models.Model], set]] = []
    for model, pks in roots.items():
        new = set(pks) - collected.ids(model)
        if new:
            collected.delete[model] |= new
            queue.append((model, new))
    while queue:
        parent, new = queue.pop(0)
        for relation in get_candidate_relations_to_delete(parent._meta):
            child, fk = relation.related_model, relation.field
            pks = _pks_pointing(child, fk.name, new)
            if not pks:
                continue
            if fk.remote_field.on_delete is models.SET_NULL or (child, fk.name) in DETACH:
                collected.detach[(child, fk.name)] |= pks
                continue
            collected.edges.add((child, fk.name, parent))
            added = pks - collected.ids(child)
            if added:
                collected.delete[child] |= added
                queue.append((child, added))


def _notification_subjects(collected: _Collected) -> list[str]:
    """What the notifications about the destroyed records are keyed by (``Notification.subject``)."""
    prefixes = {
        Case: ("case", "police"),
        Concern: ("concern",),
        Step: ("step",),
        Action: ("action",),
        FileTransfer: ("transfer",),
        ReceivedFile: ("received",),
        BreakGlass: ("break_glass",),
    }
    return [f"{prefix}:{pk}" for model, names in prefixes.items() for pk in collected.ids(model) for prefix in names]


def _collect(pupil: Pupil, destroyed_cases: list[int], destroyed_concerns: list[int]) -> _Collected:
    collected = _Collected()
    _walk(
        collected,
        {
            Pupil: {pupil.pk},
            Case: set(destroyed_cases),
            Concern: set(destroyed_concerns),
            DisclosureDraft: set(_drafts_naming(pupil)),
        },
    )
    # Notifications name a case by a plain number and other records by their subject: no relation
    # leads to them, so they are found by what they are about.
    subjects = _notification_subjects(collected)
    notification_ids: set = set()
    for chunk in _chunks(collected.ids(Case)):
        notification_ids |= set(Notification.objects.filter(case_id__in=chunk).values_list("pk", flat=True))
    for chunk in _chunks(subjects):
        notification_ids |= set(Notification.objects.filter(subject__in=chunk).values_list("pk", flat=True))
    _walk(collected, {Notification: notification_ids})
    # guardian's generic object permissions (a content type and a text id) on the pupil, their
    # cases or concerns (Safeguard grants case permissions through the direct tables, reached above).
    content_types = ContentType.objects.get_for_models(Pupil, Case, Concern)
    for permission_model in (UserObjectPermission, GroupObjectPermission):
        pks: set = set()
        for model, content_type in content_types.items():
            for chunk in _chunks(collected.ids(model)):
                pks |= set(
                    permission_model.objects.filter(
                        content_type=content_type, object_pk__in=[str(pk) for pk in chunk]
                    ).values_list("pk", flat=True)
                )
        if pks:
            collected.delete[permission_model] |= pks
    # A row both cleared and destroyed is destroyed.
    for (model, name), pks in list(collected.detach.items()):
        pks -= collected.ids(model)
        if not pks:
            del collected.detach[(model, name)]
    return collected


def _counts(collected: _Collected) -> dict[str, int]:
    counts: dict[str, int] = {"cases": 0}
    for model, pks in collected.delete.items():
        label = model._meta.label_lower
        if label in HOUSEKEEPING_LABELS or model._meta.auto_created:
            key = HOUSEKEEPING
        else:
            key = COUNT_KEYS.get(label) or str(model._meta.verbose_name_plural).replace(" ", "_")
        counts[key] = counts.get(key, 0) + len(pks)
    order = list(COUNT_KEYS.values())
    return dict(sorted(counts.items(), key=lambda item: (order.index(item[0]) if item[0] in order else len(order), item[0])))


def destruction_plan(pupil: Pupil, *, viewer: User | None = None, today: date | None = None) -> DestructionPlan:
    """What destroying ``pupil``'s records would remove and keep, and what stops it now.

    With a ``viewer``, a hold on a case they may not open is told without naming it (as the
    retention page does), and restricted cases they may not open are counted, not named."""
    today = today or timezone.localdate()
    destroyed_cases, kept_cases, reference = _pupil_cases(pupil)
    destroyed_concerns, kept_concerns = _pupil_concerns(pupil, destroyed_cases)
    collected = _collect(pupil, destroyed_cases, destroyed_concerns)
    review_on = selectors.pupil_review_on(pupil)
    refusals = rules.destruction_refusals(
        on_roll=pupil.on_roll,
        review_on=review_on,
        today=today,
        # The early reason is asked for on the proposal (``needs_early_reason``), not here.
        early_reason="asked for on the proposal",
        holds=selectors.holds_on(pupil, viewer=viewer),
        proposer=None,
        approver=None,
        proposer_recent=True,
        approver_recent=True,
    )
    unseen = selectors.unseen_cases(viewer, destroyed_cases) if viewer is not None else set()
    return DestructionPlan(
        pupil_id=pupil.pk,
        review_on=review_on,
        counts=_counts(collected),
        case_references=sorted(reference[case_id] for case_id in destroyed_cases if case_id not in unseen),
        kept_cases=kept_cases,
        kept_concerns=len(kept_concerns),
        unseen_cases=len(unseen),
        refusals=refusals,
        needs_early_reason=review_on > today,
    )


# --- Carrying it out ------------------------------------------------------------------------------


def _deletion_order(collected: _Collected) -> tuple[list[type[models.Model]], list[tuple[type[models.Model], str]]]:
    """The models in the order their rows can go (those pointed at last), and the nullable links
    to clear first to break a cycle (a case's current assessment points back at one of its own)."""
    remaining = set(collected.delete)
    edges = {(child, name, parent) for child, name, parent in collected.edges if child in remaining and parent in remaining}
    clear: list[tuple[type[models.Model], str]] = []
    for child, name, parent in sorted(edges, key=lambda e: (e[0]._meta.label, e[1])):
        if child is parent:  # a step that follows another step
            clear.append((child, name))
    edges = {edge for edge in edges if edge[0] is not edge[2]}
    order: list[type[models.Model]] = []
    while remaining:
        ready = sorted(
            (model for model in remaining if not any(parent is model and child in remaining for child, _, parent in edges)),
            key=lambda m: m._meta.label,
        )
        if ready:
            order.extend(ready)
            remaining -= set(ready)
            continue
        breakable = sorted(
            (
                (child, name, parent)
                for child, name, parent in edges
                if child in remaining and parent in remaining and child._meta.get_field(name).null
            ),
            key=lambda e: (e[0]._meta.label, e[1]),
        )
        if not breakable:
            raise RuntimeError(
                f"Cannot order the destruction: a cycle of required links among {sorted(m._meta.label for m in remaining)}"
            )
        child, name, parent = breakable[0]
        clear.append((child, name))
        edges.discard((child, name, parent))
    return order, clear


def _files(collected: _Collected) -> list[tuple[object, str]]:
    """The files on disk of the rows going (attachments, the PDFs of files sent and received), and
    the released PDFs of subject access requests about the pupil (the row stays, its copy goes)."""
    found = []
    storage = sar_document_storage()
    for (model, _name), pks in collected.detach.items():
        if model is SubjectAccessRequest:
            for request in SubjectAccessRequest.objects.filter(pk__in=pks).only("pk", "school_id"):
                found.append((storage, sar_document_path(request)))
    for model, pks in collected.delete.items():
        for file_field in (f for f in model._meta.concrete_fields if isinstance(f, models.FileField)):
            for chunk in _chunks(pks):
                for name in model._base_manager.filter(pk__in=chunk).values_list(file_field.attname, flat=True):
                    if name:
                        found.append((file_field.storage, name))
    return found


def _remove_files(files: list[tuple[object, str]]) -> None:
    """After the commit: the rows are gone, so are their files. A file already missing is fine."""
    failed = 0
    for storage, name in files:
        try:
            storage.delete(name)
        except OSError:
            failed += 1
    if failed:
        # Counts only: the names are random, but nothing about a child is ever logged.
        logger.error("Destruction: %d of %d files could not be removed from disk", failed, len(files))


def _carry_out(collected: _Collected) -> int:
    """Clear the links of rows that stay, then delete every row, pointed-at last. Returns the rows deleted."""
    for (model, name), pks in collected.detach.items():
        values = {name: None, **CLEAR_ON_DETACH.get(model, {})}
        for chunk in _chunks(pks):
            model._base_manager.filter(pk__in=chunk).update(**values)
    order, clear = _deletion_order(collected)
    for model, name in clear:
        for chunk in _chunks(collected.ids(model)):
            model._base_manager.filter(pk__in=chunk).update(**{name: None})
    deleted = 0
    for model in order:
        for chunk in _chunks(collected.ids(model)):
            # A plain DELETE: the order above already removed whatever points at these rows, so
            # Django's collector (a query per relation per model, and PROTECT errors) is not needed.
            queryset = model._base_manager.filter(pk__in=chunk)
            deleted += queryset._raw_delete(queryset.db)
    return deleted


def upn_hash(upn: str) -> str:
    """The UPN, keyed-hashed with the audit key (held outside the database): the same UPN gives
    the same hash, so a returning child's old tombstone can be recognised; it cannot be read back."""
    normalised = (upn or "").strip().upper()
    return hmac.new(settings.AUDIT_KEY, f"safeguard.tombstone.upn:{normalised}".encode(), "sha256").hexdigest()


# --- The services ---------------------------------------------------------------------------------


def _signer(user: User, school_id: int) -> rules.Signer:
    return rules.Signer(user_id=user.pk, roles=frozenset(roles_at(user, school_id)))


def _refused(*, actor: User, school_id: int, stage: str, messages: list[str], obj=None) -> DestructionRefused:
    # Its own transaction, outside the one that was rolled back: the refusal is on the record
    # although nothing changed. A count, never the words (a hold's reason may name a child).
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="desk.destruction.refused",
            obj=obj,
            school=school_id,
            extra={"stage": stage, "refusals": len(messages)},
        )
    return DestructionRefused(messages)


def _early_words(basis: str, early_reason: str, review_on: date, today: date) -> tuple[str, str, list[str]]:
    """The basis as recorded, the early reason (before the review date), and what is wrong."""
    basis, early_reason = (basis or "").strip(), (early_reason or "").strip()
    problems = []
    if not basis:
        problems.append(BASIS_REQUIRED)
    early = review_on > today
    if early:
        reason = early_reason or basis
        if reason and len(reason.split()) < EARLY_REASON_MIN_WORDS:
            problems.append(EARLY_REASON_TOO_SHORT)
        if early_reason and basis:
            basis = f"{basis}\n\nDestroyed before the review date ({rules.day_words(review_on)}) because: {early_reason}"
        return basis, reason, problems
    return basis, "", problems


class _Refusal(Exception):
    def __init__(self, messages: list[str], obj=None):
        super().__init__(messages)
        self.messages, self.obj = messages, obj


def destruction_propose(
    *,
    actor: User,
    pupil: Pupil,
    basis: str,
    recent: bool,
    early_reason: str = "",
    today: date | None = None,
) -> Destruction:
    """The first of the two people puts forward destroying a former pupil's records.

    IRMS: reviewed at the date of birth + 25 years (or the school's rule); IICSA: nothing that may
    matter to an inquiry is destroyed (held by rule or by a legal hold). ``recent``: the view's
    answer to "did they prove who they are within the last minutes". Before the review date, the
    reason for destroying early (``early_reason``, or the basis) must be at least a sentence.
    Refused with every reason in the DSL's words (``DestructionRefused``); the refusal is audited."""
    today = today or timezone.localdate()
    try:
        with transaction.atomic():
            locked = Pupil.objects.select_for_update().select_related("school").filter(pk=pupil.pk).first()
            if locked is None:
                raise _Refusal([GONE])
            signer = _signer(actor, locked.school_id)
            if not (signer.is_lead or signer.is_head):
                raise _Refusal([NOT_ALLOWED])
            review_on = selectors.pupil_review_on(locked)
            recorded_basis, early, problems = _early_words(basis, early_reason, review_on, today)
            refusals = rules.destruction_refusals(
                on_roll=locked.on_roll,
                review_on=review_on,
                today=today,
                early_reason=early,
                holds=selectors.holds_on(locked, viewer=actor),
                proposer=signer,
                approver=None,
                proposer_recent=recent,
                approver_recent=True,
            )
            if Destruction.objects.filter(pupil=locked, status=DestructionStatus.PROPOSED).exists():
                refusals.append(OPEN_PROPOSAL)
            if problems or refusals:
                raise _Refusal([*problems, *[r for r in refusals if r not in problems]], obj=locked)
            destruction = Destruction.objects.create(
                school_id=locked.school_id, pupil=locked, basis=recorded_basis, proposed_by=actor, proposed_at=timezone.now()
            )
            audit_record(
                actor=actor,
                action="desk.destruction.proposed",
                obj=destruction,
                school=locked.school_id,
                extra={"pupil_id": locked.pk, "early": review_on > today},
            )
            return destruction
    except _Refusal as refusal:
        raise _refused(
            actor=actor, school_id=pupil.school_id, stage="propose", messages=refusal.messages, obj=refusal.obj or pupil
        ) from None


def _locked_destruction(destruction: Destruction) -> Destruction | None:
    return Destruction.objects.select_for_update().filter(pk=destruction.pk).first()


def destruction_approve(*, actor: User, destruction: Destruction, recent: bool, today: date | None = None) -> Tombstone:
    """The second person approves, and the records are destroyed at once, in this transaction.

    Everything is checked again (a hold placed since, the pupil back on roll); the approver must
    be someone else, and the other of the two roles: the head for a DSL's proposal, a DSL or a
    deputy for the head's. What is left is the tombstone: kinds and counts, the UPN hashed, the
    year of birth, the case references, when, who proposed and approved, on what basis. Files on
    disk go once the transaction has committed."""
    today = today or timezone.localdate()
    try:
        with transaction.atomic():
            locked = _locked_destruction(destruction)
            if locked is None or locked.status != DestructionStatus.PROPOSED or locked.pupil_id is None:
                raise _Refusal([NOT_PROPOSED], obj=destruction)
            pupil = Pupil.objects.select_for_update().select_related("school").get(pk=locked.pupil_id)
            approver = _signer(actor, locked.school_id)
            proposer = _signer(User.objects.get(pk=locked.proposed_by_id), locked.school_id)
            review_on = selectors.pupil_review_on(pupil)
            refusals = rules.destruction_refusals(
                on_roll=pupil.on_roll,
                review_on=review_on,
                today=today,
                early_reason=locked.basis,
                holds=selectors.holds_on(pupil, viewer=actor),
                proposer=proposer,
                approver=approver,
                proposer_recent=True,  # proved when they proposed
                approver_recent=recent,
            )
            if refusals:
                raise _Refusal(refusals, obj=locked)
            destroyed_cases, _, reference = _pupil_cases(pupil)
            destroyed_concerns, _ = _pupil_concerns(pupil, destroyed_cases)
            collected = _collect(pupil, destroyed_cases, destroyed_concerns)
            if LegalHold.objects.filter(pk__in=list(collected.ids(LegalHold)), lifted_at__isnull=True).exists():
                # holds_on reads current links only: a hold on anything else that goes still stops it.
                raise _Refusal(["Something in these records is under a legal hold: lift it first, with a reason."], obj=locked)
            counts = _counts(collected)
            files = _files(collected)
            now = timezone.now()
            tombstone = Tombstone.objects.create(
                school_id=locked.school_id,
                destruction=locked,
                upn_hash=upn_hash(pupil.upn),
                year_of_birth=pupil.date_of_birth.year if pupil.date_of_birth else None,
                counts=counts,
                case_references=sorted(reference[case_id] for case_id in destroyed_cases),
                destroyed_at=now,
                proposed_by_id=locked.proposed_by_id,
                approved_by=actor,
                basis=locked.basis,
            )
            Destruction.objects.filter(pk=locked.pk).update(status=DestructionStatus.DONE, approved_by=actor, approved_at=now)
            deleted = _carry_out(collected)
            audit_record(
                actor=actor,
                action="desk.destruction.approved",
                obj=locked,
                school=locked.school_id,
                extra={
                    "tombstone_id": tombstone.pk,
                    "pupil_id": pupil.pk,
                    "cases": counts.get("cases", 0),
                    "rows": deleted,
                    "files": len(files),
                },
            )
            transaction.on_commit(lambda: _remove_files(files))
            return tombstone
    except _Refusal as refusal:
        raise _refused(
            actor=actor, school_id=destruction.school_id, stage="approve", messages=refusal.messages, obj=refusal.obj
        ) from None


def destruction_withdraw(*, actor: User, destruction: Destruction, reason: str) -> Destruction:
    """A proposal withdrawn (by either of the two, or another DSL or the head), with the reason."""
    reason = (reason or "").strip()
    try:
        with transaction.atomic():
            locked = _locked_destruction(destruction)
            signer = _signer(actor, destruction.school_id)
            if not (signer.is_lead or signer.is_head):
                raise _Refusal([NOT_ALLOWED], obj=destruction)
            if locked is None or locked.status != DestructionStatus.PROPOSED:
                raise _Refusal([NOT_PROPOSED], obj=destruction)
            if not reason:
                raise _Refusal([WITHDRAW_REASON_REQUIRED], obj=locked)
            locked.status = DestructionStatus.WITHDRAWN
            locked.withdrawn_by, locked.withdrawn_at, locked.withdrawn_reason = actor, timezone.now(), reason
            locked.save(update_fields=["status", "withdrawn_by", "withdrawn_at", "withdrawn_reason"])
            audit_record(
                actor=actor,
                action="desk.destruction.withdrawn",
                obj=locked,
                school=locked.school_id,
                extra={"pupil_id": locked.pupil_id},
            )
            return locked
    except _Refusal as refusal:
        raise _refused(
            actor=actor, school_id=destruction.school_id, stage="withdraw", messages=refusal.messages, obj=refusal.obj
        ) from None
