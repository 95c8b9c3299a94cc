"""A contestant may compete without taking part in the awards (不参与评奖: a guest entrant, one
competing hors concours): ``contestant.award_eligible``, true for everyone registered before."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-07T02:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "contestant.award_eligible (参与评奖)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="competition", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Contestant",
        tablename="contestant",
        column_name="award_eligible",
        db_column_name="award_eligible",
        column_class_name="Boolean",
        column_class=Boolean,
        params={
            "default": True,
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
