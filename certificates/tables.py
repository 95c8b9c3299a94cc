"""Tables of the ``certificates`` app: the proposals made from final results and their approval,
issued certificates, their numbering, issuance batches, honours held and the level-promotion ledger.

``AwardProposal`` was declared by the ``scoring`` app until the floors; its table (``award_proposal``)
never moved in the database: a pair of faked migrations hands it from one app's history to the other's.

Certificates, counters, honours held and the ledger are record: their foreign keys are ``ON DELETE
RESTRICT`` (deleting an event, contestant or user they name fails rather than taking them along).
"""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from competition.registration.tables import Contestant
from kernel.tables import CompetitionGroup, Event, Skill, User


class CertificateCounter(Table):
    """The next sequence number of a certificate type within an event (allocation is serialised)."""

    event = ForeignKey(references=Event, on_delete=OnDelete.restrict, null=False)
    cert_type = Varchar(length=20)
    next_seq = Integer(default=1)


class Certificate(Table):
    """An issued certificate (获奖证书 / 荣誉证书 / 职业技能等级证书). Issuing again finds it here."""

    number = Varchar(length=64, unique=True)
    event = ForeignKey(references=Event, on_delete=OnDelete.restrict, null=False)
    skill = ForeignKey(references=Skill, on_delete=OnDelete.restrict, null=True, default=None)
    contestant = ForeignKey(references=Contestant, on_delete=OnDelete.restrict, null=True, default=None)
    cert_type = Varchar(length=20, help_text="award / honour / promotion")
    code = Varchar(length=40, default="", help_text="award, honour or level code it certifies")
    holder_name = Varchar(length=50)
    id_number = Varchar(length=20, default="", help_text="Holder's document number (never shown publicly)")
    data = JSON(default={}, help_text="Everything printed on it, for re-rendering and verification")
    file = Varchar(length=300, default="", help_text="PDF path under the data dir")
    issued_at = Timestamptz(default=TimestamptzNow())
    issued_by = ForeignKey(references=User, on_delete=OnDelete.restrict, null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
    revoke_reason = Text(default="")
    revoked_by = ForeignKey(references=User, on_delete=OnDelete.restrict, null=True, default=None)


class IssuanceBatch(Table):
    """A batch issuance run for an event: progress, resumable."""

    event = ForeignKey(references=Event, null=False)
    started_by = ForeignKey(references=User, null=True, default=None)
    started_at = Timestamptz(default=TimestamptzNow())
    total = Integer(default=0)
    done = Integer(default=0)
    status = Varchar(length=20, default="running", help_text="running / finished / failed")
    finished_at = Timestamptz(null=True, default=None)
    error = Text(default="")


class HonourHeld(Table):
    """Honours a person holds (by document type + number): nobody receives the same honour twice."""

    id_type = Varchar(length=20, default="id_card", help_text="scoring.identity.DOC_TYPES code")
    id_number = Varchar(length=20)
    name = Varchar(length=50)
    honour = Varchar(length=40, help_text="guangdong_technical_expert / national_technical_expert …")
    event = ForeignKey(references=Event, on_delete=OnDelete.restrict, null=True, default=None)
    certificate_number = Varchar(length=64, default="")
    granted_at = Timestamptz(default=TimestamptzNow())


class PromotionLedger(Table):
    """晋级台账: each approved level promotion, across events, by the person's document type + number."""

    id_type = Varchar(length=20, default="id_card", help_text="scoring.identity.DOC_TYPES code")
    id_number = Varchar(length=20)
    name = Varchar(length=50)
    occupation = Varchar(length=100, default="")
    occupation_code = Varchar(length=20, default="")
    from_level = Integer()
    to_level = Integer()
    rule = Varchar(length=60, default="")
    basis = Text(default="", help_text="e.g. 第三届广东省职业技能大赛 电工 职工组 第2名 一等奖")
    event = ForeignKey(references=Event, on_delete=OnDelete.restrict, null=False)
    approved_by = ForeignKey(references=User, on_delete=OnDelete.restrict, null=True, default=None)
    approved_at = Timestamptz(null=True, default=None)
    certificate_number = Varchar(length=64, default="")
    recorded_at = Timestamptz(default=TimestamptzNow())


class AwardProposal(Table):
    """What the rules propose for a person from the final ranking: award, honour, promotion.

    The approver (人社厅) strikes entries with a reason and approves the list; only approved,
    unstruck entries are issued certificates and recorded in the promotion ledger.
    """

    event = ForeignKey(references=Event, on_delete=OnDelete.restrict, null=False)
    skill = ForeignKey(references=Skill, on_delete=OnDelete.restrict, null=False)
    group = ForeignKey(references=CompetitionGroup, on_delete=OnDelete.restrict, null=False)
    contestant = ForeignKey(references=Contestant, on_delete=OnDelete.restrict, null=False)
    kind = Varchar(length=20, help_text="award / honour / promotion")
    code = Varchar(length=40, help_text="Award code, honour code, or the target level's name")
    rank = Integer(null=True, default=None)
    from_level = Integer(null=True, default=None)
    to_level = Integer(null=True, default=None)
    rule = Varchar(length=60, default="", help_text="The preset rule that decided it")
    outcome = Varchar(length=30, default="", help_text="granted / already_held / promoted / promoted_already_held")
    struck = Boolean(default=False)
    strike_reason = Text(default="")
    struck_by = ForeignKey(references=User, on_delete=OnDelete.restrict, null=True, default=None)
    approved_by = ForeignKey(references=User, on_delete=OnDelete.restrict, null=True, default=None)
    approved_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    # What was approved, as it stood when the results became final; certificates, honours and the
    # promotion ledger are issued from these, never from the live contestant row.
    holder_name = Varchar(length=50, default="", help_text="Name at finalisation (changed only by a recorded identity correction)")
    holder_id_type = Varchar(length=20, default="id_card", help_text="Document type at finalisation (scoring.identity)")
    holder_id_number = Varchar(length=20, default="", index=True, help_text="Document number at finalisation")
    holder_employer = Varchar(length=200, default="")
    holder_delegation = Varchar(length=100, default="")
    holder_team = Varchar(length=100, default="", help_text="The team ranked (团体项目), empty for an individual")
    final_score = Varchar(length=20, default="", help_text="The final ranking's score (decimal as text)")
    final_award = Varchar(length=40, default="", help_text="The award the final ranking gave the person (for every kind of proposal)")


class NationalRecordBody(Table):
    """The evaluating body's codes (评价机构备案代码) that the national numbering rule puts at the head of
    an event's level-certificate numbers in the national record (see :mod:`certificates.national`)."""

    event = ForeignKey(references=Event, on_delete=OnDelete.restrict, null=False, unique=True)
    category = Varchar(length=1, default="", help_text="评价机构类别: Y 用人单位 / S 社会培训评价组织")
    body_code = Varchar(length=4, default="", help_text="评价机构代码 (人社部 filing) or 0000 (filed with the province)")
    province = Varchar(length=2, default="44", help_text="评价机构（站点）所在地省级代码 (44 广东)")
    site_code = Varchar(length=6, default="", help_text="评价机构（站点）序列码, given by the provincial 人社厅")
    updated_at = Timestamptz(default=TimestamptzNow())
    updated_by = ForeignKey(references=User, on_delete=OnDelete.restrict, null=True, default=None)


class NationalRecordBatch(Table):
    """A batch of the national skills-evaluation record, marked as sent (its rows: ``NationalRecordRow``)."""

    event = ForeignKey(references=Event, on_delete=OnDelete.restrict, null=False)
    rows = Integer(default=0)
    corrections = Integer(default=0)
    token = Varchar(length=64, default="", help_text="Fingerprint of the rows as downloaded and sent")
    sent_at = Timestamptz(default=TimestamptzNow())
    sent_by = ForeignKey(references=User, on_delete=OnDelete.restrict, null=True, default=None)


class NationalRecordRow(Table):
    """One row sent to the national record: a level certificate (revision 0) or a correction of it
    (revision 1, 2 …), with its fields exactly as sent. A certificate is sent once; a change after
    sending goes as one correction row."""

    batch = ForeignKey(references=NationalRecordBatch, on_delete=OnDelete.restrict, null=False)
    event = ForeignKey(references=Event, on_delete=OnDelete.restrict, null=False)
    certificate = ForeignKey(references=Certificate, on_delete=OnDelete.restrict, null=False)
    national_number = Varchar(length=22, index=True)
    revision = Integer(default=0)
    correction = Boolean(default=False)
    fields = JSON(default={})
    fingerprint = Varchar(length=64, default="")
