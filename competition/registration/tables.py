"""Tables of registration and the competition day's preparation: contestants and teams, judges
and their assignments, check-in (检录), the draw (抽签) and anonymisation (加密/解密)."""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from competition.tables import CompetitionGroup, Event, Skill, User


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
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


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


class CheckIn(Table):
    """检录: a contestant's arrival on the day, with the identity check."""

    contestant = ForeignKey(references=Contestant, null=False, unique=True)
    status = Varchar(length=20, help_text="present / late / absent")
    id_verified = Boolean(default=False, help_text="ID card checked against the registration")
    note = Varchar(length=200, default="")
    checked_at = Timestamptz(default=TimestamptzNow())
    checked_by = ForeignKey(references=User, null=True, default=None)


class Draw(Table):
    """抽签: one drawing of workstation numbers for a skill's session, kept even when redrawn."""

    event = ForeignKey(references=Event, null=False)
    skill = ForeignKey(references=Skill, null=False)
    session = Varchar(length=20, default="1")
    algorithm = Varchar(length=40, help_text="Name and version of the shuffle, so it can be replayed")
    seed = Varchar(length=128, help_text="The random seed (hex) the shuffle used")
    result = JSON(default={}, help_text="{contestant_id: workstation_no}")
    reason = Text(default="", help_text="Why it was redrawn (required for a redraw)")
    superseded = Boolean(default=False)
    run_by = ForeignKey(references=User, null=True, default=None)
    run_at = Timestamptz(default=TimestamptzNow())


class EncryptedNumber(Table):
    """加密: the number judges see instead of the contestant; round 1 (一次加密) or 2 (二次加密)."""

    contestant = ForeignKey(references=Contestant, null=False)
    skill = ForeignKey(references=Skill, null=False)
    round = Integer(default=1)
    encrypted_no = Varchar(length=20)
    created_by = ForeignKey(references=User, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class Decryption(Table):
    """解密: the recorded step that reveals who is behind the encrypted numbers of a skill."""

    skill = ForeignKey(references=Skill, null=False)
    decrypted_by = ForeignKey(references=User, null=True, default=None)
    decrypted_at = Timestamptz(default=TimestamptzNow())
    note = Text(default="")


class ScoreSubmission(Table):
    """The chief judge's submission (提交) and re-check (复核) of a skill's scores; decryption waits for it.

    The live scoring feature adds locks and sign-off on top; this row is what anonymisation needs.
    """

    skill = ForeignKey(references=Skill, null=False, unique=True)
    submitted_by = ForeignKey(references=User, null=True, default=None)
    submitted_at = Timestamptz(default=TimestamptzNow())
    rechecked_by = ForeignKey(references=User, null=True, default=None)
    rechecked_at = Timestamptz(null=True, default=None)
    # The audit chain's head as each step was recorded (its own entry): ``competition audit verify``
    # finds the chain cut short if it ends before a head recorded here.
    submitted_head_seq = Integer(null=True, default=None)
    submitted_head_hash = Varchar(length=64, default="")
    rechecked_head_seq = Integer(null=True, default=None)
    rechecked_head_hash = Varchar(length=64, default="")
