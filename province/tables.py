"""The province's summary (``province_fact``): the figures at their finest grain — one row per
event, skill, industry cluster, city (delegation), tier, group kind, year, sex, age band and
occupation, with its entrants, prizes, honours granted and promotions. Rebuilt per event from the
records whenever they change (``province.summary``); the page, the API and the 情况表 add it up
with SQL ``GROUP BY`` instead of recounting every registration. Only ``province`` reads it."""

from piccolo.columns import Integer, Varchar
from piccolo.table import Table


class ProvinceFact(Table, tablename="province_fact"):
    event = Integer(index=True, help_text="Event id (not a foreign key: the summary is rebuilt, never the record)")
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


#: The common cuts' indexes (besides ``event``): year and tier first (the 情况表 is yearly).
INDEXES: list[tuple[str, ...]] = [("year", "tier"), ("cluster", "year"), ("city", "year"), ("year", "sex", "age_band")]
