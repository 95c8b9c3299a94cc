"""The security suite's shared world (one event with every role)."""

import pytest


@pytest.fixture(scope="session")
async def sec_world(sqlite_server):
    """One event with every role (see ``sec_world.build_world``), shared by the access matrix and
    the header checks; the matrix runs first (its module sorts first) and leaves it usable."""
    from sec_world import build_world

    world = await build_world(sqlite_server)
    yield world
    await world.close()
