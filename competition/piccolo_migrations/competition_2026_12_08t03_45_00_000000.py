"""Identity documents beyond the 居民身份证: a contestant's document type (default ``id_card``, so
every existing row keeps its meaning) and nationality (ISO 3166-1 alpha-3, for passports), and an
ID-number column wide enough for a passport number (20 characters). SQLite does not enforce a
VARCHAR's length, so only PostgreSQL's column is widened (the next migration, with the index of one
registration per person, as Piccolo runs a migration's raw steps before its new columns)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-08T03:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "contestant document type and nationality; wider id_number"


def _params(**over):
    base = {
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
    }
    base.update(over)
    return base


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="competition", description=DESCRIPTION)

    def add(name, cls, **params):
        manager.add_column(
            table_class_name="Contestant",
            tablename="contestant",
            column_name=name,
            db_column_name=name,
            column_class_name=cls.__name__,
            column_class=cls,
            params=params,
            schema=None,
        )

    add("id_type", Varchar, **_params(default="id_card", length=20))
    add("nationality", Varchar, **_params(default="", length=3))

    return manager
