"""Ranking (排名): where ties are decided.

Per skill and group (职工组 / 学生组 / 教师组 are ranked separately), from each contestant's
score (the standardised score where the event standardises, else the total):

- **Competition ranking** (1, 1, 3): contestants who tie share a rank and the next rank is
  skipped.
- **Tie margin** (``ranking.tie_margin``, default 0): scores within the margin of a *group leader*
  count as tied. Groups are anchored: walking down the scores, a contestant joins the current
  group while its score is at least ``leader − margin``, otherwise it leads a new group. Anchoring
  (rather than chaining neighbour to neighbour) stops a long run of close scores from all tying.
- **Tie-break chain** (``ranking.tie_break``, data): inside a tie group, contestants are ordered by
  each tie-break in turn; one that separates them gives distinct ranks, one that does not passes
  to the next; tied on every link, they share the rank. Named links:
  ``practical_total`` (实操成绩高者在前), ``theory_total`` (理论成绩高者在前),
  ``fewer_deductions`` (扣分少者在前), ``earlier_finish`` (用时少 / 先完成者在前); also
  ``"part:<name>"`` and ``"criterion:<id>"`` (higher first) and
  ``{"field": name, "order": "asc" | "desc"}`` for any value the caller supplies. A missing value
  always sorts after a present one.
- **Unshared ranks** (选手排名不并列; ``ranking.params.unshared``, off by default): after the whole
  chain, a last recorded tie-break decides what is still tied — ``unshared_by: "lot"`` a lot drawn
  from the chief judge's seed (``lot_seed``: each contestant's SHA-256 of seed and id, smaller
  first), or ``"earlier_finish"``: the earlier finish time where the data has it, then the lot.
  Without a seed, ties the lot would decide stay shared and :func:`lot_needed` names them (the
  release refuses to publish until a seed is set and recorded).
- **Absent (缺考) and disqualified (取消资格)** contestants, and those without a score yet, are
  listed after the ranked ones, without a rank.

:class:`LiveRanking` keeps a ranking up to date one changed score at a time (a sorted list keyed
by score and tie-break values; an update costs a binary search plus the ranks that actually move)
and reports which contestants changed rank, for the live board (实时排名).
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from scoring.messages import Message, ScoringError
from scoring.numbers import decimal_str, to_decimal
from scoring.strategy import Registry, Strategy

COMPETED = "competed"
ABSENT = "absent"
DISQUALIFIED = "disqualified"
PARTICIPATION = (COMPETED, ABSENT, DISQUALIFIED)
PARTICIPATION_LABELS = {COMPETED: Message("参赛", "Competed"), ABSENT: Message("缺考", "Absent"), DISQUALIFIED: Message("取消资格", "Disqualified")}


@dataclass(frozen=True)
class Entry:
    """One contestant (or team) to rank. ``tie_values`` holds what tie-breaks may name."""

    contestant_id: str
    score: Decimal | None
    status: str = COMPETED
    tie_values: Mapping[str, Any] = field(default_factory=dict)
    group: str = ""

    @property
    def rankable(self) -> bool:
        return self.status == COMPETED and self.score is not None


@dataclass(frozen=True)
class TieBreak:
    """One link of a tie-break chain: compare ``field``, higher first when ``descending``."""

    field: str
    descending: bool
    label: Message


_ALIASES = {
    "practical_total": TieBreak("practical_total", True, Message("实操成绩高者在前", "higher practical total")),
    "theory_total": TieBreak("theory_total", True, Message("理论成绩高者在前", "higher theory total")),
    "fewer_deductions": TieBreak("deductions", False, Message("扣分少者在前", "fewer deductions")),
    "earlier_finish": TieBreak("finish_time", False, Message("先完成者在前", "earlier finish")),
}


def parse_tie_breaks(spec: Iterable[Any] | None) -> tuple[TieBreak, ...]:
    """Read a preset's ``tie_break`` list (names, ``part:``/``criterion:`` names, or dicts)."""
    out = []
    for item in spec or ():
        if isinstance(item, TieBreak):
            out.append(item)
        elif isinstance(item, str) and item in _ALIASES:
            out.append(_ALIASES[item])
        elif isinstance(item, str) and item.partition(":")[0] in ("part", "criterion") and item.partition(":")[2]:
            what = item.partition(":")[2]
            out.append(TieBreak(item, True, Message(f"{what} 得分高者在前", f"higher {what} total")))
        elif isinstance(item, Mapping) and isinstance(item.get("field"), str) and item.get("order", "desc") in ("asc", "desc"):
            fld = item["field"]
            asc = item.get("order", "desc") == "asc"
            out.append(TieBreak(fld, not asc, Message(f"按 {fld} {'升序' if asc else '降序'}", f"{fld} {'ascending' if asc else 'descending'}")))
        else:
            raise ScoringError("bad_tie_break", Message(f"无法识别的并列处理规则 {item!r}", f"unknown tie-break {item!r}"), known=sorted(_ALIASES))
    return tuple(out)


