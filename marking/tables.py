"""Tables of the ``scoring`` app: marking schemes as stored, the append-only marks, criterion
locks, and the public board's state. The pure modules beside this one never touch them.

The record — marks, appeals and releases — keeps its rows: their foreign keys are
``ON DELETE RESTRICT`` (a contestant, skill or user they name cannot be deleted), never Piccolo's
default CASCADE, which deleted the marks with the contestant.
"""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from competition.registration.tables import Contestant
from kernel.tables import CompetitionGroup, Event, Skill, User


class MarkingScheme(Table):
    """A skill's marking scheme (评分标准), as ``scoring.scheme.scheme_to_dict`` writes it."""

    skill = ForeignKey(references=Skill, null=False, unique=True)
    data = JSON(default={})
    version = Integer(default=1, help_text="Bumped on every change; marks record the version they were given under.")
    updated_by = ForeignKey(references=User, null=True, default=None)
    updated_at = Timestamptz(default=TimestamptzNow())


class Mark(Table):
    """One entry of a judge's marking, never changed once written (append-only).

    A correction is a new row with a reason; the current mark of (contestant, aspect, judge) is
    the latest row. ``op_id`` is the tablet's own id for the operation: re-sending it returns the
    first row instead of storing a second one.
    """

    skill = ForeignKey(references=Skill, on_delete=OnDelete.restrict, null=False)
    contestant = ForeignKey(references=Contestant, on_delete=OnDelete.restrict, null=False)
    aspect = Varchar(length=40, help_text="Aspect code, e.g. A1.3")
    judge = ForeignKey(references=User, on_delete=OnDelete.restrict, null=False, help_text="Whose mark this is (the panel seat)")
    value = Varchar(length=20, help_text="Decimal as text: 0-3 for judgement, marks for the others")
    kind = Varchar(length=12, default="mark", help_text="mark / correction / remark")
    reason = Text(default="")
    entered_by = ForeignKey(
        references=User, on_delete=OnDelete.restrict, null=True, default=None, help_text="Who typed it (a chief judge may correct)"
    )
    authority = Varchar(length=20, default="judge", help_text="judge / chief_judge / organiser: who allowed it")
    op_id = Varchar(length=64, help_text="Client-made id; unique per entering user")
    seq = Integer(unique=True, help_text="Server sequence number: the audit entry that recorded it")
    created_at = Timestamptz(default=TimestamptzNow())


class CriterionLock(Table):
    """A criterion locked after review (锁定); its marks change only with the chief judge's authority."""

    skill = ForeignKey(references=Skill, null=False)
    criterion = Varchar(length=20)
    locked_by = ForeignKey(references=User, null=True, default=None)
    locked_at = Timestamptz(default=TimestamptzNow())


class BoardState(Table):
    """The public live board of a skill: frozen or not (the chief judge's view stays live)."""

    skill = ForeignKey(references=Skill, null=False, unique=True)
    frozen = Boolean(default=False)
    frozen_seq = Integer(null=True, default=None, help_text="The public board shows marks up to this sequence number while frozen")
    changed_by = ForeignKey(references=User, null=True, default=None)
    changed_at = Timestamptz(default=TimestamptzNow())


class ResultRelease(Table):
    """The results of one skill and group on their way out: provisional → public notice → final.

    Scoring, sign-off (``ScoreSubmission``) and decryption (``Decryption``) come first; each step
    here records who took it and when, and the ranking as it stood (so what was published is kept
    even if marks change after an appeal).
    """

    skill = ForeignKey(references=Skill, on_delete=OnDelete.restrict, null=False)
    group = ForeignKey(references=CompetitionGroup, on_delete=OnDelete.restrict, null=False)
    stage = Varchar(length=20, default="provisional", help_text="provisional / final")
    provisional = JSON(default={}, help_text="Ranking with awards as published provisionally")
    provisional_by = ForeignKey(references=User, on_delete=OnDelete.restrict, null=True, default=None)
    provisional_at = Timestamptz(null=True, default=None)
    notice_ends_at = Timestamptz(null=True, default=None, help_text="End of the public notice (公示)")
    appeal_ends_at = Timestamptz(null=True, default=None, help_text="End of the appeal window (申诉)")
    final = JSON(default={}, help_text="Ranking with awards as made final")
    final_by = ForeignKey(references=User, on_delete=OnDelete.restrict, null=True, default=None)
    final_at = Timestamptz(null=True, default=None)
    changed_by_appeal = Boolean(default=False)
    windows = JSON(
        default={},
        help_text="The windows that applied, in hours, and the floors they were held to: notice_hours, appeal_window_hours, min_notice_hours, min_appeal_window_hours",
    )
    provisional_head_seq = Integer(
        null=True, default=None, help_text="The audit chain's head once the provisional publication was recorded: its entry's number"
    )
    provisional_head_hash = Varchar(length=64, default="", help_text="… and that entry's hash")
    final_head_seq = Integer(null=True, default=None, help_text="The audit chain's head once the final results were recorded")
    final_head_hash = Varchar(length=64, default="")


class Appeal(Table):
    """申诉: a written appeal to the arbitration group (监督仲裁组) and its recorded decision."""

    event = ForeignKey(references=Event, on_delete=OnDelete.restrict, null=False)
    skill = ForeignKey(references=Skill, on_delete=OnDelete.restrict, null=False)
    group = ForeignKey(references=CompetitionGroup, on_delete=OnDelete.restrict, null=True, default=None)
    contestant = ForeignKey(references=Contestant, on_delete=OnDelete.restrict, null=True, default=None, help_text="Whose result it concerns")
    filed_by = ForeignKey(references=User, on_delete=OnDelete.restrict, null=True, default=None)
    filed_by_name = Varchar(length=100, default="", help_text="Contestant or team leader, as written")
    filed_at = Timestamptz(default=TimestamptzNow())
    text = Text()
    marks = JSON(default=[], help_text="Marks named by the appeal: [{aspect, contestant}]")
    status = Varchar(length=20, default="pending", help_text="pending / upheld / dismissed")
    decided_by = ForeignKey(references=User, on_delete=OnDelete.restrict, null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)
    decision = Text(default="")
