from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.judges import Panel, panels_from_marks, review_judges
from scoring.presets import base_preset, deep_merge
from scoring.results import ContestantInfo, compute_skill
from scoring.scheme import scheme_from_dict

D = Decimal


def test_lenient_judge_and_remarks():
    panels = [
        Panel("B1.1", "c1", {"j1": D(2), "j2": D(2), "j3": D(3)}, D(3), remarked_by=frozenset({"j3"})),
        Panel("B1.1", "c2", {"j1": D(1), "j2": D(1), "j3": D(3)}, D(3), max_spread=D(1)),
        Panel("A1.1", "c1", {"m": D(10)}, D(10)),
    ]
    reviews = {r.judge_id: r for r in review_judges(panels)}
    j3 = reviews["j3"]
    # j3 is 1 and 2 points above the others' mean on a 0–3 scale: 33.33 % and 66.67 %.
    assert j3.mean_deviation == D("50.00") and j3.mean_abs_deviation == D("50.00")
    assert j3.remarks == 1 and j3.open_remarks == 1
    assert reviews["j1"].mean_deviation == D("-25.00")
    assert reviews["m"].panels == 1 and reviews["m"].mean_deviation is None
    assert review_judges(panels)[0].judge_id == "j3"  # the furthest first
    assert reviews["j3"].to_dict()["mean_deviation"] == "50"


def test_panels_from_marks(small_scheme):
    marks = {"c1": {"B1.1": {"j1": 2, "j2": 3, "j3": 2}}}
    [p] = panels_from_marks(small_scheme, marks, remarked={("c1", "B1.1"): ["j2"]}, max_spread={"J": D(1)})
    assert p.scale_max == D(3) and p.remarked_by == {"j2"} and p.max_spread == D(1)


def _marks(theory, practical_j, practical_s, measure=(10, 10, 20)):
    return {
        "T1.1": dict(zip("abcde", [theory] * 5, strict=True)),
        "A1.1": {"m": measure[0]},
        "A1.2": {"m": measure[1]},
        "A1.3": {"m": measure[2]},
        "B1.1": dict(zip(["j1", "j2", "j3"], practical_j, strict=True)),
        "B1.2": dict(zip("abcde", [practical_s] * 5, strict=True)),
    }


def test_compute_skill_provincial(small_scheme):
    preset = base_preset("provincial")
    people = [ContestantInfo(f"c{i:02d}", "employee") for i in range(30)] + [ContestantInfo("x", "employee", "absent")]
    marks = {f"c{i:02d}": _marks(40 + i, (1, 1, 1), i) for i in range(30)}
    # c98 and c99 tie on the total (80.00) but c99 did better in the practical part.
    marks["c98"] = _marks(80, (2, 2, 2), 20)  # 0.3 × 80 + 0.7 × 80
    marks["c99"] = _marks(66, (2, 2, 2), 26)  # 0.3 × 66 + 0.7 × 86
    people += [ContestantInfo("c98", "employee"), ContestantInfo("c99", "employee")]
    res = compute_skill(small_scheme, preset, people, marks)
    assert res.complete
    assert res.results["c98"].total == res.results["c99"].total == D(80)
    ranking = res.rankings["employee"]
    assert [(r.contestant_id, r.rank, r.decided_by) for r in ranking[:2]] == [("c99", 1, None), ("c98", 2, "practical_total")]
    assert ranking[-1].contestant_id == "x" and ranking[-1].rank is None
    assert res.awards["x"] is None
    assert [res.awards[r.contestant_id] for r in ranking[:6]] == ["first", "second", "second", "third", "third", "third"]
    d = res.to_dict()
    assert d["rankings"]["employee"][0]["award"] == "first"


def test_compute_skill_worldskills(scheme_dict):
    data = scheme_dict()
    data["criteria"] = data["criteria"][1:]
    del data["parts"]  # the WorldSkills preset's practical-only parts apply
    preset = deep_merge(base_preset("worldskills"), {"awards": {"params": {"medal_margin": "1"}}})
    scheme = scheme_from_dict(data, defaults=preset["scoring"])
    people = [ContestantInfo(f"c{i}") for i in range(7)]
    marks = {f"c{i}": {**_marks(0, (1 + i % 3, 1 + i % 3, 1 + i % 3), 10 + 2 * i)} for i in range(7)}
    for m in marks.values():
        del m["T1.1"]
    marks["c6"]["B1.1"] = {"j1": 0, "j2": 2, "j3": 3}  # needs re-marking
    res = compute_skill(scheme, preset, people, marks)
    assert not res.complete
    assert res.results["c6"].status == "needs_remark"
    scores = sorted(res.scores.values())
    assert scores[len(scores) // 2] == D(700)  # the median maps to 700
    codes = [res.awards[r.contestant_id] for r in res.rankings[""]]
    assert codes[0] == "gold"


subjective = st.integers(0, 3000).map(lambda u: Decimal(u).scaleb(-2))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 100), st.sampled_from([(1, 1, 1), (2, 2, 2), (2, 2, 3), (3, 3, 3)]), st.lists(subjective, min_size=5, max_size=5)),
        min_size=2,
        max_size=8,
    ),
    st.data(),
)
def test_a_higher_mark_never_lowers_rank_end_to_end(small_scheme, fields, data):
    """Raise one judge's subjective score: the aspect mark cannot fall, nor the contestant's rank."""
    preset = base_preset("provincial")
    people = [ContestantInfo(f"c{i}", "employee") for i in range(len(fields))]

    def marks_of(rows):
        out = {}
        for i, (theory, j, s) in enumerate(rows):
            m = _marks(theory, j, 0)
            m["B1.2"] = dict(zip("abcde", s, strict=True))
            out[f"c{i}"] = m
        return out

    who = data.draw(st.integers(0, len(fields) - 1))
    judge = data.draw(st.integers(0, 4))
    rows = [list(f) for f in fields]
    s = list(rows[who][2])
    s[judge] = min(Decimal(30), s[judge] + data.draw(subjective))
    rows[who][2] = s
    before = compute_skill(small_scheme, preset, people, marks_of(fields))
    after = compute_skill(small_scheme, preset, people, marks_of(rows))
    cid = f"c{who}"
    assert after.results[cid].aspects["B1.2"].mark >= before.results[cid].aspects["B1.2"].mark
    assert after.results[cid].total >= before.results[cid].total
    rank_of = lambda res: next(r.rank for r in res.rankings["employee"] if r.contestant_id == cid)  # noqa: E731
    assert rank_of(after) <= rank_of(before)
