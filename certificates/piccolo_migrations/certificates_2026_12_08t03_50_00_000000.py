"""The team (团队) a proposal's holder was ranked in, as it stood when the results became final:
``award_proposal.holder_team``, empty for an individual (and everyone proposed before)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-08T03:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "award_proposal.holder_team (团队)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="certificates", description=DESCRIPTION)
    manager.add_column(
        table_class_name="AwardProposal",
        tablename="award_proposal",
        column_name="holder_team",
        db_column_name="holder_team",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "default": "",
            "length": 100,
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
