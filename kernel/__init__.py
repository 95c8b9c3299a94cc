"""The ground floor: settings, the database and its engines, the audit chain, errors, security
helpers, the message catalogue and China time, roles and the one access policy, rate limits.

Imports nothing of the features, the pages or the server (docs/ARCHITECTURE.md)."""

import os

# Piccolo's own tooling finds the apps and the engine through this configuration module (a name,
# not an import: the server, the roof, registers the apps). Set before anything asks Piccolo.
os.environ.setdefault("PICCOLO_CONF", "server.piccolo_conf")
