"""Judges (裁判): the event's judge registry, their accounts and login cards, assignment to skills as
judge or chief judge (裁判长) and to criteria, conflict of interest (回避) and panel coverage.

``conflicts`` is pure (no I/O); ``service`` stores and checks; ``controller`` is the HTTP API.

The face: ``face.assignments_of(skill_id)`` and ``face.assignments_of_event(event_id)`` (the
panels, one query each; other features call these, never ``tables``), ``service.assert_may_score``
and ``service.eligible_judges``.
"""

from competition.judges.face import assignments_of, assignments_of_event

__all__ = ["assignments_of", "assignments_of_event"]
