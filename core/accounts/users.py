"""User accounts, passwords and login throttling.

streamlit-authenticator draws the login form and sets the cookie, but it keeps failed-login
counts and logged-in state in its credentials dict only, and trusts any valid cookie. So the
rules live here, in the database: bcrypt hashes, five failures lock a username for 15 minutes,
deactivation and password changes bump `password_version`, and `session_is_valid` is checked on
every script run, not only at login.
"""

from __future__ import annotations

import os
import re
import secrets
from datetime import datetime, timedelta

import bcrypt
import sqlite_utils

from core.kernel import audit, config
from core.kernel.db import one, rows, write
from core.kernel.errors import FieldError, NotFound, ValidationError
from core.kernel.permissions import ADMIN, MERCHANT, ROLES, Actor, require

MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,31}$")
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 72  # bcrypt reads at most 72 bytes
MAX_NAME_LENGTH = 50
# bcrypt cost; tests lower it through APP_BCRYPT_ROUNDS to stay fast (never below 4).
BCRYPT_ROUNDS = max(4, int(os.environ.get("APP_BCRYPT_ROUNDS", "12")))
LANGUAGES = ("zh", "en")
# A bcrypt hash of a random secret nobody knows: given to a locked account so that the login
# form fails for it even with the right password, and the failure is still seen as that user's.
_LOCKED_HASH = bcrypt.hashpw(secrets.token_bytes(32), bcrypt.gensalt(rounds=4)).decode()
_SAFE_COLUMNS = (
    "id, username, display_name, role, merchant_id, active, language, failed_logins, locked_until, "
    "created_at, updated_at, password_version, password_changed_at"
)


def hash_password(password: str) -> str:
    """bcrypt hash of a password."""
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=BCRYPT_ROUNDS)).decode()


def check_password(password: str, password_hash: str) -> bool:
    """True when the password matches the bcrypt hash."""
    try:
        return bcrypt.checkpw(password.encode("utf-8"), password_hash.encode())
    except ValueError:
        return False


def generate_password() -> str:
    """A random password people can type: 12 characters, letters and digits."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


def _password_errors(password: str, field: str = "password") -> list[FieldError]:
    if len(password) < MIN_PASSWORD_LENGTH:
        return [FieldError(field, "err.password_short", {"n": MIN_PASSWORD_LENGTH})]
    if len(password.encode("utf-8")) > MAX_PASSWORD_LENGTH:
        return [FieldError(field, "err.too_long", {"n": MAX_PASSWORD_LENGTH})]
    return []


def _profile_errors(
    db: sqlite_utils.Database, display_name: str, role: str, merchant_id: int | None
) -> list[FieldError]:
    errors: list[FieldError] = []
    if not display_name.strip():
        errors.append(FieldError("display_name", "err.required"))
    elif len(display_name) > MAX_NAME_LENGTH:
        errors.append(FieldError("display_name", "err.too_long", {"n": MAX_NAME_LENGTH}))
    if role not in ROLES:
        errors.append(FieldError("role", "err.invalid_choice"))
    if role == MERCHANT:
        if merchant_id is None:
            errors.append(FieldError("merchant_id", "err.merchant_required"))
        elif not one(db, "SELECT id FROM merchants WHERE id = ?", [merchant_id]):
            errors.append(FieldError("merchant_id", "err.invalid_choice"))
    return errors


def get_user(db: sqlite_utils.Database, user_id: int) -> dict:
    """One user row without the password hash."""
    row = one(db, f"SELECT {_SAFE_COLUMNS} FROM users WHERE id = ?", [user_id])
    if row is None:
        raise NotFound(f"user {user_id}")
    return row


def find_by_username(db: sqlite_utils.Database, username: str) -> dict | None:
    """A user row (without hash) by username, case-insensitive, or None."""
    return one(db, f"SELECT {_SAFE_COLUMNS} FROM users WHERE username = ?", [username.strip().lower()])


def create_user(
    db: sqlite_utils.Database,
    actor: Actor | None,
    username: str,
    display_name: str,
    role: str,
    password: str,
    merchant_id: int | None = None,
) -> int:
    """Create an account; `actor` None only for first-run bootstrap and demo seeding."""
    if actor is not None:
        require(actor, "user.admin")
    username = username.strip().lower()
    errors: list[FieldError] = []
    if not USERNAME_PATTERN.match(username):
        errors.append(FieldError("username", "err.username_format"))
    elif find_by_username(db, username):
        errors.append(FieldError("username", "err.username_taken"))
    errors += _profile_errors(db, display_name, role, merchant_id)
    errors += _password_errors(password)
    if errors:
        raise ValidationError(errors)
    stamp = config.now_text()
    record = {
        "username": username,
        "display_name": display_name.strip(),
        "role": role,
        "merchant_id": merchant_id if role == MERCHANT else None,
        "active": 1,
        "password_hash": hash_password(password),
        "password_version": 1,
        "password_changed_at": stamp,
        "language": "zh",
        "failed_logins": 0,
        "created_at": stamp,
        "updated_at": stamp,
    }
    with write(db):
        user_id = db["users"].insert(record).last_pk
        safe = {k: v for k, v in record.items() if k != "password_hash"}
        audit.record(db, actor, "create", "user", user_id, None, safe)
    return int(user_id)


def update_user(
    db: sqlite_utils.Database,
    actor: Actor,
    user_id: int,
    display_name: str,
    role: str,
    merchant_id: int | None,
    active: bool,
) -> None:
    """Edit name, role, merchant link and active flag. Deactivating ends the user's sessions."""
    require(actor, "user.admin")
    before = get_user(db, user_id)
    errors = _profile_errors(db, display_name, role, merchant_id)
    if user_id == actor.id and (not active or role != ADMIN):
        errors.append(FieldError("active", "err.cannot_demote_self"))
    if errors:
        raise ValidationError(errors)
    changes = {
        "display_name": display_name.strip(),
        "role": role,
        "merchant_id": merchant_id if role == MERCHANT else None,
        "active": 1 if active else 0,
        "updated_at": config.now_text(),
    }
    if (before["active"] and not active) or before["role"] != role:
        # Ends live sessions and makes older re-login cookies worthless.
        changes["password_version"] = before["password_version"] + 1
        changes["password_changed_at"] = changes["updated_at"]
    with write(db):
        db["users"].update(user_id, changes)
        audit.record(db, actor, "update", "user", user_id, before, {**before, **changes})


