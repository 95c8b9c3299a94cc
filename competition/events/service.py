"""Event, skill and group operations: validation and storage, shared by the API, pages and demo."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Awaitable, Callable

from kernel import audit
from kernel.db import write_transaction
from kernel.errors import AppError, BilingualError, clean_text, conflict, invalid, not_found
from kernel.extension import Extension
from kernel.tables import CompetitionGroup, Event, Skill
from scoring import codelists, presets
from scoring.messages import ScoringError

EVENT_CODE_RE = re.compile(r"^[A-Z0-9]{2,12}$")
# 职业编码 of the national occupation classification: 6-31-01-03, sometimes with a further -NN.
OCCUPATION_CODE_RE = re.compile(r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$")
GROUP_KINDS = ("employee", "student", "teacher")
GROUP_NAMES = {"employee": "职工组", "student": "学生组", "teacher": "教师组"}
EVENT_FIELDS = ("name", "code", "tier", "tier_class", "starts_on", "ends_on", "venue", "host")

#: Does anything printed carry the event's code (``async (event_id) -> bool``)? Certificates
#: answer: their numbers contain it, so the code can no longer change (``server/wiring.py``).
CODE_LOCKS: Extension[Callable[[int], Awaitable[bool]]] = Extension("is the event code printed", required=True)


def _text(value: Any, field: str, *, max_len: int, required: bool) -> str:
    return clean_text(value, field, max_len=max_len, required=required, single_line=True)


def clean_event(data: dict[str, Any]) -> dict[str, Any]:
    """Validate a whole event (after a patch is applied); returns the cleaned values."""
    out = {
        "name": _text(data.get("name"), "name", max_len=200, required=True),
        "code": _text(data.get("code"), "code", max_len=20, required=True).upper(),
        "venue": _text(data.get("venue"), "venue", max_len=200, required=False),
        "host": _text(data.get("host"), "host", max_len=200, required=False),
    }
    if not EVENT_CODE_RE.fullmatch(out["code"]):
        raise invalid(
            "code", "须为 2–12 位大写字母或数字（用于证书编号）", "must be 2–12 capital letters or digits (it goes into certificate numbers)"
        )
    tier = data.get("tier")
    if tier not in presets.TIERS:
        raise invalid(
            "tier",
            "须为 provincial（省赛）、national（国赛）、worldskills（世赛）、city（市赛）、industry（行业竞赛）或 enterprise（企业竞赛）",
            "must be provincial, national, worldskills, city, industry or enterprise",
        )
    tier_class = data.get("tier_class") or None
    if tier_class is not None and tier_class not in presets.TIER_CLASSES[tier]:
        raise invalid("tier_class", "该级别没有此类别", "this tier has no such class")
    out["tier"], out["tier_class"] = tier, tier_class
    starts, ends = data.get("starts_on"), data.get("ends_on")
    if starts and ends and ends < starts:
        raise invalid("ends_on", "结束日期不能早于开始日期", "must not be before the start date")
    out["starts_on"], out["ends_on"] = starts, ends
    out["preset_name"] = presets.preset_name(tier, tier_class)
    return out


def event_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "code": row["code"],
        "tier": row["tier"],
        "tier_class": row["tier_class"],
        "starts_on": row["starts_on"].isoformat() if row["starts_on"] else None,
        "ends_on": row["ends_on"].isoformat() if row["ends_on"] else None,
        "venue": row["venue"],
        "host": row["host"],
        "archived": row["archived"],
        "preset_name": row["preset_name"],
    }


async def get_event(event_id: int) -> dict[str, Any]:
    row = await Event.select().where(Event.id == event_id).first()
    if row is None:
        raise not_found("event")
    return row


async def editable_event(event_id: int) -> dict[str, Any]:
    row = await get_event(event_id)
    if row["archived"]:
        raise AppError(409, "archived", "error.archived")
    return row


async def create_event(data: dict[str, Any], actor: audit.Actor) -> dict[str, Any]:
    values = clean_event(data)
    async with write_transaction():
        if await Event.exists().where(Event.code == values["code"]):
            raise conflict("event", "code")
        rows = await Event.insert(Event(**values, preset_overrides={})).returning(Event.id)
        event_id = rows[0]["id"]
        await audit.record("event.create", actor, event_id=event_id, target=f"event:{event_id}", details={"code": values["code"]})
        if actor.user_id is not None:
            # The creator becomes this event's organiser (of no other): an event creator's own act.
            from competition.auth import service as accounts

            await accounts.grant_role(actor.user_id, "organiser", event_id, None, actor=actor, trusted=True)
    return event_json(await get_event(event_id))


async def update_event(event_id: int, patch: dict[str, Any], actor: audit.Actor) -> dict[str, Any]:
    current = await editable_event(event_id)
    merged = {k: current[k] for k in EVENT_FIELDS} | patch
    values = clean_event(merged)
    async with write_transaction():
        if values["code"] != current["code"]:
            if await Event.exists().where((Event.code == values["code"]) & (Event.id != event_id)):
                raise conflict("event", "code")
            if any([await locked(event_id) for locked in CODE_LOCKS]):
                raise BilingualError(
                    409,
                    "code_in_use",
                    field="code",
                    zh="已签发证书的赛事不能修改赛事代码（证书编号中含有它）",
                    en="The event has issued certificates, whose numbers contain its code; the code can no longer change",
                )
        if values["preset_name"] != current["preset_name"]:
            problems = presets.validate_overrides(values["preset_name"], _overrides(current))
            if problems:
                raise invalid(
                    "tier",
                    "现有规则覆盖不适用于新的级别：" + ", ".join(problems),
                    "existing preset overrides do not fit the new tier: " + ", ".join(problems),
                )
            # The new tier's floors may be higher than the windows the event's overrides set, and its
            # strategies may not take the parameters the overrides give.
            check_effective(effective_or_422(values["preset_name"], _overrides(current)))
        await Event.update({**values, "updated_at": dt.datetime.now(dt.timezone.utc)}).where(Event.id == event_id)
        changed = {k: str(v) for k, v in values.items() if current.get(k) != v}
        await audit.record("event.update", actor, event_id=event_id, target=f"event:{event_id}", details=changed)
    return event_json(await get_event(event_id))


async def set_archived(event_id: int, archived: bool, actor: audit.Actor) -> dict[str, Any]:
    await get_event(event_id)
    async with write_transaction():
        await Event.update({Event.archived: archived, Event.updated_at: dt.datetime.now(dt.timezone.utc)}).where(Event.id == event_id)
        await audit.record("event.archive" if archived else "event.unarchive", actor, event_id=event_id, target=f"event:{event_id}")
    return event_json(await get_event(event_id))


def _overrides(row: dict[str, Any]) -> dict[str, Any]:
    """The event's overrides as stored, read in the current shape (``presets.normalise_overrides``:
    events stored before every rule section became ``{strategy, params}`` keep working)."""
    value = row["preset_overrides"]
    if isinstance(value, str):
        import json

        value = json.loads(value or "{}")
    return presets.normalise_overrides(row["preset_name"], value or {})


async def event_preset(event_id: int) -> dict[str, Any]:
    row = await get_event(event_id)
    overrides = _overrides(row)
    return {
        "name": row["preset_name"],
        "overrides": overrides,
        "effective": presets.effective_preset(row["preset_name"], overrides),
        "available": presets.preset_names(),
    }


def check_override_types(base: Any, over: Any, path: str = "") -> None:
    """Refuse an override whose value is of another shape than the preset's (a list for a number …)."""
    if isinstance(over, dict):
        if not isinstance(base, dict):
            raise invalid(path or "overrides", "应为单个值，而不是对象", "must be a value, not an object")
        for key, value in over.items():
            if key in base and base[key] is not None:
                check_override_types(base[key], value, f"{path}.{key}" if path else key)
        return
    if over is None or base is None:
        return
    kinds = {bool: "bool", int: "number", float: "number", str: "text", list: "list", dict: "object"}
    base_kind, over_kind = kinds.get(type(base)), kinds.get(type(over))
    if base_kind == "text" and over_kind == "number":
        return  # decimals are kept as text ("0.20"); a plain number is an acceptable spelling
    if base_kind != over_kind:
        raise invalid(path, f"类型应为 {base_kind}", f"must be of type {base_kind}")


