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
- ``results``: public notice and appeal windows.
"""

from __future__ import annotations

import copy
from typing import Any

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
    "promotion": {
        "rules": [
            {"id": "award_to_technician", "who": {"min_award": "excellence"}, "to": "技师", "already_held_to": "高级技师"},
        ]
    },
    "eligibility": {"born_on_or_after": None, "min_level": {}, "min_entrants": 30, "school_check": "warning"},
    "results": {"appeal_window_hours": 2, "notice_hours": 72},
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
        "results": {"appeal_window_hours": 2, "notice_hours": 72},
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
        "results": {"appeal_window_hours": 2, "notice_hours": 24},
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
