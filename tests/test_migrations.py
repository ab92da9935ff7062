"""Upgrades (issue 21, README "Upgrades"): `migrate` runs before the new web processes start, and
every migration can be undone (a release rolled back takes its migrations back with it), unless it
is named here with the reason it cannot be."""

from __future__ import annotations

from django.db.migrations.loader import MigrationLoader

OUR_APPS = ("safeguard", "cases", "referrals", "desk")
#: (app, migration) -> why it cannot be reversed. None so far.
IRREVERSIBLE: dict[tuple[str, str], str] = {}


def test_every_migration_can_be_reversed_or_says_why_not():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    ours = {key: migration for key, migration in loader.disk_migrations.items() if key[0] in OUR_APPS}
    assert len(ours) >= 37, "the migrations were not found"
    one_way = {
        key: [type(operation).__name__ for operation in migration.operations if not operation.reversible]
        for key, migration in ours.items()
    }
    one_way = {key: names for key, names in one_way.items() if names}
    assert set(one_way) == set(IRREVERSIBLE), f"irreversible migrations not marked (or marked but reversible): {one_way}"
