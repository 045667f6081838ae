"""Login, logout and the per-run session check, around streamlit-authenticator.

The widget draws the form and sets the re-login cookie; the database decides. Before the widget
may trust a cookie, the cookie is checked against the user's row (active, issued after the last
password change); after the widget runs, a failed attempt is counted in the database (five lock
the username for 15 minutes); and on every run the session's password version must still match.
"""

from __future__ import annotations

import jwt
import sqlite_utils
import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities import LoginError

from core.accounts import users
from core.kernel import config, i18n
from core.kernel.permissions import Actor

COOKIE_NAME = "ops_console_auth"
COOKIE_EXPIRY_DAYS = 7.0


def _cookie_claims() -> dict | None:
    token = st.context.cookies.get(COOKIE_NAME) if st.context.cookies else None
    if not token:
        return None
    try:
        return jwt.decode(token, config.cookie_key(), algorithms=["HS256"])
    except jwt.PyJWTError:
        return None


def _authenticator(credentials: dict) -> stauth.Authenticate:
    return stauth.Authenticate(
        credentials,
        cookie_name=COOKIE_NAME,
        cookie_key=config.cookie_key(),
        cookie_expiry_days=COOKIE_EXPIRY_DAYS,
        auto_hash=False,
        login_sleep_time=0,
    )


def _end_session(authenticator: stauth.Authenticate) -> None:
    st.session_state.pop("pw_version", None)
    if st.session_state.get("authentication_status"):
        authenticator.logout(location="unrendered")


def current_actor(db: sqlite_utils.Database, lang: str) -> tuple[Actor | None, stauth.Authenticate]:
    """Draw the login form if needed; return the logged-in Actor (or None) and the authenticator."""
    credentials = users.credentials_for_authenticator(db)
    authenticator = _authenticator(credentials)
    if not st.session_state.get("authentication_status"):
        flash = st.session_state.pop("flash", None)
        if flash:
            st.warning(i18n.t(flash, lang))
        claims = _cookie_claims()
        if claims:
            issued_at = float(claims.get("exp_date", 0)) - COOKIE_EXPIRY_DAYS * 86400
            if users.session_actor(db, claims.get("username"), None, issued_at) is None:
                st.session_state["logout"] = True  # the widget must not log in with this cookie
        fields = {
            "Form name": i18n.t("login.title", lang),
            "Username": i18n.t("login.username", lang),
            "Password": i18n.t("login.password", lang),
            "Login": i18n.t("login.submit", lang),
        }
        try:
            authenticator.login(location="main", fields=fields, key="login")
        except LoginError:
            st.session_state["authentication_status"] = False
        failed = [name for name, entry in credentials["usernames"].items() if entry.get("failed_login_attempts")]
        for username in failed:
            until = users.record_failed_login(db, username)
            if until:
                st.error(i18n.t("login.locked", lang, minutes=users.LOCK_MINUTES, until=until.strftime("%H:%M")))
            else:
                st.error(i18n.t("login.failed", lang))
        if st.session_state.get("authentication_status") is False and not failed:
            st.error(i18n.t("login.failed", lang))
    if not st.session_state.get("authentication_status"):
        return None, authenticator
    username = st.session_state.get("username")
    if "pw_version" not in st.session_state:
        row = users.find_by_username(db, username or "")
        st.session_state["pw_version"] = row["password_version"] if row else -1
        users.record_successful_login(db, username or "")
    actor = users.session_actor(db, username, st.session_state["pw_version"])
    if actor is None:
        _end_session(authenticator)
        st.session_state["flash"] = "login.session_ended"
        st.rerun()
    return actor, authenticator


def logout_button(authenticator: stauth.Authenticate, label: str) -> None:
    """The sidebar's logout button."""
    authenticator.logout(
        button_name=label,
        location="sidebar",
        key="logout_button",
        callback=lambda _info: st.session_state.pop("pw_version", None),
    )
