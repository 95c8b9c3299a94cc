"""Every preset's rule sections are read by the strategies they name (no typo goes unnoticed)."""

import pytest

from scoring.aggregation import Scorer
from scoring.awards import award_rule
from scoring.honours import HONOUR_RULES
from scoring.messages import ScoringError
from scoring.presets import base_preset, effective_preset, preset_names, validate_overrides
from scoring.promotion import parse_rules
from scoring.ranking import RankingRules
from scoring.standardisation import standardiser


@pytest.mark.parametrize("name", preset_names())
def test_sections_parse(name, small_scheme):
    p = base_preset(name)
    Scorer(small_scheme, p["scoring"])
    standardiser(p["standardisation"])
    RankingRules.from_section(p["ranking"])
    award_rule(p["awards"])
    HONOUR_RULES.from_section(p["honours"])
    parse_rules(p["promotion"])


def test_overrides_are_read_and_typos_refused():
    p = effective_preset("provincial", {"awards": {"params": {"cap_fraction": "0.3", "tie_at_boundary": "higher"}}})
    assert award_rule(p["awards"]).params.tie_at_boundary == "higher"
    bad = effective_preset("provincial", {"awards": {"params": {"cap_fractoin": "0.3"}}})
    assert validate_overrides("provincial", {"awards": {"params": {"cap_fractoin": "0.3"}}}) == []  # params are open…
    with pytest.raises(ScoringError) as exc:  # …so the strategy refuses the unknown name
        award_rule(bad["awards"])
    assert exc.value.code == "unknown_params" and "cap_fractoin" in exc.value.message.en
    with pytest.raises(ScoringError) as exc:
        award_rule({"strategy": "olympic", "params": {}})
    assert exc.value.code == "unknown_strategy"
