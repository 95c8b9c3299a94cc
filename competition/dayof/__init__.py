"""The competition day (比赛日): check-in (检录), the draw (抽签), anonymisation (加密) and decryption (解密).

Modules: ``checkin``, ``draw`` and ``anonymisation`` are the services (validation, storage, audit);
``shuffle`` (the draw's seeded shuffle) and ``codes`` (encrypted numbers) are pure; ``controller``
is the API; ``demo`` the demo step. Tables live in ``competition/registration/tables.py``.

For other features: ``anonymisation.judge_ref(contestant_id) -> str`` and
``anonymisation.contestant_for_ref(skill_id, encrypted_no) -> int``.
"""
