"""Best of Nation and the Albert Vidal Award (scoring/event_awards.py) on a hand-made WorldSkills field:
three skills on the 700 scale, delegations of several competitors, one of a single competitor,
ties for a delegation's best and for the highest score, a team sharing its score, and an ineligible
competitor."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scoring.event_awards import ALBERT_VIDAL, BEST_OF_NATION, Entrant, albert_vidal, best_of_nation, decide_event_awards
from scoring.messages import ScoringError
from scoring.presets import base_preset, effective_preset
from scoring.standardisation import standardiser

D = Decimal
# (contestant, delegation, skill, score on the WorldSkills scale)
FIELD = [
    ("cn-1", "中国", "焊接", "742"),
    ("cn-2", "中国", "数控铣", "751"),  # China's best
    ("cn-3", "中国", "网站设计", "700"),
    ("kr-1", "韩国", "焊接", "738"),
    ("kr-2", "韩国", "数控铣", "738"),  # Korea: two share the best, in different skills
    ("jp-1", "日本", "网站设计", "751"),  # ties China's best for the highest score overall
    ("br-1", "巴西", "焊接", "655"),  # Brazil's only competitor, below 700: still its best
    ("fr-1", "法国", "网站设计", "690"),
    ("fr-2", "法国", "网站设计", "690"),  # a team of two sharing its score
]


def _field(**over) -> list[Entrant]:
    return [Entrant(cid, dlg, D(score), skill, award_eligible=over.get(cid, True)) for cid, dlg, skill, score in FIELD]


def test_best_of_nation_per_delegation():
    awards = best_of_nation(_field())
    got = {(a.delegation, a.contestant_id, a.shared) for a in awards}
    assert got == {
        ("中国", "cn-2", False), ("韩国", "kr-1", True), ("韩国", "kr-2", True), ("日本", "jp-1", False),
        ("巴西", "br-1", False), ("法国", "fr-1", True), ("法国", "fr-2", True),
    }  # fmt: skip
    assert {a.code for a in awards} == {BEST_OF_NATION}
    assert [a.delegation for a in awards] == sorted(a.delegation for a in awards)  # delegations in name order
    assert next(a for a in awards if a.contestant_id == "cn-2").skill == "数控铣"


def test_albert_vidal_is_the_highest_score_and_a_tie_shares_it():
    awards = albert_vidal(_field())
    assert sorted((a.contestant_id, a.score, a.shared) for a in awards) == [("cn-2", D(751), True), ("jp-1", D(751), True)]
    alone = albert_vidal([e for e in _field() if e.contestant_id != "jp-1"])
    assert [(a.contestant_id, a.shared) for a in alone] == [("cn-2", False)]


def test_margin_min_score_and_eligibility():
    # A margin of 4 points makes China's 742 share with its 751; Korea unchanged.
    wide = {a.contestant_id for a in best_of_nation(_field(), margin=D(4)) if a.delegation == "中国"}
    assert wide == {"cn-2"}
    wide = {a.contestant_id for a in best_of_nation(_field(), margin=D(9)) if a.delegation == "中国"}
    assert wide == {"cn-1", "cn-2"}
    # A floor of 700 leaves Brazil and France without a Best of Nation.
    floor = {a.delegation for a in best_of_nation(_field(), min_score=D(700))}
    assert floor == {"中国", "韩国", "日本"}
    # An ineligible best: counted among the eligible (default), the next one receives it…
    eligible = best_of_nation(_field(**{"cn-2": False}))
    assert {a.contestant_id for a in eligible if a.delegation == "中国"} == {"cn-1"}
    assert [a.contestant_id for a in albert_vidal(_field(**{"cn-2": False}))] == ["jp-1"]
    # …counted among all, nobody of China does.
    among_all = best_of_nation(_field(**{"cn-2": False}), count_among="all")
    assert not [a for a in among_all if a.delegation == "中国"]
    # Absent competitors and missing scores never count.
    absent = [Entrant("x", "中国", D(800), "焊接", competed=False), Entrant("y", "中国", None, "焊接"), *_field()]
    assert "x" not in {a.contestant_id for a in best_of_nation(absent) + albert_vidal(absent)}


def test_the_presets_name_them_for_worldskills_only():
    ws = base_preset("worldskills")["event_awards"]
    assert ws["strategy"] == "worldskills"
    codes = {(a.code, a.contestant_id) for a in decide_event_awards(_field(), ws)}
    assert (ALBERT_VIDAL, "jp-1") in codes and (BEST_OF_NATION, "br-1") in codes
    for name in ("provincial.class1", "national", "city"):
        assert decide_event_awards(_field(), base_preset(name)["event_awards"]) == []
    off = effective_preset("worldskills", {"event_awards": {"params": {"albert_vidal": False}}})["event_awards"]
    assert {a.code for a in decide_event_awards(_field(), off)} == {BEST_OF_NATION}
    with pytest.raises(ScoringError):
        decide_event_awards(_field(), {"strategy": "worldskills", "params": {"margin": "-1"}})


def test_from_raw_marks_through_the_700_scale():
    """Scores of two skills marked out of 100 compare only once standardised: the best raw mark is
    not the Albert Vidal winner when its skill was marked generously."""
    section = base_preset("worldskills")["standardisation"]
    generous = {"g1": D(92), "g2": D(90), "g3": D(89), "g4": D(88), "g5": D(87)}  # a skill everyone did well in
    strict = {"s1": D(80), "s2": D(60), "s3": D(58), "s4": D(57), "s5": D(55)}  # one stands out
    on_scale = {**standardiser(section).apply(generous), **standardiser(section).apply(strict)}
    assert on_scale["g2"] == on_scale["s2"] == D("720.23") and on_scale["g4"] == D("679.77") and on_scale["s3"] == D(700)
    delegation = {"g4": "A", "s3": "A", "g2": "B", "s2": "B"}
    entrants = [Entrant(cid, delegation.get(cid, cid), on_scale[cid], cid[0]) for cid in on_scale]
    assert [a.contestant_id for a in albert_vidal(entrants)] == ["s1"]
    best = {(a.delegation, a.contestant_id) for a in best_of_nation(entrants) if a.delegation in ("A", "B")}
    # A: 58 in the strict skill (700.00) beats 88 in the generous one (679.77); B: 90 and 60 tie at 720.23.
    assert best == {("A", "s3"), ("B", "g2"), ("B", "s2")}
