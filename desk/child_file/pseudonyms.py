"""Other children in a child's file: "Child B", "Child C"... (pure functions, no ORM).

A child's file is about one child. Every other child in it (a pupil on the roll, or a child the
DSL described in words) is given a letter in the order they first appear in the file, the same
child the same letter everywhere, and their name is replaced by that letter wherever it appears in
free text: the summary, the child's account, notes, corrections, step outcomes, the child's voice.
Their dates of birth, UPNs, descriptions and the details of their records are left out (UK GDPR
Art. 15 and KCSIE's "necessary and proportionate": another child's data is theirs). The DSL may
choose to name them, for a reason they give; then nothing here is applied.

Names are matched as whole words, case-insensitively: "Ben" is replaced in "Ben's" and "BEN",
never in "Bench". A name the file's own child shares ("Ava" when both are called Ava) is replaced
only as part of the other child's full name: alone it could be either, and the file's own child
is named throughout.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from dataclasses import dataclass, field

#: The file's own child is "A" in the guidance's way of speaking ("Child A"): the others start at B.
FIRST_LETTER_INDEX = 1


def letter(index: int) -> str:
    """The index-th letter label: 0 → "A", 1 → "B", ... 25 → "Z", 26 → "AA", 27 → "AB"..."""
    if index < 0:
        raise ValueError("A letter's index is never negative.")
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = string.ascii_uppercase[rest] + letters
    return letters


def child_label(position: int) -> str:
    """The label of the ``position``-th other child to appear (0 for the first): "Child B"..."""
    return f"Child {letter(position + FIRST_LETTER_INDEX)}"


@dataclass(frozen=True)
class OtherChildRef:
    """Another child: ``key`` says which ("pupil:12", "other:4"); ``names`` are the words that
    name them in free text (a pupil's full, first and last names; a described child's description)."""

    key: str
    names: tuple[str, ...] = ()


def pupil_names(first_name: str, last_name: str) -> tuple[str, ...]:
    """The words that name a pupil: their full name, then their first name and last name alone."""
    first, last = first_name.strip(), last_name.strip()
    return tuple(n for n in (f"{first} {last}".strip(), first, last) if n)


def _pattern(name: str) -> str:
    # Whole words: not inside another word ("Ben" in "Bench", "Anna" in "Joanna"). Spaces inside a
    # name match any run of white space ("Ben  Smith" over a line break).
    words = [re.escape(part) for part in name.split()]
    return r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)"


@dataclass
class Pseudonymiser:
    """Gives each other child a letter as they first appear, and replaces their names in text.

    Built with every other child the file may mention (``others``) and the names of the file's own
    child (``protected``: never replaced alone). Call ``label`` when a child is listed and ``text``
    on each piece of free text, in the order the file shows them, so that letters follow the order
    of first appearance. With ``enabled=False`` (the DSL chose to name them) text is unchanged and
    ``label`` gives back the name passed in."""

    others: Iterable[OtherChildRef] = ()
    protected: Iterable[str] = ()
    enabled: bool = True
    _labels: dict[str, str] = field(default_factory=dict, init=False)
    _by_name: list[tuple[str, str]] = field(default_factory=list, init=False)
    _regex: re.Pattern | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        protected = {p.strip().casefold() for p in self.protected if p and p.strip()}
        owner: dict[str, str] = {}
        for ref in self.others:
            for index, name in enumerate(ref.names):
                folded = " ".join(name.split()).casefold()
                if not folded:
                    continue
                # A single name the file's own child shares is ambiguous: only the full name counts.
                if index > 0 and folded in protected:
                    continue
                # Two other children with the same first name: the first listed keeps it (both are
                # replaced by a letter either way, never left readable).
                owner.setdefault(folded, ref.key)
        self._owner = owner
        # Longest first, so that "Ben Smith" is one match rather than "Ben" and "Smith".
        names = sorted(owner, key=lambda n: (-len(n), n))
        self._regex = re.compile("|".join(f"(?P<n{i}>{_pattern(n)})" for i, n in enumerate(names)), re.IGNORECASE)
        self._names = names

    def label(self, key: str, name: str = "") -> str:
        """The letter label of child ``key`` (given now if this is their first appearance), or
        ``name`` when the DSL chose to name the other children."""
        if not self.enabled:
            return name
        if key not in self._labels:
            self._labels[key] = child_label(len(self._labels))
        return self._labels[key]

    def text(self, value: str) -> str:
        """``value`` with every other child's names replaced by their letter."""
        if not self.enabled or not value or not self._names:
            return value or ""

        def swap(match: re.Match) -> str:
            name = self._names[int(match.lastgroup[1:])]
            return self.label(self._owner[name])

        return self._regex.sub(swap, value)

    @property
    def labels(self) -> dict[str, str]:
        """The letters given so far, by child key, in the order given."""
        return dict(self._labels)


#: "Child B was 12 on the date of the incident (3 May 2025; born 1 June 2012)." The birth date of a
#: child other than the file's own is their detail: the age that decided the criterion stays.
_BORN = re.compile(r"(?P<label>\bChild [A-Z]+\b)(?P<middle>[^.]*?)\s*;\s*born [^)]*\)")
#: "Child B's pupil record shows: child protection plan." Another child's plans are their own record.
_RECORD_SHOWS = re.compile(r"(?P<label>\bChild [A-Z]+)'s pupil record shows: [^.]*\.")


def criterion_reason(reason: str, pseudonymiser: Pseudonymiser) -> str:
    """A criterion's reason ("the facts that decided it") with other children lettered, and the
    details that are theirs (a date of birth, which plans their record shows) left out. The fact
    that decided the criterion (their age then; that they are known to social care or the police)
    stays: the reader needs it."""
    text = pseudonymiser.text(reason)
    if not pseudonymiser.enabled:
        return text
    text = _BORN.sub(lambda m: f"{m['label']}{m['middle']})", text)
    return _RECORD_SHOWS.sub(
        lambda m: f"{m['label']}'s pupil record shows they are known to children's social care or the police.", text
    )
