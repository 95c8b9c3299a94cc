"""晋级台账: the level-promotion ledger across events, by the person's ID number.

One ``PromotionLedger`` row per approved promotion, written in the same transaction as its
certificate (:mod:`certificates.issuance`); the same event never promotes a person twice (unique
index ``(id_number, event)``). A promotion whose certificate was revoked stays in the table as a
record but no longer counts: :func:`current_level_for` ignores it and the export leaves it out.

**A later event starts from the promoted level**: :func:`current_level_for` is the level to use
for a person wherever the system asks "what level do they hold" — at registration (the
contestant's ``current_level``) and when the results workflow builds ``scoring.standing.Standing``
(``level``), together with :func:`honours_held_for` for ``honours_held``.
"""

from __future__ import annotations

from typing import Any

from certificates.service import from_level_text, level_text
from certificates.tables import Certificate, HonourHeld, PromotionLedger
from kernel.i18n import china_time
from scoring.honours import HONOURS
from scoring.idcard import mask_id, normalise_id
from scoring.identity import DEFAULT_TYPE, normalise_ref, person_ref
from scoring.levels import SkillLevel, parse_level
from scoring.spreadsheet import Book, Style

#: The columns of the export, in the order the provincial talent-evaluation system imports them.
LEDGER_COLUMNS = ["身份证号", "姓名", "职业（工种）", "职业编码", "原等级", "晋升等级", "晋升依据", "赛事", "批准", "证书编号", "记录时间"]
_WIDTHS = [21, 10, 16, 12, 14, 14, 48, 30, 26, 26, 18]


async def _revoked(numbers: list[str]) -> set[str]:
    wanted = sorted({n for n in numbers if n})
    if not wanted:
        return set()
    rows = await Certificate.select(Certificate.number).where(Certificate.number.is_in(wanted) & Certificate.revoked_at.is_not_null())
    return {r["number"] for r in rows}


async def ledger_level(id_number: str, id_type: str = DEFAULT_TYPE) -> SkillLevel | None:
    """The highest level the ledger has promoted this person (document type + number) to
    (revoked promotions not counted)."""
    person = normalise_id(id_number)
    rows = await PromotionLedger.select(PromotionLedger.to_level, PromotionLedger.certificate_number).where(
        (PromotionLedger.id_number == person) & (PromotionLedger.id_type == id_type)
    )
    revoked = await _revoked([r["certificate_number"] for r in rows])
    levels = [r["to_level"] for r in rows if r["certificate_number"] not in revoked]
    return SkillLevel(max(levels)) if levels else None


async def ledger_levels(people: list[str]) -> dict[str, SkillLevel]:
    """:func:`ledger_level` of many people in one read: person → highest level, where a person is
    their document type + number as ``scoring.identity.person_ref`` writes it (a 居民身份证's
    number alone, as before other documents)."""
    wanted = {normalise_ref(n) for n in people if n}
    numbers = sorted({ref.partition(":")[2] if ":" in ref else ref for ref in wanted})
    if not numbers:
        return {}
    rows = await PromotionLedger.select(
        PromotionLedger.id_type, PromotionLedger.id_number, PromotionLedger.to_level, PromotionLedger.certificate_number
    ).where(PromotionLedger.id_number.is_in(numbers))
    revoked = await _revoked([r["certificate_number"] for r in rows])
    out: dict[str, int] = {}
    for r in rows:
        who = person_ref(r["id_type"], r["id_number"])
        if who in wanted and r["certificate_number"] not in revoked:
            out[who] = max(out.get(who, -1), r["to_level"])
    return {k: SkillLevel(v) for k, v in out.items()}


def higher_level(registered_level: SkillLevel | int | str | None, promoted: SkillLevel | None) -> SkillLevel | None:
    """The higher of a registered level (as :func:`current_level_for` takes it) and a promoted one."""
    registered = None if registered_level in (None, "") else parse_level(registered_level)
    known = [lvl for lvl in (registered, promoted) if lvl is not None]
    return max(known) if known else None


async def current_level_for(id_number: str, registered_level: SkillLevel | int | str | None, id_type: str = DEFAULT_TYPE) -> SkillLevel | None:
    """The level a person holds now: the higher of the registered one and the ledger's highest.

    ``registered_level`` is what the person registered with (a ``SkillLevel``, its integer, or its
    name as people write it); None means none recorded. Returns None only when both are unknown.
    """
    return higher_level(registered_level, await ledger_level(id_number, id_type))