#: The tie-break field of the lot (选手排名不并列 by lot).
LOT = "lot"
LOT_ALGORITHM = "sha256(seed|id)/1"
_LOT_LINK = TieBreak(LOT, False, Message("抽签决定", "drawn by lot"))
_FINISH_LINK = _ALIASES["earlier_finish"]
UNSHARED_BY = ("lot", "earlier_finish")


def lot_value(seed: str, contestant_id: str) -> str:
    """A contestant's lot under ``seed``: smaller draws first. Same seed, same order."""
    return hashlib.sha256(f"{seed}\x00{contestant_id}".encode()).hexdigest()


@dataclass(frozen=True)
class RankingRules:
    """The preset's ``ranking`` section, read."""

    tie_margin: Decimal = Decimal(0)
    tie_break: tuple[TieBreak, ...] = ()
    unshared: bool = False
    unshared_by: str = "lot"
    lot_seed: str | None = None

    @property
    def chain(self) -> tuple[TieBreak, ...]:
        """The tie-break chain with the last, recorded link of unshared ranks (when on)."""
        if not self.unshared:
            return self.tie_break
        extra: tuple[TieBreak, ...] = ()
        if self.unshared_by == "earlier_finish" and _FINISH_LINK not in self.tie_break:
            extra = (_FINISH_LINK,)
        if self.lot_seed is not None:
            extra += (_LOT_LINK,)
        return self.tie_break + extra

    def key(self, entry: Entry) -> tuple[Any, ...]:
        """The tie-break part of the sort key (smaller sorts first), the lot included."""
        chain = self.chain
        if self.lot_seed is None or not self.unshared:
            return tie_key(entry, chain)
        values = {**entry.tie_values, LOT: lot_value(self.lot_seed, entry.contestant_id)}
        return tuple(_component(values.get(tb.field), tb.descending) for tb in chain)

    @classmethod
    def from_section(cls, section: Mapping[str, Any] | RankingRules | None) -> RankingRules:
        if isinstance(section, RankingRules):
            return section
        if isinstance(section, CompetitionRanking):
            return section.rules
        section = dict(section or {})
        if "strategy" in section or "params" in section:
            return RANKING_RULES.from_section({"strategy": "competition", **section}).rules
        return CompetitionRanking(section).rules  # the flat shape stored before 2026-12


class RankingRule(Strategy):
    """Base of ranking strategies: ``rules`` is what :func:`rank` applies."""

    rules: RankingRules


RANKING_RULES: Registry[RankingRule] = Registry("ranking", "排名")


@RANKING_RULES.register
class CompetitionRanking(RankingRule):
    """Competition ranking (1, 1, 3) with a tie margin, a tie-break chain and unshared ranks."""

    name = "competition"

    @dataclass(frozen=True)
    class Params:
        tie_margin: Decimal = Decimal(0)
        tie_break: tuple[Any, ...] = ()
        unshared: bool = False
        unshared_by: str = "lot"
        lot_seed: str | None = None

    def check_params(self) -> None:
        p = self.params
        if p.tie_margin < 0:
            raise ScoringError("bad_param", Message("并列分差不能为负", "tie_margin cannot be negative"), param="tie_margin")
        if p.unshared_by not in UNSHARED_BY:
            raise ScoringError(
                "bad_param",
                Message("unshared_by 须为 lot（抽签）或 earlier_finish（先完成者在前）", "unshared_by must be lot or earlier_finish"),
                param="unshared_by",
            )
        if p.lot_seed is not None and not p.lot_seed.strip():
            raise ScoringError("bad_param", Message("抽签种子不能为空", "lot_seed cannot be empty"), param="lot_seed")
        self.rules = RankingRules(p.tie_margin, parse_tie_breaks(p.tie_break), p.unshared, p.unshared_by, p.lot_seed)


