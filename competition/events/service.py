"""Event, skill and group operations: validation and storage, shared by the API, pages and demo."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from decimal import Decimal
from typing import Any, Awaitable, Callable

from kernel import audit
from kernel.db import write_transaction
from kernel.errors import AppError, BilingualError, clean_text, conflict, invalid, not_found
from kernel.extension import Extension
from kernel.i18n import register
from kernel.tables import CompetitionGroup, Event, RoleAssignment, Skill, SkillSession
from scoring import codelists, presets
from scoring.messages import ScoringError

register({"thing.session": ("场次", "session")})

EVENT_CODE_RE = re.compile(r"^[A-Z0-9]{2,12}$")
# 职业编码 of the national occupation classification: 6-31-01-03, sometimes with a further -NN.
OCCUPATION_CODE_RE = re.compile(r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$")
GROUP_KINDS = ("employee", "student", "teacher")
GROUP_NAMES = {"employee": "职工组", "student": "学生组", "teacher": "教师组"}
EVENT_FIELDS = ("name", "code", "tier", "tier_class", "starts_on", "ends_on", "venue", "host")

#: Does anything printed carry the event's code (``async (event_id) -> bool``)? Certificates
#: answer: their numbers contain it, so the code can no longer change (``server/wiring.py``).
CODE_LOCKS: Extension[Callable[[int], Awaitable[bool]]] = Extension("is the event code printed", required=True)

#: What depends on a skill, a group or a session (``async (Target) -> [(zh, en), …]``, each a
#: phrase such as ("12 名报名选手", "12 registrations")), so it is not deleted (nor a session's code
#: changed) from under them. Registration, judges, the competition day and results answer
#: (``server/wiring.py``); nothing answering would let a skill with marks go, so it is required.
DEPENDANTS: "Extension[Callable[[Target], Awaitable[list[tuple[str, str]]]]]" = Extension("what depends on this", required=True)


@dataclasses.dataclass(frozen=True)
class Target:
    """What is about to go: a whole skill (``group_id`` and ``session`` None), one group, or one
    session (its code) of a skill."""

    skill_id: int
    group_id: int | None = None
    session: str | None = None

    @property
    def kind(self) -> str:
        return "group" if self.group_id is not None else "session" if self.session is not None else "skill"


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


def _decimal_text(value: Any) -> bool:
    """Decimals are kept as text ("0.20"): is this such a value?"""
    try:
        Decimal(str(value))
    except ArithmeticError:
        return False
    return isinstance(value, str)


_KIND_NAMES = {
    "bool": ("是或否", "yes or no"),
    "number": ("数字", "a number"),
    "text": ("文字", "text"),
    "list": ("一组值（列表）", "a list of values"),
    "object": ("一组设置", "a set of settings"),
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
    if base_kind == "text" and _decimal_text(base):
        base_kind = "number" if over_kind != "text" or not _decimal_text(over) else "text"
    if base_kind in ("text", "number") and over_kind == "number":
        return  # decimals are kept as text ("0.20"); a plain number is an acceptable spelling
    if base_kind != over_kind:
        zh, en = _KIND_NAMES.get(base_kind or "", (base_kind, base_kind))
        raise invalid(path, f"应为{zh}", f"must be {en}")


_WINDOW_NAMES = {"results.notice_hours": ("公示时长", "the public notice"), "results.appeal_window_hours": ("申诉时长", "the appeal window")}


def _hours_text(hours: float) -> str:
    return f"{hours:g}"


def check_windows(preset: dict[str, Any], field_prefix: str = "") -> None:
    """Refuse notice or appeal windows below the tier's floors (``presets.window_floors``)."""
    for path, hours, floor in presets.windows_below_floor(preset):
        zh, en = _WINDOW_NAMES.get(path, (path, path))
        raise BilingualError(
            422, "below_minimum", field=field_prefix + path, extra={"field": path, "minimum_hours": floor, "hours": hours},
            zh=f"{zh}不能短于 {_hours_text(floor)} 小时，这是本级别规则的下限（现为 {_hours_text(hours)} 小时）",
            en=f"{en[0].upper() + en[1:]} must be at least {_hours_text(floor)} h, the minimum of this tier's rules (it is {_hours_text(hours)} h)",
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
        named = re.search(r"eligibility\.\w+", str(exc))
        raise BilingualError(
            422,
            "bad_preset_value",
            field=named.group(0) if named else "eligibility",
            zh=f"资格条件设置有误：{exc}",
            en=f"The eligibility settings are wrong: {exc}",
        ) from None


def checked_overrides(preset_name: str, overrides: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The overrides (normalised) and the effective rules they make, or the refusal naming the
    first setting that is wrong — in the words of the rules form (``rule_fields``), its path in
    ``field``. Saving and previewing share it, so a preview is refused exactly as a save would be."""
    from competition.events import rule_fields

    try:
        return _checked_overrides(preset_name, overrides)
    except AppError as exc:
        raise rule_fields.worded(exc) from None


def _checked_overrides(preset_name: str, overrides: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    if not isinstance(overrides, dict):
        raise invalid("overrides", "应为对象", "must be an object")
    overrides = presets.normalise_overrides(preset_name, overrides)
    problems = presets.validate_overrides(preset_name, overrides)
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
    effective = effective_or_422(preset_name, overrides)
    # Types are held to the sections as they will be: a swapped strategy's own defaults.
    swapped = {p: {"strategy": s} for p in presets.STRATEGY_SECTIONS if (s := _strategy_at(overrides, p)) is not None}
    reference: dict[str, Any] = {}
    for path, stub in swapped.items():
        node = reference
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = stub
    check_override_types(presets.merge_preset(presets.base_preset(preset_name), reference), overrides)
    check_effective(effective)
    return overrides, effective


async def set_preset_overrides(event_id: int, overrides: dict[str, Any], actor: audit.Actor) -> dict[str, Any]:
    row = await editable_event(event_id)
    overrides, _ = checked_overrides(row["preset_name"], overrides)
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


# ---- editing and deleting skills, groups and sessions ----------------------------------------

_KIND_WORDS = {"skill": ("竞赛项目", "skill"), "group": ("组别", "group"), "session": ("场次", "session")}


async def dependants(target: Target) -> list[tuple[str, str]]:
    """Everything that depends on ``target`` (asked of every feature that keeps such records)."""
    found: list[tuple[str, str]] = []
    if target.kind == "skill":
        roles = await RoleAssignment.count().where(RoleAssignment.skill == target.skill_id)
        if roles:
            found.append((f"{roles} 项本项目的角色授权（如裁判长）", f"{roles} role grant(s) for this skill (chief judge …)"))
    for answer in DEPENDANTS:
        found.extend(await answer(target))
    return found


async def refuse_if_depended_on(target: Target, what: str, *, action: tuple[str, str] = ("删除", "deleted")) -> None:
    """409 ``in_use`` naming every dependant, in words, when something depends on ``target``."""
    found = await dependants(target)
    if not found:
        return
    zh_kind, en_kind = _KIND_WORDS[target.kind]
    raise BilingualError(
        409, "in_use", extra={"dependants": [{"zh": zh, "en": en} for zh, en in found]},
        zh=f"{zh_kind}“{what}”不能{action[0]}，因为还有 {'、'.join(zh for zh, _ in found)} 依赖它",
        en=f"The {en_kind} '{what}' cannot be {action[1]}: {'; '.join(en for _, en in found)} depend on it",
    )  # fmt: skip


async def delete_skill(event_id: int, skill_id: int, actor: audit.Actor) -> None:
    await editable_event(event_id)
    skill = await get_skill(event_id, skill_id)
    async with write_transaction():
        await refuse_if_depended_on(Target(skill_id), skill["name"])
        await SkillSession.delete().where(SkillSession.skill == skill_id)
        await CompetitionGroup.delete().where(CompetitionGroup.skill == skill_id)
        await Skill.delete().where(Skill.id == skill_id)
        await audit.record("skill.delete", actor, event_id=event_id, target=f"skill:{skill_id}", details={"name": skill["name"]})


async def get_group(skill_id: int, group_id: int) -> dict[str, Any]:
    row = await CompetitionGroup.select().where((CompetitionGroup.id == group_id) & (CompetitionGroup.skill == skill_id)).first()
    if row is None:
        raise not_found("group")
    return row


async def update_group(event_id: int, skill_id: int, group_id: int, patch: dict[str, Any], actor: audit.Actor) -> dict[str, Any]:
    """A group's name (职工组 → 职工组（A 赛区）); its kind only while nothing depends on it (the
    kind decides eligibility and honours)."""
    await editable_event(event_id)
    await get_skill(event_id, skill_id)
    current = await get_group(skill_id, group_id)
    kind = patch.get("kind", current["kind"])
    if kind not in GROUP_KINDS:
        raise invalid("kind", "须为 employee（职工组）、student（学生组）或 teacher（教师组）", "must be employee, student or teacher")
    name = _text(patch.get("name", current["name"]), "name", max_len=50, required=False) or GROUP_NAMES[kind]
    async with write_transaction():
        if kind != current["kind"]:
            if await CompetitionGroup.exists().where(
                (CompetitionGroup.skill == skill_id) & (CompetitionGroup.kind == kind) & (CompetitionGroup.id != group_id)
            ):
                raise conflict("group", "kind")
            await refuse_if_depended_on(Target(skill_id, group_id=group_id), current["name"], action=("改变组别类型", "changed to another kind"))
        await CompetitionGroup.update({CompetitionGroup.kind: kind, CompetitionGroup.name: name}).where(CompetitionGroup.id == group_id)
        await audit.record("group.update", actor, event_id=event_id, target=f"group:{group_id}", details={"kind": kind, "name": name})
    return group_json(await get_group(skill_id, group_id))


async def delete_group(event_id: int, skill_id: int, group_id: int, actor: audit.Actor) -> None:
    await editable_event(event_id)
    await get_skill(event_id, skill_id)
    group = await get_group(skill_id, group_id)
    async with write_transaction():
        await refuse_if_depended_on(Target(skill_id, group_id=group_id), group["name"])
        await CompetitionGroup.delete().where(CompetitionGroup.id == group_id)
        await audit.record("group.delete", actor, event_id=event_id, target=f"group:{group_id}", details={"kind": group["kind"]})


# ---- sessions (场次) ----------------------------------------------------------------------------

SESSION_CODE_RE = re.compile(r"^[0-9A-Za-z\u4e00-\u9fff-]{1,20}$")


def _when(value: Any, field: str) -> dt.datetime | None:
    """A time as typed (ISO; without an offset it is China time)."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        when = value
    else:
        try:
            when = dt.datetime.fromisoformat(str(value))
        except ValueError:
            raise invalid(field, "时间格式应为 2026-12-08 09:00", "times look like 2026-12-08 09:00") from None
    if when.tzinfo is None:
        from kernel.i18n import CHINA_TZ

        when = when.replace(tzinfo=CHINA_TZ)
    return when.astimezone(dt.timezone.utc)


_SESSION_WORDS = {
    "code": ("场次编号", "session code"),
    "name": ("名称", "name"),
    "venue": ("地点", "venue"),
    "starts_at": ("开始时间", "start"),
    "ends_at": ("结束时间", "end"),
}


def _in_words(exc: AppError, words: dict[str, tuple[str, str]]) -> AppError:
    """A refusal naming its field as the form does (“场次编号”, not “code”)."""
    if not isinstance(exc, BilingualError) or exc.field not in words:
        return exc
    zh, en = words[exc.field]
    texts = {"zh": exc.texts["zh"].replace(f"“{exc.field}”", f"“{zh}”"), "en": exc.texts["en"].replace(f"'{exc.field}'", f"'{en}'")}
    return BilingualError(exc.status_code, exc.code, zh=texts["zh"], en=texts["en"], field=exc.field, extra=exc.extra_data)


def clean_session(data: dict[str, Any]) -> dict[str, Any]:
    try:
        return _clean_session(data)
    except AppError as exc:
        raise _in_words(exc, _SESSION_WORDS) from None


def _clean_session(data: dict[str, Any]) -> dict[str, Any]:
    code = _text(data.get("code"), "code", max_len=20, required=True)
    if not SESSION_CODE_RE.fullmatch(code):
        raise invalid("code", "场次编号为 1–20 个字母、数字或汉字，如 1、2、A", "a session code is 1–20 letters or digits, e.g. 1, 2, A")
    out = {
        "code": code,
        "name": _text(data.get("name"), "name", max_len=100, required=False),
        "venue": _text(data.get("venue"), "venue", max_len=200, required=False),
        "starts_at": _when(data.get("starts_at"), "starts_at"),
        "ends_at": _when(data.get("ends_at"), "ends_at"),
    }
    if out["starts_at"] and out["ends_at"] and out["ends_at"] <= out["starts_at"]:
        raise invalid("ends_at", "结束时间须晚于开始时间", "must be after the start")
    return out


def session_json(row: dict[str, Any]) -> dict[str, Any]:
    from kernel.i18n import china_time

    out = {k: row[k] for k in ("id", "code", "name", "venue")}
    out["skill_id"] = row["skill"]
    for key in ("starts_at", "ends_at"):
        value = row[key]
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        out[key] = value.isoformat() if value else None
        out[key + "_china"] = china_time(value) if value else ""
    return out


async def list_sessions(event_id: int, skill_id: int) -> list[dict[str, Any]]:
    await get_skill(event_id, skill_id)
    rows = await SkillSession.select().where(SkillSession.skill == skill_id).order_by(SkillSession.id)
    return [session_json(r) for r in rows]


async def sessions_of_event(event_id: int) -> dict[int, list[dict[str, Any]]]:
    """Every skill's sessions (skill id → sessions), in one query."""
    rows = await SkillSession.select().where(SkillSession.skill.event == event_id).order_by(SkillSession.id)
    out: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r["skill"], []).append(session_json(r))
    return out


