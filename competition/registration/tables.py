"""Tables of registration: teams, contestants, the leaders' window, reviews and coaches."""

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
    id_type = Varchar(
        length=20, default="id_card", help_text="scoring.identity.DOC_TYPES code: id_card, residence_permit, hk_macau_permit, taiwan_permit, passport"
    )
    id_number = Varchar(length=20, index=True, help_text="The document's number, normalised (upper case); the person is (id_type, id_number)")
    nationality = Varchar(length=3, default="", help_text="ISO 3166-1 alpha-3, for a passport; empty otherwise")
    sex = Varchar(length=1, help_text="M / F, derived from the ID number (身份证, 居住证) or entered")
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


class RegistrationWindow(Table, tablename="registration_window"):
    """When delegation leaders may enter their own contestants (报名时间); one per event. Without
    one, or outside it, leaders cannot register (the organiser can, always)."""

    event = ForeignKey(references=Event, null=False, unique=True)
    opens_at = Timestamptz(null=True, default=None)
    closes_at = Timestamptz(null=True, default=None)


class RegistrationReview(Table, tablename="registration_review"):
    """The review of a row a delegation leader entered (one per contestant): ``submitted`` →
    (a city's rows) ``city_approved`` by the city reviewer (市) → ``accepted`` by the organiser (省),
    or ``returned`` with a reason at either step, then resubmitted. A contestant without a review
    row was entered by the organiser and is accepted. Only accepted rows count as registered;
    every step is in the audit log (who, when, the reason)."""

    contestant = ForeignKey(references=Contestant, null=False, unique=True)
    event = ForeignKey(references=Event, null=False)
    city = Varchar(length=10, default="", help_text="scoring.codelists city code of the delegation, or 'industry'")
    state = Varchar(length=20, default="submitted", help_text="submitted / city_approved / returned / accepted")
    reason = Varchar(length=500, default="", help_text="Why the row was sent back (shown to the leader)")
    returned_by = Varchar(length=10, default="", help_text="'city' or 'province': the step that sent it back")
    updated_at = Timestamptz(default=TimestamptzNow())


class Coach(Table):
    """A coach (指导教师) of a contestant: name, employer, phone (masked like a contestant's)."""

    event = ForeignKey(references=Event, null=False)
    contestant = ForeignKey(references=Contestant, null=False)
    name = Varchar(length=50)
    employer = Varchar(length=200, default="")
    phone = Varchar(length=20, default="")
    created_at = Timestamptz(default=TimestamptzNow())