_WINDOW_NAMES = {"results.notice_hours": ("公示期", "the public notice"), "results.appeal_window_hours": ("申诉期", "the appeal window")}


def _hours_text(hours: float) -> str:
    return f"{hours:g}"


def check_windows(preset: dict[str, Any], field_prefix: str = "") -> None:
    """Refuse notice or appeal windows below the tier's floors (``presets.window_floors``)."""
    for path, hours, floor in presets.windows_below_floor(preset):
        zh, en = _WINDOW_NAMES.get(path, (path, path))
        raise BilingualError(
            422, "below_minimum", field=field_prefix + path, extra={"field": path, "minimum_hours": floor, "hours": hours},
            zh=f"{zh}（{path}）不能短于 {_hours_text(floor)} 小时，这是本级别规则的下限（现为 {_hours_text(hours)} 小时）",
            en=f"{path} ({en}) must be at least {_hours_text(floor)} h, the minimum of this tier's rules (it is {_hours_text(hours)} h)",
        )  # fmt: skip


def _strategy_error(path: str, exc: ScoringError) -> BilingualError:
    return BilingualError(
        422, exc.code, field=path, extra={"field": path},
        zh=f"规则设置 {path} 有误：{exc.message.zh}", en=f"The rule setting {path} is wrong: {exc.message.en}",
    )  # fmt: skip


