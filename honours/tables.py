"""Tables of the ``honours`` app: the annual selection rounds (评选), their quotas, the people
appointed to nominate and review, nominations with their dossiers and attachments, reviewers'
scores, objections during the 公示, and the honour certificates a round issues.

The honour itself, once announced, is recorded in ``certificates``' ``HonourHeld`` through its face
(nobody holds the same honour twice: a unique index there)."""

from __future__ import annotations

from piccolo.columns import JSON, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from kernel.tables import User


class SelectionRound(Table, tablename="selection_round"):
    """One year's selection: which honours, the eligibility rules, the criteria and the stage dates."""

    year = Integer()
    name = Varchar(length=200)
    honours = JSON(default=[], help_text="[{code, zh, en, places}]")
    rules = JSON(default={}, help_text="scoring.selection.Rules")
    criteria = JSON(default=[], help_text="[{key, zh, en, max}] the reviewers score")
    stages = JSON(default={}, help_text="nomination_ends, review_ends, publicity_ends, announce_on")
    status = Varchar(length=20, default="open", help_text="open / approved / publicised / announced")
    review_round = Integer(default=1, help_text="1, or 2 once a second review round is opened")
    created_by = ForeignKey(references=User, on_delete=OnDelete.restrict, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    approved_by = ForeignKey(references=User, on_delete=OnDelete.restrict, null=True, default=None)
    approved_at = Timestamptz(null=True, default=None)
    publicised_at = Timestamptz(null=True, default=None)
    announced_at = Timestamptz(null=True, default=None)


class SelectionQuota(Table, tablename="selection_quota"):
    """How many of one honour a nominating body (a city, or a named industry body) may nominate."""

    round = ForeignKey(references=SelectionRound, on_delete=OnDelete.cascade, null=False)
    body = Varchar(length=100, help_text="City code (4401) or the industry body's name")
    body_name = Varchar(length=100, default="")
    honour = Varchar(length=40)
    quota = Integer(default=0)


class SelectionMember(Table, tablename="selection_member"):
    """Someone appointed for a round: a nominating body's account, or a reviewer of the panel."""

    round = ForeignKey(references=SelectionRound, on_delete=OnDelete.cascade, null=False)
    user = ForeignKey(references=User, on_delete=OnDelete.restrict, null=False)
    role = Varchar(length=20, help_text="nominator / reviewer")
    body = Varchar(length=100, default="", help_text="The nominator's body")
    employer = Varchar(length=200, default="", help_text="The reviewer's employer (conflicts of interest)")
    city = Varchar(length=100, default="", help_text="The reviewer's city (conflicts of interest)")


class Nomination(Table):
    """A candidate nominated by a body for one honour, with the dossier taken from the records."""

    round = ForeignKey(references=SelectionRound, on_delete=OnDelete.restrict, null=False)
    honour = Varchar(length=40)
    body = Varchar(length=100)
    name = Varchar(length=50)
    id_number = Varchar(length=18, index=True)
    employer = Varchar(length=200, default="")
    city = Varchar(length=100, default="")
    occupation = Varchar(length=100, default="")
    years = Integer(default=0)
    level = Integer(null=True, default=None)
    dossier = JSON(default={}, help_text="Results, honours, levels and certificates from the verified records")
    achievements = Text(default="")
    status = Varchar(length=20, default="nominated", help_text="nominated / proposed / struck / approved / granted")
    score = Varchar(length=20, default="")
    rank = Integer(null=True, default=None)
    strike_reason = Text(default="")
    certificate_number = Varchar(length=64, default="")
    nominated_by = ForeignKey(references=User, on_delete=OnDelete.restrict, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class NominationAttachment(Table, tablename="nomination_attachment"):
    nomination = ForeignKey(references=Nomination, on_delete=OnDelete.restrict, null=False)
    kind = Varchar(length=10, help_text="pdf / png / jpeg, decided from the content")
    title = Varchar(length=200, default="")
    size = Integer(default=0)
    path = Varchar(length=300, help_text="Under the data dir")
    uploaded_by = ForeignKey(references=User, on_delete=OnDelete.restrict, null=True, default=None)
    uploaded_at = Timestamptz(default=TimestamptzNow())


class ReviewScore(Table, tablename="review_score"):
    """One reviewer's scores of one candidate in one review round."""

    nomination = ForeignKey(references=Nomination, on_delete=OnDelete.restrict, null=False)
    reviewer = ForeignKey(references=User, on_delete=OnDelete.restrict, null=False)
    review_round = Integer(default=1)
    scores = JSON(default={})
    total = Varchar(length=20)
    scored_at = Timestamptz(default=TimestamptzNow())


class SelectionObjection(Table, tablename="selection_objection"):
    """An objection (异议) filed during the 公示, decided like an appeal: upheld strikes the candidate."""

    round = ForeignKey(references=SelectionRound, on_delete=OnDelete.restrict, null=False)
    nomination = ForeignKey(references=Nomination, on_delete=OnDelete.restrict, null=False)
    filer_name = Varchar(length=50)
    filer_contact = Varchar(length=100, default="")
    reason = Text()
    status = Varchar(length=20, default="pending", help_text="pending / upheld / dismissed")
    decision = Text(default="")
    decided_by = ForeignKey(references=User, on_delete=OnDelete.restrict, null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)
    filed_at = Timestamptz(default=TimestamptzNow())


class SelectionCertificate(Table, tablename="selection_certificate"):
    """An honour certificate of a round (kind ``S`` in its number), verifiable like a contest's."""

    number = Varchar(length=64, unique=True)
    round = ForeignKey(references=SelectionRound, on_delete=OnDelete.restrict, null=False)
    nomination = ForeignKey(references=Nomination, on_delete=OnDelete.restrict, null=False)
    seq = Integer()
    honour = Varchar(length=40)
    holder_name = Varchar(length=50)
    id_number = Varchar(length=18, default="")
    data = JSON(default={})
    issued_at = Timestamptz(default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)
    revoke_reason = Text(default="")
