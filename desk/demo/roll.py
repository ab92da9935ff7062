"""The demo school's nightly pupil import (issue 20), set up as its IT admin would, and a demo MIS
file to drop into its folder (``manage.py demo_roll_file``) so the import can be tried by hand.

The file is the demo school's roll as it is, with three differences a night's export might bring:
one new pupil (an invented name), one pupil moved up a year, and one pupil with a case missing
(they left), so the import adds, changes and marks as left, and the child's file checklist starts.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from cases import pupil_import as mis
from cases.models import CaseChild, Pupil, RollFeed
from cases.services.roll_feed import resolve_folder, roll_feed_save
from safeguard.models import School, User

DEMO_FOLDER = "demo-mis"
NEW_PUPIL = {"upn": "Z999000111222", "first_name": "Rowan", "last_name": "Demoleigh", "date_of_birth": "14/02/2014", "year": "7"}


def seed_demo_roll_feed(*, school: School, it_admin: User) -> RollFeed:
    resolve_folder(DEMO_FOLDER).mkdir(parents=True, exist_ok=True)
    return roll_feed_save(
        actor=it_admin, school=school, folder=DEMO_FOLDER, preset="sims", headings={}, settle_minutes=1, enabled=True
    )


def demo_roll_csv(school: School) -> tuple[str, dict[str, str]]:
    """The file's text and what it will do (in words, for the command to print)."""
    preset = mis.MIS_PRESETS["sims"]
    columns = ["upn", "first_name", "last_name", "date_of_birth", "year_group", *mis.FLAG_FIELDS]
    on_roll = list(Pupil.objects.filter(school=school, left_on__isnull=True).order_by("pk"))
    with_case = set(CaseChild.objects.filter(pupil__in=on_roll, removed_at__isnull=True).values_list("pupil_id", flat=True))
    leaver = next((p for p in on_roll if p.pk in with_case), on_roll[-1])
    mover = next(p for p in on_roll if p.pk != leaver.pk and p.year_group < mis.MAX_YEAR_GROUP)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([preset[name] for name in columns])
    for pupil in on_roll:
        if pupil.pk == leaver.pk:
            continue
        year = pupil.year_group + (1 if pupil.pk == mover.pk else 0)
        flags = ["Y" if getattr(pupil, name) else "N" for name in mis.FLAG_FIELDS]
        writer.writerow([pupil.upn, pupil.first_name, pupil.last_name, mis.format_date(pupil.date_of_birth), str(year), *flags])
    new = NEW_PUPIL
    writer.writerow(
        [new["upn"], new["first_name"], new["last_name"], new["date_of_birth"], new["year"], *["N"] * len(mis.FLAG_FIELDS)]
    )
    changes = {
        "added": f"{new['first_name']} {new['last_name']}",
        "changed": f"{mover.full_name} (year {mover.year_group} to {mover.year_group + 1})",
        "left": leaver.full_name,
    }
    return out.getvalue(), changes


def write_demo_roll_file(school: School) -> tuple[Path, dict[str, str]]:
    """Written beside and then renamed into the folder, as an MIS's scheduled export would be."""
    feed = RollFeed.objects.get(school=school)
    folder = resolve_folder(feed.folder)
    folder.mkdir(parents=True, exist_ok=True)
    text, changes = demo_roll_csv(school)
    target = folder / "pupils.csv"
    partial = folder / ".pupils.csv.part"
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, target)
    return target, changes
