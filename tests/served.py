"""The real `kindred` command as a process, for tests of the configurations a company deploys.

Only the environment says what to do, as on a server: the database is made by `kindred db upgrade`
(a SQLite file, or a fresh PostgreSQL database when DATABASE_URL names a server), and Slack is the test
stand-in at SLACK_API_URL.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from sqlalchemy import create_engine, make_url, text

from slackapp.settings import normalise_database_url

KINDRED = str(Path(sys.executable).with_name("kindred"))
START_TIMEOUT_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def base_environment(home: Path) -> dict[str, str]:
    """A bare environment: nothing from the test process leaks in but PATH and the Python it runs."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "LANG": "C.UTF-8"}


@contextmanager
def empty_database(tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it: a new SQLite file, or a new PostgreSQL one beside DATABASE_URL's."""
    requested = os.environ.get("DATABASE_URL", "").strip()
    if not requested or not normalise_database_url(requested).startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'kindred-served.db'}"
        return
    base = make_url(normalise_database_url(requested))
    name = f"kindred_served_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run_kindred(*args: str, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [KINDRED, *args], env=dict(env), capture_output=True, text=True, timeout=120, check=False
    )


@dataclass
class Served:
    """A running `kindred serve` (or `kindred socket`), with everything it wrote to its terminal."""

    process: subprocess.Popen[bytes]
    output_path: Path
    url: str

    def output(self) -> str:
        return self.output_path.read_text(encoding="utf-8", errors="replace")

    def get(self, path: str, **kwargs: object) -> requests.Response:
        return requests.get(self.url + path, timeout=10, allow_redirects=False, **kwargs)  # type: ignore[arg-type]

    def post(self, path: str, **kwargs: object) -> requests.Response:
        return requests.post(self.url + path, timeout=10, allow_redirects=False, **kwargs)  # type: ignore[arg-type]


@contextmanager
def served(
    command: str, env: Mapping[str, str], tmp_path: Path, *, wait_for_health: bool = True
) -> Iterator[Served]:
    """Start `kindred <command>` with exactly `env`, wait until /healthz answers, stop it afterwards."""
    port = free_port()
    output_path = tmp_path / f"kindred-{command}-{port}.log"
    with output_path.open("wb") as output:
        process = subprocess.Popen(
            [KINDRED, command], env={**env, "PORT": str(port)}, stdout=output, stderr=subprocess.STDOUT
        )
    running = Served(process, output_path, f"http://127.0.0.1:{port}")
    try:
        if wait_for_health:
            _wait_until_healthy(running)
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_healthy(running: Served) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if running.process.poll() is not None:
            raise AssertionError(f"kindred exited with {running.process.returncode}:\n{running.output()}")
        try:
            if running.get("/healthz").status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"kindred did not answer /healthz:\n{running.output()}")
