"""Fixtures for the whole suite; the harness itself lives in ``harness.py`` so tests can import it."""

from harness import *  # noqa: F401,F403  (fixtures are registered by being names in this module)
from harness import admin, anon, postgres_url, server, server_pool, sqlite_server  # noqa: F401

from server import wiring

# Tests that call the features' services in-process need them wired as the server wires them.
wiring.wire()
