"""The end of organisers of every event.

Before this, ``create-user`` made organisers of every event (a grant without an event). Such a
grant becomes ``event_creator`` (may create events), and its holder becomes the organiser of each
event the audit log says it created. An account whose grants all lie in one event belongs to that
event (``home_event``); the others are platform accounts.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-03T13:40:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "organisers of every event become event creators; accounts of one event belong to it"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="competition", description=DESCRIPTION)

    async def data():
        engine = engine_finder()
        # Organisers of every event become event creators, and organisers of the events they made.
        await engine.run_ddl(
            'INSERT INTO role_assignment ("user", role, event, skill, created_at) '
            "SELECT DISTINCT a.actor_id, 'organiser', a.event_id, CAST(NULL AS INTEGER), CURRENT_TIMESTAMP FROM audit_log a "
            "JOIN role_assignment r ON r.\"user\" = a.actor_id AND r.role = 'organiser' AND r.event IS NULL "
            "JOIN event e ON e.id = a.event_id "
            "WHERE a.action = 'event.create' AND NOT EXISTS (SELECT 1 FROM role_assignment x WHERE x.\"user\" = a.actor_id "
            "AND x.role = 'organiser' AND x.event = a.event_id)"
        )
        await engine.run_ddl("UPDATE role_assignment SET role = 'event_creator' WHERE role = 'organiser' AND event IS NULL")
        # Accounts whose every grant lies in one event, and that hold no platform role, belong to it.
        await engine.run_ddl(
            'UPDATE app_user SET home_event = (SELECT MIN(r.event) FROM role_assignment r WHERE r."user" = app_user.id) '
            'WHERE is_admin = FALSE AND NOT EXISTS (SELECT 1 FROM role_assignment r WHERE r."user" = app_user.id AND r.event IS NULL) '
            'AND (SELECT COUNT(DISTINCT r.event) FROM role_assignment r WHERE r."user" = app_user.id) = 1'
        )

    manager.add_raw(data)
    return manager