def reset_password(db: sqlite_utils.Database, actor: Actor, user_id: int, new_password: str) -> None:
    """The admin sets a new password for a user; the user's other sessions end."""
    require(actor, "user.admin")
    _store_password(db, actor, get_user(db, user_id), new_password)


def change_own_password(db: sqlite_utils.Database, actor: Actor, old_password: str, new_password: str) -> None:
    """A user changes their own password after proving the old one; other sessions end."""
    row = one(db, "SELECT password_hash FROM users WHERE id = ?", [actor.id])
    if row is None:
        raise NotFound(f"user {actor.id}")
    if not check_password(old_password, row["password_hash"]):
        raise ValidationError.single("old_password", "err.wrong_password")
    if old_password == new_password:
        raise ValidationError.single("new_password", "err.password_same")
    _store_password(db, actor, get_user(db, actor.id), new_password)


def _store_password(db: sqlite_utils.Database, actor: Actor, user: dict, new_password: str) -> None:
    errors = _password_errors(new_password, "new_password")
    if errors:
        raise ValidationError(errors)
    stamp = config.now_text()
    with write(db):
        db["users"].update(
            user["id"],
            {
                "password_hash": hash_password(new_password),
                "password_version": user["password_version"] + 1,
                "password_changed_at": stamp,
                "failed_logins": 0,
                "locked_until": None,
                "updated_at": stamp,
            },
        )
        audit.record(
            db, actor, "password", "user", user["id"], None, {"password_version": user["password_version"] + 1}
        )


def set_language(db: sqlite_utils.Database, actor: Actor, language: str) -> None:
    """Remember the user's UI language."""
    if language not in LANGUAGES:
        raise ValidationError.single("language", "err.invalid_choice")
    with write(db):
        db["users"].update(actor.id, {"language": language})


def list_users(db: sqlite_utils.Database, actor: Actor, search: str = "", role: str | None = None) -> list[dict]:
    """Users for the admin page, filtered by a search over username and name, and by role."""
    require(actor, "user.admin")
    sql = f"SELECT {_SAFE_COLUMNS} FROM users WHERE (username LIKE ? OR display_name LIKE ?)"
    params: list = [f"%{search.strip()}%"] * 2
    if role:
        sql += " AND role = ?"
        params.append(role)
    return rows(db, sql + " ORDER BY role, username", params)


def actor_from_row(row: dict) -> Actor:
    """The Actor for a user row."""
    return Actor(
        id=row["id"],
        username=row["username"],
        role=row["role"],
        display_name=row["display_name"],
        merchant_id=row["merchant_id"],
        language=row["language"],
    )


# --- login -----------------------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    return now or config.now()


def locked_until(db: sqlite_utils.Database, username: str, now: datetime | None = None) -> datetime | None:
    """When the username's lock ends, or None if it is not locked now."""
    row = one(db, "SELECT locked_until FROM users WHERE username = ?", [username.strip().lower()])
    if not row or not row["locked_until"]:
        return None
    until = datetime.fromisoformat(row["locked_until"])
    return until if until > _now(now) else None


