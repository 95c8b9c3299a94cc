"""Fixtures for the whole suite; the harness itself lives in ``harness.py`` so tests can import it.

The folders mirror the packages (``tests/kernel``, ``tests/competition/registration``,
``tests/marking/live``, ``tests/server/ops`` …); ``tests/security``, ``tests/bench`` and
``tests/frontend/e2e`` cut across them. The world builders every folder may use (a scorable
competition, published results, the operations tests' services) are in ``tests/worlds/``, on
the import path with ``tests/`` itself (pyproject's ``pythonpath``).
"""

from harness import *  # noqa: F401,F403  (fixtures are registered by being names in this module)
from harness import admin, anon, postgres_url, server, server_pool, sqlite_server  # noqa: F401

from server import wiring

# Tests that call the features' services in-process need them wired as the server wires them.
wiring.wire()


def _slowness(item) -> float:
    """How long a ``slow`` file takes, in seconds (``pytest.mark.slow(seconds=…)``, measured; 60 when
    not given); 0 for the rest."""
    marker = item.get_closest_marker("slow")
    return 0 if marker is None else float(marker.kwargs.get("seconds", 60))


def pytest_collection_modifyitems(session, config, items) -> None:
    """Files marked ``slow`` (a minute or more each) are collected first, the slowest first, the rest
    in their order: the parallel run starts the long ones at once instead of ending on one that
    started last. ``./dev test`` runs ``--dist loadfile --no-loadscope-reorder``: without the latter
    xdist hands out files by their number of tests, largest first, whatever this order says, and
    the two-test fuzz file (the longest of all) started near the end of the run."""
    items.sort(key=lambda item: -_slowness(item))  # stable: a file's tests stay together and in order
