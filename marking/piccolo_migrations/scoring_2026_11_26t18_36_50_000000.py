"""Indexes over several columns for marks and locks."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T18:36:50:000000"
VERSION = "1.38.0"
DESCRIPTION = "mark op_id unique per entering user; mark and lock look-ups"

INDEXES = [
    "CREATE UNIQUE INDEX IF NOT EXISTS mark_entered_by_op_id ON mark (entered_by, op_id)",
    "CREATE INDEX IF NOT EXISTS mark_skill_contestant_aspect ON mark (skill, contestant, aspect)",
    "CREATE UNIQUE INDEX IF NOT EXISTS criterion_lock_skill_criterion ON criterion_lock (skill, criterion)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="scoring", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for sql in INDEXES:
            await engine.run_ddl(sql)

    manager.add_raw(run)
    return manager
