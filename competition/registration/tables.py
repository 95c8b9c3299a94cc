"""Tables of registration: teams and contestants."""

from __future__ import annotations

from piccolo.columns import Boolean, Date, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from kernel.tables import CompetitionGroup, Event, Skill


class Team(Table):
    """A team of a two- or three-person skill (团体项目); its members are contestants."""

    event = ForeignKey(references=Event, null=False)
    skill = ForeignKey(references=Skill, null=False)
    group = ForeignKey(references=CompetitionGroup, null=False)
    name = Varchar(length=100)


class Contestant(Table):
    """A registered contestant (选手): one skill and group per person and event."""

    event = ForeignKey(references=Event, null=False)
    skill = ForeignKey(references=Skill, null=False)
    group = ForeignKey(references=CompetitionGroup, null=False)
    team = ForeignKey(references=Team, null=True, default=None)
    team_captain = Boolean(default=False, help_text="队长: the one member of a team who represents it (its entry in marking and the draw)")
    name = Varchar(length=50)
    id_number = Varchar(length=18, index=True, help_text="居民身份证号, normalised (upper-case X)")
    sex = Varchar(length=1, help_text="M / F, derived from the ID number")
    birth_date = Date()
    employer = Varchar(length=200, default="", help_text="工作单位 or 学校")
    delegation = Varchar(length=100, default="", help_text="代表队: 地市 or industry body")
    current_level = Integer(default=0, help_text="scoring.levels.SkillLevel value")
    level_certificate_no = Varchar(length=50, default="")
    phone = Varchar(length=20, default="")
    photo = Varchar(length=200, default="", help_text="File name under the data dir, if any.")
    session = Varchar(length=20, default="1", help_text="场次: which sitting of the skill")
    workstation_no = Integer(null=True, default=None, help_text="工位号 from the current draw")
    status = Varchar(length=20, default="registered", help_text="registered / withdrawn / disqualified")
    award_eligible = Boolean(default=True, help_text="参与评奖: false for a guest entrant competing without awards (see the awards' count_among)")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
