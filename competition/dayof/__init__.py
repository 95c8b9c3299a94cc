"""The competition day (比赛日): check-in (检录), the draw (抽签), anonymisation (加密) and decryption (解密).

Modules: ``checkin``, ``draw`` and ``anonymisation`` are the services (validation, storage, audit);
``shuffle`` (the draw's seeded shuffle) and ``codes`` (encrypted numbers) are pure; ``controller``
is the API; ``demo`` the demo step. Its tables (``tables``) are its own.

The face (``face``; other features call these, never ``tables``; each is one query): ``latest_refs``
(a skill's current encrypted numbers), ``contestant_refs``, ``checked_in``, ``absent``,
``is_decrypted``, ``decrypted_skills``, ``decryption``, ``submission``, ``recorded_heads``,
``submitted_query`` (for the mark writer's batched reads); and ``anonymisation.judge_ref
(contestant_id) -> str``, ``anonymisation.contestant_for_ref(skill_id, encrypted_no) -> int``.
"""

from competition.dayof.face import (
    absent,
    checked_in,
    contestant_refs,
    decrypted_skills,
    decryption,
    is_decrypted,
    latest_refs,
    recorded_heads,
    submission,
    submitted_query,
)

__all__ = [
    "absent",
    "checked_in",
    "contestant_refs",
    "decrypted_skills",
    "decryption",
    "is_decrypted",
    "latest_refs",
    "recorded_heads",
    "submission",
    "submitted_query",
]
