"""Settings from the environment fail loudly at start-up, and SQLite is set up for several writers."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection, transaction

REPO = Path(__file__).resolve().parent.parent
SHOW = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'debug': s.DEBUG, 'engine': s.DATABASES['default']['ENGINE'], "
    "'name': str(s.DATABASES['default']['NAME']), 'site': s.FACTDESK_SITE_URL, 'hosts': s.ALLOWED_HOSTS}))"
)


def start(**env: str) -> subprocess.CompletedProcess:
    """Start Django in a fresh interpreter with only the given environment (plus PATH)."""
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DJANGO_SETTINGS_MODULE": "tracker.settings"}
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", SHOW],
        cwd=REPO,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# Settings never connect, so this file is never created.
UNUSED_DB = REPO / "settings-check.sqlite3"
STRONG_KEY = "test-only-key-never-deployed-0123456789-abcdefghijklmnop"
GOOD = {"SECRET_KEY": STRONG_KEY, "DATABASE_URL": f"sqlite:///{UNUSED_DB}"}


class EnvironmentTests:
    def test_good_environment_starts(self):
        result = start(
            **GOOD,
            DEBUG="yes",
            FACTDESK_SITE_URL="https://factcheck.example.org/",
            ALLOWED_HOSTS="desk.example.org, 127.0.0.1",
        )
        assert result.returncode == 0, result.stderr
        assert not UNUSED_DB.exists()
        shown = json.loads(result.stdout)
        assert shown == {
            "debug": True,
            "engine": "django.db.backends.sqlite3",
            "name": str(UNUSED_DB),
            "site": "https://factcheck.example.org",
            "hosts": ["desk.example.org", "127.0.0.1"],
        }

    def test_postgres_url_is_accepted(self):
        result = start(SECRET_KEY=STRONG_KEY, DATABASE_URL="postgres://factdesk:secret@db.internal:5432/factdesk")
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["engine"] == "django.db.backends.postgresql"

    @pytest.mark.parametrize(
        ("env", "message"),
        [
            ({"DEBUG": "maybe"}, "DEBUG must be one of 1/0, true/false, yes/no, on/off; got 'maybe'"),
            ({"DATABASE_URL": "mysql://user:pw@db/factdesk"}, "DATABASE_URL must point at SQLite or PostgreSQL"),
            ({"DATABASE_URL": "garbage"}, "DATABASE_URL is not a database URL"),
            ({"DATABASE_URL": "postgres://u@h:notaport/db"}, "DATABASE_URL is not a database URL"),
            ({"DATABASE_URL": "postgres://db.internal"}, "DATABASE_URL must name the PostgreSQL database"),
            ({"DATABASE_URL": "sqlite://"}, "DATABASE_URL must name a SQLite file"),
            ({"FACTDESK_SITE_URL": "not-a-url"}, "FACTDESK_SITE_URL must be an absolute http(s) URL; got 'not-a-url'"),
            ({"FACTDESK_SITE_URL": "ftp://factcheck.example.org"}, "FACTDESK_SITE_URL must be an absolute http(s)"),
            ({"ALLOWED_HOSTS": " , "}, "ALLOWED_HOSTS is set but lists nothing"),
            ({"CSRF_TRUSTED_ORIGINS": "desk.example.org"}, "CSRF_TRUSTED_ORIGINS must list origins"),
            ({"CACHE_URL": "memcached://cache.internal:11211"}, "CACHE_URL must be a redis:// or rediss:// URL"),
            ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be one of CRITICAL, DEBUG, ERROR, INFO, WARNING; got 'LOUD'"),
        ],
        ids=lambda value: next(iter(value)) if isinstance(value, dict) else None,
    )
    def test_bad_value_stops_start_up(self, env, message):
        result = start(**{**GOOD, **env})
        assert result.returncode != 0
        assert "django.core.exceptions.ImproperlyConfigured" in result.stderr
        assert message in result.stderr
        assert result.stdout == ""

    def test_cache_url_shares_the_cache_through_redis(self):
        # Two app servers (two interpreters) see one count: what the login throttle relies on.
        code = (
            "import django; django.setup(); from django.core.cache import cache; "
            "cache.add('factdesk-settings-test', 0, 30); print(cache.incr('factdesk-settings-test'))"
        )
        env = {**GOOD, "CACHE_URL": "redis://127.0.0.1:6379/15"}
        runs = [
            subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
                [sys.executable, "-c", code],
                cwd=REPO,
                env={"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "tracker.settings", **env},
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            for _ in range(2)
        ]
        if any("Connection refused" in run.stderr for run in runs):
            pytest.skip("no Redis server on 127.0.0.1:6379 (CI and the dev machines run one)")
        assert [run.returncode for run in runs] == [0, 0], runs[0].stderr
        first, second = (int(run.stdout) for run in runs)
        assert second == first + 1

    @pytest.mark.parametrize("debug", [None, "0", "off"])
    @pytest.mark.parametrize("key", [None, "", "   "], ids=["unset", "empty", "blank"])
    def test_secret_key_is_required_with_debug_off(self, key, debug):
        env = {"DATABASE_URL": GOOD["DATABASE_URL"]}
        if key is not None:
            env["SECRET_KEY"] = key
        if debug is not None:
            env["DEBUG"] = debug
        result = start(**env)
        assert result.returncode != 0
        assert "ImproperlyConfigured: SECRET_KEY must be set when DEBUG is off." in result.stderr

    @pytest.mark.parametrize(
        "key", ["short", "a" * 60, "django-insecure-" + "x1y2z3" * 10], ids=["short", "repetitive", "insecure"]
    )
    def test_weak_secret_key_is_refused_with_debug_off(self, key):
        result = start(DATABASE_URL=GOOD["DATABASE_URL"], SECRET_KEY=key)
        assert result.returncode != 0
        assert "ImproperlyConfigured: SECRET_KEY is too weak for DEBUG off" in result.stderr
        # A developer's short key is fine with DEBUG on.
        assert start(DATABASE_URL=GOOD["DATABASE_URL"], SECRET_KEY=key, DEBUG="1").returncode == 0

    @pytest.mark.parametrize(("raw", "expected"), [("1", True), ("TRUE", True), (" on ", True), ("no", False)])
    def test_debug_spellings(self, raw, expected):
        result = start(**GOOD, DEBUG=raw)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["debug"] is expected


@pytest.mark.skipif(connection.vendor != "sqlite", reason="journal mode and BEGIN IMMEDIATE are SQLite's own")
class SqliteSetupTests:
    @pytest.mark.django_db
    def test_connection_uses_wal_busy_timeout_and_foreign_keys(self):
        with connection.cursor() as cursor:
            assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] == 20000
            assert cursor.execute("PRAGMA foreign_keys").fetchone()[0] == 1
            assert cursor.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"

    @pytest.mark.django_db
    def test_test_database_is_a_file(self):
        name = connection.settings_dict["NAME"]
        assert Path(name).is_file()
        assert Path(name).name.startswith("test_")

    @pytest.mark.django_db(transaction=True, serialized_rollback=True)
    def test_transactions_take_the_write_lock_at_begin(self):
        other = sqlite3.connect(connection.settings_dict["NAME"], timeout=0, isolation_level=None)
        try:
            with transaction.atomic():
                # Nothing written yet, only read: an IMMEDIATE transaction
                # already holds the write lock, so a second writer must wait.
                list(connection.cursor().execute("SELECT 1"))
                with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                    other.execute("BEGIN IMMEDIATE")
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
        finally:
            other.close()
