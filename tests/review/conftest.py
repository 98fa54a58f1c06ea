"""Fixtures for the review store: one store per test on SQLite and on a real PostgreSQL.

PostgreSQL starts once per session (``pg_server.py``); each test gets its own schema on it.
``SYNTHLENS_TEST_DATABASE_URL`` points the PostgreSQL tests at an existing server instead.
When no PostgreSQL can be started, the ``postgres`` tests are skipped with the reason.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pg_server import serve
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from storekit import sha

from review import Run, Store

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    yield from serve("the review tests")


@pytest.fixture(scope="session")
def pg_admin(pg_admin_url: str) -> Iterator[Engine]:
    engine = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@pytest.fixture
def pg_url(pg_admin_url: str, pg_admin: Engine) -> Iterator[str]:
    """A URL whose ``search_path`` is a fresh schema, so tests never see each other's rows."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with pg_admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = make_url(pg_admin_url).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    if os.environ.get("SYNTHLENS_TEST_DATABASE_URL"):  # the throwaway server needs no tidying
        with pg_admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+pysqlite:///{tmp_path / 'review.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store(db_url) as opened:
        yield opened


MakeRun = Callable[..., Run]


@pytest.fixture
def make_run(store: Store) -> MakeRun:
    """``make_run(real="r", synthetic="s1", holdout=None, settings=None, tool_version=...)``."""

    def make(
        real: str = "real.csv",
        synthetic: str = "synthetic.csv",
        holdout: str | None = None,
        settings: dict | None = None,
        tool_version: str = "0.1.0",
        scores: dict | None = None,
    ) -> Run:
        inputs = {"real": sha(real), "synthetic": sha(synthetic)}
        names = {"real": real, "synthetic": synthetic}
        if holdout:
            inputs["holdout"], names["holdout"] = sha(holdout), holdout
        return store.get_or_create_run(
            inputs, names, tool_version, settings or {"seed": 0}, scores or {"overall": 0.9}
        )

    return make


@pytest.fixture
def spawn() -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Start ``python -c code args...`` with the repository importable; killed at teardown."""
    started: list[subprocess.Popen[str]] = []

    def start(code: str, *args: str) -> subprocess.Popen[str]:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        proc = subprocess.Popen(
            [sys.executable, "-c", code, *args],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
