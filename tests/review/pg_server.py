"""A throwaway PostgreSQL server on loopback, for the review store tests or by hand.

``initdb`` into a temporary folder and ``pg_ctl start`` on a free port, trust authentication on
127.0.0.1 only, fsync off (the data is thrown away). PostgreSQL refuses to run as root, so as
root the server runs as the ``postgres`` system user via ``runuser``.

By hand::

    .venv/bin/python tests/review/pg_server.py   # prints a SQLAlchemy URL; Ctrl-C stops it
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

SUPERUSER = "synthlens"
# Stops the server and deletes its files if the process that started it dies without
# stopping it (a killed pytest must not leave a PostgreSQL running).
_WATCHDOG = """
import os, shutil, subprocess, sys, time
parent, stop = int(sys.argv[1]), sys.argv[3:]
while True:
    try:
        os.kill(parent, 0)
    except ProcessLookupError:
        break
    time.sleep(1)
subprocess.run(stop, capture_output=True, timeout=60)
shutil.rmtree(sys.argv[2], ignore_errors=True)
"""


class PgUnavailable(RuntimeError):
    """No PostgreSQL to start here; the message says why (tests skip with it)."""


def find_bindir() -> Path | None:
    """The folder with ``initdb`` and ``pg_ctl``.

    ``SYNTHLENS_PG_BINDIR`` when set (and then only there: point it at an empty folder to
    skip the PostgreSQL tests), else ``pg_config --bindir``, else the newest
    ``/usr/lib/postgresql/*/bin``.
    """
    explicit = os.environ.get("SYNTHLENS_PG_BINDIR", "").strip()
    if explicit:
        candidates = [explicit]
    else:
        candidates = sorted(
            glob.glob("/usr/lib/postgresql/*/bin"),
            key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
            reverse=True,
        )
        if shutil.which("pg_config"):
            out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
            candidates.insert(0, out.stdout.strip())
    for folder in candidates:
        path = Path(folder)
        if (path / "initdb").is_file() and (path / "pg_ctl").is_file():
            return path
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PgServer:
    """Start with :meth:`start`, stop with :meth:`stop` (or use it as a context manager)."""

    def __init__(self, bindir: Path | None = None) -> None:
        self.bindir = bindir or find_bindir()
        if self.bindir is None:
            raise PgUnavailable("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
        self.run_as: str | None = None
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise PgUnavailable(
                    "running as root and there is no 'postgres' user to run PostgreSQL as"
                ) from None
            if shutil.which("runuser") is None:
                raise PgUnavailable("running as root and 'runuser' is not available")
            self.run_as = "postgres"
        self.base: Path | None = None
        self.port: int | None = None
        self._watchdog: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the ``postgres`` database as the superuser."""
        if self.port is None:
            raise RuntimeError("the server is not running")
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/postgres"

    def _command(self, *args: str) -> list[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        return ["runuser", "-u", self.run_as, "--", *cmd] if self.run_as else cmd

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        cmd = self._command(*args)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"
        return subprocess.run(
            cmd, cwd=self.base, env=env, capture_output=True, text=True, timeout=timeout
        )

    def start(self) -> str:
        """Initialise and start the server; return its URL."""
        self.base = Path(tempfile.mkdtemp(prefix="synthlens-pg-"))
        if self.run_as:
            record = pwd.getpwnam(self.run_as)
            os.chown(self.base, record.pw_uid, record.pw_gid)
        data = self.base / "data"
        init = self._run(
            "initdb", "-D", str(data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8",
            "--no-locale", "--no-sync",
        )  # fmt: skip
        if init.returncode != 0:
            self._cleanup()
            raise PgUnavailable(f"initdb failed: {init.stderr.strip() or init.stdout.strip()}")
        last_error = ""
        for _ in range(3):  # another process may grab the free port before we bind it
            port = _free_port()
            options = (
                f"-p {port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c full_page_writes=off -c max_connections=60"
            )
            started = self._run(
                "pg_ctl", "-D", str(data), "-l", str(self.base / "server.log"), "-w",
                "-t", "30", "-o", options, "start",
            )  # fmt: skip
            if started.returncode == 0:
                self.port = port
                stop = self._command("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
                self._watchdog = subprocess.Popen(
                    [sys.executable, "-c", _WATCHDOG, str(os.getpid()), str(self.base), *stop],
                    start_new_session=True,
                )
                return self.url
            last_error = started.stderr.strip() or started.stdout.strip()
        self._cleanup()
        raise PgUnavailable(f"PostgreSQL did not start: {last_error}")

    def stop(self) -> None:
        """Stop the server at once and delete its files."""
        if self.base is not None and self.port is not None:
            self._run("pg_ctl", "-D", str(self.base / "data"), "-m", "immediate", "-w", "stop")
        self.port = None
        if self._watchdog is not None:
            self._watchdog.kill()
            self._watchdog.wait(timeout=10)
            self._watchdog = None
        self._cleanup()

    def _cleanup(self) -> None:
        if self.base is not None:
            shutil.rmtree(self.base, ignore_errors=True)
            self.base = None

    def __enter__(self) -> PgServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


if __name__ == "__main__":
    with PgServer() as server:
        print(server.url, flush=True)
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass


def serve(who: str) -> Iterator[str]:
    """Body of a ``pg_admin_url`` fixture: ``SYNTHLENS_TEST_DATABASE_URL``, else a throwaway
    server for the fixture's scope; skips ``who`` (e.g. "the review tests") when none starts."""
    external = os.environ.get("SYNTHLENS_TEST_DATABASE_URL", "").strip()
    if external:
        yield external
        return
    try:
        server = PgServer()
        url = server.start()
    except PgUnavailable as exc:
        pytest.skip(f"no PostgreSQL for {who}: {exc}")
    try:
        yield url
    finally:
        server.stop()