def effective_or_422(name: str, overrides: dict[str, Any]) -> dict[str, Any]:
    """The effective preset, an override naming an unknown strategy refused with the path."""
    try:
        return presets.effective_preset(name, overrides)
    except ScoringError as exc:
        path = next(
            (".".join(p) + ".strategy" for p in presets.STRATEGY_SECTIONS if exc.details.get("strategy") == _strategy_at(overrides, p)), "overrides"
        )
        raise _strategy_error(path, exc) from None


def _strategy_at(tree: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        tree = tree.get(key) if isinstance(tree, dict) else None
    return tree.get("strategy") if isinstance(tree, dict) else None


def check_effective(preset: dict[str, Any]) -> None:
    """Sections whose values must make sense as a whole (dates, level names, window floors, each
    rule's strategy and parameters) are read here once, so a bad override is refused when it is
    saved rather than failing later."""
    from scoring.eligibility import EligibilityRules

    check_windows(preset)
    problem = presets.preset_problem(preset)
    if problem is not None:
        raise _strategy_error(*problem)

    try:
        EligibilityRules.from_preset(preset)
    except ValueError as exc:
        raise BilingualError(
            422, "bad_preset_value", field="eligibility", zh=f"资格条件设置有误：{exc}", en=f"The eligibility settings are wrong: {exc}"
        ) from None


async def set_preset_overrides(event_id: int, overrides: dict[str, Any], actor: audit.Actor) -> dict[str, Any]:
    row = await editable_event(event_id)
    if not isinstance(overrides, dict):
        raise invalid("overrides", "应为对象", "must be an object")
    overrides = presets.normalise_overrides(row["preset_name"], overrides)
    problems = presets.validate_overrides(row["preset_name"], overrides)
    if problems:
        raise BilingualError(
            422,
            "unknown_preset_key",
            field=problems[0],
            zh="规则预设中没有这些项：" + "、".join(problems),
            en="The rule preset has no such settings: " + ", ".join(problems),
        )
    fixed = presets.fixed_keys_in(overrides)
    if fixed:
        raise BilingualError(
            422, "not_overridable", field=fixed[0],
            zh=f"{'、'.join(fixed)} 是本级别规则的下限，赛事不能修改", en=f"{', '.join(fixed)}: the minimum belongs to the tier's rules and cannot be overridden by an event",
        )  # fmt: skip
    effective = effective_or_422(row["preset_name"], overrides)
    # Types are held to the sections as they will be: a swapped strategy's own defaults.
    swapped = {p: {"strategy": s} for p in presets.STRATEGY_SECTIONS if (s := _strategy_at(overrides, p)) is not None}
    reference: dict[str, Any] = {}
    for path, stub in swapped.items():
        node = reference
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = stub
    check_override_types(presets.merge_preset(presets.base_preset(row["preset_name"]), reference), overrides)
    check_effective(effective)
    async with write_transaction():
        await Event.update({Event.preset_overrides: overrides, Event.updated_at: dt.datetime.now(dt.timezone.utc)}).where(Event.id == event_id)
        await audit.record("event.preset", actor, event_id=event_id, target=f"event:{event_id}", details={"overrides": overrides})
    return await event_preset(event_id)


# ---- skills and groups ----------------------------------------------------------------------


def clean_skill(data: dict[str, Any]) -> dict[str, Any]:
    out = {
        "name": _text(data.get("name"), "name", max_len=100, required=True),
        "occupation_code": _text(data.get("occupation_code"), "occupation_code", max_len=20, required=False),
        "industry_cluster": _text(data.get("industry_cluster"), "industry_cluster", max_len=100, required=False),
    }
    if out["occupation_code"] and not OCCUPATION_CODE_RE.fullmatch(out["occupation_code"]):
        raise invalid("occupation_code", "职业编码格式应为 6-31-01-03", "occupation codes look like 6-31-01-03")
    if out["industry_cluster"]:
        # From the province's list (scoring.codelists), by code or by name; stored as the code.
        cluster = codelists.cluster(out["industry_cluster"])
        if cluster is None:
            raise invalid(
                "industry_cluster",
                f"“{out['industry_cluster']}”不在广东省 20 个战略性产业集群之列，请从列表选择（如 P01 新一代电子信息）",
                f"'{out['industry_cluster']}' is not one of Guangdong's 20 strategic industry clusters; pick one from the list (e.g. P01)",
            )
        out["industry_cluster"] = cluster.code
    team_size = data.get("team_size", 1)
    if not isinstance(team_size, int) or isinstance(team_size, bool) or not 1 <= team_size <= 3:
        raise invalid("team_size", "须为 1、2 或 3", "must be 1, 2 or 3")
    total = data.get("total_marks", 100)
    if not isinstance(total, int) or isinstance(total, bool) or not 1 <= total <= 1000:
        raise invalid("total_marks", "须为 1 到 1000 的整数", "must be a whole number from 1 to 1000")
    out["team_size"], out["total_marks"] = team_size, total
    return out


def skill_json(row: dict[str, Any], groups: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    out = {k: row[k] for k in ("id", "name", "occupation_code", "industry_cluster", "team_size", "total_marks")}
    cluster = codelists.cluster(row["industry_cluster"])
    out["industry_cluster_name"] = {"zh": cluster.zh, "en": cluster.en} if cluster else None
    occupation = codelists.occupation(row["occupation_code"])
    out["occupation_name"] = {"zh": occupation.zh, "en": occupation.en} if occupation else None
    out["event_id"] = row["event"]
    if groups is not None:
        out["groups"] = [group_json(g) for g in groups]
    return out


def group_json(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "skill_id": row["skill"], "kind": row["kind"], "name": row["name"]}


async def list_skills(event_id: int) -> list[dict[str, Any]]:
    await get_event(event_id)
    skills = await Skill.select().where(Skill.event == event_id).order_by(Skill.id)
    groups = await CompetitionGroup.select().where(CompetitionGroup.skill.event == event_id).order_by(CompetitionGroup.id)
    by_skill: dict[int, list] = {}
    for g in groups:
        by_skill.setdefault(g["skill"], []).append(g)
    return [skill_json(s, by_skill.get(s["id"], [])) for s in skills]


async def get_skill(event_id: int, skill_id: int) -> dict[str, Any]:
    row = await Skill.select().where((Skill.id == skill_id) & (Skill.event == event_id)).first()
    if row is None:
        raise not_found("skill")
    return row


async def create_skill(event_id: int, data: dict[str, Any], actor: audit.Actor) -> dict[str, Any]:
    await editable_event(event_id)
    values = clean_skill(data)
    kinds = data.get("groups") or []
    for kind in kinds:
        if kind not in GROUP_KINDS:
            raise invalid("groups", "组别须为 employee、student 或 teacher", "groups are employee, student or teacher")
    async with write_transaction():
        if await Skill.exists().where((Skill.event == event_id) & (Skill.name == values["name"])):
            raise conflict("skill", "name")
        rows = await Skill.insert(Skill(event=event_id, **values)).returning(Skill.id)
        skill_id = rows[0]["id"]
        for kind in dict.fromkeys(kinds):
            await CompetitionGroup.insert(CompetitionGroup(skill=skill_id, kind=kind, name=GROUP_NAMES[kind]))
        await audit.record("skill.create", actor, event_id=event_id, target=f"skill:{skill_id}", details={"name": values["name"], "groups": kinds})
    return await list_skills_by_id(event_id, skill_id)


async def list_skills_by_id(event_id: int, skill_id: int) -> dict[str, Any]:
    row = await get_skill(event_id, skill_id)
    groups = await CompetitionGroup.select().where(CompetitionGroup.skill == skill_id).order_by(CompetitionGroup.id)
    return skill_json(row, groups)


async def update_skill(event_id: int, skill_id: int, patch: dict[str, Any], actor: audit.Actor) -> dict[str, Any]:
    await editable_event(event_id)
    current = await get_skill(event_id, skill_id)
    values = clean_skill({k: current[k] for k in ("name", "occupation_code", "industry_cluster", "team_size", "total_marks")} | patch)
    async with write_transaction():
        if values["name"] != current["name"] and await Skill.exists().where(
            (Skill.event == event_id) & (Skill.name == values["name"]) & (Skill.id != skill_id)
        ):
            raise conflict("skill", "name")
        await Skill.update(values).where(Skill.id == skill_id)
        await audit.record(
            "skill.update", actor, event_id=event_id, target=f"skill:{skill_id}", details={k: v for k, v in values.items() if current[k] != v}
        )
    return await list_skills_by_id(event_id, skill_id)


async def add_group(event_id: int, skill_id: int, kind: str, name: str | None, actor: audit.Actor) -> dict[str, Any]:
    await editable_event(event_id)
    await get_skill(event_id, skill_id)
    if kind not in GROUP_KINDS:
        raise invalid("kind", "须为 employee（职工组）、student（学生组）或 teacher（教师组）", "must be employee, student or teacher")
    name = _text(name, "name", max_len=50, required=False) or GROUP_NAMES[kind]
    async with write_transaction():
        if await CompetitionGroup.exists().where((CompetitionGroup.skill == skill_id) & (CompetitionGroup.kind == kind)):
            raise conflict("group", "kind")
        rows = await CompetitionGroup.insert(CompetitionGroup(skill=skill_id, kind=kind, name=name)).returning(CompetitionGroup.id)
        await audit.record("group.create", actor, event_id=event_id, target=f"group:{rows[0]['id']}", details={"kind": kind})
    return group_json(await CompetitionGroup.select().where(CompetitionGroup.id == rows[0]["id"]).first())
