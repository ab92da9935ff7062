"""seed_scale: realistic fictional data in bulk, with an intact audit chain; never in production."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from cases.models import Assessment, Case, CaseAssignment, CaseStatusChange, CaseUserObjectPermission, Note
from referrals.models import ChildVoice, ParentContact, Step
from safeguard.audit import verify_chain
from safeguard.models import AuditEvent, School


def test_small_scale_data_is_consistent_and_its_audit_chain_verifies(db):
    call_command("seed_scale", schools=2, pupils=40, cases=30, steps=150, events=500, years=2, stdout=None)
    assert School.objects.filter(code__startswith="SC").count() == 2
    assert Case.objects.count() == 30 and AuditEvent.objects.count() == 500
    assert 120 <= Step.objects.count() <= 180  # about five steps a case
    # Each case's outcome is the one the criteria engine gave its own stored facts.
    for case in Case.objects.select_related("current_assessment"):
        assert case.current_assessment is not None and case.outcome == case.current_assessment.outcome
    assert Assessment.objects.count() == 30
    # Pastoral staff are assigned only to cases of their own school.
    for grant in CaseUserObjectPermission.objects.select_related("content_object", "user"):
        assert grant.user.roles.filter(school_id=grant.content_object.school_id, role="pastoral").exists()
    # Each pastoral permission has the assignment the case page lists, as case_assign writes both.
    assert CaseAssignment.objects.count() == CaseUserObjectPermission.objects.count() > 0
    for assignment in CaseAssignment.objects.all():
        assert CaseUserObjectPermission.objects.filter(content_object=assignment.case, user=assignment.user).exists()
    # Each step has the history the services would have written, ending in its present state.
    for step in Step.objects.prefetch_related("events"):
        events = sorted(step.events.all(), key=lambda e: (e.at, e.pk))
        assert events and events[0].summary.startswith("Suggested") and events[-1].to_state == step.state
    # Closed cases say when and why; the chronology reads them all.
    assert CaseStatusChange.objects.count() == Case.objects.filter(status="closed").count()
    assert Note.objects.exists() and ChildVoice.objects.exists() and ParentContact.objects.exists()
    assert verify_chain().ok
    with pytest.raises(CommandError, match="already in this database"):
        call_command("seed_scale", schools=1, pupils=1, cases=0, steps=0, events=0)


def test_seed_scale_refuses_production_settings(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(SystemExit, match="production"):
        call_command("seed_scale", schools=1, pupils=1, cases=0, steps=0, events=0)
    assert not School.objects.exists()