async def honours_held_for(id_number: str, id_type: str = DEFAULT_TYPE) -> frozenset[str]:
    """Honour codes the person (document type + number) holds (for ``Standing.honours_held``:
    nobody receives one twice)."""
    person = normalise_id(id_number)
    rows = await HonourHeld.select(HonourHeld.honour).where((HonourHeld.id_number == person) & (HonourHeld.id_type == id_type))
    return frozenset(r["honour"] for r in rows)


def _select():
    L = PromotionLedger
    return L.select(
        L.all_columns(), L.event.name.as_alias("event_name"), L.event.code.as_alias("event_code"),
        L.approved_by.display_name.as_alias("approver"),
    )  # fmt: skip


def entry_json(r: dict[str, Any], revoked: set[str]) -> dict[str, Any]:
    return {
        "id_number": r["id_number"],
        "name": r["name"],
        "occupation": r["occupation"],
        "occupation_code": r["occupation_code"],
        "from_level": r["from_level"],
        "from_level_name": from_level_text(r["from_level"]),
        "to_level": r["to_level"],
        "to_level_name": level_text(r["to_level"]),
        "rule": r["rule"],
        "basis": r["basis"],
        "event_id": r["event"],
        "event": r["event_name"],
        "approved_by": r.get("approver") or "",
        "approved_at_china": china_time(r["approved_at"]),
        "certificate_number": r["certificate_number"],
        "revoked": r["certificate_number"] in revoked,
        "recorded_at": r["recorded_at"].isoformat() if r.get("recorded_at") else None,
        "recorded_at_china": china_time(r["recorded_at"]),
    }


async def person_ledger(id_number: str, id_type: str = DEFAULT_TYPE) -> dict[str, Any]:
    """A person's (document type + number) promotions and honours across events, oldest first."""
    person = normalise_id(id_number)
    rows = await (
        _select()
        .where((PromotionLedger.id_number == person) & (PromotionLedger.id_type == id_type))
        .order_by(PromotionLedger.recorded_at)
        .order_by(PromotionLedger.id)
    )
    revoked = await _revoked([r["certificate_number"] for r in rows])
    honours = await HonourHeld.select(HonourHeld.all_columns(), HonourHeld.event.name.as_alias("event_name")).where(
        (HonourHeld.id_number == person) & (HonourHeld.id_type == id_type)
    )
    level = await ledger_level(person)
    names = [r["name"] for r in rows] + [h["name"] for h in honours]
    return {
        "id_number": person,
        "name": names[-1] if names else "",
        "highest_level": None if level is None else int(level),
        "highest_level_name": "" if level is None else level_text(level),
        "promotions": [entry_json(r, revoked) for r in rows],
        "honours": [
            {
                "honour": h["honour"],
                "label": HONOURS[h["honour"]].to_dict() if h["honour"] in HONOURS else {"zh": h["honour"], "en": h["honour"]},
                "event_id": h["event"],
                "event": h["event_name"] or "",
                "certificate_number": h["certificate_number"],
                "granted_at_china": china_time(h["granted_at"]),
            }
            for h in honours
        ],  # fmt: skip
    }


async def event_ledger(event_id: int, *, include_revoked: bool = False, masked: bool = True) -> list[dict[str, Any]]:
    """The event's promotions; ID numbers masked (``440106********1234``) unless ``masked=False``
    (the export for the provincial system, which is audited)."""
    rows = await _select().where(PromotionLedger.event == event_id).order_by(PromotionLedger.certificate_number)
    revoked = await _revoked([r["certificate_number"] for r in rows])
    out = [entry_json(r, revoked) for r in rows if include_revoked or r["certificate_number"] not in revoked]
    if masked:
        for e in out:
            e["id_number"] = mask_id(e["id_number"])
    return out


def ledger_row(e: dict[str, Any]) -> list[str]:
    approval = " ".join(x for x in (e["approved_by"], e["approved_at_china"]) if x)
    return [
        e["id_number"], e["name"], e["occupation"], e["occupation_code"], e["from_level_name"], e["to_level_name"],
        e["basis"], e["event"], approval, e["certificate_number"], e["recorded_at_china"],
    ]  # fmt: skip


def ledger_xlsx(entries: list[dict[str, Any]]) -> bytes:
    """The export: one sheet ``晋级台账``, a header row of :data:`LEDGER_COLUMNS`, one row per promotion.

    Every cell is text (format ``@``), so ID numbers keep their 18 characters and trailing X
    instead of becoming numbers in scientific notation; written through ``scoring.spreadsheet``,
    so no text acts as a formula.
    """
    book = Book()
    ws = book.sheet("晋级台账", widths=_WIDTHS, freeze="A2")
    ws.append(LEDGER_COLUMNS, Style(bold=True, text=True))
    text = Style(text=True)
    for e in entries:
        ws.append(["" if v is None else str(v) for v in ledger_row(e)], text)
    return book.save()