def lot_needed(ranking: Sequence[Ranked], rules: RankingRules | Mapping[str, Any] | None) -> list[list[str]]:
    """Groups of contestants still sharing a rank where ranks must be unshared (no seed yet)."""
    rules = RankingRules.from_section(rules)
    if not rules.unshared:
        return []
    by: dict[int, list[str]] = {}
    for r in ranking:
        if r.rank is not None and r.tied:
            by.setdefault(r.rank, []).append(r.contestant_id)
    return [by[k] for k in sorted(by)]


def decided_by_lot(ranking: Sequence[Ranked]) -> list[str]:
    """Contestants placed below the one above them by the lot (for the audit record)."""
    return [r.contestant_id for r in ranking if r.decided_by == LOT]


@dataclass(frozen=True)
class Ranked:
    """A contestant's place in a ranking; ``rank`` is None when unranked."""

    contestant_id: str
    rank: int | None
    position: int  # 1-based order of the listing, unranked contestants last
    score: Decimal | None
    status: str = COMPETED
    tied: bool = False  # shares its rank with another contestant
    decided_by: str | None = None  # tie-break field that set it below the contestant above
    group: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "contestant_id": self.contestant_id,
            "rank": self.rank,
            "position": self.position,
            "score": decimal_str(self.score),
            "status": self.status,
            "tied": self.tied,
            "decided_by": self.decided_by,
            "group": self.group,
        }


