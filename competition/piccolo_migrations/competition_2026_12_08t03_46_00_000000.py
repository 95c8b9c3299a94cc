"""The captain (队长) of a team: ``contestant.team_captain``, false for everyone registered before."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-08T03:46:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "contestant.team_captain (队长)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="competition", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Contestant",
        tablename="contestant",
        column_name="team_captain",
        db_column_name="team_captain",
        column_class_name="Boolean",
        column_class=Boolean,
        params={
            "default": False,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )
    return manager
