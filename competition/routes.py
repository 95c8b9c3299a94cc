"""Every feature's route handlers, in one list the app factory mounts."""

from __future__ import annotations


def route_handlers() -> list:
    from competition.app import health
    from competition.auth.controller import AccountController, AuthController, me
    from competition.events.controller import EventController
    from frontend.pages import page_handlers

    return [health, AuthController, me, AccountController, EventController, *page_handlers()]
