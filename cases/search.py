"""One search box: pupils by name or UPN, case and concern numbers, and the words of summaries,
children's accounts, notes and concerns, found only through the permission gateway.

Three parts, kept apart:

- **The index (writes).** The services that write searchable text call ``search_index_*`` inside
  their own transaction, so the copy in ``SearchEntry`` commits or rolls back with the record. A
  correction re-writes the copy: search finds what the record says now. The earlier text stays in
  the record (``Correction``) but is no longer found, so a name recorded in error and corrected
  stops bringing the case up.
- **The query (pure).** :func:`parse_query` turns what was typed into quoted phrases that every
  result must hold (web-search style: several words are all required, "quoted words" are a
  phrase). Only letters and digits survive, so nothing typed can be full-text syntax (FTS5's
  ``NEAR``, ``*``, ``^``, ``column:``, quotes) or reach the database as anything but a value.
- **The search (reads).** :func:`search` ranks the texts with the database's own full-text search
  (PostgreSQL: ``ts_rank`` over a GIN-indexed ``tsvector``; SQLite: FTS5's ``bm25``), only among
  ``cases_visible_to(user)`` at the school, and concerns only for the school's DSLs (as
  ``get_concern_for_user``). One result per case (its best-matching text), at most
  ``SEARCH_LIMIT`` a group, each with a snippet whose matching words are marked: the text is
  HTML-escaped first and only the marks are added. A fixed number of queries whatever matches.

Every search that runs is audited with the number of results, never the words (they may be a
child's name): :func:`search_record`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from cases.access import cases_visible_at, concerns_hidden_from, support_view_case_ids
from cases.models import Case, CaseChild, Concern, Note, Pupil, SearchEntry, SearchKind
from cases.roll import roll_match
from cases.rules import children_supported
from safeguard.audit import audit_record
from safeguard.models import School, User
from safeguard.permissions import roles_at
from safeguard.roles import CASE_READING_ROLES, READS_ALL_CASES, SAFEGUARDING_LEADS, Role

# --- The text kept for search --------------------------------------------------------------------

#: The first this many characters of a text are searched (forms stop narratives at 50,000).
#: PostgreSQL refuses a tsvector over 1 MB, so an unlimited text could not be indexed at all.
INDEXED_MAX = 100_000
#: Marks the database puts around matching words in a snippet. Control characters never typed in
#: a record: they are taken out of the copy that is searched, so a mark is always a mark.
MARK_START, MARK_END = "\x02", "\x03"
#: PostgreSQL's text-search parser reads ``<...>`` as markup and drops it from snippets; the
#: snippet is made with these instead (private-use characters, also taken out) and put back.
ANGLE_OPEN, ANGLE_CLOSE = "\ue000", "\ue001"
_UNSEARCHED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ue000\ue001]")

#: The record's fields that are searched, and the kind of text each is.
CASE_FIELDS = {"summary": SearchKind.SUMMARY, "child_account": SearchKind.ACCOUNT}


def index_text(text: str) -> str:
    return _UNSEARCHED.sub(" ", text or "")[:INDEXED_MAX]


def concern_text(concern) -> str:
    """What a member of staff wrote when raising the concern (the DSL's triage reason is not searched)."""
    parts = (concern.children, concern.what_happened, concern.where, concern.child_words)
    return "\n".join(part for part in parts if part)


def case_entry(case: Case, field_name: str, text: str) -> SearchEntry:
    """The (unsaved) index entry for one of a case's searched fields (``CASE_FIELDS``)."""
    return SearchEntry(
        school_id=case.school_id, case_id=case.pk, kind=CASE_FIELDS[field_name], source_id=case.pk, text=index_text(text)
    )


def note_entry(note: Note, text: str | None = None) -> SearchEntry:
    """The (unsaved) index entry for a note: ``text`` is its current text when corrected."""
    return SearchEntry(
        school_id=note.case.school_id,
        case_id=note.case_id,
        kind=SearchKind.NOTE,
        source_id=note.pk,
        text=index_text(note.text if text is None else text),
    )


def concern_entry(concern: Concern) -> SearchEntry:
    return SearchEntry(
        school_id=concern.school_id,
        concern_id=concern.pk,
        kind=SearchKind.CONCERN,
        source_id=concern.pk,
        text=index_text(concern_text(concern)),
    )


# --- The index: writes, inside the caller's transaction ------------------------------------------


def _keep(entry: SearchEntry) -> None:
    # One statement: insert, or re-write the text of the entry already there (a correction).
    entry.updated_at = timezone.now()
    SearchEntry.objects.bulk_create(
        [entry], update_conflicts=True, unique_fields=["kind", "source_id"], update_fields=["text", "updated_at"]
    )


def search_index_case_text(*, case: Case, field: str, text: str) -> None:
    """Keep the searchable copy of a case's summary or the child's account. Other narrative fields
    (who the child told, the imagery's description) are not searched: nothing happens."""
    if field in CASE_FIELDS:
        _keep(case_entry(case, field, text))


def search_index_note(*, note: Note, text: str | None = None) -> None:
    """Keep the searchable copy of a note: its text as written, or as corrected (``text``)."""
    _keep(note_entry(note, text))


def search_index_concern(concern: Concern) -> None:
    """Keep the searchable copy of a concern (call it whenever its text is written or changed)."""
    _keep(concern_entry(concern))


@transaction.atomic
def search_record(*, actor: User, school: School, results: int) -> None:
    """A search shows children's names and case content: audited with how many were found, never
    the words searched (they may be a child's name; docs/domain.md: logs never hold case content)."""
    audit_record(actor=actor, action="cases.search.searched", school=school, extra={"results": results})


# --- The query -------------------------------------------------------------------------------------

SEARCH_MIN_LETTERS = 2
SEARCH_MAX_LENGTH = 200
#: More words than this are not searched (the page says so): enough for any phrase from a record.
SEARCH_MAX_WORDS = 12
#: Results shown in each group (pupils, cases, concerns).
SEARCH_LIMIT = 20

TOO_SHORT = "Type at least 2 letters or numbers: part of a pupil's name, a case number, or a word from a record."
TOO_LONG = f"Keep the search to {SEARCH_MAX_LENGTH} characters or fewer: a few words from the record are enough to find it."
NO_WORDS = "Type letters or numbers to search for: punctuation alone finds nothing."

_WORD = re.compile(r"[^\W_]+")
_CHUNK = re.compile(r'"([^"]*)"?|([^\s"]+)')
_REFERENCE = re.compile(r"[A-Z0-9]+(?:-[A-Z0-9]*)*")


@dataclass(frozen=True)
class SearchQuery:
    #: What was typed, tidied (control characters out, spaces collapsed): the box shows it again.
    text: str
    #: Each a run of words that must appear together; every one must match.
    phrases: tuple[tuple[str, ...], ...] = ()
    #: Why nothing was searched, in words for the page ("" when the search runs).
    problem: str = ""
    #: Words past SEARCH_MAX_WORDS were left out.
    shortened: bool = False

    @property
    def match(self) -> str:
        """The full-text query: every phrase double-quoted, so it is only ever words.

        FTS5 reads it as phrases all required; PostgreSQL's ``websearch_to_tsquery`` the same (a
        quoted "or" is a word, not an operator)."""
        return " ".join('"' + " ".join(phrase) + '"' for phrase in self.phrases)

    @property
    def words(self) -> list[str]:
        return [word for phrase in self.phrases for word in phrase]


def parse_query(raw: str | None) -> SearchQuery:
    """What was typed, as phrases of words; or the problem with it (never an exception)."""
    text = " ".join(_UNSEARCHED.sub(" ", raw or "").split())
    if len(text) > SEARCH_MAX_LENGTH:
        return SearchQuery(text=text[:SEARCH_MAX_LENGTH], problem=TOO_LONG)
    phrases, count, shortened = [], 0, False
    for quoted, bare in _CHUNK.findall(text):
        words = _WORD.findall((quoted or bare).casefold())
        if count + len(words) > SEARCH_MAX_WORDS:
            words, shortened = words[: SEARCH_MAX_WORDS - count], True
        if words:
            phrases.append(tuple(words))
            count += len(words)
    if text and not phrases:
        return SearchQuery(text=text, problem=NO_WORDS)
    if sum(len(word) for phrase in phrases for word in phrase) < SEARCH_MIN_LETTERS:
        return SearchQuery(text=text, problem=TOO_SHORT)
    return SearchQuery(text=text, phrases=tuple(phrases), shortened=shortened)


def reference_forms(query: SearchQuery, school_code: str) -> tuple[list[str], str]:
    """A case or concern number, whole or in part: the prefixes it may be (as typed, and with the
    school's code in front: "2026-0001" is "HTA-2026-0001"), and for a bare number the ending of
    the number it is ("12" is "…-0012"). Nothing for words that are not a number."""
    typed = query.text.upper().replace(" ", "").replace('"', "")
    if not _REFERENCE.fullmatch(typed) or not any(c.isdigit() for c in typed):
        return [], ""
    prefixes = [typed] if typed.startswith(f"{school_code.upper()}-") else [typed, f"{school_code.upper()}-{typed}"]
    ending = f"-{int(typed):04d}" if typed.isdigit() and len(typed) <= 6 else ""
    return prefixes, ending


# --- The search ---------------------------------------------------------------------------------------


@dataclass
class Hit:
    """What matched in one record: in words, and a snippet with the matching words marked."""

    kind: str
    label: str
    snippet: SafeString | str = ""


@dataclass
class CaseResult:
    case: Case
    hit: Hit


@dataclass
class ConcernResult:
    concern: Concern
    hit: Hit


@dataclass
class SearchResults:
    query: SearchQuery
    pupils: list[Pupil] = field(default_factory=list)
    cases: list[CaseResult] = field(default_factory=list)
    concerns: list[ConcernResult] = field(default_factory=list)
    #: Whether each group had more than it shows.
    more_pupils: bool = False
    more_cases: bool = False
    more_concerns: bool = False
    #: Whether this user is shown concerns at all (the school's DSLs).
    sees_concerns: bool = False

    @property
    def ran(self) -> bool:
        return not self.query.problem

    @property
    def count(self) -> int:
        return len(self.pupils) + len(self.cases) + len(self.concerns)


def highlight(snippet: str) -> SafeString:
    """The snippet HTML-escaped, then the database's marks made ``<mark>``: only the marks are markup."""
    text = snippet.replace(ANGLE_OPEN, "<").replace(ANGLE_CLOSE, ">")
    escaped = str(escape(" ".join(text.split())))
    marked = re.sub(f"{MARK_START}([^{MARK_START}{MARK_END}]*){MARK_END}", r"<mark>\1</mark>", escaped)
    return mark_safe(marked.replace(MARK_START, "").replace(MARK_END, ""))  # noqa: S308 - escaped above; only <mark> added


REFERENCE_LABEL = "Case number"
CONCERN_REFERENCE_LABEL = "Concern number"
KIND_LABELS = dict(SearchKind.choices)


def search(user, school: School, query: SearchQuery | str) -> SearchResults:
    """Search ``school`` for ``user``: only what the permission gateway lets them read.

    - Pupils: for the school's DSLs, deputies and head, any pupil of the school; for pastoral staff,
      only the pupils on cases assigned to them.
    - Cases: among ``cases_visible_to(user)`` at the school, by number and by the words of their
      summary, the child's account and notes.
    - Concerns: only for the school's DSLs and deputies (as ``get_concern_for_user``).
    """
    query = parse_query(query) if isinstance(query, str) else query
    results = SearchResults(query=query)
    roles = roles_at(user, school.pk)
    if query.problem or not roles & CASE_READING_ROLES:
        return results
    visible = cases_visible_at(user, school.pk)
    results.sees_concerns = bool(roles & SAFEGUARDING_LEADS)
    # The support view (issue 17): on a case they read that way, only notes shared with them or
    # their own are searched, and only the child supported is found or named.
    # In SQL as a subquery (a teacher may read hundreds of cases that way: lists of their ids made
    # every query long to send and to plan), and read once for the cases shown.
    support_ids = support_view_case_ids(user, visible) if Role.PASTORAL in roles and not roles & READS_ALL_CASES else None
    support = [row["case_id"] for row in support_ids] if support_ids is not None else []
    if not support:
        support_ids = None
    results.pupils, results.more_pupils = _pupils(
        school, query, visible, whole_school=bool(roles & READS_ALL_CASES), support_ids=support_ids
    )
    prefixes, ending = reference_forms(query, school.code)
    case_refs = _by_reference(visible, prefixes, ending) if prefixes else []
    concern_refs = (
        _by_reference(Concern.objects.filter(school=school).exclude(concerns_hidden_from(user)), prefixes, ending)
        if prefixes and results.sees_concerns
        else []
    )
    support_notes = (
        Note.objects.filter(case_id__in=support_ids).filter(Q(for_support=True) | Q(author=user)).values("pk")
        if support_ids is not None
        else None
    )
    case_hits, concern_hits, more_cases, more_concerns = _ranked(
        visible.exclude(pk__in=support_ids) if support_ids is not None else visible,
        school,
        query,
        with_concerns=results.sees_concerns,
        support_notes=support_notes,
    )

    hits, results.more_cases = _merge(case_refs, REFERENCE_LABEL, case_hits, more_cases)
    if hits:
        current = Prefetch(
            "children",
            queryset=CaseChild.objects.filter(removed_at__isnull=True).select_related("pupil").order_by("id"),
            to_attr="current_children",
        )
        # Read again through the gateway: what is shown is what this user may open.
        found = {case.pk: case for case in visible.filter(pk__in=hits).prefetch_related(current)}
        for pk in set(support) & set(found):
            children = found[pk].current_children
            named = set(children_supported([(c.pupil_id, c.part) for c in children]))
            found[pk].current_children = [c for c in children if c.pupil_id in named]
        results.cases = [CaseResult(found[pk], hit) for pk, hit in hits.items() if pk in found]
    hits, results.more_concerns = _merge(concern_refs, CONCERN_REFERENCE_LABEL, concern_hits, more_concerns)
    if hits:
        readable = Concern.objects.filter(school=school, pk__in=hits).exclude(concerns_hidden_from(user))
        found = {concern.pk: concern for concern in readable}
        results.concerns = [ConcernResult(found[pk], hit) for pk, hit in hits.items() if pk in found]
    return results


def _merge(by_number: list[int], label: str, by_words: list[tuple[int, Hit]], more: bool) -> tuple[dict[int, Hit], bool]:
    """Those found by their number first, then by their words (each once), at most SEARCH_LIMIT;
    and whether there were more."""
    hits: dict[int, Hit] = {pk: Hit("reference", label) for pk in by_number}
    for pk, hit in by_words:
        hits.setdefault(pk, hit)
    shown = dict(list(hits.items())[:SEARCH_LIMIT])
    return shown, more or len(hits) > SEARCH_LIMIT


def supported_pupils(case_ids) -> set[int]:
    """The children the support view of these cases names (``cases.rules.children_supported``)."""
    parts: dict[int, list[tuple[int, str]]] = {}
    rows = CaseChild.objects.filter(case_id__in=list(case_ids), removed_at__isnull=True).order_by("id")
    for case_id, pupil_id, part in rows.values_list("case_id", "pupil_id", "part"):
        parts.setdefault(case_id, []).append((pupil_id, part))
    return {pupil for found in parts.values() for pupil in children_supported(found)}


def _pupils(school: School, query: SearchQuery, visible, *, whole_school: bool, support_ids=None) -> tuple[list[Pupil], bool]:
    """Pupils whose first or last name holds every word, or whose UPN is what was typed (the rules
    of the pupil search). Pastoral staff find only the pupils on their cases, and on a case they
    read on the support view (``support_ids``) only the child supported."""
    matching = Pupil.objects.filter(school=school).filter(roll_match(query.text))
    pupils = matching
    if not whole_school:
        full = visible.exclude(pk__in=support_ids) if support_ids is not None else visible
        on_cases = Q(pk__in=CaseChild.objects.filter(case__in=full.values("pk"), removed_at__isnull=True).values("pupil_id"))
        if support_ids is not None:
            # Only the support-view cases a pupil of this name is on: which child each names.
            named_on = CaseChild.objects.filter(
                case_id__in=support_ids, removed_at__isnull=True, pupil__in=matching.values("pk")
            ).values_list("case_id", flat=True)
            pupils = pupils.filter(on_cases | Q(pk__in=supported_pupils(set(named_on))))
        else:
            pupils = pupils.filter(on_cases)
    found = list(
        pupils.annotate(has_cases=Exists(CaseChild.objects.filter(pupil=OuterRef("pk")))).order_by(
            "last_name", "first_name", "pk"
        )[: SEARCH_LIMIT + 1]
    )
    return found[:SEARCH_LIMIT], len(found) > SEARCH_LIMIT


def _by_reference(queryset, prefixes: list[str], ending: str) -> list[int]:
    """Ids of the rows whose number starts with one of ``prefixes`` or ends ``ending``: the exact
    number first, then the newest."""
    condition = Q()
    for prefix in prefixes:
        condition |= Q(reference__startswith=prefix)
    if ending:
        condition |= Q(reference__endswith=ending)
    rows = queryset.filter(condition).values_list("pk", "reference").order_by("-pk")[: SEARCH_LIMIT + 1]
    return [pk for pk, reference in sorted(rows, key=lambda row: row[1] not in prefixes)]


# The ranked text search. The scope is the compiled SQL of ``cases_visible_to`` (parameters
# bound, never pasted): case texts only of cases the user may read, concerns only for the DSLs.
# Ranked within the scope, one row per case or concern (its best text), then at most
# SEARCH_LIMIT per group with the group's size, and a snippet made only for the rows shown.

_RANKED_SQLITE = """
WITH scoped AS (
    SELECT e.id, e.case_id, e.concern_id, e.kind, bm25(cases_searchentry_fts) AS score
    FROM cases_searchentry_fts JOIN cases_searchentry e ON e.id = cases_searchentry_fts.rowid
    WHERE cases_searchentry_fts MATCH %s AND e.school_id = %s AND ({scope})
), best AS (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY case_id, concern_id ORDER BY score, id) AS n FROM scoped
), placed AS (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY case_id IS NULL ORDER BY score, id) AS place,
           COUNT(*) OVER (PARTITION BY case_id IS NULL) AS total
    FROM best WHERE n = 1
)
SELECT p.case_id, p.concern_id, p.kind, p.total,
       snippet(cases_searchentry_fts, 0, char(2), char(3), '…', 20)
FROM placed p JOIN cases_searchentry_fts ON cases_searchentry_fts.rowid = p.id
WHERE cases_searchentry_fts MATCH %s AND p.place <= %s
ORDER BY p.case_id IS NULL, p.place
"""

# ``%s::bigint``: the school's id sent as a small integer would compare int8 = int2, which btree_gin's
# int8 operator class does not have, and the (school_id, search_vector) index (migration 0018) would
# then find the word at every school of the trust and filter by school afterwards.
_RANKED_POSTGRESQL = """
WITH scoped AS (
    SELECT e.id, e.case_id, e.concern_id, e.kind,
           ts_rank(e.search_vector, websearch_to_tsquery('english', %s), 1) AS score
    FROM cases_searchentry e
    WHERE e.search_vector @@ websearch_to_tsquery('english', %s) AND e.school_id = %s::bigint AND ({scope})
), best AS (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY case_id, concern_id ORDER BY score DESC, id) AS n FROM scoped
), placed AS (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY case_id IS NULL ORDER BY score DESC, id) AS place,
           COUNT(*) OVER (PARTITION BY case_id IS NULL) AS total
    FROM best WHERE n = 1
)
SELECT p.case_id, p.concern_id, p.kind, p.total,
       ts_headline('english', translate(e.text, '<>', %s), websearch_to_tsquery('english', %s), %s)
FROM placed p JOIN cases_searchentry e ON e.id = p.id
WHERE p.place <= %s
ORDER BY p.case_id IS NULL, p.place
"""

_HEADLINE_OPTIONS = (
    f'StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=24, MinWords=10, MaxFragments=2, FragmentDelimiter=" … "'
)


def _ranked(visible, school: School, query: SearchQuery, *, with_concerns: bool, support_notes=None):
    """``(case hits, concern hits, more cases, more concerns)``, best first, in one query.
    ``support_notes``: the notes searched on cases read on the support view (nothing else of them)."""
    scopes, params = [], []
    if not visible.query.is_empty():
        sql, scope_params = visible.order_by().values("pk").query.sql_with_params()
        scopes.append(f"e.case_id IN ({sql})")
        params += scope_params
    if support_notes is not None:
        sql, note_params = support_notes.order_by().query.sql_with_params()
        scopes.append(f"(e.kind = %s AND e.source_id IN ({sql}))")
        params += [SearchKind.NOTE, *note_params]
    if with_concerns:
        scopes.append("e.concern_id IS NOT NULL")
    if not scopes:
        return [], [], False, False
    scope = " OR ".join(scopes)
    match = query.match
    if connection.vendor == "postgresql":
        sql = _RANKED_POSTGRESQL.format(scope=scope)
        args = [match, match, school.pk, *params, ANGLE_OPEN + ANGLE_CLOSE, match, _HEADLINE_OPTIONS, SEARCH_LIMIT]
    else:
        sql = _RANKED_SQLITE.format(scope=scope)
        args = [match, school.pk, *params, match, SEARCH_LIMIT]
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        rows = cursor.fetchall()
    cases, concerns, case_total, concern_total = [], [], 0, 0
    for case_id, concern_id, kind, total, snippet in rows:
        hit = Hit(kind, KIND_LABELS.get(kind, kind), highlight(snippet or ""))
        if case_id is not None:
            cases.append((case_id, hit))
            case_total = total
        else:
            concerns.append((concern_id, hit))
            concern_total = total
    return cases, concerns, case_total > len(cases), concern_total > len(concerns)
