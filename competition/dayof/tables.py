"""Tables of the competition day: check-in (检录), the draw (抽签), anonymisation (加密/解密)
and the chief judge's submission of a skill's scores, which decryption waits for."""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from competition.registration.tables import Contestant
from kernel.tables import Event, Skill, User


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
