"""``OUTCOMES_CHANGED``: what follows when an event's counted outcomes change — a list approved,
an entry struck, a certificate issued or revoked. Called inside the change's own transaction with
the event's id, so whatever answers (the province's summary, ``province.summary.refresh_event``,
wired in ``server/wiring.py``) commits or rolls back with it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from kernel.extension import Extension

OUTCOMES_CHANGED: Extension[Callable[[int], Awaitable[None]]] = Extension("what follows from an event's approved outcomes changing")


async def outcomes_changed(event_id: int) -> None:
    for answer in OUTCOMES_CHANGED:
        await answer(event_id)
