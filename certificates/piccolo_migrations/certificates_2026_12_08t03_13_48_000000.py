"""The national record: one row per certificate and revision (a certificate is sent once, each
correction once). A migration of its own because a migration's raw steps run before its tables."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-08T03:13:48:000000"
VERSION = "1.38.0"
DESCRIPTION = "national record rows: unique (certificate, revision)"

INDEXES = ["CREATE UNIQUE INDEX IF NOT EXISTS national_record_row_certificate_revision ON national_record_row (certificate, revision)"]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="certificates", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for sql in INDEXES:
            await engine.run_ddl(sql)

    manager.add_raw(run)
    return manager
