"""The current script run's context: its database connection, acting user and language.

Home.py opens one connection per script run (a SQLite connection belongs to its thread, and
Streamlit may run the next rerun on another thread) and sets it here; the page it runs reads it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from core.kernel import i18n
from core.kernel.permissions import Actor

_local = threading.local()


@dataclass
class Context:
    """What a page needs: the store, who is acting, and the translate function."""

    db: sqlite_utils.Database
    actor: Actor
    lang: str

    def t(self, key: str, **params: Any) -> str:
        return i18n.t(key, self.lang, **params)


def set_current(context: Context) -> None:
    """Called by Home.py once the user is known."""
    _local.context = context


def get() -> Context:
    """The context of this run (pages are only ever run by Home.py's navigation)."""
    return _local.context
