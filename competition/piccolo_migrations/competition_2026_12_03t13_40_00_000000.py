"""Accounts that belong to an event, session versions, contestant and delegation grants,
invitations (the data follows in the next migration: a migration's raw steps run before its
columns are added)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-03T13:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "event accounts, session versions, contestant/delegation grants, invitations, event creators"


class Event(Table, tablename="event", schema=None):
    id = Serial(
        null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree, choices=None, db_column_name="id", secret=False
    )


class User(Table, tablename="app_user", schema=None):
    id = Serial(
        null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree, choices=None, db_column_name="id", secret=False
    )


def _params(**over):
    base = {
        "null": True,
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


def _fk(references):
    return _params(references=references, on_delete=OnDelete.cascade, on_update=OnUpdate.cascade, target_column=None, null=False)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="competition", description=DESCRIPTION)

    def add(table, tablename, name, cls, **params):
        manager.add_column(
            table_class_name=table,
            tablename=tablename,
            column_name=name,
            db_column_name=name,
            column_class_name=cls.__name__,
            column_class=cls,
            params=params,
            schema=None,
        )

    add("User", "app_user", "home_event", Integer, **_params(default=None, index=True))
    add("User", "app_user", "session_version", Integer, **_params(default=0, null=False))
    add("RoleAssignment", "role_assignment", "contestant", Integer, **_params(default=None))
    add("RoleAssignment", "role_assignment", "delegation", Varchar, **_params(default=None, length=100))

    manager.add_table(class_name="EventInvitation", tablename="event_invitation", schema=None, columns=None)
    add("EventInvitation", "event_invitation", "event", ForeignKey, **_fk(Event))
    add("EventInvitation", "event_invitation", "user", ForeignKey, **_fk(User))
    add("EventInvitation", "event_invitation", "role", Varchar, **_params(default="", null=False, length=30))
    add("EventInvitation", "event_invitation", "skill", Integer, **_params(default=None))
    add("EventInvitation", "event_invitation", "invited_by", Integer, **_params(default=None))
    add("EventInvitation", "event_invitation", "created_at", Timestamptz, **_params(default=TimestamptzNow(), null=False))
    add("EventInvitation", "event_invitation", "status", Varchar, **_params(default="pending", null=False, length=20))
    add("EventInvitation", "event_invitation", "answered_at", Timestamptz, **_params(default=None))

    return manager
