"""Unique indexes over several columns, which Piccolo's column options cannot declare."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T18:29:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique indexes: one registration per person and event, encrypted numbers, assignments, teams"

INDEXES = [
    "CREATE UNIQUE INDEX IF NOT EXISTS contestant_event_person ON contestant (event, id_number)",
    "CREATE UNIQUE INDEX IF NOT EXISTS encrypted_number_skill_round_no ON encrypted_number (skill, round, encrypted_no)",
    "CREATE UNIQUE INDEX IF NOT EXISTS encrypted_number_contestant_round ON encrypted_number (contestant, round)",
    "CREATE UNIQUE INDEX IF NOT EXISTS judge_assignment_judge_skill ON judge_assignment (judge, skill)",
    'CREATE UNIQUE INDEX IF NOT EXISTS team_skill_group_name ON team (skill, "group", name)',
    'CREATE INDEX IF NOT EXISTS contestant_skill_group ON contestant (skill, "group")',
    "CREATE INDEX IF NOT EXISTS audit_log_event ON audit_log (event_id, seq)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="competition", description=DESCRIPTION)

    async def run():
        # The engine is looked up at run time: the server, the CLI and tests bind it per run.
        engine = engine_finder()
        for sql in INDEXES:
            await engine.run_ddl(sql)

    manager.add_raw(run)
    return manager
