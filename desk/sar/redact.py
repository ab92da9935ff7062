"""What may be withheld from a subject access request's response, why, and the response itself:
the frozen draft with the redactions applied (pure functions over the draft's JSON, no ORM).

The draft is the child's file's JSON (docs/child-file-format.md), gathered once and never changed.
A redaction names a place in it (``target``): a whole record ("cases.0", "cases.0.notes.2",
"concerns.1") or one passage of free text ("cases.0.notes.2.text", "cases.0.disclosure.
child_account.text", "cases.0.steps.1.outcome"). The release is a copy of the draft in which each
withheld passage reads "[Withheld: see item N ...]" (its corrections, which may quote it, go too)
and each withheld record is left out; the last section of the document lists each redaction's
description and reason, never the withheld words.

Removed by rule when the draft is made (``RULE_*``): the other children, lettered by the child's
file (UK GDPR Art. 15(4)). Third parties: the names of members of staff are kept, as they acted in
their professional role (ICO guidance on subject access and other people's information); other
adults named in free text (another child's parent, a neighbour) cannot be found reliably by
Safeguard, so the reviewer reads the free text and withholds what names them, with the reason
"another person's data" — the review page says so plainly.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

#: The by-rule redaction of the other children (not a place in the draft: the whole draft).
RULE_OTHER_CHILDREN = "rule:other_children"
RULE_PREFIX = "rule:"
#: An undone redaction is kept; its undoing is a row of its own whose target is this plus its id.
UNDO_PREFIX = "undo:"

OTHER_CHILDREN_REASON = "UK GDPR Art. 15(4), the rights of others: another child's information is theirs."

#: The reasons a DSL may give for withholding, in the words the response shows.
REASONS = {
    "serious_harm": (
        "Likely to cause serious harm to the physical or mental health of the child or another person (DPA 2018 Sch. 3)"
    ),
    "other_person": "Another person's information, and it is not reasonable to disclose it without their consent (UK GDPR Art. 15(4))",
    "legal_privilege": "Covered by legal professional privilege (DPA 2018 Sch. 2 para 19)",
    "crime": (
        "Disclosure would be likely to prejudice the prevention or detection of crime, or the prosecution of offenders "
        "(DPA 2018 Sch. 2 para 2)"
    ),
    "other": "Another reason (written out)",
}
REASON_OTHER = "other"


def other_children_description(count: int) -> str:
    return f"Other children's names, dates of birth and details ({count} child{'ren' if count != 1 else ''})"


def marker(number: int) -> str:
    return f"[Withheld: see item {number} of “What was withheld, and why”]"


def reason_words(kind: str, written: str = "") -> str:
    """The reason as the response shows it. Raises ValueError, in the DSL's words, when none is given."""
    written = (written or "").strip()
    if kind not in REASONS:
        raise ValueError("Choose why it is withheld: a redaction needs a reason.")
    if kind == REASON_OTHER:
        if not written:
            raise ValueError("Write out the reason: a redaction needs a reason, and it is shown in the response.")
        return written
    return REASONS[kind]


@dataclass(frozen=True)
class Item:
    """One thing in the draft that may be withheld."""

    target: str
    description: str
    #: A whole record (left out) or a passage of free text (replaced by the marker).
    whole: bool
    #: Which case or concern it belongs to, for grouping on the review page ("Case HTA-...").
    group: str


@dataclass(frozen=True)
class Withheld:
    """A redaction as the release needs it: where, and its number in the last section."""

    target: str
    number: int


def _day(value) -> str:
    if not value:
        return "an unrecorded date"
    try:
        moment = datetime.fromisoformat(value) if "T" in str(value) else date.fromisoformat(value)
    except ValueError:
        return "an unrecorded date"
    return f"{moment.day} {moment:%B %Y}"


def _text_of(value) -> str:
    if isinstance(value, dict):
        return str(value.get("text") or "")
    return str(value or "")


