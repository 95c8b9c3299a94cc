"""One registration per person and event is one per (event, document type, number): a passport
and a 台胞证 may share digits and are two people. PostgreSQL's ``id_number`` widens to 20 characters
(a passport number); SQLite does not enforce a VARCHAR's length."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-08T03:45:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "contestant unique by event, document type and number; wider id_number"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="competition", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        assert engine is not None
        if engine.engine_type == "postgres":
            await engine.run_ddl("ALTER TABLE contestant ALTER COLUMN id_number TYPE VARCHAR(20)")
        await engine.run_ddl("DROP INDEX IF EXISTS contestant_event_person")
        await engine.run_ddl("CREATE UNIQUE INDEX IF NOT EXISTS contestant_event_document ON contestant (event, id_type, id_number)")

    manager.add_raw(run)
    return manager
