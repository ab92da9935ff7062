"""The pupil roll kept in step with the MIS every night (issue 20).

The IT admin points Safeguard at a folder (inside ``settings.SAFEGUARD_ROLL_ROOT``) where the MIS's
scheduled export lands, and says which MIS made it (the column headings, once). Celery beat looks
at the folder every few minutes (``cases.tasks.import_rolls``); the newest CSV file there is
imported once it is complete, with the same checks and the same report as an upload:

- *complete*: its name, size and modification time are the same at two looks in a row, and it was
  last written more than ``settle_minutes`` ago, so a file the MIS is still writing is left alone;
- *once*: each file (name, size, modification time) is read once, imported or not;
- *whole or not at all*: a file that cannot be read, with a refused row, with no pupil Safeguard
  knows (another school's export), or that would mark most of the roll as left, changes nothing;
  it is kept (the record and its reason; the file stays in the folder) and the IT admin and the
  DSLs are told;
- *the roll*: a pupil on Safeguard who is not in the file is marked as left on that day (never
  deleted), which starts the checklist for their child's file (desk's receiver of ``pupils_left``).

Audit events and alerts hold counts, the file's name and the reason only: never a pupil's data.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cases import pupil_import as mis
from cases.models import PupilImport, RollFeed
from cases.pupil_import import ImportRefused
from cases.services.pupils import apply_plan, plan_for, school_pupils
from safeguard.audit import audit_record
from safeguard.models import School, User
from safeguard.permissions import roles_at
from safeguard.roles import Role, can_manage_staff
from safeguard.selectors import users_with_role
from safeguard.services.alerts import Alert, alert_send

logger = logging.getLogger(__name__)

#: A file that would mark more than this share of the pupils on roll as left is refused: a partial
#: export (one year group) is far likelier than two-fifths of a school leaving in one night. The
#: summer's leavers (Years 11 and 13: about a quarter of a secondary school) pass.
MAX_LEFT_SHARE = 0.4
#: ...unless the roll is this small, when a few leavers are a large share.
MIN_ROLL_FOR_SHARE_CHECK = 20


def roll_root() -> Path:
    return Path(settings.SAFEGUARD_ROLL_ROOT).resolve()


def resolve_folder(folder: str) -> Path:
    """The folder inside the roll root; ValueError (in the IT admin's words) for anything outside it."""
    cleaned = folder.strip().strip("/")
    if not cleaned:
        raise ValueError("Give the folder the MIS saves its export to, inside the folder Safeguard reads from.")
    root = roll_root()
    path = (root / cleaned).resolve()
    if path != root and root not in path.parents:
        raise ValueError(f"The folder must be inside {root}, where Safeguard's worker reads the MIS's files.")
    return path


def headings_for(feed: RollFeed) -> dict[str, str]:
    """The column headings to read: the preset's, with the school's own changes on top."""
    preset = dict(mis.MIS_PRESETS.get(feed.preset, {}))
    preset.update({name: text for name, text in (feed.headings or {}).items() if text.strip()})
    return preset


def _require_it_admin(actor: User, school: School) -> None:
    if not can_manage_staff(roles_at(actor, school.pk)):
        raise PermissionDenied("Only the school's IT administrator can set up the nightly import.")


@transaction.atomic
def roll_feed_save(
    *, actor: User, school: School, folder: str, preset: str, headings: dict[str, str], settle_minutes: int, enabled: bool
) -> RollFeed:
    """Set up or change the nightly import (the IT admin). Audited with what changed, never a path's contents."""
    _require_it_admin(actor, school)
    try:
        resolve_folder(folder)
    except ValueError as problem:
        raise ValidationError({"folder": str(problem)}) from None
    if preset not in RollFeed.Preset.values:
        raise ValidationError({"preset": "Choose the school's MIS."})
    unknown = set(headings) - set(mis.HEADER_ALIASES)
    if unknown:
        raise ValueError(f"Not a column Safeguard reads: {sorted(unknown)}")
    cleaned_headings = {name: " ".join(text.split()) for name, text in headings.items() if text and text.strip()}
    if preset == RollFeed.Preset.CUSTOM:
        missing = [mis.FIELD_LABELS[name] for name in mis.REQUIRED_FIELDS if name not in cleaned_headings]
        if missing:
            raise ValidationError(
                {"preset": "For another MIS, give the heading of each of these columns: " + ", ".join(missing) + "."}
            )
    feed = RollFeed.objects.select_for_update().filter(school=school).first()
    values = {
        "folder": folder.strip().strip("/"),
        "preset": preset,
        "headings": cleaned_headings,
        "settle_minutes": settle_minutes,
        "enabled": enabled,
    }
    if feed is None:
        feed = RollFeed.objects.create(school=school, updated_by=actor, **values)
        changed = sorted(values)
    else:
        changed = sorted(name for name, value in values.items() if getattr(feed, name) != value)
        for name, value in values.items():
            setattr(feed, name, value)
        feed.updated_by = actor
        feed.updated_at = timezone.now()
        feed.seen = ""
        feed.save()
    audit_record(
        actor=actor, action="cases.roll_feed.saved", obj=feed, school=school, extra={"fields": changed, "enabled": enabled}
    )
    return feed


# --- The look at the folder ----------------------------------------------------------------------


@dataclass(frozen=True)
class FileSeen:
    path: Path
    size: int
    modified: datetime

    @property
    def signature(self) -> str:
        return f"{self.path.name}|{self.size}|{self.modified.timestamp():.6f}"[:300]


def newest_csv(folder: Path) -> FileSeen | None:
    best: FileSeen | None = None
    for entry in os.scandir(folder):
        if not entry.is_file() or not entry.name.lower().endswith(".csv") or entry.name.startswith("."):
            continue
        stat = entry.stat()
        seen = FileSeen(Path(entry.path), stat.st_size, datetime.fromtimestamp(stat.st_mtime, tz=timezone.get_current_timezone()))
        if best is None or seen.modified > best.modified:
            best = seen
    return best


def is_settled(*, seen_before: str, file: FileSeen, now: datetime, settle_minutes: int) -> bool:
    """Pure: the file is complete when it looked the same last time and has been still long enough."""
    return seen_before == file.signature and now - file.modified >= timedelta(minutes=settle_minutes)


def _outcome(feed: RollFeed, words: str, *, now: datetime, seen: str | None = None) -> str:
    feed.last_checked_at = now
    feed.last_outcome = words[:300]
    fields = ["last_checked_at", "last_outcome"]
    if seen is not None:
        feed.seen = seen
        fields.append("seen")
    feed.save(update_fields=fields)
    return words


def roll_feed_check(*, feed: RollFeed, now: datetime | None = None) -> str:
    """One look at the school's folder; imports the newest file when it is complete. Returns what happened."""
    now = now or timezone.now()
    feed = RollFeed.objects.select_related("school").get(pk=feed.pk)
    try:
        folder = resolve_folder(feed.folder)
        file = newest_csv(folder)
    except (ValueError, OSError):
        return _outcome(
            feed,
            f"Safeguard cannot read the folder \u201c{feed.folder}\u201d: check it exists and the worker may read it.",
            now=now,
        )
    if file is None:
        return _outcome(feed, "No CSV file in the folder yet.", now=now)
    if PupilImport.objects.filter(
        school_id=feed.school_id, source=PupilImport.Source.NIGHTLY, fingerprint=file.signature
    ).exists():
        return _outcome(feed, f"Nothing new: {file.path.name} was read already.", now=now)
    if not is_settled(seen_before=feed.seen, file=file, now=now, settle_minutes=feed.settle_minutes):
        return _outcome(feed, f"Waiting for {file.path.name} to finish being written.", now=now, seen=file.signature)
    try:
        data = file.path.read_bytes()
    except OSError:
        return _outcome(feed, f"Safeguard could not read {file.path.name}.", now=now)
    if len(data) != file.size:
        # Written to again between the look and the read: look again next time.
        return _outcome(feed, f"Waiting for {file.path.name} to finish being written.", now=now, seen="")
    record = roll_import(feed=feed, filename=file.path.name, data=data, signature=file.signature, today=timezone.localdate(now))
    if record.status == PupilImport.Status.FAILED:
        return _outcome(feed, f"{file.path.name} was not imported: {record.problem}", now=now, seen="")
    report = mis.report_from_json(record.report)
    return _outcome(
        feed,
        f"{file.path.name} imported: {report.added} added, {report.changed} changed, {record.report.get('left_by_absence', 0)} marked as left.",
        now=now,
        seen="",
    )


@transaction.atomic
def roll_import(*, feed: RollFeed, filename: str, data: bytes, signature: str, today) -> PupilImport:
    """Import one complete file from the folder as the school's roll, or refuse it whole (kept, reported)."""
    school_id = feed.school_id
    text = ""

    def fail(problem: str, report: dict | None = None) -> PupilImport:
        return _failed(feed, filename=filename, text=text, signature=signature, problem=problem, report=report or {})

    try:
        text = mis.decode_upload(data)
        pupils = school_pupils(school_id, lock=True)
        plan = plan_for(text, pupils, headings=headings_for(feed))
    except (ImportRefused, ValidationError) as refused:
        message = refused.message if isinstance(refused, ImportRefused) else " ".join(refused.messages)
        return fail(message)
    report = plan.to_json()
    refused_rows = plan.counts[mis.REFUSED]
    if refused_rows:
        rows = "1 row is" if refused_rows == 1 else f"{refused_rows} rows are"
        return fail(f"{rows} refused; the DSLs can see which and why.", report)
    on_roll = {upn: p for upn, p in pupils.items() if p.left_on is None}
    in_file = {row.upn for row in plan.rows}
    if on_roll and not in_file & set(on_roll):
        return fail("no pupil in it is on this school's roll in Safeguard: it looks like another school's export.")
    absent = [p for upn, p in on_roll.items() if upn not in in_file]
    if len(on_roll) >= MIN_ROLL_FOR_SHARE_CHECK and len(absent) > MAX_LEFT_SHARE * len(on_roll):
        return fail(
            f"it would mark {len(absent)} of the {len(on_roll)} pupils on roll as left: check the MIS report exports "
            "every pupil on roll, not one year group."
        )
    record = PupilImport.objects.create(
        school_id=school_id,
        uploaded_by=None,
        source=PupilImport.Source.NIGHTLY,
        filename=filename[-200:],
        content=text,
        report=report,
        fingerprint=signature,
    )
    apply_plan(record=record, plan=plan, pupils=pupils, actor=None, absent_left_on=today, absent=absent)
    return record


def _failed(feed: RollFeed, *, filename: str, text: str, signature: str, problem: str, report: dict) -> PupilImport:
    record = PupilImport.objects.create(
        school_id=feed.school_id,
        uploaded_by=None,
        source=PupilImport.Source.NIGHTLY,
        filename=filename[-200:],
        content=text,
        report=report,
        status=PupilImport.Status.FAILED,
        problem=problem[:1000],
        fingerprint=signature,
    )
    audit_record(actor=None, action="cases.pupil_import.failed", obj=record, school=feed.school_id, extra={"source": "nightly"})
    recipients = list(users_with_role(feed.school_id, {Role.IT_ADMIN, Role.DSL, Role.DEPUTY_DSL}))
    if recipients:
        alert_send(
            alert=Alert(
                kind="roll_import_failed",
                title=f"The nightly pupil import did not run: {filename[:80]}",
                url=reverse("roll_feed"),
                subject=f"pupil_import:{record.pk}",
                detail="Nothing on the roll was changed. " + problem[:200],
            ),
            recipients=recipients,
            school=feed.school,
        )
    logger.warning("Nightly pupil import for school %s refused (import %s).", feed.school_id, record.pk)
    return record


def check_all(now: datetime | None = None) -> dict[int, str]:
    """Every enabled feed, each on its own: one school's broken folder does not stop another's."""
    outcomes: dict[int, str] = {}
    for feed in RollFeed.objects.filter(enabled=True).order_by("pk"):
        try:
            outcomes[feed.school_id] = roll_feed_check(feed=feed, now=now)
        except Exception as error:
            # The kind of error only: its message or traceback could quote a row of the file.
            logger.error("Nightly pupil import for school %s failed: %s.", feed.school_id, type(error).__name__)
            outcomes[feed.school_id] = "error"
    return outcomes
