"""Tables of the ``competition`` app: accounts and roles, events, skills, groups, the audit log.

Registration, judges and the day's preparation add their tables in their own modules
(``competition/registration/tables.py`` …), all listed in ``competition/piccolo_app.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from piccolo.columns import JSON, Boolean, Date, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class User(Table, tablename="app_user"):
    """An account: organiser, judge, officer, arbitrator, approver or contestant."""

    if TYPE_CHECKING:  # Piccolo adds the primary key at runtime; type checkers learn of it here
        id: Serial

    username = Varchar(length=80, unique=True, help_text="Login name; judges get generated ones.")
    display_name = Varchar(length=100, help_text="Name shown in the interface and the audit log.")
    password_hash = Text(null=True, default=None, help_text="argon2id hash; null for code-only accounts.")
    active = Boolean(default=True)
    #: Platform administrator (平台管理员): may act in every event (``kernel.access``).
    is_admin = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())
    home_event = Integer(
        null=True,
        default=None,
        index=True,
        help_text="The event this account was made for; null for a platform account. An event's staff act only on its own accounts.",
    )
    session_version = Integer(default=0, help_text="Bumped by logout, a password change or deactivation: older sessions stop working.")


class Event(Table):
    """A competition (赛事), e.g. 第三届广东省职业技能大赛."""

    if TYPE_CHECKING:  # Piccolo adds the primary key at runtime; type checkers learn of it here
        id: Serial

    name = Varchar(length=200)
    code = Varchar(length=20, unique=True, help_text="Short code used in certificate numbers.")
    tier = Varchar(length=20, help_text="provincial (省赛) / national (国赛) / worldskills (世赛)")
    tier_class = Varchar(length=20, null=True, default=None, help_text="class1 省级一类 / class2 省级二类")
    starts_on = Date(null=True, default=None)
    ends_on = Date(null=True, default=None)
    venue = Varchar(length=200, default="")
    host = Varchar(length=200, default="", help_text="承办单位")
    archived = Boolean(default=False)
    preset_name = Varchar(length=40, help_text="Base rule preset, from tier and class.")
    preset_overrides = JSON(default={}, help_text="This event's overrides of its preset.")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class Skill(Table):
    """A skill (竞赛项目 / 职业(工种)) of an event."""

    if TYPE_CHECKING:  # Piccolo adds the primary key at runtime; type checkers learn of it here
        id: Serial

    event = ForeignKey(references=Event, null=False)
    name = Varchar(length=100)
    occupation_code = Varchar(length=20, default="", help_text="职业编码, e.g. 6-31-01-03")
    industry_cluster = Varchar(length=100, default="", help_text="The industry cluster it serves (产业集群).")
    team_size = Integer(default=1, help_text="1 for individual skills, 2 or 3 for team projects.")
    total_marks = Integer(default=100)


class CompetitionGroup(Table, tablename="competition_group"):
    """A group of a skill, ranked separately: 职工组 / 学生组 / 教师组."""

    if TYPE_CHECKING:  # Piccolo adds the primary key at runtime; type checkers learn of it here
        id: Serial

    skill = ForeignKey(references=Skill, null=False)
    kind = Varchar(length=20, help_text="employee / student / teacher")
    name = Varchar(length=50)


class SkillSession(Table, tablename="skill_session"):
    """A session (场次) of a skill: one sitting, named by the ``code`` contestants' ``session`` holds."""

    if TYPE_CHECKING:  # Piccolo adds the primary key at runtime; type checkers learn of it here
        id: Serial

    skill = ForeignKey(references=Skill, null=False)
    code = Varchar(length=20, help_text="What a contestant's session holds: 1, 2, A …")
    name = Varchar(length=100, default="", help_text="How people call it: 第一场 (上午)")
    starts_at = Timestamptz(null=True, default=None)
    ends_at = Timestamptz(null=True, default=None)
    venue = Varchar(length=200, default="")


class RoleAssignment(Table):
    """A role held by a user for an event (and a skill for judges; a contestant or a delegation for
    contestants and delegation leaders); no event = a platform role (``roles.PLATFORM_ROLES``)."""

    if TYPE_CHECKING:  # Piccolo adds the primary key at runtime; type checkers learn of it here
        id: Serial

    user = ForeignKey(references=User, null=False)
    role = Varchar(length=30)
    event = ForeignKey(references=Event, null=True, default=None)
    skill = ForeignKey(references=Skill, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    contestant = Integer(null=True, default=None, help_text="The contestant row a contestant account is (one per event).")
    delegation = Varchar(length=100, null=True, default=None, help_text="The delegation a leader (领队) account leads.")


class EventInvitation(Table):
    """An invitation for an account of another event or of the platform to take a role in this
    event; the role is granted only when the account's owner accepts, and from then on the account
    belongs to the event too."""

    if TYPE_CHECKING:  # Piccolo adds the primary key at runtime; type checkers learn of it here
        id: Serial

    event = ForeignKey(references=Event, null=False)
    user = ForeignKey(references=User, null=False)
    role = Varchar(length=30)
    skill = Integer(null=True, default=None)
    invited_by = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    status = Varchar(length=20, default="pending", help_text="pending / accepted / declined / withdrawn")
    answered_at = Timestamptz(null=True, default=None)


class LoginCode(Table):
    """A one-time login code an organiser prints for a judge's tablet (as text and QR code)."""

    if TYPE_CHECKING:  # Piccolo adds the primary key at runtime; type checkers learn of it here
        id: Serial

    user = ForeignKey(references=User, null=False)
    code_hash = Varchar(length=64, unique=True, help_text="SHA-256 of the code; the code is not stored.")
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    created_by = ForeignKey(references=User, null=True, default=None)


class AuditLog(Table):
    """Append-only, hash-chained record of who did what (marks, locks, logins, decryption …)."""

    if TYPE_CHECKING:  # Piccolo adds the primary key at runtime; type checkers learn of it here
        id: Serial

    seq = Integer(unique=True, help_text="Position in the chain, 1, 2, 3 …")
    at = Timestamptz(default=TimestamptzNow())
    actor_id = Integer(null=True, default=None)
    actor = Varchar(length=100, default="")
    action = Varchar(length=60)
    event_id = Integer(null=True, default=None)
    target = Varchar(length=200, default="")
    details = JSON(default={})
    ip = Varchar(length=64, default="")
    user_agent = Varchar(length=300, default="")
    prev_hash = Varchar(length=64)
    hash = Varchar(length=64)
