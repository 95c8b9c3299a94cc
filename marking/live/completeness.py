"""Is a skill's scoring complete? What the chief judge's sign-off (提交) and re-check (复核) ask first.

The sign-off lives a floor below (``competition.dayof.anonymisation``) and asks its extension
point ``SIGN_OFF_CHECKS``; ``problems`` answers it (``server/wiring.py``). The answer is built by
the checks in ``CHECKS``, an extension point of its own: each check is handed the same
:class:`Facts` (read once, inside the caller's transaction) and returns the gaps it finds, so a
feature that adds something to be finished before sign-off registers one more check instead of
writing a second report.

The checks built in:

- **unscored** — an aspect of a counted contestant whose panel is not complete. Counted are the
  contestants still competing (not withdrawn or disqualified) and not checked in absent; once
  check-in has started for the skill, only those checked in present or late (the others never
  sat the test, so nothing of theirs is missing);
- **open re-mark** — an aspect whose panel disagrees and waits for re-marking (须复评);
- **unlocked** — a criterion the chief judge has not locked after review.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Awaitable, Callable

from competition.dayof import face as dayof
from kernel.extension import Extension
from marking.live import context
from marking.live.context import ContestantInfo, SkillContext
from marking.tables import CriterionLock, Mark
from scoring.aggregation import INCOMPLETE, NEEDS_REMARK

#: How many contestants or aspects a gap's message names before it says "and N more".
NAMED = 8


@dataclasses.dataclass(frozen=True)
class Gap:
    """One thing left to finish: a stable ``code``, a bilingual summary, and the details."""

    code: str
    zh: str
    en: str
    items: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "zh": self.zh, "en": self.en, "items": self.items}


@dataclasses.dataclass
class Facts:
    """What every check reads, once: the skill's context, the current panel of every slot
    (``view[contestant_id][aspect] = {judge: value}``), the locked criteria and the contestants
    whose scores count."""

    skill_id: int
    ctx: SkillContext
    view: dict[int, dict[str, dict[int, str]]]
    locked: set[str]
    counted: list[ContestantInfo]

    def label(self, c: ContestantInfo) -> str:
        """How the chief judge knows a contestant before decryption: the encrypted number, or
        the workstation number before encryption."""
        return c.ref or (str(c.workstation_no) if c.workstation_no is not None else f"#{c.id}")


Check = Callable[[Facts], Awaitable[list[Gap]]]

#: The checks a sign-off runs, in the order the report lists them. Register more with
#: ``CHECKS.register(check)``.
CHECKS: Extension[Check] = Extension("what is left to finish before this skill's scores are signed off")


def _names(labels: list[str]) -> str:
    shown = "、".join(labels[:NAMED])
    return shown + (f" 等 {len(labels)} 个" if len(labels) > NAMED else "")


def _names_en(labels: list[str]) -> str:
    shown = ", ".join(labels[:NAMED])
    return shown + (f" and {len(labels) - NAMED} more" if len(labels) > NAMED else "")


async def facts(skill_id: int) -> Facts | None:
    ctx = await context.load(skill_id)
    if ctx is None:
        return None
    competing = [c for c in ctx.contestants.values() if c.status == "registered" and not c.absent]
    statuses = await dayof.checked_in(ctx.contestants)
    if statuses:  # check-in has started: only those who came count
        competing = [c for c in competing if statuses.get(c.id) in ("present", "late")]
    counted = sorted(competing, key=lambda c: (c.workstation_no or 10**6, c.ref or "", c.id))
    view: dict[int, dict[str, dict[int, str]]] = {}
    for r in await Mark.select(Mark.contestant, Mark.aspect, Mark.judge, Mark.value).where(Mark.skill == skill_id).order_by(Mark.seq):
        view.setdefault(r["contestant"], {}).setdefault(r["aspect"], {})[r["judge"]] = r["value"]
    locked = {r["criterion"] for r in await CriterionLock.select(CriterionLock.criterion).where(CriterionLock.skill == skill_id)}
    return Facts(skill_id, ctx, view, locked, counted)


async def no_scheme(f: Facts) -> list[Gap]:
    if f.ctx.scheme is None:
        return [Gap("no_scheme", "本项目还没有评分标准", "This skill has no marking scheme yet")]
    return []


def _slots(f: Facts, status: str) -> list[dict[str, Any]]:
    """Per counted contestant, the aspects whose panel is in ``status``."""
    scheme, scorer = f.ctx.scheme, f.ctx.scorer
    if scheme is None or scorer is None:
        return []
    out = []
    for c in f.counted:
        aspects = []
        for a in scheme.aspects():
            scores = f.view.get(c.id, {}).get(a.id) or {}
            if scorer.score_aspect(a.id, scores).status == status:
                aspects.append({"aspect": a.id, "scores": len(scores), "judges": f.ctx.expected_judges(a.id)})
        if aspects:
            out.append({"contestant": f.label(c), "aspects": aspects})
    return out


async def unscored(f: Facts) -> list[Gap]:
    items = _slots(f, INCOMPLETE)
    if not items:
        return []
    labels = [i["contestant"] for i in items]
    n = sum(len(i["aspects"]) for i in items)
    return [
        Gap(
            "unscored",
            f"{len(items)} 名选手共 {n} 个评分项未评完（{_names(labels)}）",
            f"{len(items)} contestant(s) have {n} aspect(s) not fully scored ({_names_en(labels)})",
            items,
        )
    ]


async def open_remarks(f: Facts) -> list[Gap]:
    items = _slots(f, NEEDS_REMARK)
    if not items:
        return []
    slots = [f"{i['contestant']} {a['aspect']}" for i in items for a in i["aspects"]]
    return [
        Gap(
            "open_remark",
            f"{len(slots)} 个评分项待复评（{_names(slots)}）",
            f"{len(slots)} aspect(s) wait for re-marking ({_names_en(slots)})",
            items,
        )
    ]


async def unlocked(f: Facts) -> list[Gap]:
    if f.ctx.scheme is None:
        return []
    open_ = [{"criterion": c.id, "name": c.name} for c in f.ctx.scheme.criteria if c.id not in f.locked]
    if not open_:
        return []
    ids = [c["criterion"] for c in open_]
    return [Gap("unlocked", f"模块 {_names(ids)} 未锁定", f"Criteria {_names_en(ids)} are not locked", open_)]


for _check in (no_scheme, unscored, open_remarks, unlocked):
    CHECKS.register(_check)


async def report(skill_id: int) -> dict[str, Any]:
    """The completeness report: ``complete``, the counted contestants, and every gap."""
    f = await facts(skill_id)
    if f is None:
        return {"complete": False, "contestants": 0, "problems": []}
    gaps = [g for check in CHECKS for g in await check(f)]
    return {"complete": not gaps, "contestants": len(f.counted), "problems": [g.to_dict() for g in gaps]}


async def problems(skill_id: int) -> list[dict[str, Any]]:
    """For the sign-off (``competition.dayof.anonymisation.SIGN_OFF_CHECKS``): the gaps, as dicts
    ``{code, zh, en, items}``; empty when the skill is complete."""
    return (await report(skill_id))["problems"]
