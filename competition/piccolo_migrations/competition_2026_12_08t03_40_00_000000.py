"""Delegation registration: the leaders' registration window per event, the review of each row a
leader entered (市 → 省), and coaches (指导教师) linked to contestants."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-08T03:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "registration window, reviews and coaches"


class Event(Table, tablename="event", schema=None):
    id = Serial(
        null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree, choices=None, db_column_name="id", secret=False
    )


class Contestant(Table, tablename="contestant", schema=None):
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


def _fk(references, **over):
    return _params(references=references, on_delete=OnDelete.cascade, on_update=OnUpdate.cascade, target_column=None, **over)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="competition", description=DESCRIPTION)

    def table(class_name, tablename, columns):
        manager.add_table(class_name=class_name, tablename=tablename, schema=None, columns=None)
        for name, cls, params in columns:
            manager.add_column(
                table_class_name=class_name,
                tablename=tablename,
                column_name=name,
                db_column_name=name,
                column_class_name=cls.__name__,
                column_class=cls,
                params=params,
                schema=None,
            )

    table(
        "RegistrationWindow",
        "registration_window",
        [
            ("event", ForeignKey, _fk(Event, unique=True)),
            ("opens_at", Timestamptz, _params(default=None, null=True)),
            ("closes_at", Timestamptz, _params(default=None, null=True)),
        ],
    )
    table(
        "RegistrationReview",
        "registration_review",
        [
            ("contestant", ForeignKey, _fk(Contestant, unique=True)),
            ("event", ForeignKey, _fk(Event)),
            ("city", Varchar, _params(default="", length=10)),
            ("state", Varchar, _params(default="submitted", length=20)),
            ("reason", Varchar, _params(default="", length=500)),
            ("returned_by", Varchar, _params(default="", length=10)),
            ("updated_at", Timestamptz, _params(default=TimestamptzNow())),
        ],
    )
    table(
        "Coach",
        "coach",
        [
            ("event", ForeignKey, _fk(Event)),
            ("contestant", ForeignKey, _fk(Contestant)),
            ("name", Varchar, _params(default="", length=50)),
            ("employer", Varchar, _params(default="", length=200)),
            ("phone", Varchar, _params(default="", length=20)),
            ("created_at", Timestamptz, _params(default=TimestamptzNow())),
        ],
    )

    return manager
