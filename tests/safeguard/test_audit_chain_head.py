"""The chain head is read from the chain's own index however the rest of the log lies (issue 22).

Asked plainly for "this school's events, newest id first", PostgreSQL walked the whole log's
primary key backwards until it met one of the school's events: at ten times a trust, a school whose
last event lay twenty million rows back took seconds under the chain's lock, and every case view
there timed out. These tests hold ``chain_head`` to the right answer and, on PostgreSQL, to a plan
that can only come from ``audit_chain_head_idx``."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safeguard.audit import audit_record, chain_head
from safeguard.models import AuditEvent
from tests.conftest import require_service

pytestmark = pytest.mark.django_db


def test_the_head_is_each_chains_last_event(school, other_school, dsl):
    assert chain_head(school.pk) is None
    first = audit_record(actor=dsl, action="cases.case.viewed", obj=("cases.case", "1"), school=school)
    for n in range(5):  # the other school writes after it: the first school's head lies further back
        audit_record(actor=dsl, action="cases.case.viewed", obj=("cases.case", str(n)), school=other_school)
    nowhere = audit_record(actor=dsl, action="safeguard.login.failed", school=None)
    assert chain_head(school.pk) == (first.pk, first.hash)
    last = AuditEvent.objects.filter(school=other_school).order_by("-id").first()
    assert chain_head(other_school.pk) == (last.pk, last.hash)
    assert chain_head(None) == (nowhere.pk, nowhere.hash)


@pytest.mark.parametrize("which", ["school", "none"])
def test_the_head_is_read_from_the_chains_index(school, other_school, dsl, which):
    if connection.vendor != "postgresql":
        require_service("PostgreSQL", False, "DATABASE_URL does not name a PostgreSQL database")
    audit_record(actor=dsl, action="cases.case.viewed", obj=("cases.case", "1"), school=school)
    audit_record(actor=dsl, action="safeguard.login.failed", school=None)
    with CaptureQueriesContext(connection) as captured:
        chain_head(school.pk if which == "school" else None)
    (query,) = captured.captured_queries
    with connection.cursor() as cursor:
        # Forbid reading the table whole (cheapest for a test's few rows): what is left shows which
        # index the query can be answered from. The plain query took the primary key here.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + query["sql"])
        plan = json.dumps(cursor.fetchone()[0])
    assert "audit_chain_head_idx" in plan and "safeguard_auditevent_pkey" not in plan, plan
