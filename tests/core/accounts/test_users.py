"""Accounts, passwords, login throttling and session validity."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest

from core.accounts import users
from core.bootstrap import open_store
from core.kernel import audit, config
from core.kernel.errors import ValidationError
from core.kernel.permissions import PermissionDenied


def keys(exc: ValidationError) -> set[tuple[str, str]]:
    return {(e.field, e.key) for e in exc.errors}


def test_create_user_hashes_password_with_bcrypt(fresh_db, admin):
    user_id = users.create_user(fresh_db, admin, "Alice", "爱丽丝", "agent", "password-123")
    row = fresh_db.execute("SELECT username, password_hash FROM users WHERE id = ?", [user_id]).fetchone()
    assert row[0] == "alice"  # stored lowercase, as the login widget lowercases
    assert row[1].startswith("$2") and "password-123" not in row[1]
    assert users.check_password("password-123", row[1])


def test_duplicate_username_is_refused_and_nothing_written(fresh_db, admin):
    users.create_user(fresh_db, admin, "alice", "A", "agent", "password-123")
    before = fresh_db["users"].count
    with pytest.raises(ValidationError) as caught:
        users.create_user(fresh_db, admin, "ALICE", "B", "agent", "password-123")
    assert ("username", "err.username_taken") in keys(caught.value)
    assert fresh_db["users"].count == before


def test_bad_user_input_reports_every_field(fresh_db, admin):
    with pytest.raises(ValidationError) as caught:
        users.create_user(fresh_db, admin, "a b", "", "emperor", "short")
    assert keys(caught.value) == {
        ("username", "err.username_format"),
        ("display_name", "err.required"),
        ("role", "err.invalid_choice"),
        ("password", "err.password_short"),
    }


def test_overlong_name_is_refused(fresh_db, admin):
    with pytest.raises(ValidationError) as caught:
        users.create_user(fresh_db, admin, "longname", "名" * 51, "agent", "password-123")
    assert ("display_name", "err.too_long") in keys(caught.value)


def test_merchant_user_must_be_tied_to_a_merchant(fresh_db, admin):
    with pytest.raises(ValidationError) as caught:
        users.create_user(fresh_db, admin, "shop", "店", "merchant", "password-123")
    assert ("merchant_id", "err.merchant_required") in keys(caught.value)


def test_only_admin_manages_users(fresh_db, admin):
    manager_id = users.create_user(fresh_db, admin, "mgr", "经理", "manager", "password-123")
    manager = users.actor_from_row(users.get_user(fresh_db, manager_id))
    with pytest.raises(PermissionDenied):
        users.create_user(fresh_db, manager, "x1", "X", "agent", "password-123")
    with pytest.raises(PermissionDenied):
        users.list_users(fresh_db, manager)


def test_authenticate_accepts_right_password_and_refuses_wrong(fresh_db, admin):
    actor, reason = users.authenticate(fresh_db, "boss", "secret-pass-1")
    assert actor is not None and actor.role == "admin" and reason == ""
    actor, reason = users.authenticate(fresh_db, "boss", "nope")
    assert actor is None and reason == "login.failed"


def test_five_failed_logins_lock_the_username_for_15_minutes(fresh_db, admin):
    start = datetime(2026, 11, 2, 9, 0, 0)
    for attempt in range(4):
        assert users.record_failed_login(fresh_db, "boss", start) is None
    until = users.record_failed_login(fresh_db, "boss", start)
    assert until == start + timedelta(minutes=15)
    # even the right password is refused while locked, with the lock as the reason
    actor, reason = users.authenticate(fresh_db, "boss", "secret-pass-1", start + timedelta(minutes=14, seconds=59))
    assert actor is None and reason == "login.locked"
    actor, reason = users.authenticate(fresh_db, "boss", "secret-pass-1", start + timedelta(minutes=15, seconds=1))
    assert actor is not None


def test_a_good_login_resets_the_failure_count(fresh_db, admin):
    moment = datetime(2026, 11, 2, 9, 0, 0)
    for _ in range(4):
        users.record_failed_login(fresh_db, "boss", moment)
    users.record_successful_login(fresh_db, "boss")
    assert users.record_failed_login(fresh_db, "boss", moment) is None  # counts from 1 again


def test_throttling_holds_under_parallel_attempts(fresh_db, admin, tmp_path):
    """Twenty threads, each with its own connection, fail at once: the lock still comes at five."""
    moment = datetime(2026, 11, 2, 9, 0, 0)
    results: list = []

    def attempt():
        db = open_store(tmp_path / "app.db")
        results.append(users.record_failed_login(db, "boss", moment))
        db.close()

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    locks = [r for r in results if r is not None]
    assert len(results) == 20
    assert len(locks) == 16  # the fifth failure locks; the fifteen after it see the lock
    assert users.locked_until(fresh_db, "boss", moment) == moment + timedelta(minutes=15)


def test_locked_user_gets_an_unmatchable_hash_in_the_widget_credentials(fresh_db, admin):
    moment = config.now()
    for _ in range(5):
        users.record_failed_login(fresh_db, "boss", moment)
    credentials = users.credentials_for_authenticator(fresh_db)
    assert "boss" in credentials["usernames"]
    assert not users.check_password("secret-pass-1", credentials["usernames"]["boss"]["password"])


def test_deactivated_user_cannot_log_in_and_live_session_ends(fresh_db, admin):
    user_id = users.create_user(fresh_db, admin, "alice", "A", "agent", "password-123")
    version = users.get_user(fresh_db, user_id)["password_version"]
    assert users.session_actor(fresh_db, "alice", version) is not None
    users.update_user(fresh_db, admin, user_id, "A", "agent", None, active=False)
    assert users.session_actor(fresh_db, "alice", version) is None
    assert users.session_actor(fresh_db, "alice", None) is None  # a cookie alone does not help
    assert "alice" not in users.credentials_for_authenticator(fresh_db)["usernames"]
    assert users.authenticate(fresh_db, "alice", "password-123")[0] is None


def test_password_change_ends_other_sessions_and_old_cookies(fresh_db, admin):
    user_id = users.create_user(fresh_db, admin, "alice", "A", "agent", "password-123")
    alice = users.actor_from_row(users.get_user(fresh_db, user_id))
    old_version = users.get_user(fresh_db, user_id)["password_version"]
    cookie_issued = (
        datetime.fromisoformat(users.get_user(fresh_db, user_id)["password_changed_at"])
        .replace(tzinfo=config.TIMEZONE)
        .timestamp()
        - 60
    )
    users.change_own_password(fresh_db, alice, "password-123", "new-password-456")
    assert users.session_actor(fresh_db, "alice", old_version) is None
    assert users.session_actor(fresh_db, "alice", None, cookie_issued) is None
    assert users.authenticate(fresh_db, "alice", "new-password-456")[0] is not None


def test_change_own_password_needs_the_old_one(fresh_db, admin):
    with pytest.raises(ValidationError) as caught:
        users.change_own_password(fresh_db, admin, "not-it", "new-password-456")
    assert ("old_password", "err.wrong_password") in keys(caught.value)


def test_admin_cannot_deactivate_themselves(fresh_db, admin):
    with pytest.raises(ValidationError):
        users.update_user(fresh_db, admin, admin.id, "总监", "admin", None, active=False)


def test_first_run_creates_admin_once_with_random_password(fresh_db):
    password = users.ensure_first_admin(fresh_db)
    assert password and len(password) >= 12
    assert users.authenticate(fresh_db, "admin", password)[0].role == "admin"
    assert users.ensure_first_admin(fresh_db) is None


def test_user_changes_are_audited_without_password_hash(fresh_db, admin):
    users.create_user(fresh_db, admin, "alice", "A", "agent", "password-123")
    rows = audit.search(fresh_db, admin, entity="user")
    assert rows and rows[0]["action"] == "create" and rows[0]["username"] == "boss"
    assert "password_hash" not in (rows[0]["after"] or "") and "password-123" not in (rows[0]["after"] or "")


def test_logins_file_is_owner_readable_only(fresh_db, tmp_path):
    import os
    import stat

    path = users.write_logins_file([("admin", "admin", "pw1"), ("agent", "agent", "pw2")])
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert open(path).read().splitlines() == ["admin admin pw1", "agent agent pw2"]


def test_passwords_never_reach_a_log_an_error_or_any_table(fresh_db, admin, caplog, capsys):
    import logging

    caplog.set_level(logging.DEBUG)  # every logger of the app and its libraries, at every level
    secrets = [
        "Initial-pw-7781",
        "Wrong-guess-5512",
        "Reset-pw-3390",
        "Changed-pw-6604",
        "Qz7#k",
    ]  # the last one too short
    messages: list[str] = []
    user_id = users.create_user(fresh_db, admin, "carol", "C", "agent", secrets[0])
    for _ in range(6):  # wrong passwords until the account locks
        users.authenticate(fresh_db, "carol", secrets[1])
    users.reset_password(fresh_db, admin, user_id, secrets[2])
    carol = users.actor_from_row(users.find_by_username(fresh_db, "carol"))
    for old, new in ((secrets[1], secrets[3]), (secrets[2], secrets[4]), (secrets[2], secrets[3])):
        try:
            users.change_own_password(fresh_db, carol, old, new)
        except ValidationError as exc:  # a wrong old password, a too short new one: the message names fields only
            messages.append(str(exc) + repr(exc.errors))
    with pytest.raises(ValidationError) as caught:
        users.create_user(fresh_db, admin, "dave", "D", "agent", secrets[4])
    messages.append(str(caught.value) + repr(caught.value.errors))
    assert len(messages) == 3
    captured = capsys.readouterr()
    text_of_tables = []
    for table in fresh_db.table_names():
        for row in fresh_db.execute(f'SELECT * FROM "{table}"').fetchall():
            text_of_tables.extend(str(v) for v in row if isinstance(v, str))
    everything = "\n".join([caplog.text, captured.out, captured.err, *messages, *text_of_tables])
    assert "carol" in everything  # the haystack is the real one
    for secret in secrets:
        assert secret not in everything, f"a password was found: {secret}"
