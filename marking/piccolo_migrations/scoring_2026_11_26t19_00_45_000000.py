"""Unique indexes: one release per skill and group; one proposal per person, kind and code."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T19:00:45:000000"
VERSION = "1.38.0"
DESCRIPTION = "result release and award proposal uniqueness"

INDEXES = [
    'CREATE UNIQUE INDEX IF NOT EXISTS result_release_skill_group ON result_release (skill, "group")',
    "CREATE UNIQUE INDEX IF NOT EXISTS award_proposal_person_kind_code ON award_proposal (contestant, kind, code)",
    "CREATE INDEX IF NOT EXISTS appeal_skill ON appeal (skill, status)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="scoring", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for sql in INDEXES:
            await engine.run_ddl(sql)

    manager.add_raw(run)
    return manager
