"""Registration (报名): contestants, their ID numbers, the organiser's spreadsheet, eligibility.

Pure parts: ``idcard`` (居民身份证号 checks, masking), ``sheet`` (template, reading, whole-sheet
validation, export) and ``eligibility`` (age, level, school, minimum-entrant rules from the preset).

The face (``face``; other features call these, never ``tables``; each is one query):
``contestants_of_skill``, ``contestants_of_event``, ``contestants_by_id``, ``contestant``,
``sessions_of``, ``groups_with_contestants``, ``id_number_registered``, ``is_of_skill``; and for
the day's writes inside the caller's transaction ``lock_contestant`` and ``set_workstations``.
"""

from competition.registration.face import (
    contestant,
    contestants_by_id,
    contestants_of_event,
    contestants_of_skill,
    entrant_counts,
    groups_with_contestants,
    id_number_registered,
    is_of_skill,
    lock_contestant,
    sessions_of,
    set_workstations,
)

__all__ = [
    "contestant",
    "contestants_by_id",
    "contestants_of_event",
    "contestants_of_skill",
    "entrant_counts",
    "groups_with_contestants",
    "id_number_registered",
    "is_of_skill",
    "lock_contestant",
    "sessions_of",
    "set_workstations",
]
