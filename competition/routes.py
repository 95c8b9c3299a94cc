"""Every feature's route handlers, in one list the app factory mounts (one line per feature)."""

from __future__ import annotations

import importlib

#: "module:attribute" of each feature's controller or list of handlers (a callable returning a list).
ROUTES = [
    "competition.app:health",
    "competition.ops:ready",
    "competition.auth.controller:AuthController",
    "competition.auth.controller:me",
    "competition.auth.controller:my_invitations",
    "competition.auth.controller:accept_invitation",
    "competition.auth.controller:decline_invitation",
    "competition.auth.controller:AccountController",
    "competition.events.controller:EventController",
    "competition.registration.controller:RegistrationController",
    "competition.registration.controller:IdentityCorrectionController",
    "competition.dayof.controller:DayOfController",
    "competition.judges.controller:JudgeController",
    "scoring.live.controller:SchemeController",
    "scoring.live.controller:MarksController",
    "scoring.live.controller:judge_assignments",
    "scoring.live.controller:public_skill_board",
    "scoring.live.controller:public_event_board",
    "scoring.live.ws:ws_handlers",
    "scoring.release.controller:ResultsController",
    "scoring.release.controller:AppealsController",
    "scoring.release.controller:ProposalsController",
    "scoring.release.controller:public_event_results",
    "scoring.release.controller:public_skill_results",
    "frontend.pages:page_handlers",
    "frontend.pages_registration:page_handlers",
    "frontend.pages_dayof:page_handlers",
    "frontend.pages_judges:page_handlers",
    "frontend.pages_tablet:page_handlers",
    "frontend.pages_live:page_handlers",
    "frontend.pages_results:page_handlers",
    "certificates.controller:CertificateController",
    "certificates.controller:person_ledger",
    "certificates.controller:verify_certificate",
    "certificates.controller:certificate_file",
    "certificates.controller:certificate_download",
    "frontend.pages_certificates:page_handlers",
]


def route_handlers() -> list:
    handlers: list = []
    for spec in ROUTES:
        module, _, name = spec.partition(":")
        obj = getattr(importlib.import_module(module), name)
        if callable(obj) and name in ("page_handlers", "ws_handlers"):
            handlers.extend(obj())
        else:
            handlers.append(obj)
    return handlers
