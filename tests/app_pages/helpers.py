"""AppTest helpers: an app session as a given user, and opening a page in it."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

HOME = str(ROOT / "Home.py")
ROLE_USER = {
    "admin": "admin",
    "manager": "manager",
    "trainer": "trainer",
    "qa": "qa",
    "agent": "agent",
    "merchant": "merchant",
}


def logged_in(username: str) -> AppTest:
    """An app session as that user, as if the login form had just succeeded."""
    at = AppTest.from_file(HOME, default_timeout=60)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    at.session_state["name"] = username
    return at


def open_page(at: AppTest, path: str, **query) -> AppTest:
    at.run()
    for key, value in query.items():
        at.query_params[key] = str(value)
    at.switch_page(path)
    at.run()
    return at
