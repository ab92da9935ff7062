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
On PostgreSQL every row goes in through COPY (ids are reserved from each table's sequence first,
so rows that point at each other are built before either is written), and the audit log is
hashed and loaded by two processes at once, a school's chain in one of them, with the log's
indexes built once at the end; elsewhere (SQLite, the tests) through ``bulk_create``. Never one by
one. ``--scale 10`` (300 schools, 200,000 cases, 20,000,000 audit events) takes minutes.
"""

from __future__ import annotations

import multiprocessing
import operator
import os
import random
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import DatabaseError, connection, connections, transaction
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
    Concern,
    Decision,
    DecisionChoice,
    Disclosure,
    Note,
    Pupil,
    SearchEntry,
)
from cases.search import case_entry, note_entry
from desk.demo.people import birth_range_for_year_group
from referrals.models import Action, ActionStatus, ChildVoice, ParentContact, Route, Step, StepEvent, StepState
from safeguard.audit import GENESIS_HASH, ChainSealer, chain_head
from safeguard.models import AuditEvent, Notification, School, StaffRole, Trust, User

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
    #: School SC01 has this many times an ordinary school's pupils and cases (the bench's school
    #: with ten times the open work).
    first_school_weight: int = 1


@dataclass
class Built:
    schools: list
    users: dict  # email -> User
    counts: dict


def _name(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST) + rng.choice(FIRST_END), rng.choice(LAST) + rng.choice(LAST_END)


#: Field types whose Python value COPY takes as it is (psycopg adapts it); every other field's
#: value goes through the field's own ``get_db_prep_save`` (JSON, for one).
_PLAIN = frozenset(
    {
        "AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField", "DateField", "DateTimeField",
        "EmailField", "ForeignKey", "GenericIPAddressField", "IntegerField", "OneToOneField", "PositiveIntegerField",
        "PositiveSmallIntegerField", "SlugField", "SmallIntegerField", "TextField", "URLField", "UUIDField",
    }
)  # fmt: skip


class Rows:
    """Rows into the database in bulk. Ids are reserved first (:meth:`reserve`, or by
    :meth:`insert` for rows without one), so rows that point at each other can all be built
    before any is written; on PostgreSQL the rows then go in through COPY, elsewhere through
    ``bulk_create`` with those ids. Foreign keys are checked when the transaction commits."""

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"
        self._next: dict[type, int] = {}
        #: The models written so far (their keys are checked in bulk at the end).
        self.written: list[type] = []
        self._plans: dict[type, tuple] = {}

    def reserve(self, model, n: int) -> list[int] | range:
        """``n`` unused primary keys of ``model``'s table (taken from its sequence on PostgreSQL, so
        processes loading at once never take the same one)."""
        if n <= 0:
            return range(0)
        table, column = model._meta.db_table, model._meta.pk.column
        if self.postgres:
            with connection.cursor() as cursor:
                cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, column, n])
                return [row[0] for row in cursor.fetchall()]
        if model not in self._next:
            top = model.objects.order_by("-pk").values_list("pk", flat=True).first()
            self._next[model] = (top or 0) + 1
        first = self._next[model]
        self._next[model] = first + n
        return range(first, first + n)

    def _plan(self, model) -> tuple:
        if model not in self._plans:
            fields = [f for f in model._meta.concrete_fields if not f.generated]
            columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
            read = operator.attrgetter(*(f.attname for f in fields))
            special = []
            for index, f in enumerate(fields):
                if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                    special.append((index, lambda obj, f=f: f.pre_save(obj, True)))
                elif f.get_internal_type() not in _PLAIN:
                    special.append((index, lambda obj, f=f: f.get_db_prep_save(getattr(obj, f.attname), connection)))
            sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
            self._plans[model] = (sql, read, special, len(fields))
        return self._plans[model]

    def insert(self, model, objs) -> list:
        objs = list(objs)
        if not objs:
            return objs
        missing = [obj for obj in objs if obj.pk is None]
        for obj, pk in zip(missing, self.reserve(model, len(missing)), strict=True):
            obj.pk = pk
        if not self.postgres:
            model.objects.bulk_create(objs, batch_size=2000)
            return objs
        if model not in self.written:
            self.written.append(model)
        sql, read, special, width = self._plan(model)
        with connection.cursor() as cursor, cursor.copy(sql) as copy:
            for obj in objs:
                row = read(obj)
                if width == 1:
                    row = (row,)
                if special:
                    row = list(row)
                    for index, convert in special:
                        row[index] = convert(obj)
                copy.write_row(row)
        for obj in objs:
            obj._state.adding = False
            obj._state.db = "default"
        return objs


class ScaleBuilder:
    def __init__(self, spec: ScaleSpec, *, password: str, now: datetime | None = None, say: Callable[[str], None] = print):
        self.spec = spec
        self.rng = random.Random(spec.seed)  # noqa: S311 - repeatable fictional data, not secrets
        self.now = now or timezone.now()
        self.today = self.now.astimezone(LONDON).date()
        self.password = password
        self.say = say
        self.counts: dict[str, int] = {}
        self.rows = Rows()
        self.loud = True
        self._clock = time.perf_counter()

    def _done(self, what: str, n: int) -> None:
        """Count what was written; said at once only while building the staff and pupils (the
        schools' own rows are counted across schools and said at the end)."""
        self.counts[what] = self.counts.get(what, 0) + n
        if self.loud:
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
        self.rows.insert(User, users)
        self.rows.insert(StaffRole, (StaffRole(user=user, school=school, role=role) for user, school, role in roles))
        self.schools = schools
        self.users = {user.email: user for user in users}
        self.staff = {school.pk: {} for school in schools}
        for user, school, role in roles:
            self.staff[school.pk].setdefault(role, []).append(user)
        self._done("staff accounts", len(users))

    # --- Pupils ------------------------------------------------------------------------------------

    def pupils(self):

        per_school = max(self.spec.pupils // (len(self.schools) - 1 + self.spec.first_school_weight), 1)
        rows = []
        for index, school in enumerate(self.schools):
            for n in range(per_school * (self.spec.first_school_weight if index == 0 else 1)):
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
        self.rows.insert(Pupil, rows)
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

    def cases(self, school, n: int):
        """School ``school``'s ``n`` cases, with what each gathers when recorded."""

        rng, span = self.rng, timedelta(days=365 * self.spec.years)
        numbers: dict[tuple[int, int], int] = {}
        plan = []
        for _ in range(n):
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
        for case, pk in zip(cases, self.rows.reserve(Case, len(cases)), strict=True):
            case.pk = pk
        used = max(numbers.values(), default=0)
        School.objects.filter(pk=school.pk).update(next_case_number=used + 1)

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
        # The case keeps its latest outcome beside it, so lists need no join.
        for case, assessment, pk in zip(cases, assessments, self.rows.reserve(Assessment, len(assessments)), strict=True):
            assessment.pk = pk
            case.outcome, case.current_assessment_id = assessment.outcome, pk
        self.rows.insert(Case, cases)
        self._done("cases", len(cases))
        for model, rows in (
            (Disclosure, disclosures),
            (CaseChild, children),
            (CasePlatform, platforms),
            (Assessment, assessments),
        ):
            self.rows.insert(model, rows)
        self._done("disclosures (with children and platforms)", len(disclosures))
        # What case_create and disclosure_record index, in bulk: the database indexes the words
        # itself (PostgreSQL's generated tsvector, SQLite's FTS5 triggers).
        entries = [case_entry(case, "summary", case.summary) for case in cases]
        entries += [case_entry(d.case, "child_account", d.child_account) for d in disclosures]
        self.rows.insert(SearchEntry, entries)
        self._done("search index entries (summaries and accounts)", len(entries))
        self._done("assessments by the criteria engine", len(assessments))
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
        self.rows.insert(Decision, decisions)
        self._done("decisions", len(decisions))
        self.cases_built, self.plan = cases, plan

    # --- Steps, assignments, actions ---------------------------------------------------------------

    def steps(self):

        rng = self.rng
        routes = {route.code: route for route in Route.objects.all()}
        per_case = self.spec.steps / max(self.spec.cases, 1)
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
                        school_id=case.school_id,
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
            self.rows.insert(model, rows)
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
        events, written = [], 0
        for step in self.steps_built:
            if len(events) >= 100_000:  # a million steps' history need not be held at once
                written += len(self.rows.insert(StepEvent, events))
                events.clear()
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
        written += len(events)
        for model, rows in (
            (StepEvent, events),
            (Note, notes),
            (ChildVoice, voices),
            (ParentContact, parents),
            (CaseStatusChange, closures),
        ):
            self.rows.insert(model, rows)
        self._done("step history events", written)
        self._done("notes", len(notes))
        entries = [note_entry(note) for note in notes]
        self.rows.insert(SearchEntry, entries)
        self._done("search index entries (notes)", len(entries))
        self._done("records of the child's voice", len(voices))
        self._done("records of contact with parents", len(parents))
        self._done("closures", len(closures))

    # --- The audit log -------------------------------------------------------------------------------

    def shares(self) -> dict[int, tuple[int, int]]:
        """Each school's (cases, audit events): cases drawn at random among the schools (SC01
        weighted by ``first_school_weight``), events following each school's share of the cases."""
        weights = [self.spec.first_school_weight] + [1] * (len(self.schools) - 1)
        drawn = self.rng.choices(range(len(self.schools)), weights, k=self.spec.cases)
        cases = [0] * len(self.schools)
        for index in drawn:
            cases[index] += 1
        total, given, result = self.spec.events, 0, {}
        for n, school in enumerate(self.schools):
            events = total - given if n == len(self.schools) - 1 else total * cases[n] // max(self.spec.cases, 1)
            given += events
            result[school.pk] = (cases[n], events if self.spec.cases else 0)
        return result

    def school(self, school, cases: int, events: int, head: str) -> None:
        """Everything of one school: cases, steps, records and its audit chain, from a generator
        seeded for that school (so a school's data is the same however the schools are shared out)."""
        self.rng = random.Random(f"{self.spec.seed}-{school.code}")  # noqa: S311 - repeatable fictional data
        self.cases(school, cases)
        self.steps()
        self.records()
        if events and self.cases_built:
            readers = [u.pk for role in ("dsl", "deputy_dsl", "head", "pastoral") for u in self.staff[school.pk][role]]
            its_cases = [(case.pk, case.created_at) for case in self.cases_built]
            _audit_chain(school.pk, events, its_cases, readers, head, seed=self.spec.seed, now=self.now)
            self._done("audit events (hash-chained, one chain per school)", events)

    def _worker(self, schools: list, shares: dict, heads: dict, queue) -> None:
        """One forked process's schools (PostgreSQL): its own connection, each school committed."""
        code = 0
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit = off")
                _skip_row_checks(cursor)
            for school in schools:
                with transaction.atomic():
                    self.school(school, *shares[school.pk], heads[school.pk])
            queue.put((self.counts, self.rows.written))
        except BaseException:
            traceback.print_exc()
            queue.put(None)
            code = 1
        finally:
            queue.close()
            queue.join_thread()  # what was put must reach the parent before the process ends
            sys.stdout.flush()
            sys.stderr.flush()
            connections.close_all()
            os._exit(code)  # not the parent's atexit handlers or its test runner

    def build(self) -> Built:
        postgres = self.rows.postgres
        with transaction.atomic():
            if postgres:
                with connection.cursor() as cursor:
                    skipped = _skip_row_checks(cursor)
            self.people()
            self.pupils()
            if postgres and skipped:
                with connection.cursor() as cursor:
                    cursor.execute("SET session_replication_role = DEFAULT")
        shares = self.shares()
        heads = {}
        for school in self.schools:
            head = chain_head(school.pk)
            heads[school.pk] = head[1] if head else GENESIS_HASH
        self.loud, started = False, time.perf_counter()
        processes = max(1, min(2, os.cpu_count() or 1))
        if postgres and not connection.in_atomic_block and processes > 1:
            # Two processes, each its share of the schools, each school in one transaction; the
            # audit log's indexes are dropped first and built once at the end.
            indexes = self._drop_indexes(AuditEvent)
            connections.close_all()  # the forked processes open their own; none may share this socket
            context = multiprocessing.get_context("fork")
            queue = context.Queue()
            order = sorted(self.schools, key=lambda s: -shares[s.pk][0])  # the big ones first, dealt in turn
            children = [
                context.Process(target=self._worker, args=(order[n::processes], shares, heads, queue)) for n in range(processes)
            ]
            for child in children:
                child.start()
            reports = [_report(queue, children) for _ in children]
            for child in children:
                child.join()
            if any(child.exitcode for child in children) or None in reports:
                raise RuntimeError("Building the schools' data failed in a worker process (see above).")
            for counts, written in reports:
                for what, n in counts.items():
                    self.counts[what] = self.counts.get(what, 0) + n
                self.rows.written += [model for model in written if model not in self.rows.written]
            self._say_counts(f"{len(self.schools)} schools in {processes} processes", started)
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("SET maintenance_work_mem = '1GB'")
                for _name, definition in indexes:
                    cursor.execute(definition)
            self.say(f"  {len(indexes):>9,} audit log indexes built ({time.perf_counter() - started:.1f} s)")
        else:
            # In line: SQLite, or inside a transaction (the tests), which other processes cannot see.
            with transaction.atomic():
                for school in self.schools:
                    self.school(school, *shares[school.pk], heads[school.pk])
            self._say_counts(f"{len(self.schools)} schools", started)
        if postgres:
            started = time.perf_counter()
            check_foreign_keys(self.rows.written)
            self.say(
                f"  {len(self.rows.written):>9,} tables' foreign keys checked, in bulk ({time.perf_counter() - started:.1f} s)"
            )
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        return Built(schools=self.schools, users=self.users, counts=self.counts)

    def _say_counts(self, where: str, started: float) -> None:
        for what, n in self.counts.items():
            if what not in ("staff accounts", "pupils"):
                self.say(f"  {n:>9,} {what}")
        self.say(f"  ... {where} in {time.perf_counter() - started:.1f} s")

    @staticmethod
    def _drop_indexes(model) -> list[tuple[str, str]]:
        """Drop ``model``'s table's indexes but its keys' and constraints'; return how to make them again."""
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND i.indexname NOT IN "
                "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
                [table, table],
            )
            indexes = cursor.fetchall()
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        return indexes


def _report(queue, children) -> object:
    """The next report a worker put on ``queue``; ``None`` if every worker has ended without one."""
    import queue as queues

    while True:
        try:
            return queue.get(timeout=5)
        except queues.Empty:
            if not any(child.is_alive() for child in children):
                return None


def _skip_row_checks(cursor) -> bool:
    """Skip the row-by-row foreign-key triggers for this session, as pg_restore's
    --disable-triggers does (the keys are checked in bulk afterwards: ``check_foreign_keys``).
    Needs a superuser; without one the checks stay and the load is slower."""
    try:
        with transaction.atomic():
            cursor.execute("SET session_replication_role = replica")
        return True
    except DatabaseError:  # not a superuser: keep the row-by-row checks
        return False


_ACTIONS_VIEWED = "cases.case.viewed"


def _audit_chain(school_id: int, n: int, cases: list, readers: list, head: str, *, seed: int, now: datetime) -> None:
    """School ``school_id``'s ``n`` events about ``cases`` ((id, created) pairs), sealed in time
    order on its chain from ``head`` (the hash of its last event) and written in batches."""
    rng = random.Random(f"{seed}-audit-{school_id}")  # noqa: S311 - repeatable fictional data
    stamps = []
    for _ in range(n):
        case_id, created = cases[rng.randrange(len(cases))]
        when = created + timedelta(hours=rng.expovariate(1 / 120))
        if when > now:
            when = now - timedelta(seconds=rng.uniform(0, 86400))
        stamps.append((when, case_id))
    stamps.sort(key=lambda item: item[0])
    chains = ChainSealer(heads={school_id: head})
    postgres = connection.vendor == "postgresql"
    columns = (
        "prev_hash", "hash", "occurred_at", "actor_id", "school_id", "action", "object_type", "object_id", "ip_address", "request_id", "extra",
    )  # fmt: skip
    sql = f"COPY {connection.ops.quote_name(AuditEvent._meta.db_table)} ({', '.join(columns)}) FROM STDIN"
    address = f"10.{school_id % 250}."
    batch: list[tuple] = []

    def flush() -> None:
        if not batch:
            return
        with transaction.atomic():
            if postgres:
                with connection.cursor() as cursor, cursor.copy(sql) as copy:
                    for row in batch:
                        copy.write_row(row)
            else:
                AuditEvent.objects.bulk_create(
                    [AuditEvent(**dict(zip(columns, row, strict=True)) | {"extra": {}}) for row in batch], batch_size=2000
                )
        batch.clear()

    for when, case_id in stamps:
        when = when.astimezone(UTC)
        actor = rng.choice(readers)
        action = _ACTIONS_VIEWED if rng.random() < 0.8 else rng.choice(CHANGE_ACTIONS)
        ip = f"{address}{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        request_id = f"{rng.getrandbits(64):016x}"
        prev, digest = chains.seal(
            occurred_at=when,
            actor_id=actor,
            school_id=school_id,
            action=action,
            object_type="cases.case",
            object_id=str(case_id),
            ip_address=ip,
            request_id=request_id,
            extra={},
        )
        batch.append((prev, digest, when, actor, school_id, action, "cases.case", str(case_id), ip, request_id, "{}"))
        if len(batch) >= 20_000:
            flush()
    flush()


def check_foreign_keys(models) -> None:
    """Every foreign key of ``models``' rows points at a row, checked table by table in one query
    each (what the skipped row-by-row triggers would have checked). Raises on the first that does not."""
    with connection.cursor() as cursor:
        for model in models:
            for field in model._meta.concrete_fields:
                if not field.is_relation or not field.many_to_one and not field.one_to_one:
                    continue
                target = field.target_field
                child = connection.ops.quote_name(model._meta.db_table)
                parent = connection.ops.quote_name(target.model._meta.db_table)
                column = connection.ops.quote_name(field.column)
                key = connection.ops.quote_name(target.column)
                # Names from the models' own metadata, quoted.
                sql = (
                    f"SELECT count(*) FROM {child} c WHERE c.{column} IS NOT NULL AND NOT EXISTS "  # noqa: S608
                    f"(SELECT 1 FROM {parent} p WHERE p.{key} = c.{column})"
                )
                cursor.execute(sql)
                missing = cursor.fetchone()[0]
                if missing:
                    raise RuntimeError(
                        f"{missing:,} rows of {model._meta.label} point at no {target.model._meta.label} ({field.name})."
                    )


# --- A school's busiest day ----------------------------------------------------------------------


def busiest_day(school_code: str, *, concerns: int = 60, notifications: int = 200, now: datetime | None = None) -> dict:
    """Put one school into its worst week, on purpose (the bench measures its pages there): every
    case open with its review due, every accepted step to do and due in the last seven days,
    every pastoral action open and due, ``concerns`` new concerns waiting for triage (one in
    six urgent) and ``notifications`` unread notifications for each DSL. Suggested steps stay
    suggestions. Written in bulk, with no audit events: bench data, never a school's."""
    now = now or timezone.now()
    today = now.astimezone(LONDON).date()
    school = School.objects.get(code=school_code)
    dsls = list(User.objects.filter(roles__school=school, roles__role="dsl"))
    raiser = User.objects.filter(roles__school=school, roles__role="staff").first() or dsls[0]
    with transaction.atomic():
        cases = Case.objects.filter(school=school)
        opened = cases.exclude(status="open").count()
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE cases_case SET status = 'open', closed_at = NULL, closed_by_id = NULL, closure_summary = '', "
                "review_due = %s::date - (id %% 10)::int WHERE school_id = %s",
                [today, school.pk],
            )
        steps = Step.objects.filter(school=school).exclude(state=StepState.SUGGESTED)
        stepped = steps.count()
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE referrals_step SET state = %s, due_date = %s::date - (id %% 7)::int, made_at = NULL, "
                "acknowledged_at = NULL, closed_at = NULL, not_needed_reason = '', "
                "owner_id = COALESCE(owner_id, created_by_id) WHERE school_id = %s AND state <> %s",
                [StepState.TODO, today, school.pk, StepState.SUGGESTED],
            )
            cursor.execute(
                "UPDATE referrals_action SET status = %s, done_at = NULL, done_note = '', finished_by_id = NULL, "
                "due_date = %s::date - (id %% 5)::int WHERE case_id IN (SELECT id FROM cases_case WHERE school_id = %s)",
                [ActionStatus.OPEN, today, school.pk],
            )
        first = Concern.objects.filter(school=school).count()
        Concern.objects.bulk_create(
            Concern(
                school=school,
                reference=f"{school.code}-BUSY-{first + n + 1:04d}",
                raised_by=raiser,
                raised_at=now - timedelta(minutes=7 * n),
                children="A Year 9 pupil (fictional)",
                what_happened="Fictional concern for scale testing: messages in a group chat.",
                urgent=n % 6 == 0,
            )
            for n in range(concerns)
        )
        case_ids = list(cases.order_by("-created_at").values_list("pk", flat=True)[:notifications])
        Notification.objects.bulk_create(
            Notification(
                recipient=dsl,
                school=school,
                kind="step_due",
                title="A referral step is due (fictional)",
                url=f"/cases/{case_id}/",
                subject=f"case:{case_id}",
                case_id=case_id,
                created_at=now - timedelta(minutes=n),
            )
            for dsl in dsls
            for n, case_id in enumerate(case_ids)
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE cases_case, referrals_step, referrals_action, cases_concern, safeguard_notification")
    return {
        "school": school_code,
        "open_cases": cases.count(),
        "reopened": opened,
        "steps_due": stepped,
        "concerns": concerns,
        "notifications": notifications * len(dsls),
    }
