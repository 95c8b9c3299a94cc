"""The top floor: the app factory and explicit route registration, the CLI, the demo and the
simulator, operations (health, Redis fallback) and backup. Imports anything below; nothing below
imports it."""