def withholdable(draft: dict) -> list[Item]:
    """Every record and passage of free text in the draft that may be withheld, in document order."""
    items: list[Item] = []
    for i, c in enumerate(draft.get("cases") or []):
        ref = c.get("reference", "")
        group = f"Case {ref}"
        base = f"cases.{i}"
        items.append(Item(base, f"Case {ref}, the whole record", True, group))
        if _text_of(c.get("summary")):
            items.append(Item(f"{base}.summary.text", f"The summary of case {ref}", False, group))
        d = c.get("disclosure")
        if d:
            if _text_of(d.get("child_account")):
                items.append(Item(f"{base}.disclosure.child_account.text", f"The child's account, case {ref}", False, group))
            if _text_of(d.get("imagery_description")):
                items.append(
                    Item(
                        f"{base}.disclosure.imagery_description.text", f"The description of the imagery, case {ref}", False, group
                    )
                )
        for j, dec in enumerate(c.get("decisions") or []):
            when = _day(dec.get("made_at"))
            items.append(Item(f"{base}.decisions.{j}", f"A decision of {when}, case {ref}", True, group))
            if dec.get("rationale"):
                items.append(
                    Item(f"{base}.decisions.{j}.rationale", f"The reason for a decision of {when}, case {ref}", False, group)
                )
        for j, step in enumerate(c.get("steps") or []):
            items.append(Item(f"{base}.steps.{j}", f"Referral or report {j + 1} of case {ref}", True, group))
            if step.get("outcome"):
                items.append(
                    Item(f"{base}.steps.{j}.outcome", f"The outcome of referral or report {j + 1}, case {ref}", False, group)
                )
        for j, _action in enumerate(c.get("actions") or []):
            items.append(Item(f"{base}.actions.{j}", f"Action {j + 1} of case {ref}", True, group))
        for j, voice in enumerate(c.get("child_voice") or []):
            items.append(
                Item(
                    f"{base}.child_voice.{j}", f"The child's views recorded {_day(voice.get('told_at'))}, case {ref}", True, group
                )
            )
        for j, contact in enumerate(c.get("parents") or []):
            when = _day(contact.get("recorded_at"))
            items.append(Item(f"{base}.parents.{j}", f"Contact with parents or carers recorded {when}, case {ref}", True, group))
        for j, note in enumerate(c.get("notes") or []):
            when = _day(note.get("written_at"))
            items.append(Item(f"{base}.notes.{j}", f"A note of {when}, case {ref}", True, group))
            if note.get("text"):
                items.append(Item(f"{base}.notes.{j}.text", f"The text of a note of {when}, case {ref}", False, group))
        for j, review in enumerate(c.get("reviews") or []):
            items.append(Item(f"{base}.reviews.{j}", f"A review of {_day(review.get('reviewed_at'))}, case {ref}", True, group))
        for j, doc in enumerate(c.get("attachments") or []):
            items.append(
                Item(f"{base}.attachments.{j}", f"A document attached on {_day(doc.get('uploaded_at'))}, case {ref}", True, group)
            )
        closure = c.get("closure")
        if closure and closure.get("summary"):
            items.append(Item(f"{base}.closure.summary", f"How case {ref} was followed up and resolved", False, group))
    for k, concern in enumerate(draft.get("concerns") or []):
        ref = concern.get("reference", "")
        group = f"Concern {ref}"
        base = f"concerns.{k}"
        items.append(Item(base, f"Concern {ref}, the whole record", True, group))
        if concern.get("what_happened"):
            items.append(Item(f"{base}.what_happened", f"What was seen, heard or told, concern {ref}", False, group))
        if concern.get("child_words"):
            items.append(Item(f"{base}.child_words", f"What the child said, concern {ref}", False, group))
    return items


def item_for(draft: dict, target: str) -> Item | None:
    for item in withholdable(draft):
        if item.target == target:
            return item
    return None


def _walk(doc: dict, parts: list[str]):
    node = doc
    for part in parts:
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def apply_redactions(draft: dict, withheld: Iterable[Withheld]) -> dict:
    """The release: a copy of ``draft`` with each withheld passage replaced by its marker and each
    withheld record left out (a case's or concern's line in the timeline says it is withheld). The
    draft is not changed.

    A target that is not a place in the draft, or a by-rule one, changes nothing here (the rule
    was applied when the draft was made)."""
    doc = copy.deepcopy(draft)
    known = {item.target: item for item in withholdable(draft)}
    removals: list[tuple[str, int, int]] = []
    for w in withheld:
        item = known.get(w.target)
        if item is None:
            continue
        parts = w.target.split(".")
        if item.whole:
            removals.append((".".join(parts[:-1]), int(parts[-1]), w.number))
            continue
        parent = _walk(doc, parts[:-1])
        parent[parts[-1]] = marker(w.number)
        if parts[-1] == "text" and isinstance(parent.get("corrections"), list):
            # A correction's reason may quote what was withheld.
            parent["corrections"] = []
    gone: dict[str, int] = {}
    # Deepest first and the last index first, so that each removal leaves the others' places as
    # they were (a note of a case before the case itself).
    seen: set[tuple[str, int]] = set()
    for list_path, index, number in sorted(removals, key=lambda r: (-r[0].count("."), r[0], -r[1])):
        if (list_path, index) in seen:
            continue
        seen.add((list_path, index))
        container = _walk(doc, list_path.split("."))
        if list_path in ("cases", "concerns"):
            gone[f"{list_path}:{container[index].get('reference', '')}"] = number
        del container[index]
    if gone:
        # The timeline keeps the line, saying it is withheld: the last section lists the record
        # anyway, and "nothing is recorded" would not be true.
        for line in doc.get("timeline") or []:
            key = f"{'cases' if line.get('kind') == 'case' else 'concerns'}:{line.get('reference', '')}"
            if key in gone:
                line["words"] = f"{line.get('words', '')}: withheld, see item {gone[key]} of “What was withheld, and why”"
        for concern in doc.get("concerns") or []:
            if f"cases:{concern.get('case_reference', '')}" in gone:
                concern["case_reference"] = ""
    # The response is to the person asking, not a file for another school: what the gatherer
    # could not read was checked on the review page, and is not a count for the reader.
    doc["left_out"] = {"restricted": 0, "not_chosen": 0}
    return doc


def numbered(targets: Iterable[str]) -> list[Withheld]:
    """The redactions in the order made, numbered 1, 2, 3... as the last section lists them."""
    return [Withheld(target, number) for number, target in enumerate(targets, start=1)]
