"""What features above read of the certificates' records in bulk, by people's ID numbers
(the annual selection's dossiers and referral lists, ``honours/``), and the one write they
make: an honour a selection round granted enters ``HonourHeld``.

- ``records_of(id_numbers)``: per person, the approved contest results across events (award
  proposals the approver approved, not struck), honours held, the ledger's promotions and the
  certificates issued (not revoked) — one read per table;
- ``first_places(year)``: approved first places of employees' groups (职工组) of the year's
  provincial (and higher) contests, for the 五一劳动奖章 referral list;
- ``grant_honours(rows)``: records honours held (inside the caller's transaction); a person who
  already holds the honour is refused (the unique index keeps it so under a race too).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable

from certificates.service import level_text
from certificates.tables import AwardProposal, Certificate, HonourHeld, PromotionLedger
from kernel.i18n import china_time
from scoring.idcard import normalise_id
from scoring.selection import is_first_place_employee

__all__ = ["first_places", "grant_honours", "honours_held_by", "records_of"]


def _people(id_numbers: Iterable[str]) -> list[str]:
    return sorted({normalise_id(n) for n in id_numbers if n})


async def _results(people: list[str]) -> list[dict[str, Any]]:
    P = AwardProposal
    return await P.select(
        P.holder_id_number, P.holder_name, P.holder_employer, P.holder_delegation, P.rank, P.final_award, P.code, P.from_level,
        P.event.as_alias("event_id"), P.event.name.as_alias("event_name"), P.event.tier.as_alias("tier"),
        P.event.starts_on.as_alias("starts_on"), P.skill.name.as_alias("skill_name"), P.skill.occupation_code.as_alias("occupation_code"),
        P.group.kind.as_alias("group_kind"), P.group.name.as_alias("group_name"), P.approved_at,
    ).where(
        P.holder_id_number.is_in(people) & (P.kind == "award") & P.approved_by.is_not_null() & (P.struck == False)  # noqa: E712
    ).order_by(P.id)  # fmt: skip


async def records_of(id_numbers: Iterable[str]) -> dict[str, dict[str, Any]]:
    """ID number → ``{results, honours, promotions, certificates, highest_level}``; everyone asked
    about has an entry (empty lists when the records know nothing)."""
    people = _people(id_numbers)
    out: dict[str, dict[str, Any]] = {p: {"results": [], "honours": [], "promotions": [], "certificates": [], "highest_level": None} for p in people}
    if not people:
        return out
    for r in await _results(people):
        out[r["holder_id_number"]]["results"].append({
            "event_id": r["event_id"], "event": r["event_name"], "tier": r["tier"], "year": r["starts_on"].year if r["starts_on"] else None,
            "skill": r["skill_name"], "group_kind": r["group_kind"], "group": r["group_name"], "rank": r["rank"], "award": r["final_award"] or r["code"],
            "employer": r["holder_employer"], "delegation": r["holder_delegation"],
        })  # fmt: skip
        if r["from_level"] is not None:
            cur = out[r["holder_id_number"]]["highest_level"]
            out[r["holder_id_number"]]["highest_level"] = max(cur if cur is not None else -1, r["from_level"])
    for h in await HonourHeld.select(HonourHeld.id_number, HonourHeld.honour, HonourHeld.certificate_number, HonourHeld.granted_at).where(
        HonourHeld.id_number.is_in(people)
    ):
        out[h["id_number"]]["honours"].append(
            {"honour": h["honour"], "certificate_number": h["certificate_number"], "granted_at_china": china_time(h["granted_at"])}
        )
    revoked: set[str] = set()
    for c in await Certificate.select(
        Certificate.id_number, Certificate.number, Certificate.cert_type, Certificate.code, Certificate.revoked_at
    ).where(Certificate.id_number.is_in(people)):
        if c["revoked_at"] is not None:
            revoked.add(c["number"])
            continue
        out[c["id_number"]]["certificates"].append({"number": c["number"], "cert_type": c["cert_type"], "code": c["code"]})
    L = PromotionLedger
    for p in (
        await L.select(L.id_number, L.from_level, L.to_level, L.basis, L.certificate_number, L.recorded_at)
        .where(L.id_number.is_in(people))
        .order_by(L.id)
    ):
        if p["certificate_number"] in revoked:
            continue
        rec = out[p["id_number"]]
        rec["promotions"].append({"from_level": p["from_level"], "to_level": p["to_level"], "to_level_name": level_text(p["to_level"]), "basis": p["basis"],
                                  "recorded_at_china": china_time(p["recorded_at"])})  # fmt: skip
        rec["highest_level"] = max(rec["highest_level"] if rec["highest_level"] is not None else -1, p["to_level"])
    return out


async def honours_held_by(id_numbers: Iterable[str]) -> dict[str, frozenset[str]]:
    """ID number → honour codes held (bulk)."""
    people = _people(id_numbers)
    found: dict[str, set[str]] = defaultdict(set)
    if people:
        for h in await HonourHeld.select(HonourHeld.id_number, HonourHeld.honour).where(HonourHeld.id_number.is_in(people)):
            found[h["id_number"]].add(h["honour"])
    return {p: frozenset(found.get(p, ())) for p in people}


async def first_places(year: int) -> list[dict[str, Any]]:
    """Approved first places of employees' groups of provincial (or higher) contests that began in ``year``."""
    P = AwardProposal
    rows = await P.select(
        P.holder_id_number, P.holder_name, P.holder_employer, P.holder_delegation, P.rank, P.final_award, P.event.name.as_alias("event_name"),
        P.event.tier.as_alias("tier"), P.event.starts_on.as_alias("starts_on"), P.skill.name.as_alias("skill_name"),
        P.group.kind.as_alias("group_kind"), P.group.name.as_alias("group_name"),
    ).where((P.kind == "award") & P.approved_by.is_not_null() & (P.struck == False) & (P.rank == 1)).order_by(P.id)  # noqa: E712  # fmt: skip
    return [
        {"id_number": r["holder_id_number"], "name": r["holder_name"], "employer": r["holder_employer"], "delegation": r["holder_delegation"],
         "event": r["event_name"], "tier": r["tier"], "skill": r["skill_name"], "group": r["group_name"], "award": r["final_award"],
         "year": r["starts_on"].year}
        for r in rows
        if r["starts_on"] is not None and r["starts_on"].year == year and is_first_place_employee(r["group_kind"], r["rank"], r["tier"])
    ]  # fmt: skip


class AlreadyHeld(Exception):
    def __init__(self, id_number: str, honour: str) -> None:
        super().__init__(f"{id_number} already holds {honour}")
        self.id_number = id_number
        self.honour = honour


async def grant_honours(rows: list[dict[str, Any]]) -> None:
    """Record honours held: rows of ``id_number``, ``name``, ``honour``, ``certificate_number``.
    Call inside the caller's write transaction; raises :class:`AlreadyHeld` for a person holding it."""
    if not rows:
        return
    held = await honours_held_by(r["id_number"] for r in rows)
    for r in rows:
        if r["honour"] in held.get(normalise_id(r["id_number"]), frozenset()):
            raise AlreadyHeld(r["id_number"], r["honour"])
    await HonourHeld.insert(
        *[
            HonourHeld(id_number=normalise_id(r["id_number"]), name=r["name"], honour=r["honour"], certificate_number=r["certificate_number"])
            for r in rows
        ]
    )
