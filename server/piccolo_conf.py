"""Piccolo's configuration module: the engine comes from the environment, as the server's does.

The server and the CLI re-bind the engine at start-up (``kernel.db.bind_engine``); this module
exists so that Piccolo's own commands (``piccolo migrations new competition --auto``) find the apps.
"""

from piccolo.conf.apps import AppRegistry

from kernel.db import engine_from_url
from kernel.settings import Settings

DB = engine_from_url(Settings.from_env().database_url)

APP_REGISTRY = AppRegistry(
    apps=["competition.piccolo_app", "marking.piccolo_app", "certificates.piccolo_app", "province.piccolo_app", "honours.piccolo_app"]
)
