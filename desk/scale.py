"""A trust's worth of fictional data, built with bulk inserts: ``manage.py seed_scale``.

Shapes follow real use, not uniform noise: cases spread over years with most closed, the four
kinds of harassment in several combinations, children aged 11 to 18 on the incident date, some
with vulnerability flags; each case assessed by the real criteria engine on its own facts (so
outcomes, met criteria and their reasons are what Safeguard would have recorded); steps on the
routes the guidance names, in states that fit the case's age, each with the history of events
that brought it there; pastoral staff assigned to cases (the assignment and guardian's object
permission) with actions; notes, the child's voice, contact with parents and closures, so a case
page is as long as a real one; and an audit log in time order whose keyed hash chains (one per
school) ``verify_audit`` accepts.

Everything is fictional: names are made from syllables, addresses end in ``.example``.
Rows go in through ``bulk_create`` (and PostgreSQL's COPY for the audit log), never one by one.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from cases import criteria
from cases.access import VIEW_CASE_PERMISSION
from cases.criteria import Outcome
from cases.models import (
    Assessment,
    Case,
    CaseAssignment,
    CaseChild,
    CasePlatform,
    CaseStatusChange,
    CaseUserObjectPermission,
    Decision,
    DecisionChoice,
    Disclosure,
    Note,
    Pupil,
    SearchEntry,
)
from cases.search import case_entry, note_entry
from desk.demo.people import birth_range_for_year_group
from referrals.models import Action, ChildVoice, ParentContact, Route, Step, StepEvent
from safeguard.audit import ChainSealer
from safeguard.models import AuditEvent, School, StaffRole, Trust, User

LONDON = ZoneInfo("Europe/London")
SCALE_TRUST = "Scale Trust (fictional)"
FIRST = ("Ari", "Bel", "Cor", "Dai", "Eli", "Fen", "Gus", "Hal", "Ila", "Jax", "Kit", "Lor", "Mae", "Nye", "Oli", "Pip")
FIRST_END = ("a", "an", "en", "ie", "o", "on", "us", "yn")
LAST = ("Ash", "Birch", "Cole", "Dale", "Elm", "Fair", "Glen", "Holt", "Ivy", "Lark", "Moss", "Oak", "Reed", "Vale", "Wren")
LAST_END = ("by", "croft", "field", "ford", "ley", "more", "ton", "wood")
PLATFORMS = ("Snapchat", "Instagram", "WhatsApp", "TikTok", "Discord", "YouTube", "Roblox", "Telegram")
KIND_FIELDS = ("kind_image_sharing", "kind_exploitation", "kind_sexualised_bullying", "kind_unwanted_sexualisation")
METHODS = ("in_person", "in_person", "in_person", "in_writing", "through_friend", "through_parent", "staff_noticed")
STAFF_SHAPE = (("dsl", 1), ("deputy_dsl", 1), ("head", 1), ("it_admin", 1), ("pastoral", 8), ("staff", 6))
#: The child's account, by the first kind of harassment the case is (so a search for a word finds
#: some accounts, not all or none). Fictional, as everything here.
ACCOUNTS = {
    "kind_image_sharing": "Fictional account for scale testing: a picture of me was shared in a group chat on {platform}.",
    "kind_exploitation": "Fictional account for scale testing: someone on {platform} says they will post my pictures unless I send more.",
    "kind_sexualised_bullying": "Fictional account for scale testing: people in my year keep calling me names on {platform}.",
    "kind_unwanted_sexualisation": "Fictional account for scale testing: an older pupil keeps asking me for pictures on {platform}.",
}
CHANGE_ACTIONS = (
    "cases.note.added",
    "cases.disclosure.facts_changed",
    "cases.decision.recorded",
    "referrals.step.made",
    "referrals.step.accepted",
    "referrals.action.completed",
    "cases.case.reviewed",
)


@dataclass(frozen=True)
class ScaleSpec:
    schools: int = 30
    pupils: int = 30_000
    cases: int = 20_000
    steps: int = 100_000
    events: int = 2_000_000
    years: int = 5
    seed: int = 2026


@dataclass
class Built:
    schools: list
    users: dict  # email -> User
    counts: dict


def _name(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST) + rng.choice(FIRST_END), rng.choice(LAST) + rng.choice(LAST_END)


def _batches(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class ScaleBuilder:
    def __init__(self, spec: ScaleSpec, *, password: str, now: datetime | None = None, say: Callable[[str], None] = print):
        self.spec = spec
        self.rng = random.Random(spec.seed)  # noqa: S311 - repeatable fictional data, not secrets
        self.now = now or timezone.now()
        self.today = self.now.astimezone(LONDON).date()
        self.password = password
        self.say = say
        self.counts: dict[str, int] = {}
        self._clock = time.perf_counter()

    def _done(self, what: str, n: int) -> None:
        self.counts[what] = n
        now = time.perf_counter()
        self.say(f"  {n:>9,} {what} ({now - self._clock:.1f} s)")
        self._clock = now

    # --- People ------------------------------------------------------------------------------------

    def people(self):

        trust = Trust.objects.create(name=SCALE_TRUST)
        schools = School.objects.bulk_create(
            School(trust=trust, name=f"Scale School {n:02d} (fictional)", code=f"SC{n:02d}")
            for n in range(1, self.spec.schools + 1)
        )
        hashed = make_password(self.password)  # one hash for every account: bulk, not 700 hashings
        users, roles = [], []
        for school in schools:
            for role, count in STAFF_SHAPE:
                for n in range(count):
                    first, last = _name(self.rng)
                    user = User(
                        email=f"{role.replace('_', '')}{n or ''}@{school.code.lower()}.scale.example",
                        full_name=f"{first} {last}",
                        password=hashed,
                    )
                    users.append(user)
                    roles.append((user, school, role))
        User.objects.bulk_create(users, batch_size=2000)
        StaffRole.objects.bulk_create(
            (StaffRole(user=user, school=school, role=role) for user, school, role in roles), batch_size=2000
        )
        self.schools = schools
        self.users = {user.email: user for user in users}
        self.staff = {school.pk: {} for school in schools}
        for user, school, role in roles:
            self.staff[school.pk].setdefault(role, []).append(user)
        self._done("staff accounts", len(users))

    # --- Pupils ------------------------------------------------------------------------------------

    def pupils(self):

        per_school = max(self.spec.pupils // len(self.schools), 1)
        rows = []
        for index, school in enumerate(self.schools):
            for n in range(per_school):
                first, last = _name(self.rng)
                year_group = 7 + n % 7
                earliest, latest = birth_range_for_year_group(year_group, self.today)
                born = earliest + timedelta(days=self.rng.randint(0, (latest - earliest).days))
                rows.append(
                    Pupil(
                        school=school,
                        upn=f"S{index:03d}{n:09d}",
                        first_name=first,
                        last_name=last,
                        date_of_birth=born,
                        year_group=year_group,
                        child_protection_plan=self.rng.random() < 0.02,
                        child_in_need_plan=self.rng.random() < 0.03,
                        looked_after=self.rng.random() < 0.01,
                        open_to_social_care=self.rng.random() < 0.03,
                        known_to_police=self.rng.random() < 0.01,
                    )
                )
        Pupil.objects.bulk_create(rows, batch_size=5000)
        self.pupils_by_school: dict[int, list] = {}
        for pupil in rows:
            self.pupils_by_school.setdefault(pupil.school_id, []).append(pupil)
        self._done("pupils", len(rows))

    # --- Cases, disclosures, assessments, decisions ----------------------------------------------------

    def _facts(self, case_row: dict) -> criteria.Facts:
        children = tuple(
            criteria.ChildFacts(
                label=f"{pupil.first_name} {pupil.last_name}",
                part=part,
                date_of_birth=pupil.date_of_birth,
                vulnerabilities=tuple(pupil.vulnerabilities()),
            )
            for pupil, part in case_row["children"]
        )
        return criteria.Facts(
            incident_date=case_row["incident"],
            answers={code: criteria.Answer(value) for code, value in case_row["answers"].items()},
            children=children,
            unidentified_children=case_row["unidentified"],
            adult_involvement=criteria.Adult(case_row["adult"]),
            imagery=criteria.Imagery(case_row["imagery"]),
            imagery_kinds=frozenset(criteria.ImageryKind(k) for k in case_row["imagery_kinds"]),
        )

    def cases(self):

        rng, span = self.rng, timedelta(days=365 * self.spec.years)
        numbers: dict[tuple[int, int], int] = {}
        plan = []
        for _ in range(self.spec.cases):
            school = rng.choice(self.schools)
            # More recent years hold more cases (use grows); a few weeks' worth are still open.
            disclosed = self.now - span * (rng.random() ** 1.4)
            created = disclosed + timedelta(minutes=rng.uniform(10, 600))
            open_ = (self.now - created) < timedelta(days=45) or rng.random() < 0.01
            year = created.astimezone(LONDON).year
            numbers[(school.pk, year)] = numbers.get((school.pk, year), 0) + 1
            pupils = self.pupils_by_school[school.pk]
            chosen = rng.sample(pupils, rng.choice((1, 1, 1, 2, 2, 3)))
            parts = ["harmed"] + [rng.choice(("harmed_others", "witness", "shared_content", "harmed")) for _ in chosen[1:]]
            imagery = rng.choices(("none", "some", "unknown"), (55, 35, 10))[0]
            kinds = {name: rng.random() < share for name, share in zip(KIND_FIELDS, (0.3, 0.15, 0.35, 0.5), strict=True)}
            if not any(kinds.values()):
                kinds["kind_unwanted_sexualisation"] = True
            plan.append(
                {
                    "school": school,
                    "disclosed": disclosed,
                    "created": created,
                    "open": open_,
                    "reference": f"{school.code}-{year}-{numbers[(school.pk, year)]:04d}",
                    "children": list(zip(chosen, parts, strict=True)),
                    "incident": (disclosed - timedelta(days=rng.randint(0, 20))).astimezone(LONDON).date(),
                    "answers": {
                        code: rng.choices(("yes", "no", "unknown"), weights)[0]
                        for code, weights in (("C1", (8, 85, 7)), ("C2", (6, 88, 6)), ("C4", (10, 82, 8)), ("C6", (4, 92, 4)))
                    },
                    "unidentified": rng.choices((0, 0, 0, 1, 2, 6), k=1)[0],
                    "adult": rng.choices(("none", "unknown", "stranger", "known_adult", "staff"), (70, 12, 12, 5, 1))[0],
                    "imagery": imagery,
                    "imagery_kinds": (
                        rng.sample(("nude_u18", "crime_recording", "other"), rng.randint(1, 2)) if imagery == "some" else []
                    ),
                    "kinds": kinds,
                    "platforms": rng.sample(PLATFORMS, rng.randint(1, 2)),
                }
            )
        plan.sort(key=lambda row: row["created"])
        recorders = {school.pk: self.staff[school.pk]["dsl"] + self.staff[school.pk]["deputy_dsl"] for school in self.schools}
        cases = []
        for row in plan:
            recorder = rng.choice(recorders[row["school"].pk])
            row["recorder"] = recorder
            closed_at = row["created"] + timedelta(days=rng.uniform(3, 40)) if not row["open"] else None
            cases.append(
                Case(
                    school=row["school"],
                    reference=row["reference"],
                    status="open" if row["open"] else "closed",
                    summary="Fictional case for scale testing: requests for images between pupils.",
                    created_by=recorder,
                    created_at=row["created"],
                    updated_at=closed_at or row["created"],
                    review_due=(row["created"] + timedelta(days=14)).astimezone(LONDON).date() if row["open"] else None,
                    closure_summary=""
                    if row["open"]
                    else "Support in place; platforms removed the content; child and parents content.",
                    closed_at=closed_at,
                    closed_by=recorder if closed_at else None,
                )
            )
        for batch in _batches(cases, 2000):
            Case.objects.bulk_create(batch)
        for school in self.schools:
            used = max((n for (school_id, _year), n in numbers.items() if school_id == school.pk), default=0)
            School.objects.filter(pk=school.pk).update(next_case_number=used + 1)
        self._done("cases", len(cases))

        disclosures, children, platforms, assessments = [], [], [], []
        for case, row in zip(cases, plan, strict=True):
            disclosures.append(
                Disclosure(
                    case=case,
                    disclosed_at=row["disclosed"],
                    method=rng.choice(METHODS),
                    disclosed_to="Form tutor",
                    child_account=ACCOUNTS[next(k for k in KIND_FIELDS if row["kinds"][k])].format(platform=row["platforms"][0]),
                    incident_date=row["incident"],
                    adult_involvement=row["adult"],
                    imagery=row["imagery"],
                    imagery_nude_u18="nude_u18" in row["imagery_kinds"],
                    imagery_crime_recording="crime_recording" in row["imagery_kinds"],
                    imagery_other="other" in row["imagery_kinds"],
                    imagery_description="Described by the child; not seen by staff." if row["imagery"] == "some" else "",
                    answer_c1=row["answers"]["C1"],
                    answer_c2=row["answers"]["C2"],
                    answer_c4=row["answers"]["C4"],
                    answer_c6=row["answers"]["C6"],
                    unidentified_children=row["unidentified"],
                    **row["kinds"],
                )
            )
            for pupil, part in row["children"]:
                children.append(CaseChild(case=case, pupil=pupil, part=part, added_at=row["created"], added_by=row["recorder"]))
            for name in row["platforms"]:
                platforms.append(CasePlatform(case=case, name=name, added_at=row["created"]))
            facts = self._facts(row)
            result = criteria.assess(facts)
            row["outcome"] = str(result.outcome)
            assessments.append(
                Assessment(
                    case=case,
                    created_at=row["created"],
                    trigger="recorded",
                    actor=row["recorder"],
                    ruleset_version=result.ruleset_version,
                    outcome=str(result.outcome),
                    complete=result.complete,
                    met=list(result.met),
                    facts=criteria.facts_to_dict(facts),
                    result=result.to_dict(),
                )
            )
        for model, rows in (
            (Disclosure, disclosures),
            (CaseChild, children),
            (CasePlatform, platforms),
            (Assessment, assessments),
        ):
            for batch in _batches(rows, 2000):
                model.objects.bulk_create(batch)
        self._done("disclosures (with children and platforms)", len(disclosures))
        # What case_create and disclosure_record index, in bulk: the database indexes the words
        # itself (PostgreSQL's generated tsvector, SQLite's FTS5 triggers).
        entries = [case_entry(case, "summary", case.summary) for case in cases]
        entries += [case_entry(d.case, "child_account", d.child_account) for d in disclosures]
        for batch in _batches(entries, 2000):
            SearchEntry.objects.bulk_create(batch)
        self._done("search index entries (summaries and accounts)", len(entries))
        self._done("assessments by the criteria engine", len(assessments))
        # The case keeps its latest outcome beside it, so lists need no join.
        Case.objects.bulk_update(
            [Case(pk=c.pk, outcome=a.outcome, current_assessment_id=a.pk) for c, a in zip(cases, assessments, strict=True)],
            ["outcome", "current_assessment"],
            batch_size=2000,
        )
        decisions = []
        for case, row, assessment in zip(cases, plan, assessments, strict=True):
            if assessment.outcome == Outcome.PROVISIONAL and row["open"] and rng.random() < 0.5:
                continue  # still waiting for answers
            required = assessment.outcome == Outcome.REQUIRED
            refer = required != (rng.random() < 0.06)  # a few decisions go against the criteria
            differs = refer != required
            decisions.append(
                Decision(
                    case=case,
                    decision=DecisionChoice.REFER if refer else DecisionChoice.NOT_REFER,
                    rationale=("Fictional rationale: discussed with the local authority designated officer." if differs else ""),
                    assessment=assessment,
                    assessment_outcome=assessment.outcome,
                    differs_from_assessment=differs,
                    made_by=row["recorder"],
                    made_at=row["created"] + timedelta(hours=rng.uniform(0.2, 30)),
                )
            )
            row["refer"] = refer
        for batch in _batches(decisions, 2000):
            Decision.objects.bulk_create(batch)
        self._done("decisions", len(decisions))
        self.cases_built, self.plan = cases, plan

    # --- Steps, assignments, actions ---------------------------------------------------------------

    def steps(self):

        rng = self.rng
        routes = {route.code: route for route in Route.objects.all()}
        per_case = self.spec.steps / max(len(self.cases_built), 1)
        steps, actions, grants, assignments = [], [], [], []
        from django.contrib.auth.models import Permission

        view = Permission.objects.get(codename=VIEW_CASE_PERMISSION, content_type__app_label="cases")
        assigned: set[tuple[int, int]] = set()
        for case, row in zip(self.cases_built, self.plan, strict=True):
            codes = ["R6", "R1"]
            if row.get("refer"):
                codes.append("R7")
            if row["imagery"] == "some":
                codes += ["R3", "R4"]
            if row["adult"] in ("stranger", "known_adult"):
                codes.append("R5")
            if row["adult"] == "staff" or rng.random() < 0.2:
                codes.append("R8")
            codes += [code for code in ("R2", "P1") if rng.random() < 0.5]
            want = max(1, round(per_case + rng.uniform(-1.5, 1.5)))
            codes = (codes + [rng.choice(("R6", "P1", "R2")) for _ in range(want)])[:want]
            owner = row["recorder"]
            for position, code in enumerate(codes):
                created = row["created"] + timedelta(minutes=5 + position)
                due = (created + timedelta(days=rng.choice((0, 1, 2, 5, 10)))).astimezone(LONDON).date()
                if row["open"]:
                    state = rng.choices(("todo", "made", "acknowledged", "closed", "suggested"), (45, 20, 15, 15, 5))[0]
                else:
                    state = rng.choices(("closed", "not_needed"), (85, 15))[0]
                made = created + timedelta(hours=rng.uniform(1, 72)) if state in ("made", "acknowledged", "closed") else None
                steps.append(
                    Step(
                        case=case,
                        route=routes[code],
                        state=state,
                        origin="automatic" if code == "R7" else "suggested",
                        reason="Suggested from the facts recorded.",
                        position=position,
                        owner=owner if state != "suggested" else None,
                        due_date=due if state != "suggested" else None,
                        made_at=made,
                        made_how="online" if made else "",
                        made_by=owner if made else None,
                        reference=f"REF-{rng.randint(100000, 999999)}" if made else "",
                        acknowledged_at=made + timedelta(hours=6) if made and state in ("acknowledged", "closed") else None,
                        closed_at=made + timedelta(days=2) if state == "closed" else None,
                        not_needed_reason="Not needed: covered by another route." if state == "not_needed" else "",
                        created_at=created,
                        created_by=owner,
                    )
                )
            # Pastoral staff: most cases get one or two assigned, with an action each.
            pastoral = self.staff[case.school_id]["pastoral"]
            for teacher in rng.sample(pastoral, rng.choice((0, 1, 1, 2))):
                if (teacher.pk, case.pk) in assigned:
                    continue
                assigned.add((teacher.pk, case.pk))
                grants.append(CaseUserObjectPermission(permission=view, user=teacher, content_object=case))
                # As case_assign does: the assignment the case page lists, beside the permission.
                assignments.append(
                    CaseAssignment(case=case, user=teacher, assigned_by=owner, assigned_at=row["created"] + timedelta(minutes=25))
                )
                done = not row["open"] or rng.random() < 0.4
                actions.append(
                    Action(
                        case=case,
                        title="Check in with the pupil and record how they are",
                        owner=teacher,
                        due_date=(row["created"] + timedelta(days=rng.randint(1, 7))).astimezone(LONDON).date(),
                        status="done" if done else "open",
                        done_at=row["created"] + timedelta(days=3) if done else None,
                        done_note="Pupil seen; support plan in place." if done else "",
                        finished_by=teacher if done else None,
                        created_by=owner,
                        created_at=row["created"] + timedelta(minutes=30),
                    )
                )
        for model, rows in ((Step, steps), (CaseUserObjectPermission, grants), (CaseAssignment, assignments), (Action, actions)):
            for batch in _batches(rows, 5000):
                model.objects.bulk_create(batch)
        self._done("referral steps", len(steps))
        self._done("pastoral assignments (with object permissions)", len(grants))
        self._done("pastoral actions", len(actions))
        self.steps_built = steps

    # --- What a case gathers as it is worked: step history, notes, the child's voice, parents ------

    def records(self):
        """The rows the services write as a case is worked, so a case page and its chronology are as
        long as a real one: each step's history (suggested, accepted, made, acknowledged, closed),
        notes, the child's voice, contact with parents, and the closure of closed cases."""

        rng = self.rng
        plan_by_case = {case.pk: row for case, row in zip(self.cases_built, self.plan, strict=True)}
        events = []
        for step in self.steps_built:
            title, by = step.title, plan_by_case[step.case_id]["recorder"]

            def event(from_state, to_state, summary, at, detail="", step=step, by=by):
                events.append(
                    StepEvent(
                        step=step,
                        case_id=step.case_id,
                        from_state=from_state,
                        to_state=to_state,
                        summary=summary,
                        detail=detail,
                        at=at,
                        by=by,
                    )
                )

            event("", "suggested", f"Suggested: {title}", step.created_at, step.reason)
            if step.state == "suggested":
                continue
            accepted = step.created_at + timedelta(minutes=1)
            if step.state == "not_needed":
                event("suggested", "not_needed", f"Not needed: {title}", accepted, step.not_needed_reason)
                continue
            event("suggested", "todo", f"Accepted: {title}, owned by {by.full_name}, due {step.due_date:%d %b %Y}", accepted)
            if step.made_at:
                event("todo", "made", f"Made: {title}", step.made_at, f"Online; reference {step.reference}")
            if step.acknowledged_at:
                event("made", "acknowledged", f"Acknowledged: {title}", step.acknowledged_at)
            if step.closed_at:
                event("acknowledged", "closed", f"Closed: {title}", step.closed_at)
        notes, voices, parents, closures = [], [], [], []
        for case, row in zip(self.cases_built, self.plan, strict=True):
            recorder, created = row["recorder"], row["created"]
            for n in range(rng.choice((0, 1, 1, 2, 3))):
                notes.append(
                    Note(
                        case=case,
                        text="Fictional note for scale testing: spoke with the form tutor; pupil settled in lessons.",
                        author=recorder,
                        created_at=created + timedelta(hours=2 + 20 * n),
                    )
                )
            harmed = row["children"][0][0]
            if rng.random() < 0.75:
                voices.append(
                    ChildVoice(
                        case=case,
                        pupil=harmed,
                        told_at=created + timedelta(hours=3),
                        told_by="Designated Safeguarding Lead",
                        views="Fictional: wants the pictures gone and does not want friends to find out.",
                        questions="Fictional: will my parents be told? Answered: yes, and why.",
                        next_steps="Fictional: told which reports the school would make, and when we would meet again.",
                        recorded_by=recorder,
                        recorded_at=created + timedelta(hours=3, minutes=10),
                    )
                )
            if rng.random() < 0.85:
                informed = rng.random() < 0.9
                parents.append(
                    ParentContact(
                        case=case,
                        pupil=harmed,
                        informed=informed,
                        who="Parent (fictional)" if informed else "",
                        contacted_at=created + timedelta(hours=5) if informed else None,
                        contacted_by="Designated Safeguarding Lead" if informed else "",
                        response="Fictional: supportive; will check the phone settings at home." if informed else "",
                        not_informed_reason="" if informed else "Fictional: informing them would put the child at risk.",
                        recorded_by=recorder,
                        recorded_at=created + timedelta(hours=5, minutes=10),
                    )
                )
            if case.closed_at:
                closures.append(
                    CaseStatusChange(
                        case=case,
                        from_status="open",
                        to_status="closed",
                        reason=case.closure_summary,
                        by=recorder,
                        at=case.closed_at,
                    )
                )
        for model, rows in (
            (StepEvent, events),
            (Note, notes),
            (ChildVoice, voices),
            (ParentContact, parents),
            (CaseStatusChange, closures),
        ):
            for batch in _batches(rows, 5000):
                model.objects.bulk_create(batch)
        self._done("step history events", len(events))
        self._done("notes", len(notes))
        entries = [note_entry(note) for note in notes]
        for batch in _batches(entries, 5000):
            SearchEntry.objects.bulk_create(batch)
        self._done("search index entries (notes)", len(entries))
        self._done("records of the child's voice", len(voices))
        self._done("records of contact with parents", len(parents))
        self._done("closures", len(closures))

    # --- The audit log -------------------------------------------------------------------------------

    def audit(self):
        """Events in time order with valid keyed chains, one per school, as audit_record would have written them."""

        rng, total = self.rng, self.spec.events
        cases = self.cases_built
        if not total or not cases:
            return
        readers = {
            school.pk: [u for role in ("dsl", "deputy_dsl", "head", "pastoral") for u in self.staff[school.pk][role]]
            for school in self.schools
        }
        created = [case.created_at for case in cases]
        # Each event is about a case, at or after its creation, mostly in the weeks that follow.
        stamps = []
        for _ in range(total):
            index = rng.randrange(len(cases))
            case = cases[index]
            when = created[index] + timedelta(hours=rng.expovariate(1 / 120))
            if when > self.now:
                when = self.now - timedelta(seconds=rng.uniform(0, 86400))
            stamps.append((when, index))
        stamps.sort(key=lambda item: item[0])
        # Rows go in in the order they are sealed, so each chain's ids rise as audit_record's would.
        chains = ChainSealer()
        postgres = connection.vendor == "postgresql"
        columns = (
            "prev_hash", "hash", "occurred_at", "actor_id", "school_id", "action", "object_type", "object_id", "ip_address", "request_id", "extra",
        )  # fmt: skip
        batch: list[tuple] = []

        def flush() -> None:
            if not batch:
                return
            with transaction.atomic():
                if postgres:
                    table = AuditEvent._meta.db_table
                    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                        for row in batch:
                            copy.write_row(row[:-1] + (json.dumps(row[-1]),))
                else:
                    AuditEvent.objects.bulk_create(
                        [AuditEvent(**dict(zip(columns, row, strict=True))) for row in batch], batch_size=2000
                    )
            batch.clear()

        for when, index in stamps:
            case = cases[index]
            actor = rng.choice(readers[case.school_id])
            action = "cases.case.viewed" if rng.random() < 0.8 else rng.choice(CHANGE_ACTIONS)
            fields = {
                "occurred_at": when.astimezone(UTC),
                "actor_id": actor.pk,
                "school_id": case.school_id,
                "action": action,
                "object_type": "cases.case",
                "object_id": str(case.pk),
                "ip_address": f"10.{case.school_id % 250}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                "request_id": f"{rng.getrandbits(64):016x}",
                "extra": {},
            }
            prev, digest = chains.seal(**fields)
            batch.append((prev, digest, *fields.values()))
            if len(batch) >= 20_000:
                flush()
        flush()
        self._done("audit events (hash-chained)", total)

    def build(self) -> Built:
        with transaction.atomic():
            self.people()
            self.pupils()
            self.cases()
            self.steps()
            self.records()
        self.audit()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        return Built(schools=self.schools, users=self.users, counts=self.counts)
