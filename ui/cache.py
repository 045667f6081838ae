"""Heavy reads cached per data version: `cached(core_function)` for pages and widgets.

A wrapped function is called as the core function is (`db` first, then the acting user and the
rest); the result is kept by st.cache_data under the function's name, its arguments (the acting
user included, so permissions still decide what is in it) and `core.kernel.db.data_version(db)`, which
every committed write bumps. So a figure is recomputed after any save, by this session, another
session or another process; the cache never shows stale figures after a save. `db` itself is not
part of the key (the version's random token already identifies the file's state). Exceptions
(permission refusals, validation errors) are never cached. Core stays streamlit-free: only pages
and ui/ use this module.

`figure(builder)` keeps the Plotly figures a pure builder makes, per the content of its arguments
(data frames by value, a Context by its language): building a figure (plotly's validation of every
property, the theme's template) was most of a dashboard's run, a few milliseconds of it are left
to send it. The figure is shared by every session that asks for the same one, so nothing may
change it after it is built; st.plotly_chart only copies it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import sqlite_utils
import streamlit as st

from core.kernel import config
from core.kernel.db import data_version
from ui.context import Context

TTL_S = 15 * 60
MAX_ENTRIES = 1000
_UNVERSIONED = "0-none"
_FUNCTIONS: dict[str, Callable[..., Any]] = {}
F = TypeVar("F", bound=Callable[..., Any])


@st.cache_data(ttl=TTL_S, max_entries=MAX_ENTRIES, show_spinner=False)
def _call(_db: sqlite_utils.Database, name: str, version: str, args: tuple, kwargs: tuple) -> Any:
    return _FUNCTIONS[name](_db, *args, **dict(kwargs))


def cached(func: F) -> F:
    """The same function, its results cached per (arguments, data version)."""
    name = f"{func.__module__}.{func.__qualname__}"
    _FUNCTIONS[name] = func

    @functools.wraps(func)
    def wrapper(db: sqlite_utils.Database, *args: Any, **kwargs: Any) -> Any:
        version = data_version(db)
        if version == _UNVERSIONED:  # a store without the version row: never cache
            return func(db, *args, **kwargs)
        return _call(db, name, version, args, tuple(sorted(kwargs.items())))

    return wrapper  # type: ignore[return-value]


@st.cache_resource(ttl=TTL_S, max_entries=MAX_ENTRIES, show_spinner=False)
def _built(name: str, key: tuple, _build: Callable[[], Any]) -> Any:
    return _build()


def _key_of(value: Any) -> Any:
    """What of an argument a figure depends on: a Context only by its language (its db and user are not drawn)."""
    return ("context", value.lang) if isinstance(value, Context) else value


def figure(builder: F) -> F:
    """The same figure builder, each figure kept per the content of the arguments it was built from."""
    name = f"{builder.__module__}.{builder.__qualname__}"

    @functools.wraps(builder)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = (tuple(_key_of(a) for a in args), tuple(sorted((k, _key_of(v)) for k, v in kwargs.items())))
        return _built(name, key, lambda: builder(*args, **kwargs))

    return wrapper  # type: ignore[return-value]


def clear() -> None:
    """Drop every cached result (tests; the version key makes it unnecessary in the app)."""
    _call.clear()
    _built.clear()


def this_minute() -> datetime:
    """The current minute (Asia/Shanghai): the `now` of a cached read whose result moves with the
    clock (overdue complaints), so it is recomputed at most once a minute per set of arguments."""
    return config.now().replace(second=0, microsecond=0)
