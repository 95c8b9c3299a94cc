"""The skill-context cache: a context read while a change commits is not kept after the change.

``ContextCache.get`` loads from the database; here the loader is replaced by one that stalls
mid-read, so the interleaving that loses a stored scheme (read, then the change and its
``forget``, then the stale read stored) happens every time instead of once in a while.
"""

import asyncio
import time
from types import SimpleNamespace

from marking.live import context
from marking.live.context import ContextCache


async def test_a_load_overtaken_by_a_change_is_not_kept(monkeypatch):
    reading, release = asyncio.Event(), asyncio.Event()
    loads: list[str] = []

    async def load(skill_id: int):
        if not loads:
            loads.append("before the change")
            reading.set()
            await release.wait()
            return SimpleNamespace(skill=skill_id, scheme=None, loaded_at=time.monotonic())
        loads.append("after the change")
        return SimpleNamespace(skill=skill_id, scheme="stored", loaded_at=time.monotonic())

    monkeypatch.setattr(context, "load", load)
    cache = ContextCache(ttl_s=60)
    first = asyncio.create_task(cache.get(7))
    await reading.wait()
    cache.forget(7)  # the scheme committed while the first load was reading
    release.set()
    assert (await first).scheme == "stored"
    assert (await cache.get(7)).scheme == "stored"  # and that is what the cache keeps
    assert loads == ["before the change", "after the change"]


async def test_loads_are_shared_and_kept_for_their_time(monkeypatch):
    calls = 0

    async def load(skill_id: int):
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        return SimpleNamespace(skill=skill_id, n=calls, loaded_at=time.monotonic())

    monkeypatch.setattr(context, "load", load)
    cache = ContextCache(ttl_s=60)
    got = await asyncio.gather(*(cache.get(3) for _ in range(5)))
    assert calls == 1 and all(g is got[0] for g in got)
    assert (await cache.get(3, fresh=True)).n == 2
    cache.forget(3)
    assert (await cache.get(3)).n == 3
