"""Uniqueness over several columns: a person is nominated once per honour and round, a reviewer
scores a candidate once per review round, a round's certificate sequence is handed out once."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-08T03:55:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "selection uniqueness indexes"

INDEXES = [
    "CREATE UNIQUE INDEX IF NOT EXISTS nomination_round_honour_person ON nomination (round, honour, id_number)",
    "CREATE UNIQUE INDEX IF NOT EXISTS review_score_once ON review_score (nomination, reviewer, review_round)",
    "CREATE UNIQUE INDEX IF NOT EXISTS selection_certificate_round_seq ON selection_certificate (round, seq)",
    'CREATE UNIQUE INDEX IF NOT EXISTS selection_member_once ON selection_member ("round", "user", "role")',
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="honours", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for sql in INDEXES:
            await engine.run_ddl(sql)

    manager.add_raw(run)
    return manager
