"""The search index: a copy of every searchable text, kept by the services that write the text.

One row per text (a case's summary, the child's account, a note, a concern), re-written when the
text is corrected, so search finds what the record says now; the earlier text stays in the record
(``Correction``) but is no longer found. ``cases.search`` writes and reads it.

The full-text index over ``text`` is the database's own, made by migration 0009 and unknown to
the ORM (a generated column cannot be declared for one database and not the other):

- PostgreSQL: the column ``search_vector``, generated ``to_tsvector('english', text)``, with a GIN
  index on ``(school_id, search_vector)`` (btree_gin, migration 0018: one school's entries are
  found inside the index). Every insert and update keeps it right, bulk ones included.
- SQLite: the FTS5 table ``cases_searchentry_fts`` over this table (external content), kept in
  step by three triggers. A later migration that makes Django rebuild this table on SQLite (most
  column changes do) drops those triggers: it must create them again (``SQLITE_TRIGGERS`` in 0009).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from cases.models.cases import Case
from cases.models.concerns import Concern
from safeguard.models import School


class SearchKind(models.TextChoices):
    """What a text is, and the words the results use for it."""

    SUMMARY = "summary", "Summary of the concern"
    ACCOUNT = "account", "The child's account"
    NOTE = "note", "Note"
    CONCERN = "concern", "Concern as raised"


class SearchEntry(models.Model):
    """One searchable text of a case (summary, account, note) or of a concern."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    # A copy of the record's text: when a record goes, so does its copy.
    case = models.ForeignKey(Case, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=20, choices=SearchKind.choices)
    #: The id of the row the text is from: the case (summary, account), the note or the concern.
    source_id = models.PositiveBigIntegerField()
    text = models.TextField()
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "source_id"], name="search_entry_one_per_text"),
            # A case's text or a concern's, never both: concerns are for the DSLs alone.
            models.CheckConstraint(
                condition=models.Q(case__isnull=False, concern__isnull=True) | models.Q(case__isnull=True, concern__isnull=False),
                name="search_entry_case_or_concern",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.source_id}"
