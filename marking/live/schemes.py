"""A skill's marking scheme as the organiser's pages see it: its state (stored or not, frozen by
marks given under it), the rules it is checked against (the skill's total, the event's panel
sizes), and the check of an uploaded workbook before anything is stored (the preview, with the
row/column report of the registration import and a warning when the sheet names another skill).

Storing stays :func:`marking.live.controller.store_scheme`, the one write path of the editor,
the upload and the API.
"""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any

from competition.events import service as events
from marking.tables import Mark, MarkingScheme
from scoring.aggregation import Scorer
from scoring.messages import Message
from scoring.numbers import decimal_str
from scoring.scheme import KINDS, scheme_to_dict
from scoring.scheme import MarkingScheme as Scheme
from scoring.scheme_xlsx import SheetError, read_scheme_xlsx

IN_USE = Message("本项目已有评分，评分标准不能再修改", "Marks have been given under this scheme; it can no longer change")


async def skill_row(event_id: int, skill_id: int) -> dict[str, Any]:
    return await events.get_skill(event_id, skill_id)


def scheme_defaults(preset: dict[str, Any], skill: dict[str, Any]) -> dict[str, Any]:
    """What a scheme leaving out its total and part weights gets: the skill's total, the preset's weights."""
    return {**(preset.get("scoring") or {}), "total": str(skill.get("total_marks") or 100)}


def judges_per_kind(preset: dict[str, Any]) -> dict[str, int]:
    """How many judges score one aspect of each kind under the event's rules (the panel is the
    event's setting, not the scheme's)."""
    scorer = Scorer(Scheme(skill="", criteria=()), preset.get("scoring"))
    return {kind: scorer.rules[kind].expected_judges() for kind in KINDS}


async def marks_exist(skill_id: int) -> bool:
    return bool(await Mark.exists().where(Mark.skill == skill_id))


async def stored(skill_id: int) -> dict[str, Any] | None:
    row = (
        await MarkingScheme.select(MarkingScheme.data, MarkingScheme.version, MarkingScheme.updated_at).where(MarkingScheme.skill == skill_id).first()
    )
    if row is None:
        return None
    data = json.loads(row["data"]) if isinstance(row["data"], str) else row["data"]
    return {"scheme": data, "version": row["version"], "updated_at": row["updated_at"]}


async def has_schemes(skill_ids: list[int]) -> set[int]:
    """Which of these skills have a stored scheme (one query)."""
    if not skill_ids:
        return set()
    rows = await MarkingScheme.select(MarkingScheme.skill).where(MarkingScheme.skill.is_in(skill_ids))
    return {r["skill"] for r in rows}


async def scheme_state(event_id: int, skill_id: int) -> dict[str, Any]:
    """Everything the editor page starts from."""
    skill = await skill_row(event_id, skill_id)
    preset = (await events.event_preset(event_id))["effective"]
    found = await stored(skill_id)
    defaults = scheme_defaults(preset, skill)
    return {
        "skill": {"id": skill_id, "name": skill["name"], "occupation_code": skill.get("occupation_code") or ""},
        "scheme": found["scheme"] if found else None,
        "version": found["version"] if found else 0,
        "updated_at": found["updated_at"] if found else None,
        "in_use": await marks_exist(skill_id),
        "total": defaults["total"],
        "parts": {k: str(v) for k, v in (defaults.get("parts") or {"theory": "30", "practical": "70"}).items()},
        "judges": judges_per_kind(preset),
    }


def report_item(e: SheetError) -> dict[str, Any]:
    """A workbook problem in the registration import's report shape."""
    return {"row": e.row, "column": e.column, "sheet": e.sheet, "message_zh": e.message.zh, "message_en": e.message.en}


def other_skill_warnings(skill: dict[str, Any], sheet_skill: str, sheet_code: str) -> list[dict[str, Any]]:
    """A warning when the workbook's settings name another skill (its name or occupation code)."""
    out = []
    name, code = (skill.get("name") or "").strip(), (skill.get("occupation_code") or "").strip()
    if sheet_skill and sheet_skill.strip() != name:
        out.append(
            {
                "row": None,
                "column": "项目名称",
                "sheet": "设置",
                "code": "other_skill",
                "message_zh": f"表中的项目名称是“{sheet_skill}”，而不是本项目“{name}”：请确认这是本项目的评分标准",
                "message_en": f"The sheet names the skill '{sheet_skill}', not this skill '{name}': make sure it is this skill's scheme",
            }
        )
    if sheet_code and code and sheet_code.strip() != code:
        out.append(
            {
                "row": None,
                "column": "职业编码",
                "sheet": "设置",
                "code": "other_skill",
                "message_zh": f"表中的职业编码是 {sheet_code}，本项目是 {code}：请确认这是本项目的评分标准",
                "message_en": f"The sheet gives the occupation code {sheet_code}; this skill's is {code}: make sure it is this skill's scheme",
            }
        )
    return out


def counts(scheme: Scheme) -> dict[str, Any]:
    return {
        "criteria": len(scheme.criteria),
        "sub_criteria": sum(len(c.sub_criteria) for c in scheme.criteria),
        "aspects": sum(1 for _ in scheme.aspects()),
        "total": decimal_str(scheme.total),
        "sum": decimal_str(sum((a.max_mark for a in scheme.aspects()), Decimal(0))),
    }


async def check_file(event_id: int, skill_id: int, content: bytes) -> dict[str, Any]:
    """Read an uploaded workbook without storing it: the scheme it holds, or every problem by row
    and column; warnings (another skill's sheet); whether marks already forbid a change."""
    skill = await skill_row(event_id, skill_id)
    preset = (await events.event_preset(event_id))["effective"]
    result = await asyncio.to_thread(read_scheme_xlsx, content, defaults=scheme_defaults(preset, skill))  # parsing: off the event loop
    errors = [report_item(e) for e in result.errors]
    scheme = result.scheme
    if scheme is not None and decimal_str(scheme.total) != decimal_str(Decimal(str(skill.get("total_marks") or 100))):
        errors.append(total_mismatch_item(scheme.total, skill))
    return {
        "ok": not errors and scheme is not None,
        "errors": errors,
        "warnings": other_skill_warnings(skill, scheme.skill if scheme else "", result.occupation_code),
        "scheme": scheme_to_dict(scheme) if scheme is not None and not errors else None,
        "counts": counts(scheme) if scheme is not None else None,
        "in_use": await marks_exist(skill_id),
        "result": result,
    }


def total_mismatch(total: Decimal, skill: dict[str, Any]) -> Message:
    want = skill.get("total_marks") or 100
    return Message(
        f"评分标准的总分是 {decimal_str(total)}，本项目的总分是 {want}", f"the scheme's total is {decimal_str(total)}; this skill's total is {want}"
    )


def total_mismatch_item(total: Decimal, skill: dict[str, Any]) -> dict[str, Any]:
    m = total_mismatch(total, skill)
    return {"row": None, "column": "总分", "sheet": "设置", "message_zh": m.zh, "message_en": m.en}
