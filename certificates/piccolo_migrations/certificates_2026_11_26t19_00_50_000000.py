"""Unique indexes over several columns: one counter per event and type, one certificate per
contestant and type and code, one honour per person, one promotion per person and event."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T19:00:50:000000"
VERSION = "1.38.0"
DESCRIPTION = "certificate uniqueness indexes"

INDEXES = [
    "CREATE UNIQUE INDEX IF NOT EXISTS certificate_counter_event_type ON certificate_counter (event, cert_type)",
    "CREATE UNIQUE INDEX IF NOT EXISTS certificate_contestant_type_code ON certificate (contestant, cert_type, code)",
    "CREATE UNIQUE INDEX IF NOT EXISTS honour_held_person_honour ON honour_held (id_number, honour)",
    "CREATE UNIQUE INDEX IF NOT EXISTS promotion_ledger_person_event ON promotion_ledger (id_number, event)",
    "CREATE INDEX IF NOT EXISTS promotion_ledger_person ON promotion_ledger (id_number)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="certificates", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for sql in INDEXES:
            await engine.run_ddl(sql)

    manager.add_raw(run)
    return manager