class _Reversed:
    """Orders any comparable value backwards (for descending non-numeric tie-breaks)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __lt__(self, other: _Reversed) -> bool:
        return other.value < self.value

    def __gt__(self, other: _Reversed) -> bool:
        return other.value > self.value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Reversed) and other.value == self.value

    def __hash__(self) -> int:
        return hash(self.value)


def _component(value: Any, descending: bool) -> tuple[Any, ...]:
    if value is None:
        return (1,)  # missing values sort after present ones, either direction
    if descending:
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            return (0, -value)
        if isinstance(value, float):
            return (0, -to_decimal(value))
        return (0, _Reversed(value))
    if isinstance(value, float):
        return (0, to_decimal(value))
    return (0, value)


def tie_key(entry: Entry, chain: Sequence[TieBreak]) -> tuple[Any, ...]:
    """The tie-break part of the sort key (smaller sorts first)."""
    return tuple(_component(entry.tie_values.get(tb.field), tb.descending) for tb in chain)


def _check_ids(entries: Sequence[Entry]) -> None:
    seen: set[str] = set()
    for e in entries:
        if e.contestant_id in seen:
            raise ScoringError(
                "duplicate_contestant", Message(f"排名中选手 {e.contestant_id} 出现两次", f"contestant {e.contestant_id} appears twice in a ranking")
            )
        seen.add(e.contestant_id)
        if e.status not in PARTICIPATION:
            raise ScoringError(
                "bad_status",
                Message(f"选手 {e.contestant_id} 的参赛状态 {e.status!r} 无效", f"contestant {e.contestant_id}: bad status {e.status!r}"),
            )


def margin_groups(scores_desc: Sequence[Decimal], margin: Decimal) -> list[int]:
    """Group index for each score of a descending list (anchored groups, see module doc)."""
    groups = []
    g = -1
    leader: Decimal | None = None
    for s in scores_desc:
        if leader is None or leader - s > margin:
            g += 1
            leader = s
        groups.append(g)
    return groups


def rank(entries: Iterable[Entry], rules: RankingRules | Mapping[str, Any] | None = None) -> list[Ranked]:
    """Rank one skill-and-group; the result lists every entry, ranked ones first."""
    rules = RankingRules.from_section(rules)
    entries = list(entries)
    _check_ids(entries)
    ranked = [e for e in entries if e.rankable]
    unranked = sorted((e for e in entries if not e.rankable), key=lambda e: (PARTICIPATION.index(e.status), e.contestant_id))

    by_score = sorted(ranked, key=lambda e: (-e.score, e.contestant_id))  # type: ignore[operator]
    groups = margin_groups([e.score for e in by_score], rules.tie_margin)  # type: ignore[misc]
    chain = rules.chain
    keyed = []
    for e, g in zip(by_score, groups, strict=True):
        tk = rules.key(e)
        # Rank is decided by (group, tie-break values); score and id only fix the display order.
        keyed.append(((g, tk), (-e.score, e.contestant_id), e))  # type: ignore[operator]
    keyed.sort(key=lambda t: (t[0], t[1]))

    out: list[Ranked] = []
    run_start = 0
    for i, (rk, _, e) in enumerate(keyed):
        decided = None
        if i and rk != keyed[i - 1][0]:
            run_start = i
            prev = keyed[i - 1][0]
            if prev[0] == rk[0]:  # same margin group: a tie-break separated them
                decided = next(tb.field for tb, a, b in zip(chain, prev[1], rk[1], strict=True) if a != b)
        tied = (i > 0 and keyed[i - 1][0] == rk) or (i + 1 < len(keyed) and keyed[i + 1][0] == rk)
        out.append(Ranked(e.contestant_id, run_start + 1, i + 1, e.score, e.status, tied, decided, e.group))
    for j, e in enumerate(unranked, start=len(out) + 1):
        out.append(Ranked(e.contestant_id, None, j, e.score, e.status, False, None, e.group))
    return out


def rank_by_group(entries: Iterable[Entry], rules: RankingRules | Mapping[str, Any] | None = None) -> dict[str, list[Ranked]]:
    """Separate rankings per ``Entry.group`` (职工组、学生组…), groups in name order."""
    rules = RankingRules.from_section(rules)
    by: dict[str, list[Entry]] = {}
    for e in entries:
        by.setdefault(e.group, []).append(e)
    return {g: rank(by[g], rules) for g in sorted(by)}


# --------------------------------------------------------------------------------------------
# Incremental ranking for the live board


class _Top:
    """Sorts after every contestant id (closes a tuple-prefix range for bisect)."""

    def __lt__(self, other: object) -> bool:
        return False

    def __gt__(self, other: object) -> bool:
        return True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Top)

    __hash__ = object.__hash__


_TOP = _Top()


class RankChange(NamedTuple):
    """A contestant whose rank moved (a tuple: thousands may be made per update)."""

    contestant_id: str
    old_rank: int | None
    new_rank: int | None


class LiveRanking:
    """A ranking kept current one entry at a time; agrees with :func:`rank` at every step.

    With a tie margin of 0 an update is a binary search in a sorted list of keys
    ``((−score, tie-break values…), id)`` and re-ranks only the positions between the old and
    the new key. With a margin above 0 the anchored groups can shift all the way down, so an update
    re-ranks the group in full (still correct, O(n log n)).

    Keep one per skill and group. Where scores are standardised (世赛 700 scale) one changed mark
    moves the median and so every score: recompute the scores and rank afresh instead.
    """

    def __init__(self, entries: Iterable[Entry] = (), rules: RankingRules | Mapping[str, Any] | None = None) -> None:
        self.rules = RankingRules.from_section(rules)
        self._entries: dict[str, Entry] = {}
        self._key_of: dict[str, tuple[Any, ...]] = {}
        self._keys: list[tuple[Any, ...]] = []
        self._rank: dict[str, int] = {}
        entries = list(entries)
        _check_ids(entries)
        for e in entries:
            self._entries[e.contestant_id] = e
        self._rebuild()

    # -- queries --------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._entries)

    def rank_of(self, contestant_id: str) -> int | None:
        return self._rank.get(contestant_id)

    def ranks(self) -> dict[str, int | None]:
        return {cid: self._rank.get(cid) for cid in self._entries}

    def ranking(self) -> list[Ranked]:
        """A full snapshot, identical to :func:`rank` over the current entries."""
        return rank(self._entries.values(), self.rules)

    def top(self, n: int) -> list[tuple[str, int]]:
        """The first ``n`` ranked contestants as ``(id, rank)``, in order (for the big screen)."""
        if self.rules.tie_margin:
            return [(r.contestant_id, r.rank) for r in self.ranking()[:n] if r.rank is not None]
        return [(k[1], self._rank[k[1]]) for k in self._keys[:n]]

    # -- updates --------------------------------------------------------------------------

    def update(self, entry: Entry) -> list[RankChange]:
        """Insert or replace one entry; returns every contestant whose rank changed."""
        if entry.status not in PARTICIPATION:
            _check_ids([entry])
        cid = entry.contestant_id
        self._entries[cid] = entry
        if self.rules.tie_margin:
            return self._rerank_all()
        old = self._key_of.pop(cid, None)
        if old is not None:
            del self._keys[bisect.bisect_left(self._keys, old)]
        new = self._key(entry)
        if new is not None:
            bisect.insort(self._keys, new)
            self._key_of[cid] = new
        changes = self._rerank_window(old, new)
        if new is None and cid in self._rank:
            changes.append(RankChange(cid, self._rank.pop(cid), None))
        return changes

    def remove(self, contestant_id: str) -> list[RankChange]:
        """Drop a contestant entirely (withdrawn registration)."""
        entry = self._entries.pop(contestant_id, None)
        if entry is None:
            return []
        if self.rules.tie_margin:
            changes = self._rerank_all()
            return changes
        old = self._key_of.pop(contestant_id, None)
        changes = []
        if old is not None:
            del self._keys[bisect.bisect_left(self._keys, old)]
            changes = self._rerank_window(old, None)
            changes.append(RankChange(contestant_id, self._rank.pop(contestant_id), None))
        return changes

    # -- internals ------------------------------------------------------------------------

    def _key(self, e: Entry) -> tuple[Any, ...] | None:
        if not e.rankable:
            return None
        # (rank-deciding prefix, id): equal prefixes share a rank; the id only orders them.
        return ((-e.score, *self.rules.key(e)), e.contestant_id)  # type: ignore[operator]

    def _rebuild(self) -> None:
        if self.rules.tie_margin:
            self._rank = {r.contestant_id: r.rank for r in self.ranking() if r.rank is not None}
            return
        self._key_of = {cid: k for cid, e in self._entries.items() if (k := self._key(e)) is not None}
        self._keys = sorted(self._key_of.values())
        self._rank = {}
        prev = None
        r = 0
        for i, k in enumerate(self._keys):
            if k[0] != prev:
                r = i + 1
                prev = k[0]
            self._rank[k[1]] = r

    def _rerank_all(self) -> list[RankChange]:
        old = self._rank
        self._rank = {r.contestant_id: r.rank for r in self.ranking() if r.rank is not None}
        return [
            RankChange(cid, old.get(cid), self._rank.get(cid)) for cid in self._entries.keys() | old.keys() if old.get(cid) != self._rank.get(cid)
        ]

    def _rerank_window(self, old: tuple[Any, ...] | None, new: tuple[Any, ...] | None) -> list[RankChange]:
        prefixes = [k[0] for k in (old, new) if k is not None]
        if not prefixes:
            return []
        keys = self._keys
        lo = bisect.bisect_left(keys, (min(prefixes),))
        if old is None or new is None:
            hi = len(keys)  # an entry came or went: everyone below moves by one
        else:
            hi = bisect.bisect_right(keys, (max(prefixes), _TOP))
        changes = []
        prev = None
        r = lo + 1
        rank_of = self._rank
        for i in range(lo, hi):
            p, cid = keys[i]
            if prev is not None and p != prev:
                r = i + 1
            prev = p
            before = rank_of.get(cid)
            if before != r:
                rank_of[cid] = r
                changes.append(RankChange(cid, before, r))
        return changes
