"""A person is their document type + number (``scoring.identity``): the type beside every number
that names a person across events — honours held, the promotion ledger, the approved proposals'
holder. ``id_card`` by default, so every existing row keeps its meaning. The next migration widens
the numbers (PostgreSQL) and the uniqueness indexes (Piccolo runs a migration's raw steps before
its new columns)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-08T04:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "document type beside the person's number: honours held, ledger, proposals"

PARAMS = {
    "default": "id_card",
    "length": 20,
    "null": False,
    "primary_key": False,
    "unique": False,
    "index": False,
    "index_method": IndexMethod.btree,
    "choices": None,
    "db_column_name": None,
    "secret": False,
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="certificates", description=DESCRIPTION)
    for cls, table, column in (
        ("HonourHeld", "honour_held", "id_type"),
        ("PromotionLedger", "promotion_ledger", "id_type"),
        ("AwardProposal", "award_proposal", "holder_id_type"),
    ):
        manager.add_column(
            table_class_name=cls,
            tablename=table,
            column_name=column,
            db_column_name=column,
            column_class_name="Varchar",
            column_class=Varchar,
            params=dict(PARAMS),
            schema=None,
        )
    return manager
