"""The province's summary table ``province_fact`` with its indexes for the common cuts, on both
engines (the table as it was at this migration, so later changes to ``province.tables`` do not
change what this step does). Filled by ``competition province rebuild`` (and per event as results
change)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import Integer, Varchar
from piccolo.engine import engine_finder
from piccolo.table import Table

ID = "2026-12-08T03:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "province_fact: the province's figures at their finest grain, indexed for the common cuts"

INDEXES = [("year", "tier"), ("cluster", "year"), ("city", "year"), ("year", "sex", "age_band")]


class ProvinceFact(Table, tablename="province_fact"):
    event = Integer(index=True)
    skill = Integer()
    cluster = Varchar(length=16, default="")
    city = Varchar(length=16, default="")
    tier = Varchar(length=20, default="")
    group_kind = Varchar(length=20, default="")
    year = Varchar(length=4, default="")
    sex = Varchar(length=2, default="")
    age_band = Varchar(length=16, default="")
    occupation = Varchar(length=32, default="")
    entrants = Integer(default=0)
    prizes = Integer(default=0)
    honours = Integer(default=0)
    promotions = Integer(default=0)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="province", description=DESCRIPTION)

    async def create() -> None:
        # The engine migrations run on now (the class took whatever engine was configured when
        # this module was imported, which may not be the one being migrated).
        ProvinceFact._meta.db = engine_finder()
        await ProvinceFact.create_table(if_not_exists=True)
        for columns in INDEXES:
            await ProvinceFact.create_index([getattr(ProvinceFact, c) for c in columns], if_not_exists=True)

    manager.add_raw(create)
    return manager
