"""Consistent backups of the store through SQLite's online backup API.

`python -m core.kernel.backup OUT` writes a copy of the live database (readers and writers may keep
working meanwhile); restoring is copying that file back while the app is stopped.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
from pathlib import Path

import sqlite_utils

from core.kernel import audit, config
from core.kernel.permissions import Actor, require


def backup_to(source: sqlite3.Connection, target_path: str | Path) -> Path:
    """Copy the database behind `source` to `target_path` and verify the copy."""
    target = Path(target_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    if tmp.exists():
        tmp.unlink()
    destination = sqlite3.connect(str(tmp))
    try:
        source.backup(destination)
        destination.execute("PRAGMA journal_mode = DELETE")
        result = destination.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise RuntimeError(f"backup integrity check failed: {result}")
    finally:
        destination.close()
    tmp.replace(target)
    return target


def backup_bytes(db: sqlite_utils.Database, actor: Actor) -> bytes:
    """A backup file's bytes for the admin's download button."""
    require(actor, "backup")
    with tempfile.TemporaryDirectory() as folder:
        path = backup_to(db.conn, Path(folder) / "backup.db")
        data = path.read_bytes()
    audit.record(db, actor, "backup", "database", "", None, {"bytes": len(data)})
    return data


def main(argv: list[str] | None = None) -> int:
    """Command line: back up APP_DB (or data/app.db) to OUT."""
    parser = argparse.ArgumentParser(
        prog="python -m core.kernel.backup", description="Back up the app database (SQLite online backup)."
    )
    parser.add_argument("out", help="path of the backup file to write")
    args = parser.parse_args(argv)
    source_path = config.db_path()
    if not source_path.exists():
        print(f"no database at {source_path}", file=sys.stderr)
        return 2
    source = sqlite3.connect(str(source_path))
    try:
        target = backup_to(source, args.out)
    finally:
        source.close()
    print(f"backup written: {target} ({target.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
