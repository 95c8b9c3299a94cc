"""The security tests build on the other features' world builders (``tests/live/live_world.py``,
``tests/results/results_world.py``) and the operations tests' nginx runner
(``tests/ops/test_ops_nginx.py``): make them importable when only this folder is collected."""

import sys
from pathlib import Path

_TESTS = Path(__file__).resolve().parent.parent
for _sub in ("live", "results", "dayof", "ops"):
    _path = str(_TESTS / _sub)
    if _path not in sys.path:
        sys.path.append(_path)


import pytest  # noqa: E402


@pytest.fixture(scope="session")
async def sec_world(sqlite_server):
    """One event with every role (see ``sec_world.build_world``), shared by the access matrix and
    the header checks; the matrix runs first (its module sorts first) and leaves it usable."""
    from sec_world import build_world

    world = await build_world(sqlite_server)
    yield world
    await world.close()