def record_failed_login(db: sqlite_utils.Database, username: str, now: datetime | None = None) -> datetime | None:
    """Count one failed login; return the lock's end if the username is (now) locked.

    The increment and the lock happen in one write transaction, so parallel attempts cannot
    slip past the limit.
    """
    username = username.strip().lower()
    moment = _now(now)
    with write(db):
        row = one(db, "SELECT id, failed_logins, locked_until FROM users WHERE username = ?", [username])
        if row is None:
            return None
        if row["locked_until"] and datetime.fromisoformat(row["locked_until"]) > moment:
            return datetime.fromisoformat(row["locked_until"])
        failures = row["failed_logins"] + 1
        if failures >= MAX_FAILED_LOGINS:
            until = moment + timedelta(minutes=LOCK_MINUTES)
            db["users"].update(row["id"], {"failed_logins": 0, "locked_until": until.strftime("%Y-%m-%d %H:%M:%S")})
            audit.record(db, None, "lock", "user", row["id"], None, {"locked_until": str(until), "username": username})
            return until
        db["users"].update(row["id"], {"failed_logins": failures})
    return None


def record_successful_login(db: sqlite_utils.Database, username: str) -> None:
    """Reset the failure count after a good login."""
    with write(db):
        db.execute(
            """UPDATE users SET failed_logins = 0, locked_until = NULL
                      WHERE username = ? AND (failed_logins != 0 OR locked_until IS NOT NULL)""",
            [username.strip().lower()],
        )


def authenticate(
    db: sqlite_utils.Database, username: str, password: str, now: datetime | None = None
) -> tuple[Actor | None, str]:
    """Check a login outside the widget (CLI, tests, API): (actor, '') or (None, reason key)."""
    username = username.strip().lower()
    row = one(db, "SELECT * FROM users WHERE username = ?", [username])
    if row is None or not row["active"]:
        return None, "login.failed"
    if locked_until(db, username, now):
        return None, "login.locked"
    if not check_password(password, row["password_hash"]):
        return None, "login.locked" if record_failed_login(db, username, now) else "login.failed"
    record_successful_login(db, username)
    return actor_from_row(row), ""


def credentials_for_authenticator(db: sqlite_utils.Database, now: datetime | None = None) -> dict:
    """The credentials dict streamlit-authenticator wants, built fresh from the users table.

    Inactive users are left out (their cookie is refused); locked users are in with a hash
    nobody can match, so the form fails for them and the failure is attributed to them.
    """
    moment = _now(now)
    users: dict[str, dict] = {}
    for row in db.query("SELECT username, display_name, role, password_hash, locked_until FROM users WHERE active = 1"):
        locked = row["locked_until"] and datetime.fromisoformat(row["locked_until"]) > moment
        users[row["username"]] = {
            "name": row["display_name"],
            "email": "",
            "password": _LOCKED_HASH if locked else row["password_hash"],
            "roles": [row["role"]],
            "failed_login_attempts": 0,
            "logged_in": False,
        }
    return {"usernames": users}


def session_actor(
    db: sqlite_utils.Database,
    username: str | None,
    password_version: int | None,
    cookie_issued_at: float | None = None,
) -> Actor | None:
    """The Actor for a logged-in session, or None when the session must end.

    Checked on every run: the account must exist and be active, its password version must be the
    one the session started with, and a re-login cookie must be newer than the last password
    change or deactivation.
    """
    if not username:
        return None
    row = one(db, f"SELECT {_SAFE_COLUMNS} FROM users WHERE username = ?", [username.strip().lower()])
    if row is None or not row["active"]:
        return None
    if password_version is not None and password_version != row["password_version"]:
        return None
    if cookie_issued_at is not None:
        changed = datetime.fromisoformat(row["password_changed_at"]).replace(tzinfo=config.TIMEZONE).timestamp()
        if cookie_issued_at < changed:
            return None
    return actor_from_row(row)


def ensure_first_admin(db: sqlite_utils.Database) -> str | None:
    """On an empty users table create `admin` with a random password and return it (else None)."""
    if db.execute("SELECT 1 FROM users LIMIT 1").fetchone():
        return None
    password = generate_password()
    create_user(db, None, "admin", "客服总监", ADMIN, password)
    return password


def write_logins_file(lines: list[tuple[str, str, str]]) -> str:
    """Write `role username password` lines to data/demo-logins.txt, readable by the owner only."""
    path = config.data_dir() / "demo-logins.txt"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        for role, username, password in lines:
            handle.write(f"{role} {username} {password}\n")
    os.chmod(path, 0o600)
    return str(path)
