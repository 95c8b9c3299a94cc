"""Rule presets: everything a tier changes, as data.

An event stores the name of its base preset (chosen from its tier, and class where the tier has
one) plus its own overrides; the effective rules are the deep merge of the two. Scoring, award,
honour and promotion code reads its section from the effective preset and never asks which tier
an event is. Values cited from ``shared/DOMAIN.md``; those it marks *varies* are only defaults.

Sections:
- ``scoring``: totals, theory/practical weights, aggregation strategy per aspect kind, rounding.
- ``standardisation``: identity, or the WorldSkills 700 scale with its parameters.
- ``ranking``: tie margin and the tie-break chain.
- ``awards``: award strategy and its parameters.
- ``honours``: which honour the event grants, to whom.
- ``promotion``: level-promotion rules.
- ``eligibility``: age limit, minimum level per group, minimum entrants.
- ``results``: public notice and appeal windows, and their floors (see below).

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
from typing import Any, Iterator

TIERS = ("provincial", "national", "worldskills")
#: Classes a tier may have. 省级一类 / 省级二类 for provincial events.
TIER_CLASSES: dict[str, tuple[str, ...]] = {"provincial": ("class1", "class2"), "national": (), "worldskills": ()}

_COMMON_SCORING: dict[str, Any] = {
    "total": "100",
    "parts": {"theory": "30", "practical": "70"},
    "judgement": {"strategy": "worldskills_judgement", "params": {"judges": 3, "max_spread": 1}},
    "subjective": {"strategy": "trimmed_mean", "params": {"judges": 5, "drop_high": 1, "drop_low": 1}},
    "measurement": {"strategy": "measurement", "params": {"judges": 1}},
    "rounding": {"places": 2, "mode": "ROUND_HALF_UP"},
}

_PROVINCIAL: dict[str, Any] = {
    "scoring": copy.deepcopy(_COMMON_SCORING),
    "standardisation": {"strategy": "identity", "params": {}},
    "ranking": {"tie_margin": "0", "tie_break": ["practical_total", "theory_total", "fewer_deductions", "earlier_finish"]},
    "awards": {
        "strategy": "provincial",
        "params": {
            "ratio": [1, 2, 3],
            "cap_fraction": "0.20",
            "rounding": "floor",
            "split": "largest_remainder",
            "excellence_fraction": "0.50",
            "tie_at_boundary": "lower",
            "basis": "ranked",
            "min_score": None,
        },
    },
    "honours": {
        "strategy": "guangdong_technical_expert",
        "params": {
            "honour": "guangdong_technical_expert",
            "groups": ["employee"],
            "top": 3,
            "top_by_team_size": None,
            "min_award": None,
            "requires_approval": True,
        },
    },
    "promotion": {"rules": [{"id": "award_to_technician", "who": {"min_award": "excellence"}, "to": "技师", "already_held_to": "高级技师"}]},
    "eligibility": {"born_on_or_after": None, "min_level": {}, "min_entrants": 30, "school_check": "warning"},
    "results": {"appeal_window_hours": 2, "notice_hours": 72, "min_appeal_window_hours": 2, "min_notice_hours": 24},
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
        "ranking": {"tie_margin": "0", "tie_break": ["practical_total", "theory_total", "fewer_deductions", "earlier_finish"]},
        "awards": {
            "strategy": "national",
            "params": {
                "medal_ranks": {"gold": 1, "silver": 2, "bronze": 3},
                "excellence_fraction": "0.50",
                "rounding": "floor",
                "tie_at_boundary": "lower",
                "basis": "ranked",
                "min_score": None,
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
            },
        },
        "promotion": copy.deepcopy(_PROVINCIAL["promotion"]),
        "eligibility": {"born_on_or_after": None, "min_level": {}, "min_entrants": 0, "school_check": "warning"},
        "results": {"appeal_window_hours": 2, "notice_hours": 72, "min_appeal_window_hours": 2, "min_notice_hours": 24},
    },
    "worldskills": {
        "scoring": {**copy.deepcopy(_COMMON_SCORING), "parts": {"practical": "100"}},
        "standardisation": {
            "strategy": "worldskills_700",
            "params": {"centre": 700, "spread": 30, "mad_scale": "1.4826", "fallback_scale": "1.2533"},
        },
        "ranking": {"tie_margin": "0", "tie_break": []},
        "awards": {"strategy": "worldskills", "params": {"medal_margin": "0", "excellence_threshold": "700"}},
        "honours": {"strategy": "none", "params": {}},
        "promotion": {"rules": []},
        # WorldSkills competitors are born on or after 1 January of a year the event sets.
        "eligibility": {"born_on_or_after": None, "min_level": {}, "min_entrants": 15, "school_check": "warning"},
        "results": {"appeal_window_hours": 2, "notice_hours": 24, "min_appeal_window_hours": 2, "min_notice_hours": 24},
    },
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
        result = deep_merge(result, _PRESETS[name])
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


def effective_preset(name: str, overrides: dict[str, Any] | None) -> dict[str, Any]:
    return deep_merge(base_preset(name), overrides or {})


#: Keys whose contents are open (a strategy's parameters, a map from group kind to level …).
_OPEN_KEYS = {"params", "min_level", "top_by_team_size"}


def validate_overrides(name: str, overrides: dict[str, Any]) -> list[str]:
    """Paths in ``overrides`` that the base preset does not have (a typo would otherwise be silent).

    Keys below a section's ``params`` and the whole ``promotion.rules`` / ``ranking.tie_break`` lists
    are open, since strategies take their own parameters.
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

    walk(base_preset(name), overrides, "")
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
