"""The pure scoring core (评分核心): plain data in, plain data out; no database, no network.
The shell that stores and serves it is :mod:`marking`; nothing here imports it.

One module per concern, each rule a plugin chosen by the event's rule preset:

- :mod:`scoring.scheme` / :mod:`scoring.scheme_xlsx`: marking schemes (评分标准), validation,
  dict and Excel import/export.
- :mod:`scoring.aggregation`: judges' scores → aspect marks → totals (汇总规则, rounding rule).
- :mod:`scoring.bulk`: the same, vectorised with NumPy for very large recomputes.
- :mod:`scoring.standardisation`: 世赛 700 分制 or identity.
- :mod:`scoring.ranking`: ranks, ties and tie-breaks (并列与排序); live incremental ranking.
- :mod:`scoring.awards`: medals and prizes (奖项).
- :mod:`scoring.honours`, :mod:`scoring.promotion`: 技术能手 titles and level promotion (晋级).
- :mod:`scoring.judges`: judge analysis for the chief judge.
- :mod:`scoring.results`: a skill's results in one call.

Importing this package pulls in no third-party module (NumPy and openpyxl load only in
:mod:`scoring.bulk` and :mod:`scoring.scheme_xlsx`).
"""

from scoring.aggregation import Scorer
from scoring.awards import assign_awards
from scoring.honours import decide_honours
from scoring.messages import Message, ScoringError
from scoring.numbers import Rounding
from scoring.promotion import decide_promotions
from scoring.ranking import Entry, LiveRanking, Ranked, rank
from scoring.results import compute_skill
from scoring.scheme import MarkingScheme, scheme_from_dict, scheme_to_dict, validate_scheme

__all__ = [
    "Entry",
    "LiveRanking",
    "MarkingScheme",
    "Message",
    "Ranked",
    "Rounding",
    "Scorer",
    "ScoringError",
    "assign_awards",
    "compute_skill",
    "decide_honours",
    "decide_promotions",
    "rank",
    "scheme_from_dict",
    "scheme_to_dict",
    "validate_scheme",
]
