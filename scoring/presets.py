"""Rule presets: everything a tier changes, as data.

An event stores the name of its base preset (chosen from its tier, and class where the tier has
one) plus its own overrides; the effective rules are the deep merge of the two. Scoring, award,
honour and promotion code reads its section from the effective preset and never asks which tier
an event is. Values cited from ``shared/DOMAIN.md``; those it marks *varies* are only defaults.

Sections. Every rule section has one shape, ``{"strategy": name, "params": {...}}``
(:data:`STRATEGY_SECTIONS`; ``docs/RULES.md`` lists each setting and its default per tier):
- ``scoring``: totals, theory/practical weights, rounding, and a rule section per aspect kind
  (``scoring.judgement`` / ``subjective`` / ``measurement``).
- ``standardisation``: identity, or the WorldSkills 700 scale with its parameters.
- ``ranking``: ``competition`` (tie margin, the tie-break chain, unshared ranks and the lot seed).
- ``awards``: award strategy and its parameters.
- ``honours``: which honour the event grants, to whom.
- ``promotion``: ``level_rules``, the level-promotion rules.
- ``delegation_standings``: the team standings (medal table, 团体总分 points per award, how many
  delegations get 优秀组织奖), or ``none`` where the tier keeps none (``scoring/team_standings.py``).
Settings sections (plain values, no strategy):
- ``judging``: which aspect kind's panel a judge panel must fill (``panel``: the scoring rule
  whose ``params.judges`` is the panel size), read by the conflict-of-interest checks.
- ``eligibility``: age limit, minimum level per group, minimum entrants.
- ``results``: public notice and appeal windows, and their floors (see below).

**Swapping a strategy.** An override that names another strategy for a section than the base
preset does replaces that section: its parameters start from the new strategy's defaults
(:func:`strategy_defaults`), never merged key by key with the old strategy's. Naming the same
strategy (or none) tunes the base's parameters key by key.

**Stored overrides of the older shape** (``ranking: {tie_margin, tie_break}``, ``promotion:
{rules}``, ``awards.params.rounding`` for both cuts) are read as the new shape
(:func:`normalise_overrides`), so existing events keep working unchanged.

**Window floors.** ``results.notice_hours`` (公示) and ``results.appeal_window_hours`` (申诉) may be
lengthened or shortened by an event, but never below the tier's ``results.min_notice_hours`` /
``results.min_appeal_window_hours``, and those two are not an event's to override (``FIXED_KEYS``):
otherwise results could go from provisional to final in the same second. Appeals: at least 2 h
for every tier (the domain's rule: within 2 hours of the end, *varies*). The public notice: at least
24 h for every tier — the domain gives no figure, so this is our choice (*varies*): a notice shorter
than a day is missed by a public that looks once a day. The release records the windows that
applied. Tests and demos only may lower every floor for a whole process
(``COMPETITION_MIN_WINDOW_HOURS``, ``lower_window_floors``) or for one task (``window_floors_capped``).
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import dataclasses
from decimal import Decimal
from typing import Any, Iterator

from scoring.aggregation import AGGREGATIONS
from scoring.awards import AWARD_RULES
from scoring.event_awards import EVENT_AWARD_RULES
from scoring.honours import HONOUR_RULES
from scoring.messages import ScoringError
from scoring.promotion import PROMOTION_RULES
from scoring.ranking import RANKING_RULES
from scoring.standardisation import STANDARDISATIONS
from scoring.strategy import Registry
from scoring.team_standings import STANDINGS_RULES

#: 省赛, 国赛, 世赛, 市赛, 行业竞赛, 企业竞赛.
TIERS = ("provincial", "national", "worldskills", "city", "industry", "enterprise")
#: Classes a tier may have. 省级一类 / 省级二类 for provincial events; 岗位练兵 / 技术比武 / 技术比武
#: recognised for level promotion (认定晋级) for industry and enterprise contests.
TIER_CLASSES: dict[str, tuple[str, ...]] = {
    "provincial": ("class1", "class2"),
    "national": (),
    "worldskills": (),
    "city": (),
    "industry": ("drill", "contest", "recognised"),
    "enterprise": ("drill", "contest", "recognised"),
}

#: Rule sections (a path in the preset) → the registry of their strategies.
STRATEGY_SECTIONS: dict[tuple[str, ...], Registry[Any]] = {
    ("scoring", "judgement"): AGGREGATIONS,
    ("scoring", "subjective"): AGGREGATIONS,
    ("scoring", "measurement"): AGGREGATIONS,
    ("standardisation",): STANDARDISATIONS,
    ("ranking",): RANKING_RULES,
    ("awards",): AWARD_RULES,
    ("event_awards",): EVENT_AWARD_RULES,
    ("honours",): HONOUR_RULES,
    ("promotion",): PROMOTION_RULES,
    ("delegation_standings",): STANDINGS_RULES,
}

_COMMON_SCORING: dict[str, Any] = {
    "total": "100",
    "parts": {"theory": "30", "practical": "70"},
    "judgement": {"strategy": "worldskills_judgement", "params": {"judges": 3, "max_spread": 1}},
    "subjective": {"strategy": "trimmed_mean", "params": {"judges": 5, "drop_high": 1, "drop_low": 1}},
    "measurement": {"strategy": "measurement", "params": {"judges": 1}},
    "rounding": {"places": 2, "mode": "ROUND_HALF_UP"},
}

_TIE_BREAKS = ["practical_total", "theory_total", "fewer_deductions", "earlier_finish"]


def _ranking(tie_break: list[str]) -> dict[str, Any]:
    return {
        "strategy": "competition",
        "params": {"tie_margin": "0", "tie_break": list(tie_break), "unshared": False, "unshared_by": "lot", "lot_seed": None},
    }


def _promotion(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"strategy": "level_rules", "params": {"rules": list(rules)}}


def _provincial_awards(excellence: str = "0.50") -> dict[str, Any]:
    return {
        "strategy": "provincial",
        "params": {
            "ratio": [1, 2, 3],
            "cap_fraction": "0.20",
            "cap_rounding": "floor",
            "split": "largest_remainder",
            "excellence_fraction": excellence,
            "excellence_rounding": "floor",
            "tie_at_boundary": "lower",
            "basis": "ranked",
            "min_score": None,
            "count_among": "all",
        },
    }


def _standings(points: dict[str, int], organisation_awards: int) -> dict[str, Any]:
    return {"strategy": "points", "params": {"points": dict(points), "organisation_awards": organisation_awards, "min_points": 1}}


# 团体总分: points per award (*varies*: each contest's 竞赛技术文件 sets them; these are our defaults,
# the usual 7/5/3/1 of Guangdong's provincial contests); 优秀组织奖 to the top delegations by team total.
_PRIZE_POINTS = {"first": 7, "second": 5, "third": 3, "excellence": 1}
_MEDAL_POINTS = {"gold": 7, "silver": 5, "bronze": 3, "medallion": 1}
_NO_STANDINGS: dict[str, Any] = {"strategy": "none", "params": {}}

_RESULTS = {"appeal_window_hours": 2, "notice_hours": 72, "min_appeal_window_hours": 2, "min_notice_hours": 24}
_TO_TECHNICIAN = {"id": "award_to_technician", "who": {"min_award": "excellence"}, "to": "技师", "already_held_to": "高级技师"}
# City and recognised industry / enterprise contests: our default (*varies*: the contest's
# technical document, 竞赛技术文件, names the levels it may grant).
_PRIZE_TO_SENIOR_WORKER = {"id": "prize_to_senior_worker", "who": {"min_award": "third"}, "to": "高级工", "already_held_to": "技师"}

_PROVINCIAL: dict[str, Any] = {
    "scoring": copy.deepcopy(_COMMON_SCORING),
    "standardisation": {"strategy": "identity", "params": {}},
    "ranking": _ranking(_TIE_BREAKS),
    "awards": _provincial_awards(),
    "honours": {
        "strategy": "guangdong_technical_expert",
        "params": {
            "honour": "guangdong_technical_expert",
            "groups": ["employee"],
            "top": 3,
            "top_by_team_size": None,
            "min_award": None,
            "requires_approval": True,
            "count_among": "all",
        },
    },
    "promotion": _promotion(_TO_TECHNICIAN),
    "delegation_standings": _standings(_PRIZE_POINTS, 10),
    "event_awards": {"strategy": "none", "params": {}},
    "judging": {"panel": "subjective"},
    "eligibility": {"born_on_or_after": None, "min_level": {}, "min_entrants": 30, "school_check": "warning"},
    "results": dict(_RESULTS),
}

# Industry (行业) and enterprise (企业) contests: light rules — prizes, no honour, no promotion
# unless the contest is recognised for it (class ``recognised``).
_LIGHT: dict[str, Any] = {
    "scoring": copy.deepcopy(_COMMON_SCORING),
    "standardisation": {"strategy": "identity", "params": {}},
    "ranking": _ranking(_TIE_BREAKS),
    "awards": _provincial_awards(),
    "honours": {"strategy": "none", "params": {}},
    "promotion": _promotion(),
    "delegation_standings": dict(_NO_STANDINGS),
    "event_awards": {"strategy": "none", "params": {}},
    "judging": {"panel": "subjective"},
    "eligibility": {"born_on_or_after": None, "min_level": {}, "min_entrants": 0, "school_check": "warning"},
    "results": dict(_RESULTS),
}
_LIGHT_CLASSES: dict[str, dict[str, Any]] = {
    # 岗位练兵: practice on the job — prizes only, no 优胜奖.
    "drill": {"awards": {"params": {"excellence_fraction": "0"}}},
    # 技术比武: as the tier's base.
    "contest": {},
    # 技术比武 recognised for level promotion (认定晋级).
    "recognised": {"promotion": _promotion(_PRIZE_TO_SENIOR_WORKER)},
}

_PRESETS: dict[str, dict[str, Any]] = {
    "provincial": _PROVINCIAL,
    # 省级一类: commonly top 5 earn the honour (unverified, varies).
    "provincial.class1": {"honours": {"params": {"top": 5}}},
    # 省级二类: commonly top 3 (unverified, varies).
    "provincial.class2": {"honours": {"params": {"top": 3}}},
    "national": {
        "scoring": copy.deepcopy(_COMMON_SCORING),
        "standardisation": {"strategy": "identity", "params": {}},
        "ranking": _ranking(_TIE_BREAKS),
        "awards": {
            "strategy": "national",
            "params": {
                "medal_ranks": {"gold": 1, "silver": 2, "bronze": 3},
                "excellence_fraction": "0.50",
                "excellence_rounding": "floor",
                "tie_at_boundary": "lower",
                "basis": "ranked",
                "min_score": None,
                "count_among": "all",
            },
        },
        "honours": {
            "strategy": "national_technical_expert",
            "params": {
                "honour": "national_technical_expert",
                "top": 5,
                "top_by_team_size": {"1": 5, "2": 3, "3": 2},
                "groups": None,
                "min_award": None,
                "requires_approval": True,
                "count_among": "all",
            },
        },
        "promotion": _promotion(_TO_TECHNICIAN),
        "delegation_standings": _standings(_MEDAL_POINTS, 0),
        "event_awards": {"strategy": "none", "params": {}},
        "judging": {"panel": "subjective"},
        "eligibility": {"born_on_or_after": None, "min_level": {}, "min_entrants": 0, "school_check": "warning"},
        "results": dict(_RESULTS),
    },
    "worldskills": {
        "scoring": {**copy.deepcopy(_COMMON_SCORING), "parts": {"practical": "100"}},
        "standardisation": {
            "strategy": "worldskills_700",
            "params": {"centre": 700, "spread": 30, "mad_scale": "1.4826", "fallback_scale": "1.2533"},
        },
        "ranking": _ranking([]),
        "awards": {"strategy": "worldskills", "params": {"medal_margin": "0", "excellence_threshold": "700", "count_among": "all"}},
        "honours": {"strategy": "none", "params": {}},
        "promotion": _promotion(),
        "delegation_standings": _standings(_MEDAL_POINTS, 0),
        # Across the skills, on the WorldSkills Scale: Best of Nation per delegation, the Albert Vidal Award.
        "event_awards": {
            "strategy": "worldskills",
            "params": {"best_of_nation": True, "albert_vidal": True, "margin": "0", "min_score": None, "count_among": "eligible"},
        },
        # WorldSkills marks judgement aspects with a panel of 3 (0–3 scale).
        "judging": {"panel": "judgement"},
        # WorldSkills competitors are born on or after 1 January of a year the event sets.
        "eligibility": {"born_on_or_after": None, "min_level": {}, "min_entrants": 15, "school_check": "warning"},
        "results": {**_RESULTS, "notice_hours": 24},
    },
    # 市级: 市技术能手 to the employee group's top 3 (*varies*), a city's prizes as the province's.
    "city": {
        **copy.deepcopy(_PROVINCIAL),
        "honours": {
            "strategy": "top_by_rank",
            "params": {
                "honour": "city_technical_expert",
                "groups": ["employee"],
                "top": 3,
                "top_by_team_size": None,
                "min_award": None,
                "requires_approval": True,
                "count_among": "all",
            },
        },
        "promotion": _promotion(_PRIZE_TO_SENIOR_WORKER),
        # A city's contest: 团体总分 by its districts' and employers' delegations, 优秀组织奖 to the top 3.
        "delegation_standings": _standings(_PRIZE_POINTS, 3),
        "eligibility": {"born_on_or_after": None, "min_level": {}, "min_entrants": 0, "school_check": "warning"},
    },
    "industry": copy.deepcopy(_LIGHT),
    **{f"industry.{c}": copy.deepcopy(v) for c, v in _LIGHT_CLASSES.items()},
    "enterprise": copy.deepcopy(_LIGHT),
    **{f"enterprise.{c}": copy.deepcopy(v) for c, v in _LIGHT_CLASSES.items()},
}


def preset_name(tier: str, tier_class: str | None = None) -> str:
    """The base preset an event of this tier (and class) starts from."""
    if tier not in TIERS:
        raise ValueError(f"unknown tier {tier!r}")
    if tier_class:
        if tier_class not in TIER_CLASSES[tier]:
            raise ValueError(f"tier {tier!r} has no class {tier_class!r}")
        return f"{tier}.{tier_class}"
    return tier


def base_preset(name: str) -> dict[str, Any]:
    """The full preset for a name such as ``provincial.class1`` (a copy, safe to change)."""
    if name not in _PRESETS:
        raise KeyError(name)
    head, _, _ = name.partition(".")
    result = copy.deepcopy(_PRESETS[head])
    if head != name:
        result = merge_preset(result, _PRESETS[name])
    return result


def preset_names() -> list[str]:
    return list(_PRESETS)


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Merge ``override`` into a copy of ``base``: dicts merge key by key, anything else replaces.

    A ``None`` in the override is a value like any other (it clears an age limit, say); to drop an
    override, remove its key from the event's overrides.
    """
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (tuple, list)):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _json_value(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


def strategy_defaults(registry: Registry[Any], name: str) -> dict[str, Any]:
    """The parameters a strategy takes when a preset names it without any (as preset data)."""
    params_cls = registry.get(name).Params
    return {f.name: _json_value(getattr(params_cls(), f.name)) for f in dataclasses.fields(params_cls)}


def _at(tree: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(tree, dict):
            return None
        tree = tree.get(key)
    return tree


def _put(tree: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        tree = tree.setdefault(key, {})
    tree[path[-1]] = value


def merge_preset(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """:func:`deep_merge`, except that a rule section whose override names another strategy starts
    from that strategy's defaults (see the module doc)."""
    base = copy.deepcopy(base)
    for path, registry in STRATEGY_SECTIONS.items():
        over = _at(override, path)
        if not isinstance(over, dict) or "strategy" not in over:
            continue
        current = _at(base, path)
        if isinstance(current, dict) and current.get("strategy") == over["strategy"]:
            continue
        _put(base, path, {"strategy": over["strategy"], "params": strategy_defaults(registry, over["strategy"])})
    return deep_merge(base, override)


#: Sections stored flat before 2026-12 → their strategy: their keys become ``params``.
_FLAT_SECTIONS = {"ranking": "competition", "promotion": "level_rules"}
#: Award strategies with one ``rounding`` for both cuts before 2026-12 → the roundings it became.
_SPLIT_ROUNDING = {"provincial": ("cap_rounding", "excellence_rounding"), "national": ("excellence_rounding",), "guangdong": ("excellence_rounding",)}


def normalise_overrides(name: str, overrides: dict[str, Any] | None) -> dict[str, Any]:
    """Overrides of the older stored shapes read as the current one (see the module doc)."""
    out = copy.deepcopy(overrides or {})
    if not isinstance(out, dict):
        return out
    for section in _FLAT_SECTIONS:
        value = out.get(section)
        if isinstance(value, dict):
            flat = {k: v for k, v in value.items() if k not in ("strategy", "params")}
            if flat:
                rest = {k: v for k, v in value.items() if k in ("strategy", "params")}
                given = rest.get("params")
                params: dict[str, Any] = given if isinstance(given, dict) else {}
                out[section] = {**rest, "params": {**flat, **params}}
    awards = out.get("awards")
    if isinstance(awards, dict) and isinstance(awards.get("params"), dict) and "rounding" in awards["params"]:
        strategy = awards.get("strategy") or (base_preset(name).get("awards") or {}).get("strategy")
        params = awards["params"]
        mode = params.pop("rounding")
        for key in _SPLIT_ROUNDING.get(str(strategy), ("rounding",)):
            params.setdefault(key, mode)
    return out


def effective_preset(name: str, overrides: dict[str, Any] | None) -> dict[str, Any]:
    """The base preset with the event's overrides (normalised first). May raise
    :class:`ScoringError` (``unknown_strategy``) for an override naming no known strategy."""
    return merge_preset(base_preset(name), normalise_overrides(name, overrides))


def needed_panel(preset: dict[str, Any]) -> tuple[str, int]:
    """The judge panel a mark needs under these rules: (aspect kind's scoring section, judges).

    The preset's ``judging.panel`` names it (WorldSkills: ``judgement``; the others:
    ``subjective``); its size is that scoring rule's ``params.judges``.
    """
    scoring = preset.get("scoring") or {}
    panel = str((preset.get("judging") or {}).get("panel") or "subjective")
    if panel not in scoring:
        panel = "judgement" if "judgement" in scoring and "subjective" not in scoring else panel
    section = scoring.get(panel) or {}
    count = (section.get("params") or {}).get("judges")
    if count is None:
        try:
            count = strategy_defaults(AGGREGATIONS, str(section.get("strategy"))).get("judges")
        except ScoringError:
            count = None
    try:
        count = int(count)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        count = 3 if panel == "judgement" else 5
    return panel, max(count, 1)


def preset_problem(preset: dict[str, Any]) -> tuple[str, ScoringError] | None:
    """The first rule section its strategy refuses, as (path of the setting, the error): an unknown
    strategy names the section's ``strategy``, a wrong parameter ``<section>.params.<name>``."""
    for path, registry in STRATEGY_SECTIONS.items():
        section = _at(preset, path)
        if section is None:
            continue
        where = ".".join(path)
        try:
            registry.from_section(section)
        except ScoringError as exc:
            if exc.code == "unknown_strategy":
                return f"{where}.strategy", exc
            if exc.code == "bad_promotion_rule":
                return f"{where}.params.rules", exc
            if exc.code == "bad_tie_break":
                return f"{where}.params.tie_break", exc
            unknown = exc.details.get("unknown")
            param = unknown[0] if unknown else exc.details.get("param")
            return (f"{where}.params.{param}" if param else where), exc
    panel = (preset.get("judging") or {}).get("panel")
    if panel is not None and panel not in ("judgement", "subjective", "measurement"):
        from scoring.messages import Message

        return "judging.panel", ScoringError(
            "bad_param",
            Message("judging.panel 须为 judgement、subjective 或 measurement", "judging.panel must be judgement, subjective or measurement"),
        )
    return None


#: Keys whose contents are open (a strategy's parameters, a map from group kind to level …).
_OPEN_KEYS = {"params", "min_level", "top_by_team_size"}


def validate_overrides(name: str, overrides: dict[str, Any]) -> list[str]:
    """Paths in ``overrides`` that the base preset does not have (a typo would otherwise be silent).

    Keys below a section's ``params`` are open, since strategies take their own parameters (the
    strategy refuses an unknown one: :func:`preset_problem`).
    """
    problems: list[str] = []

    def walk(base: Any, over: Any, path: str) -> None:
        if not isinstance(over, dict):
            return
        if not isinstance(base, dict):
            problems.append(path)
            return
        for key, value in over.items():
            sub = f"{path}.{key}" if path else key
            if key in _OPEN_KEYS or path.rsplit(".", 1)[-1] in _OPEN_KEYS:
                continue
            if key not in base:
                problems.append(sub)
            else:
                walk(base[key], value, sub)

    walk(base_preset(name), normalise_overrides(name, overrides), "")
    return problems


# ---- window floors ------------------------------------------------------------------------------

#: Each window of the ``results`` section → the key of its floor.
WINDOW_FLOORS = {"notice_hours": "min_notice_hours", "appeal_window_hours": "min_appeal_window_hours"}
#: Preset paths an event's overrides may not set: the floors belong to the tier.
FIXED_KEYS = tuple(f"results.{floor}" for floor in WINDOW_FLOORS.values())
#: Windows when a preset has none (hours).
WINDOW_DEFAULTS = {"notice_hours": 72.0, "appeal_window_hours": 2.0}
_MAX_HOURS = 87600.0  # ten years

_process_cap: float | None = None
_task_cap: contextvars.ContextVar[float | None] = contextvars.ContextVar("window_floor_cap", default=None)


def lower_window_floors(hours: float | None) -> None:
    """Cap every window floor at ``hours`` in this process (``COMPETITION_MIN_WINDOW_HOURS``: tests
    and demos only, so results can be taken to final in seconds); None restores the tiers' floors."""
    global _process_cap
    _process_cap = None if hours is None else max(0.0, float(hours))


@contextlib.contextmanager
def window_floors_capped(hours: float) -> Iterator[None]:
    """Cap the floors at ``hours`` for the current task only (the demo's finished skill)."""
    token = _task_cap.set(max(0.0, float(hours)))
    try:
        yield
    finally:
        _task_cap.reset(token)


def _hours(value: Any, default: float) -> float:
    try:
        hours = float(value)
    except (TypeError, ValueError):
        return default
    if hours != hours:  # NaN
        return default
    return min(max(0.0, hours), _MAX_HOURS)


def window_floors(preset: dict[str, Any]) -> dict[str, float]:
    """Each window's floor in hours, from the preset's ``results`` section (0 where it has none),
    lowered by a test or demo cap if one is set."""
    results = preset.get("results") or {}
    caps = [c for c in (_process_cap, _task_cap.get()) if c is not None]
    out = {}
    for window, floor_key in WINDOW_FLOORS.items():
        floor = _hours(results.get(floor_key), 0.0)
        out[window] = min([floor, *caps])
    return out


def windows(preset: dict[str, Any]) -> dict[str, float]:
    """The windows that apply (hours): each as the preset sets it, never below its floor, and the
    floors themselves, as ``ResultRelease.windows`` records them."""
    results = preset.get("results") or {}
    floors = window_floors(preset)
    out: dict[str, float] = {}
    for window, floor_key in WINDOW_FLOORS.items():
        out[window] = max(_hours(results.get(window), WINDOW_DEFAULTS[window]), floors[window])
        out[floor_key] = floors[window]
    return out


def windows_below_floor(preset: dict[str, Any]) -> list[tuple[str, float, float]]:
    """(path, hours set, floor) of each window the preset sets below its floor."""
    results = preset.get("results") or {}
    floors = window_floors(preset)
    problems = []
    for window in WINDOW_FLOORS:
        if window in results:
            hours = _hours(results.get(window), WINDOW_DEFAULTS[window])
            if hours < floors[window]:
                problems.append((f"results.{window}", hours, floors[window]))
    return problems


def fixed_keys_in(overrides: dict[str, Any]) -> list[str]:
    """Paths of ``FIXED_KEYS`` that ``overrides`` tries to set."""
    found = []
    for path in FIXED_KEYS:
        section, key = path.split(".")
        if isinstance(overrides.get(section), dict) and key in overrides[section]:
            found.append(path)
    return found