async def get_session(skill_id: int, session_id: int) -> dict[str, Any]:
    row = await SkillSession.select().where((SkillSession.id == session_id) & (SkillSession.skill == skill_id)).first()
    if row is None:
        raise not_found("session")
    return row


async def create_session(event_id: int, skill_id: int, data: dict[str, Any], actor: audit.Actor) -> dict[str, Any]:
    await editable_event(event_id)
    await get_skill(event_id, skill_id)
    values = clean_session(data)
    async with write_transaction():
        if await SkillSession.exists().where((SkillSession.skill == skill_id) & (SkillSession.code == values["code"])):
            raise conflict("session", "code")
        rows = await SkillSession.insert(SkillSession(skill=skill_id, **values)).returning(SkillSession.id)
        await audit.record(
            "session.create", actor, event_id=event_id, target=f"session:{rows[0]['id']}", details={"skill": skill_id, "code": values["code"]}
        )
    return session_json(await get_session(skill_id, rows[0]["id"]))


async def update_session(event_id: int, skill_id: int, session_id: int, patch: dict[str, Any], actor: audit.Actor) -> dict[str, Any]:
    await editable_event(event_id)
    await get_skill(event_id, skill_id)
    current = await get_session(skill_id, session_id)
    values = clean_session({k: current[k] for k in ("code", "name", "venue", "starts_at", "ends_at")} | patch)
    async with write_transaction():
        if values["code"] != current["code"]:
            if await SkillSession.exists().where(
                (SkillSession.skill == skill_id) & (SkillSession.code == values["code"]) & (SkillSession.id != session_id)
            ):
                raise conflict("session", "code")
            # Contestants and draws name the session by its code: it stays while they do.
            await refuse_if_depended_on(
                Target(skill_id, session=current["code"]), current["name"] or current["code"], action=("改编号", "renumbered")
            )
        await SkillSession.update(values).where(SkillSession.id == session_id)
        await audit.record(
            "session.update", actor, event_id=event_id, target=f"session:{session_id}",
            details={k: str(v) for k, v in values.items() if current[k] != v},
        )  # fmt: skip
    return session_json(await get_session(skill_id, session_id))


async def delete_session(event_id: int, skill_id: int, session_id: int, actor: audit.Actor) -> None:
    await editable_event(event_id)
    await get_skill(event_id, skill_id)
    current = await get_session(skill_id, session_id)
    async with write_transaction():
        await refuse_if_depended_on(Target(skill_id, session=current["code"]), current["name"] or current["code"])
        await SkillSession.delete().where(SkillSession.id == session_id)
        await audit.record("session.delete", actor, event_id=event_id, target=f"session:{session_id}", details={"code": current["code"]})
