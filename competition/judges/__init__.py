"""Judges (裁判): the event's judge registry, their accounts and login cards, assignment to skills as
judge or chief judge (裁判长) and to criteria, conflict of interest (回避) and panel coverage.

``conflicts`` is pure (no I/O); ``service`` stores and checks; ``controller`` is the HTTP API.
Other features call ``service.assert_may_score`` and ``service.eligible_judges``.
"""
