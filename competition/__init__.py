"""The competition server: events, registration, judges, auth, the app factory and the CLI."""

import os

# Piccolo finds its apps and engine through this module; set before anything asks Piccolo.
os.environ.setdefault("PICCOLO_CONF", "competition.piccolo_conf")
