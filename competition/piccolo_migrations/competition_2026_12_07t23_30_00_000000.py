"""Sessions (场次) of a skill, each with its code (what a contestant's session holds), name, times
and venue."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Serial, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-07T23:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "skill sessions"


class Skill(Table, tablename="skill", schema=None):
    id = Serial(
        null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree, choices=None, db_column_name="id", secret=False
    )


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
            table_class_name="SkillSession",
            tablename="skill_session",
            column_name=name,
            db_column_name=name,
            column_class_name=cls.__name__,
            column_class=cls,
            params=params,
            schema=None,
        )

    manager.add_table(class_name="SkillSession", tablename="skill_session", schema=None, columns=None)
    add("skill", ForeignKey, **_params(references=Skill, on_delete=OnDelete.cascade, on_update=OnUpdate.cascade, target_column=None))
    add("code", Varchar, **_params(default="", length=20))
    add("name", Varchar, **_params(default="", length=100))
    add("starts_at", Timestamptz, **_params(default=None, null=True))
    add("ends_at", Timestamptz, **_params(default=None, null=True))
    add("venue", Varchar, **_params(default="", length=200))

    return manager
