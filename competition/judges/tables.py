"""Tables of the judges' registry and their assignment to skills."""

from __future__ import annotations

from piccolo.columns import JSON, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from kernel.tables import Event, Skill, User


class Judge(Table):
    """An entry of an event's judge registry (裁判库); ``user`` is the account they log in with."""

    event = ForeignKey(references=Event, null=False)
    user = ForeignKey(references=User, null=True, default=None)
    name = Varchar(length=50)
    id_number = Varchar(length=18, default="")
    employer = Varchar(length=200, default="")
    delegation = Varchar(length=100, default="")
    qualifications = Text(default="", help_text="e.g. 国家级裁判员, 世赛专家")
    phone = Varchar(length=20, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class JudgeAssignment(Table):
    """A judge's place on a skill: judge or chief judge (裁判长), and the criteria/aspects they mark."""

    judge = ForeignKey(references=Judge, null=False)
    skill = ForeignKey(references=Skill, null=False)
    role = Varchar(length=20, help_text="judge / chief_judge")
    criteria = JSON(default=[], help_text="Criterion or aspect codes assigned; empty = not yet assigned")
    created_at = Timestamptz(default=TimestamptzNow())
