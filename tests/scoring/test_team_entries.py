"""Pure rules of team skills: what is ranked (``scoring.teams``), the 全国技术能手 quota per team size
(``scoring.honours`` with the national preset), and each member's own outcome
(``scoring.standing``)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.honours import GRANTED, decide_honours
from scoring.presets import effective_preset
from scoring.ranking import ABSENT, COMPETED, DISQUALIFIED, Ranked
from scoring.standing import Person, Standing, standings_from
from scoring.teams import TeamMember, entries_of, member_index


def test_a_team_is_one_entry_named_by_its_captain():
    people = [TeamMember(1, "t1"), TeamMember(2, "t1", captain=True), TeamMember(3, "t2", captain=True), TeamMember(4, "t2")]
    entries = entries_of(people, 2)
    assert [(e.entry_id, e.members, e.status) for e in entries] == [(2, (2, 1), COMPETED), (3, (3, 4), COMPETED)]
    assert member_index(entries)[1].entry_id == 2
    # An individual skill: each person is an entry, whatever a team column said.
    assert [e.entry_id for e in entries_of(people, 1)] == [1, 2, 3, 4]


def test_a_member_absent_or_disqualified_decides_the_team():
    absent = entries_of([TeamMember(1, "a", True), TeamMember(2, "a", absent=True)], 2)[0]
    assert absent.status == ABSENT
    dq = entries_of([TeamMember(1, "a", True, absent=True), TeamMember(2, "a", disqualified=True)], 2)[0]
    assert dq.status == DISQUALIFIED
    # Without a captain (still being registered) the lowest id stands for the team.
    assert entries_of([TeamMember(7, "b"), TeamMember(5, "b")], 2)[0].entry_id == 5


def test_members_who_do_not_take_part_in_the_awards():
    e = entries_of([TeamMember(1, "a", True), TeamMember(2, "a", award_eligible=False), TeamMember(3, "a")], 3)[0]
    assert e.award_eligible and e.award_members == (1, 3)
    none = entries_of([TeamMember(1, "a", True, award_eligible=False), TeamMember(2, "a", award_eligible=False)], 2)[0]
    assert not none.award_eligible and none.award_members == ()


def national_rule():
    return effective_preset("national", None)["honours"]


def team_standings(size: int, teams: int) -> list[Standing]:
    return [Standing(f"t{r}m{m}", r, team_size=size, team_id=f"t{r}") for r in range(1, teams + 1) for m in range(size)]


def test_the_national_quota_per_team_size_comes_from_the_preset():
    section = national_rule()
    assert section["params"]["top_by_team_size"] == {"1": 5, "2": 3, "3": 2}
    singles = [Standing(f"p{r}", r) for r in range(1, 9)]
    for standings, teams in ((singles, 5), (team_standings(2, 6), 3), (team_standings(3, 6), 2)):
        granted = {d.person_id for d in decide_honours(standings, section) if d.outcome == GRANTED}
        assert granted == {s.person_id for s in standings if (s.rank or 0) <= teams}


def test_the_quota_is_data_an_event_may_change():
    section = national_rule()
    section = {**section, "params": {**section["params"], "top_by_team_size": {"1": 5, "2": 1, "3": 4}}}
    granted = {d.person_id for d in decide_honours(team_standings(2, 4), section)}
    assert granted == {"t1m0", "t1m1"}
    granted = {d.person_id for d in decide_honours(team_standings(3, 5), section)}
    assert len(granted) == 12


def test_each_member_keeps_the_team_size_and_their_own_honours():
    ranking = [Ranked("10", 1, 1, None, group="g"), Ranked("20", 2, 2, None, group="g")]
    # Team 10 has three members, one of whom does not take part in the awards (left out here);
    # the team size is still three, so the three-person quota applies.
    members = {
        "10": [Person("10", honours_held=frozenset({"national_technical_expert"})), Person("12")],
        "20": [Person("20"), Person("21"), Person("22")],
    }
    standings = standings_from(ranking, {"10": "gold", "20": "silver"}, members, team_size=3)
    assert {(s.person_id, s.team_size, s.team_id, s.award) for s in standings} == {
        ("10", 3, "10", "gold"), ("12", 3, "10", "gold"), ("20", 3, "20", "silver"), ("21", 3, "20", "silver"), ("22", 3, "20", "silver"),
    }  # fmt: skip
    decisions = {d.person_id: d.outcome for d in decide_honours(standings, national_rule())}
    assert decisions == {"10": "already_held", "12": GRANTED, "20": GRANTED, "21": GRANTED, "22": GRANTED}


@settings(max_examples=200, deadline=None)
@given(
    size=st.sampled_from([2, 3]),
    ranks=st.lists(st.integers(min_value=1, max_value=8), min_size=1, max_size=8),
    awards=st.lists(st.sampled_from([None, "first", "second", "third", "excellence"]), min_size=8, max_size=8),
    held=st.sets(st.integers(min_value=0, max_value=23)),
)
def test_a_teams_members_always_share_one_outcome(size, ranks, awards, held):
    """Property: whatever the ranking (ties included) and the awards, every member of a ranked team
    stands at the team's rank with the team's award and size; and members holding no honour yet
    get one and the same honour decision (one who already holds it is the only one who differs)."""
    ranking = [Ranked(f"e{i}", rank, rank, None, group="employee") for i, rank in enumerate(ranks)]
    members = {
        r.contestant_id: [
            Person(f"{r.contestant_id}m{m}", honours_held=frozenset({"national_technical_expert"}) if i * size + m in held else frozenset())
            for m in range(size)
        ]
        for i, r in enumerate(ranking)
    }
    award_of = {r.contestant_id: awards[i] for i, r in enumerate(ranking)}
    standings = standings_from(ranking, award_of, members, team_size=size)
    assert len(standings) == size * len(ranking)
    by_team: dict[str, list[Standing]] = {}
    for s in standings:
        by_team.setdefault(s.team_id or "", []).append(s)
    assert set(by_team) == set(award_of)
    for team, team_members in by_team.items():
        assert len({(s.rank, s.award, s.team_size) for s in team_members}) == 1
        assert team_members[0].award == award_of[team] and team_members[0].team_size == size
    decisions = {d.person_id: d.outcome for d in decide_honours(standings, national_rule())}
    for team, team_members in by_team.items():
        fresh = {decisions.get(s.person_id) for s in team_members if not s.honours_held}
        assert len(fresh) <= 1, (team, fresh)
