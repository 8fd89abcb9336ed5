"""The bytes of a SQLite database and its write-ahead log, as someone holding the files would read them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine, make_url

_READ = "import sys; sys.stdout.buffer.write(open(sys.argv[1], 'rb').read())"


def sqlite_file_bytes(engine: Engine) -> bytes:
    """The database file and its write-ahead log, byte for byte, read by another process.

    Not with `read_bytes()` in this process: closing any descriptor of a file drops every POSIX lock the
    process holds on it, so the locks of this process's open SQLite connections would silently go ("How
    To Corrupt An SQLite Database File", section 2.2). The next other process to close its last connection
    then finds no other holder, takes itself for the last user, checkpoints, and deletes the `-wal` and
    `-shm` files from under this process: its next new connections fail with "disk I/O error" (a short
    read of a write-ahead log the stale shared memory says is longer), and what its open ones write
    goes to a deleted log. A child's close drops only the child's locks.
    """
    database = Path(str(make_url(str(engine.url)).database))
    files = [database, database.with_name(database.name + "-wal")]
    return b"".join(_read_in_a_child(path) for path in files if path.exists())


def _read_in_a_child(path: Path) -> bytes:
    return subprocess.run([sys.executable, "-c", _READ, str(path)], capture_output=True, check=True).stdout
