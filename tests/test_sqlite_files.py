"""Reading a SQLite database's files in a test leaves the other processes on that file none the wiser."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from slackapp.database import new_engine
from tests.conftest import is_postgres
from tests.sqlite_files import sqlite_file_bytes

# Another process on the same file through Kindred's engine, as `kindred serve` or the worker is: it
# writes, and closes its last connection.
ANOTHER_PROCESS = """
import sys
from sqlalchemy import text
from slackapp.database import new_engine
engine = new_engine(sys.argv[1])
with engine.begin() as connection:
    connection.execute(text("INSERT INTO t VALUES (2)"))
engine.dispose()
"""


@pytest.mark.skipif(is_postgres(), reason="the SQLite file")
def test_reading_the_files_keeps_this_processs_locks_so_another_process_leaves_the_log_in_place(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'kindred.db'}"
    engine = new_engine(url)
    try:
        with engine.begin() as connection:  # the pool keeps this connection open, as a web process's does
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
            connection.execute(text("INSERT INTO t VALUES (1)"))
        sqlite_file_bytes(engine)
        repository = Path(__file__).resolve().parents[1]
        subprocess.run([sys.executable, "-c", ANOTHER_PROCESS, url], check=True, cwd=repository)
        assert (tmp_path / "kindred.db-shm").exists(), "the other process took itself for the last one"
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (3)"))

        fresh = new_engine(url)  # new connections, several at once, as a freshly started web app opens
        counts: list[int | None] = []
        failures: list[Exception] = []

        def count() -> None:
            try:
                with fresh.connect() as connection:
                    counts.append(connection.scalar(text("SELECT count(*) FROM t")))
            except Exception as error:  # reported below, not lost on the thread
                failures.append(error)

        threads = [threading.Thread(target=count) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        fresh.dispose()
        assert failures == [] and counts == [3] * 4
    finally:
        engine.dispose()
