"""Settings from the environment and the engine they select."""

from pathlib import Path

import pytest
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from kernel.db import engine_from_url
from kernel.settings import Settings, SettingsError, parse_rate


def test_embedded_default_needs_nothing(tmp_path):
    s = Settings.from_env({"COMPETITION_DATA_DIR": str(tmp_path)})
    assert s.database_kind == "sqlite"
    assert s.channels_kind == "memory"
    assert s.database_url == f"sqlite:///{tmp_path / 'competition.sqlite3'}"
    engine = engine_from_url(s.database_url)
    assert isinstance(engine, SQLiteEngine)
    assert Path(engine.path) == tmp_path / "competition.sqlite3"
    # WAL is switched on for the file, so readers never wait for the writer.
    import sqlite3

    assert sqlite3.connect(engine.path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_postgres_and_redis_from_env(tmp_path):
    s = Settings.from_env(
        {
            "COMPETITION_DATA_DIR": str(tmp_path),
            "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/test",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            "PUBLIC_BASE_URL": "https://jineng.example.cn/",
        }
    )
    assert s.database_kind == "postgresql"
    assert s.channels_kind == "redis"
    assert s.public_base_url == "https://jineng.example.cn"
    assert isinstance(engine_from_url(s.database_url), PostgresEngine)


@pytest.mark.parametrize(
    "env, word",
    [
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"REDIS_URL": "http://x"}, "REDIS_URL"),
        ({"COMPETITION_LOGIN_RATE": "lots"}, "COMPETITION_LOGIN_RATE"),
        ({"COMPETITION_PASSWORD_HASHING": "md5"}, "COMPETITION_PASSWORD_HASHING"),
        ({"COMPETITION_DB_POOL_SIZE": "0"}, "COMPETITION_DB_POOL_SIZE"),
        ({"COMPETITION_DB_POOL_SIZE": "many"}, "COMPETITION_DB_POOL_SIZE"),
    ],
)
def test_bad_settings_name_the_variable(tmp_path, env, word):
    with pytest.raises(SettingsError, match=word):
        Settings.from_env({"COMPETITION_DATA_DIR": str(tmp_path), **env})


def test_secret_is_generated_once_and_kept(tmp_path):
    s = Settings.from_env({"COMPETITION_DATA_DIR": str(tmp_path)})
    first = s.resolved_secret()
    assert len(first) >= 32
    assert Settings.from_env({"COMPETITION_DATA_DIR": str(tmp_path)}).resolved_secret() == first
    assert Settings.from_env({"COMPETITION_DATA_DIR": str(tmp_path), "COMPETITION_SECRET": "given"}).resolved_secret() == "given"


def test_rate_parsing():
    assert parse_rate("10/minute") == ("minute", 10)
    with pytest.raises(SettingsError):
        parse_rate("10/fortnight")
