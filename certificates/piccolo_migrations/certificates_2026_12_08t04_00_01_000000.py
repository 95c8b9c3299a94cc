"""One honour per person and one promotion per person and event, where a person is document type +
number; the numbers widen to 20 characters (a passport number) on PostgreSQL — SQLite does not
enforce a VARCHAR's length."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-08T04:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "person uniqueness by document type and number; wider numbers"

WIDEN = [
    "ALTER TABLE honour_held ALTER COLUMN id_number TYPE VARCHAR(20)",
    "ALTER TABLE promotion_ledger ALTER COLUMN id_number TYPE VARCHAR(20)",
    "ALTER TABLE award_proposal ALTER COLUMN holder_id_number TYPE VARCHAR(20)",
    "ALTER TABLE certificate ALTER COLUMN id_number TYPE VARCHAR(20)",
]
INDEXES = [
    "DROP INDEX IF EXISTS honour_held_person_honour",
    "DROP INDEX IF EXISTS promotion_ledger_person_event",
    "CREATE UNIQUE INDEX IF NOT EXISTS honour_held_document_honour ON honour_held (id_type, id_number, honour)",
    "CREATE UNIQUE INDEX IF NOT EXISTS promotion_ledger_document_event ON promotion_ledger (id_type, id_number, event)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="certificates", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        assert engine is not None
        if engine.engine_type == "postgres":
            for sql in WIDEN:
                await engine.run_ddl(sql)
        for sql in INDEXES:
            await engine.run_ddl(sql)

    manager.add_raw(run)
    return manager
