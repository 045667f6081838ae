"""Where the app keeps its files and the few settings read from the environment.

`APP_DB` overrides the database path (tests point it at a temp file); uploads and the
cookie key live beside the database, in the git-ignored `data/` folder by default.
"""

from __future__ import annotations

import os
import secrets
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TIMEZONE = ZoneInfo("Asia/Shanghai")
COMPANY_NAME = os.environ.get("APP_COMPANY_NAME", "云服客服外包有限公司")


def db_path() -> Path:
    """The SQLite file in use: `APP_DB` or `data/app.db`."""
    return Path(os.environ.get("APP_DB") or PROJECT_ROOT / "data" / "app.db")


def data_dir() -> Path:
    """The folder beside the database that holds uploads, keys and demo logins."""
    path = db_path().resolve().parent
    path.mkdir(parents=True, exist_ok=True)
    return path


def uploads_dir() -> Path:
    """Where uploaded files are stored by content hash."""
    path = data_dir() / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def secret(name: str) -> str:
    """A random key kept in the data folder under `name` (readable by the owner only, never in git),
    generated on first use; several processes asking at once all get the same one."""
    path = data_dir() / name
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it just now
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def cookie_key() -> str:
    """The login cookie's signing key: generated on first run, kept in the data folder."""
    return secret("cookie.key")


def now() -> datetime:
    """Current local time (Asia/Shanghai), naive, second precision: how every time is stored."""
    return datetime.now(TIMEZONE).replace(microsecond=0, tzinfo=None)


def now_text() -> str:
    """`now()` as the text stored in the database (`2026-11-02 09:15:03`)."""
    return now().strftime("%Y-%m-%d %H:%M:%S")


def today() -> date:
    """Today's date in Asia/Shanghai."""
    return now().date()
