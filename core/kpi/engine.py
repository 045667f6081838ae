"""Chat-service KPI engine: per agent per day and per shop per day.

Implements the contract in ``/work/shared/spec/kpi.md`` literally, from chat
messages (one row per message) and orders (one row per order).

Public API
----------
* :class:`KpiSettings` -- service window, fast-reply threshold, response unit,
  attribution days; validated, JSON-serialisable with :meth:`KpiSettings.to_dict`.
* :func:`agent_daily`, :func:`shop_daily` -- the daily KPI rows
  (:data:`AGENT_COLUMNS` / :data:`SHOP_COLUMNS`); :func:`daily` gives both from
  one computation.
* :func:`wait_table`, :func:`chat_table`, :func:`order_attribution` -- one row
  per wait / chat / order, for drill-downs ("which chats are behind this figure").
* :func:`read_messages`, :func:`read_orders` -- read a CSV (UTF-8, with or
  without BOM) or XLSX file and validate every row; raise :class:`KpiInputError`
  listing *all* bad rows. :func:`validate_messages` / :func:`validate_orders` do the
  checks on a frame already read (core.kpi.raw_import maps other layouts onto it).
  CSV goes through pyarrow's reader (:func:`arrow_csv`) and the usual timestamps
  through a fixed-width parse; anything else through pandas and the general
  rules, so the reasons given are the same either way.
* CLI: ``python -m core.kpi --messages M.csv [--orders O.csv] [--level agent|shop]
  [--window-start 08:00] [--window-end 23:00] [--fast 30] [--unit message|turn]
  [--attribution-days 1] [--out OUT.csv]``.

Conventions of the output frames
--------------------------------
* ``date`` is an ISO string ``'YYYY-MM-DD'`` (the calendar date of the chat).
* Rows are sorted by ``date`` then ``agent``; agent names sort by Unicode code
  point (Python string order), e.g. ``'店铺:Amy' < '店铺:bob' < '店铺:小美'``.
* Counts (``consultations``, ``waits``, ``fast_replies``, ``converted``,
  ``items``) are ``int64``; rates are fractions (0..1) as ``float64``; an
  "empty" figure of the spec is ``NaN``; ``sales`` is rounded to 2 decimals
  (yuan); ``aov`` and ``items_per_buyer`` are not rounded.
* Only (date, agent) pairs -- and dates -- with at least one chat (a chat with
  at least one ``buyer`` message) get a row.

Times are naive local timestamps at second precision; sub-second parts of
``datetime64`` input are dropped (floored). Row numbers in errors are 1-based as
a spreadsheet user sees them: the header is row 1, the first data row is row 2
(for a DataFrame passed to the engine: position in the frame + 2).

The engine is vectorised numpy/pandas (no Python loop over rows or groups) and
never imports streamlit.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as _dt
import io
import math
import os
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "AGENT_COLUMNS",
    "SHOP_COLUMNS",
    "WAIT_COLUMNS",
    "CHAT_COLUMNS",
    "ATTRIBUTION_COLUMNS",
    "MESSAGE_COLUMNS",
    "ORDER_COLUMNS",
    "SENDERS",
    "ORDER_STATUSES",
    "INVALID_ORDER_STATUSES",
    "KpiSettings",
    "KpiInputError",
    "agent_daily",
    "shop_daily",
    "daily",
    "wait_table",
    "chat_table",
    "order_attribution",
    "read_messages",
    "read_orders",
    "validate_messages",
    "validate_orders",
    "arrow_csv",
    "main",
]

AGENT_COLUMNS: list[str] = [
    "date",
    "agent",
    "consultations",
    "waits",
    "fast_replies",
    "response_30s_rate",
    "avg_response_s",
    "first_response_s",
    "effective_reply_rate",
    "converted",
    "conversion_rate",
    "sales",
    "items",
    "aov",
    "items_per_buyer",
]
SHOP_COLUMNS: list[str] = [c for c in AGENT_COLUMNS if c != "agent"]
WAIT_COLUMNS: list[str] = [
    "date",
    "agent",
    "buyer",
    "start",
    "in_window",
    "answered",
    "response_s",
    "fast",
]
CHAT_COLUMNS: list[str] = [
    "date",
    "agent",
    "buyer",
    "first_response_s",
    "effectively_replied",
    "converted",
    "sales",
    "items",
    "order_ids",
]
ATTRIBUTION_COLUMNS: list[str] = ["order_id", "buyer", "valid", "date", "agent"]

MESSAGE_COLUMNS: list[str] = ["time", "buyer", "agent", "sender"]  # + optional content
ORDER_COLUMNS: list[str] = ["order_id", "buyer", "created_at", "paid_at", "amount", "items", "status"]
SENDERS: tuple[str, ...] = ("buyer", "agent", "auto", "system")
ORDER_STATUSES: tuple[str, ...] = ("paid", "shipped", "completed", "refunded", "cancelled", "unpaid")
INVALID_ORDER_STATUSES: frozenset[str] = frozenset({"cancelled", "unpaid"})

_DAY = 86_400
_NAT = np.iinfo(np.int64).min
_INT_COLUMNS = ("consultations", "waits", "fast_replies", "converted", "items")
_MAX_KEY = 2**62


# --------------------------------------------------------------------------- errors


class KpiInputError(ValueError):
    """Bad input data. ``errors`` lists every problem as ``(row, reason)``.

    ``row`` is 1-based as a spreadsheet user sees it: the header is row 1 and the
    first data row is row 2. Problems of the file as a whole (empty file, missing
    column) are reported on row 1.
    """

    def __init__(self, errors: Iterable[tuple[int, str]]):
        self.errors: list[tuple[int, str]] = sorted(errors, key=lambda e: e[0])
        super().__init__(self.format())

    def format(self, limit: int | None = 50) -> str:
        """Human-readable list, one problem per line (at most ``limit`` lines)."""
        shown = self.errors if limit is None else self.errors[:limit]
        lines = [f"row {row}: {reason}" for row, reason in shown]
        if limit is not None and len(self.errors) > limit:
            lines.append(f"... and {len(self.errors) - limit} more problem(s)")
        return "\n".join(lines) if lines else "bad input"


# --------------------------------------------------------------------------- settings

_HHMM_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def _clock_seconds(value: Any, name: str, allow_24: bool) -> int:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string 'HH:MM', got {value!r}")
    m = _HHMM_RE.match(value.strip())
    if not m:
        raise ValueError(f"{name} must look like 'HH:MM' (e.g. '08:00'), got {value!r}")
    h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    if allow_24 and (h, mi, s) == (24, 0, 0):
        return _DAY
    if h > 23 or mi > 59 or s > 59:
        hint = " (use '24:00' for the end of the day)" if allow_24 else ""
        raise ValueError(f"{name} {value!r} is not a valid time of day{hint}")
    return h * 3600 + mi * 60 + s


def _check_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value!r}")
    return int(value)


@dataclass(frozen=True)
class KpiSettings:
    """Per-merchant KPI settings (defaults as in the spec).

    * ``window_start`` / ``window_end``: the service window, ``'HH:MM'`` (or
      ``'HH:MM:SS'``); start inclusive, end exclusive; ``window_end`` may be
      ``'24:00'``; start must be before end (no window across midnight).
    * ``fast_threshold_s``: a wait answered within this many seconds (inclusive)
      is a fast reply.
    * ``response_unit``: ``'message'`` (every buyer message is a wait) or
      ``'turn'`` (the buyer messages one agent reply answers form one wait).
    * ``attribution_days``: an order converts an inquiry of day D if paid by the
      end of day D + this many days.
    """

    window_start: str = "08:00"
    window_end: str = "23:00"
    fast_threshold_s: int = 30
    response_unit: str = "message"  # or "turn"
    attribution_days: int = 1

    def __post_init__(self) -> None:
        start = _clock_seconds(self.window_start, "window_start", allow_24=False)
        end = _clock_seconds(self.window_end, "window_end", allow_24=True)
        if start >= end:
            raise ValueError(
                f"window_start ({self.window_start}) must be before window_end "
                f"({self.window_end}); a window across midnight is not supported"
            )
        _check_int(self.fast_threshold_s, "fast_threshold_s")
        if self.response_unit not in ("message", "turn"):
            raise ValueError(f"response_unit must be 'message' or 'turn', got {self.response_unit!r}")
        _check_int(self.attribution_days, "attribution_days")

    @property
    def window_start_s(self) -> int:
        """Window start as seconds after midnight."""
        return _clock_seconds(self.window_start, "window_start", allow_24=False)

    @property
    def window_end_s(self) -> int:
        """Window end as seconds after midnight (86400 for '24:00')."""
        return _clock_seconds(self.window_end, "window_end", allow_24=True)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable dict of the settings."""
        return {
            "window_start": self.window_start,
            "window_end": self.window_end,
            "fast_threshold_s": int(self.fast_threshold_s),
            "response_unit": self.response_unit,
            "attribution_days": int(self.attribution_days),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "KpiSettings":
        """Inverse of :meth:`to_dict` (unknown keys raise ValueError)."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown KPI setting(s): {', '.join(sorted(unknown))}")
        return cls(**data)


# --------------------------------------------------------------------------- parsing helpers

_TIME_RE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T]|\s+)(\d{1,2}):(\d{2}):(\d{2})$")
_FAST_FORMAT = "%Y-%m-%d %H:%M:%S"
_EPOCH = _dt.datetime(1970, 1, 1)


def _is_empty(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str) and not value.strip():
        return True
    return False


def _one_time(value: Any) -> int | str | None:
    """Seconds since epoch, None for empty, or a reason string."""
    if _is_empty(value):
        return None
    if isinstance(value, (pd.Timestamp, _dt.datetime)):
        ts = pd.Timestamp(value)
        if ts.tzinfo is not None:
            ts = ts.tz_localize(None)
        return int(ts.floor("s").value // 1_000_000_000)
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            return None
        return int(value.astype("datetime64[s]").astype(np.int64))
    if isinstance(value, _dt.date):
        return f"{value!r} has no time of day (expected YYYY-MM-DD HH:MM:SS)"
    if isinstance(value, str):
        text = value.strip()
        m = _TIME_RE.match(text)
        if m:
            y, mo, d, h, mi, s = (int(g) for g in m.groups())
            try:
                when = _dt.datetime(y, mo, d, h, mi, s)
            except ValueError:
                return f"{text!r} is not a valid date and time"
            return int((when - _EPOCH).total_seconds())
        return f"{text!r} is not a date and time with seconds (expected YYYY-MM-DD HH:MM:SS)"
    return f"{value!r} is not a date and time (expected YYYY-MM-DD HH:MM:SS)"


def _to_seconds(col: pd.Series, name: str, errors: list[tuple[int, str]], *, nullable: bool) -> np.ndarray:
    """Column of timestamps -> int64 seconds since epoch (naive local); ``_NAT`` for empty.

    Problems are appended to ``errors`` (row = position + 2).
    """
    dtype = col.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        col = col.dt.tz_localize(None)
        dtype = col.dtype
    if pd.api.types.is_datetime64_dtype(dtype):
        out = col.to_numpy().astype("datetime64[s]").view(np.int64).copy()
        bad = np.flatnonzero(out == _NAT)
    elif (fast := _fixed_width_seconds(col)) is not None:
        out, ok = fast
        bad = np.empty(0, dtype=np.int64)
        if not ok.all():  # the rest as the general path reads them (same values, same reasons)
            rest = np.flatnonzero(~ok)
            sub: list[tuple[int, str]] = []
            part = _to_seconds(pd.Series(col.to_numpy(dtype=object)[rest], dtype=object), name, sub, nullable=True)
            out[rest] = part
            errors.extend((int(rest[row - 2]) + 2, reason) for row, reason in sub)
            bad = rest[(part == _NAT) & ~np.isin(np.arange(len(rest)), [row - 2 for row, _ in sub])]
    else:
        try:
            parsed = pd.to_datetime(col, format=_FAST_FORMAT, errors="coerce")
            if isinstance(parsed.dtype, pd.DatetimeTZDtype):
                parsed = parsed.dt.tz_localize(None)  # keep the local wall time
            out = parsed.to_numpy().astype("datetime64[s]").view(np.int64).copy()
        except (ValueError, TypeError, OverflowError):  # e.g. mixed time zones: per value below
            out = np.full(len(col), _NAT, dtype=np.int64)
        # pandas reads year 0 and a 60th second (as the next minute); as text they are no time
        suspect = np.flatnonzero((out != _NAT) & ((out < _YEAR_ONE) | (out % 60 == 0)))
        for i, v in zip(suspect.tolist(), col.iloc[suspect].to_numpy(dtype=object)):
            if isinstance(v, str) and (out[i] < _YEAR_ONE or v.rstrip().endswith("60")):
                out[i] = _NAT
        bad = np.flatnonzero(out == _NAT)
        if len(bad):
            still: list[int] = []
            for i, v in zip(bad.tolist(), col.iloc[bad].to_numpy(dtype=object)):
                r = _one_time(v)
                if isinstance(r, int):
                    out[i] = r
                elif r is None:
                    still.append(i)
                else:
                    errors.append((i + 2, f"{name}: {r}"))
                    out[i] = _NAT
            bad = np.asarray(still, dtype=np.int64)
    if not nullable:
        for i in bad.tolist():
            errors.append((i + 2, f"{name} is empty"))
    return out


_DIGITS = np.array([0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18])
_SEPARATORS = {4: ord("-"), 7: ord("-"), 10: ord(" "), 13: ord(":"), 16: ord(":")}
_YEAR_ONE = -62135596800  # 0001-01-01 00:00:00 in seconds since 1970


def _fixed_width_seconds(col: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """Seconds of a pyarrow-backed text column whose every cell is 19 characters, read straight from
    the bytes, and which rows were exactly `YYYY-MM-DD HH:MM:SS` and a real date and time.

    None when the column is not of that kind. Rows that are not (False in the mask) are for the
    general path, so every reason it gives stays the same; this only makes the usual file fast.
    """
    array = getattr(col, "array", None)
    chunks = getattr(array, "_pa_array", None)
    if chunks is None or len(col) == 0:
        return None
    import pyarrow as pa

    try:
        values = chunks.combine_chunks() if isinstance(chunks, pa.ChunkedArray) else chunks
        if values.type not in (pa.string(), pa.large_string()):
            return None
    except (pa.ArrowException, TypeError):
        return None
    n = len(values)
    if values.null_count:
        return None
    width = np.int32 if values.type == pa.string() else np.int64
    offsets = np.frombuffer(values.buffers()[1], dtype=width)[values.offset : values.offset + n + 1]
    if not (np.diff(offsets) == 19).all():
        return None
    raw = np.frombuffer(values.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[0] + 19 * n].reshape(n, 19)
    ok = np.ones(n, dtype=bool)
    for position, char in _SEPARATORS.items():
        ok &= raw[:, position] == char
    if ok.all():
        # the usual file: Arrow's parser (checks digits, month lengths, leap years, 23:59:59) reads
        # the whole column at once; any row it refuses (or year 0) sends the column to the checks below
        import pyarrow.compute as pc

        try:
            parsed = np.asarray(pc.cast(values, pa.timestamp("s")).to_numpy(zero_copy_only=False)).view(np.int64)
        except pa.ArrowInvalid:
            pass
        else:
            if parsed.min() >= _YEAR_ONE:
                return parsed.copy(), ok
    digit = [raw[:, i] - np.uint8(48) for i in range(19)]  # uint8: a non-digit wraps to >= 10
    for i in _DIGITS.tolist():
        ok &= digit[i] <= 9

    def number(*positions: int) -> np.ndarray:
        value = np.zeros(n, dtype=np.int32)
        for i in positions:
            value = value * 10 + digit[i]
        return value

    y, mo, d = number(0, 1, 2, 3), number(5, 6), number(8, 9)
    h, mi, sec = number(11, 12), number(14, 15), number(17, 18)
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    month_days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[np.clip(mo, 0, 12)] + (leap & (mo == 2))
    ok &= (y >= 1) & (mo >= 1) & (mo <= 12) & (d >= 1) & (d <= month_days) & (h <= 23) & (mi <= 59) & (sec <= 59)
    yy = y - (mo <= 2)
    era = yy // 400
    yoe = yy - era * 400
    doy = (153 * (mo + np.where(mo > 2, -3, 9)) + 2) // 5 + d - 1
    days = era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
    out = np.where(ok, days.astype(np.int64) * _DAY + (h * 3600 + mi * 60 + sec), _NAT)
    return out, ok


def _as_str(col: pd.Series) -> pd.Series:
    if isinstance(col.dtype, pd.StringDtype):
        return col
    return col.astype("str")


def _empty_mask(col: pd.Series) -> np.ndarray:
    return (col.isna() | (col == "")).to_numpy(dtype=bool)


def _sender_codes(col: pd.Series) -> np.ndarray:
    """0 buyer, 1 agent, 2 auto, 3 system, -1 anything else."""
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    lut = np.array(
        [SENDERS.index(u) if isinstance(u, str) and u in SENDERS else -1 for u in uniques] + [-1], dtype=np.int8
    )
    return lut[codes]  # code -1 (NA) -> lut[-1] == -1


def _missing_columns(df: pd.DataFrame, required: Sequence[str]) -> list[tuple[int, str]]:
    return [(1, f"missing column '{c}'") for c in required if c not in df.columns]


# --------------------------------------------------------------------------- engine core


@dataclass
class _Msgs:
    """Validated, coded messages (buyer and agent messages only, sorted by chat)."""

    n_total: int
    t: np.ndarray  # int64 seconds, sorted by (buyer, day, agent, time, buyer-before-agent)
    is_agent: np.ndarray  # bool
    chat_of: np.ndarray  # dense chat index per row
    chat_first: np.ndarray  # first row of each chat
    chat_buyer: np.ndarray  # buyer code per chat
    chat_day: np.ndarray  # day number (days since epoch) per chat
    chat_agent: np.ndarray  # agent rank per chat (rank = position in sorted agent names)
    agents: np.ndarray  # agent names sorted (object)
    buyers: pd.Index  # buyer names by buyer code


def _prepare_messages(messages: pd.DataFrame) -> _Msgs:
    errors = _missing_columns(messages, MESSAGE_COLUMNS)
    if errors:
        raise KpiInputError(errors)
    t = _to_seconds(messages["time"], "time", errors, nullable=False)
    sender = _sender_codes(messages["sender"])
    bad_sender = np.flatnonzero(sender < 0)
    if len(bad_sender):
        raw = messages["sender"].to_numpy(dtype=object)
        for i in bad_sender.tolist():
            errors.append((i + 2, f"sender {raw[i]!r} is not one of {', '.join(SENDERS)}"))
    buyer = _as_str(messages["buyer"])
    agent = _as_str(messages["agent"])
    for name, col in (("buyer", buyer), ("agent", agent)):
        for i in np.flatnonzero(_empty_mask(col)).tolist():
            errors.append((i + 2, f"{name} is empty"))
    if errors:
        raise KpiInputError(errors)

    keep = sender <= 1  # auto and system messages count for nothing
    n_total = len(messages)
    if not keep.all():
        idx = np.flatnonzero(keep)
        t = t[idx]
        sender = sender[idx]
        buyer = buyer.iloc[idx]
        agent = agent.iloc[idx]
    is_agent = sender == 1
    n = len(t)

    a_codes, a_uniques = pd.factorize(agent)
    a_uniques = np.asarray(a_uniques, dtype=object)
    order = sorted(range(len(a_uniques)), key=lambda i: a_uniques[i])  # code-point order
    rank = np.empty(len(order), dtype=np.int64)
    rank[np.asarray(order, dtype=np.int64)] = np.arange(len(order), dtype=np.int64)
    agents = a_uniques[np.asarray(order, dtype=np.int64)] if len(order) else a_uniques
    a = rank[a_codes] if n else np.empty(0, dtype=np.int64)
    b, b_uniques = pd.factorize(buyer)
    b = b.astype(np.int64, copy=False)

    if n == 0:
        e = np.empty(0, dtype=np.int64)
        return _Msgs(n_total, e, np.empty(0, bool), e, e, e, e, e, agents, pd.Index(b_uniques))

    day = t // _DAY
    tod = t - day * _DAY
    day0 = int(day.min())
    nd = int(day.max()) - day0 + 1
    na = max(len(agents), 1)
    nb = max(len(b_uniques), 1)
    # chat key ordered by (buyer, day, agent)
    if nb * nd * na < _MAX_KEY:
        ckey = (b * nd + (day - day0)) * na + a
    else:  # astronomically many buyers x days x agents (exercised by a test)
        _, bd = np.unique(b * nd + (day - day0), return_inverse=True)
        ckey = bd.astype(np.int64) * na + a
    within = tod * 2 + is_agent  # a buyer message sorts before an agent message of the same second
    ckey_max = int(ckey.max())
    if (ckey_max + 1) * (2 * _DAY) < _MAX_KEY:
        perm = np.argsort(ckey * (2 * _DAY) + within)
    else:  # keys would overflow int64 (exercised by a test)
        perm = np.lexsort((within, ckey))
    ckey = ckey[perm]
    t = t[perm]
    is_agent = is_agent[perm]
    new_chat = np.empty(n, dtype=bool)
    new_chat[0] = True
    np.not_equal(ckey[1:], ckey[:-1], out=new_chat[1:])
    chat_first = np.flatnonzero(new_chat)
    chat_of = np.cumsum(new_chat) - 1
    b_s = b[perm][chat_first]
    a_s = a[perm][chat_first]
    d_s = day[perm][chat_first]
    return _Msgs(n_total, t, is_agent, chat_of, chat_first, b_s, d_s, a_s, agents, pd.Index(b_uniques))


@dataclass
class _Orders:
    order_id: np.ndarray  # object
    buyer: np.ndarray  # object
    created: np.ndarray  # int64 s
    paid: np.ndarray  # int64 s or _NAT
    amount: np.ndarray  # float64
    items: np.ndarray  # int64
    valid: np.ndarray  # bool


def _prepare_orders(orders: pd.DataFrame | None) -> _Orders | None:
    if orders is None or len(orders) == 0:
        return None
    required = ["buyer", "created_at", "paid_at", "amount", "items", "status"]
    errors = _missing_columns(orders, required)
    if errors:
        raise KpiInputError(errors)
    created = _to_seconds(orders["created_at"], "created_at", errors, nullable=False)
    paid = _to_seconds(orders["paid_at"], "paid_at", errors, nullable=True)
    amount = pd.to_numeric(orders["amount"], errors="coerce").to_numpy(dtype=np.float64)
    for i in np.flatnonzero(np.isnan(amount)).tolist():
        errors.append((i + 2, f"amount {orders['amount'].iloc[i]!r} is not a number"))
    items_f = pd.to_numeric(orders["items"], errors="coerce").to_numpy(dtype=np.float64)
    for i in np.flatnonzero(np.isnan(items_f) | (items_f != np.round(items_f))).tolist():
        errors.append((i + 2, f"items {orders['items'].iloc[i]!r} is not a whole number"))
    if errors:
        raise KpiInputError(errors)
    status = _as_str(orders["status"]).str.strip().str.lower()
    valid = (paid != _NAT) & ~status.isin(INVALID_ORDER_STATUSES).to_numpy(dtype=bool)
    if "order_id" in orders.columns:
        oid = orders["order_id"].to_numpy(dtype=object)
    else:
        oid = np.array([f"row {i + 2}" for i in range(len(orders))], dtype=object)
    return _Orders(
        order_id=oid,
        buyer=_as_str(orders["buyer"]).to_numpy(dtype=object),
        created=created,
        paid=paid,
        amount=amount,
        items=items_f.astype(np.int64),
        valid=valid,
    )


@dataclass
class _Result:
    m: _Msgs
    s: KpiSettings
    # per buyer message (sorted)
    bpos: np.ndarray
    b_ans: np.ndarray
    b_resp: np.ndarray
    # per wait
    w_pos: np.ndarray  # row of the wait's earliest message
    w_chat: np.ndarray
    w_in: np.ndarray
    w_ans: np.ndarray
    w_resp: np.ndarray
    w_fast: np.ndarray
    # per chat (all chats incl. those without buyer messages)
    has_buyer: np.ndarray
    c_waits: np.ndarray
    c_fast: np.ndarray
    c_resp_sum: np.ndarray
    c_resp_cnt: np.ndarray
    c_first: np.ndarray  # first response time (NaN when none)
    c_eff: np.ndarray
    c_orders: np.ndarray
    c_sales: np.ndarray
    c_items: np.ndarray
    # per order
    o: _Orders | None
    o_chat: np.ndarray  # chat index per order, -1 = not attributed


def _compute(messages: pd.DataFrame, orders: pd.DataFrame | None, settings: KpiSettings | None) -> _Result:
    s = settings if settings is not None else KpiSettings()
    if not isinstance(s, KpiSettings):
        raise TypeError("settings must be a KpiSettings")
    m = _prepare_messages(messages)
    o = _prepare_orders(orders)
    n = len(m.t)
    nc = len(m.chat_first)
    ws, we = s.window_start_s, s.window_end_s
    t = m.t

    # ---- response time of each buyer message: first agent message of the chat at or after it
    pos = np.arange(n, dtype=np.int64)
    nxt = np.where(m.is_agent, pos, n)
    if n:
        nxt = np.minimum.accumulate(nxt[::-1])[::-1]
    bpos = np.flatnonzero(~m.is_agent)
    b_next = nxt[bpos]
    b_chat = m.chat_of[bpos]
    b_ans = b_next < n
    b_ans[b_ans] = m.chat_of[b_next[b_ans]] == b_chat[b_ans]
    b_resp = np.where(b_ans, t[np.minimum(b_next, max(n - 1, 0))] - t[bpos], 0) if n else np.empty(0, np.int64)
    b_tod = t[bpos] % _DAY
    b_inwin = (b_tod >= ws) & (b_tod < we)

    # ---- waits
    if s.response_unit == "message":
        w_idx = np.arange(len(bpos))
    else:
        key = np.where(b_ans, b_next, -1 - b_chat)  # same first later agent message / all unanswered of a chat
        start = np.ones(len(bpos), dtype=bool)
        if len(bpos):
            np.not_equal(key[1:], key[:-1], out=start[1:])
        w_idx = np.flatnonzero(start)
    w_chat = b_chat[w_idx]
    w_in = b_inwin[w_idx]
    w_ans = b_ans[w_idx]
    w_resp = b_resp[w_idx]
    w_fast = w_ans & (w_resp <= s.fast_threshold_s)
    in_ans = w_in & w_ans
    c_waits = np.bincount(w_chat[w_in], minlength=nc)
    c_fast = np.bincount(w_chat[w_in & w_fast], minlength=nc)
    c_resp_sum = np.bincount(w_chat[in_ans], weights=w_resp[in_ans], minlength=nc)
    c_resp_cnt = np.bincount(w_chat[in_ans], minlength=nc)

    # ---- per chat: first buyer message, first buyer message inside the window
    has_buyer = np.zeros(nc, dtype=bool)
    has_buyer[b_chat] = True
    first_flag = np.ones(len(bpos), dtype=bool)
    if len(bpos):
        np.not_equal(b_chat[1:], b_chat[:-1], out=first_flag[1:])
    fb = np.flatnonzero(first_flag)
    c_eff = np.zeros(nc, dtype=bool)
    c_eff[b_chat[fb]] = b_ans[fb]  # an agent message at/after the first buyer message
    c_first_t = np.full(nc, np.iinfo(np.int64).max, dtype=np.int64)
    c_first_t[b_chat[fb]] = t[bpos[fb]]
    win = np.flatnonzero(b_inwin)
    wf = np.ones(len(win), dtype=bool)
    if len(win):
        np.not_equal(b_chat[win][1:], b_chat[win][:-1], out=wf[1:])
    fw = win[wf]
    c_first = np.full(nc, np.nan)
    fw_ans = fw[b_ans[fw]]
    c_first[b_chat[fw_ans]] = b_resp[fw_ans]

    # ---- attribution of orders
    c_orders = np.zeros(nc, dtype=np.int64)
    c_sales = np.zeros(nc, dtype=np.float64)
    c_items = np.zeros(nc, dtype=np.int64)
    o_chat = np.empty(0, dtype=np.int64)
    if o is not None:
        o_chat = np.full(len(o.created), -1, dtype=np.int64)
        if n:
            o_chat = _attribute(m, o, c_first_t, s.attribution_days)
        hit = o_chat >= 0
        c_orders = np.bincount(o_chat[hit], minlength=nc)
        c_sales = np.bincount(o_chat[hit], weights=o.amount[hit], minlength=nc)
        c_items = np.bincount(o_chat[hit], weights=o.items[hit], minlength=nc).astype(np.int64)

    return _Result(
        m=m,
        s=s,
        bpos=bpos,
        b_ans=b_ans,
        b_resp=b_resp,
        w_pos=bpos[w_idx],
        w_chat=w_chat,
        w_in=w_in,
        w_ans=w_ans,
        w_resp=w_resp,
        w_fast=w_fast,
        has_buyer=has_buyer,
        c_waits=c_waits,
        c_fast=c_fast,
        c_resp_sum=c_resp_sum,
        c_resp_cnt=c_resp_cnt,
        c_first=c_first,
        c_eff=c_eff,
        c_orders=c_orders,
        c_sales=c_sales,
        c_items=c_items,
        o=o,
        o_chat=o_chat,
    )


def _attribute(m: _Msgs, o: _Orders, c_first_t: np.ndarray, attribution_days: int) -> np.ndarray:
    """Chat index per order (-1 = silent or invalid).

    The candidate chats of an order are the buyer's chats with a buyer message at
    or before ``created_at``; each scores its latest buyer/agent message at or
    before ``created_at``. That score is always a message at or after the chat's
    first buyer message, and every such message at or before ``created_at``
    makes its chat a candidate. So the winner is the chat of the buyer's latest
    "eligible" message (at/after its chat's first buyer message) at or before
    ``created_at``; among messages of the same second the agent whose name
    sorts first wins. Chats of different dates never tie, and a chat of an
    earlier date always scores lower than one of a later date, so if the
    winner's date D fails date(paid_at) <= D + days, every candidate fails and
    the order is silent.
    """
    t = m.t
    row_chat = m.chat_of
    elig = np.flatnonzero(t >= c_first_t[row_chat])
    e_chat = row_chat[elig]
    e_t = t[elig]
    e_b = m.chat_buyer[e_chat]
    e_a = m.chat_agent[e_chat]
    tmin = int(t.min())
    span = int(t.max()) - tmin + 2
    nb = max(len(m.buyers), 1)
    na = max(len(m.agents), 1)
    if nb * span * na < _MAX_KEY:
        # rows are sorted by (buyer, day, agent, time) already: a stable sort merges the runs fast
        perm = np.argsort((e_b * span + (e_t - tmin)) * na + e_a, kind="stable")
    else:  # keys would overflow int64 (exercised by a test)
        perm = np.lexsort((e_a, e_t, e_b))
    e_chat, e_t, e_b = e_chat[perm], e_t[perm], e_b[perm]
    e_q = e_b * span + (e_t - tmin)  # non-decreasing
    # keep the first of each (buyer, second): the agent whose name sorts first
    first = np.ones(len(e_q), dtype=bool)
    if len(e_q):
        np.not_equal(e_q[1:], e_q[:-1], out=first[1:])
    e_q, e_chat, e_t, e_b = e_q[first], e_chat[first], e_t[first], e_b[first]

    ob = (
        m.buyers.get_indexer(pd.Index(o.buyer, dtype=object)).astype(np.int64)
        if len(m.buyers)
        else np.full(len(o.buyer), -1, np.int64)
    )
    ok = o.valid & (ob >= 0)
    rel = np.clip(o.created - tmin, -1, span - 1)
    q = ob * span + rel
    j = np.searchsorted(e_q, q, side="right") - 1
    jc = np.clip(j, 0, max(len(e_q) - 1, 0))
    if len(e_q):
        ok &= (j >= 0) & (e_b[jc] == ob)
        # date(paid_at) <= D + attribution_days
        ok &= (o.paid // _DAY) <= (e_t[jc] // _DAY) + attribution_days
    else:
        ok[:] = False
    out = np.full(len(o.created), -1, dtype=np.int64)
    out[ok] = e_chat[jc[ok]]
    return out


# --------------------------------------------------------------------------- aggregation


def _iso_dates(days: np.ndarray) -> np.ndarray:
    if len(days) == 0:
        return np.empty(0, dtype=object)
    uniq, inv = np.unique(days, return_inverse=True)
    labels = np.asarray(uniq.astype("datetime64[D]").astype(str), dtype=object)
    return labels[inv]


def _safe_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num = num.astype(np.float64)
    den = den.astype(np.float64)
    out = np.full(len(num), np.nan)
    nz = den > 0
    out[nz] = num[nz] / den[nz]
    return out


def _finish(cols: dict[str, np.ndarray], columns: list[str]) -> pd.DataFrame:
    sales = np.round(cols["sales"], 2)
    cols["sales"] = sales
    cols["response_30s_rate"] = _safe_div(cols["fast_replies"], cols["waits"])
    cols["avg_response_s"] = _safe_div(cols.pop("_resp_sum"), cols.pop("_resp_cnt"))
    cols["first_response_s"] = _safe_div(cols.pop("_first_sum"), cols.pop("_first_cnt"))
    cols["effective_reply_rate"] = _safe_div(cols.pop("_eff"), cols["consultations"])
    cols["conversion_rate"] = _safe_div(cols["converted"], cols["consultations"])
    cols["aov"] = _safe_div(sales, cols["converted"])
    cols["items_per_buyer"] = _safe_div(cols["items"], cols["converted"])
    for c in _INT_COLUMNS:
        cols[c] = np.asarray(cols[c]).astype(np.int64)
    df = pd.DataFrame({c: cols[c] for c in columns})
    df["date"] = df["date"].astype(object)
    if "agent" in df.columns:
        df["agent"] = df["agent"].astype(object)
    return df


def _agent_frame(r: _Result) -> pd.DataFrame:
    m = r.m
    cm = np.flatnonzero(r.has_buyer)
    na = max(len(m.agents), 1)
    day = m.chat_day[cm]
    if len(cm):
        day0 = int(day.min())
        gkey = (day - day0) * na + m.chat_agent[cm]
        ukey, g = np.unique(gkey, return_inverse=True)  # sorted: by date, then agent name
        ng = len(ukey)
        g_day = ukey // na + day0
        g_agent = m.agents[ukey % na]
    else:
        g = np.empty(0, dtype=np.int64)
        ng = 0
        g_day = np.empty(0, dtype=np.int64)
        g_agent = np.empty(0, dtype=object)

    def tot(v: np.ndarray) -> np.ndarray:
        return np.bincount(g, weights=v[cm], minlength=ng)

    has_first = ~np.isnan(r.c_first)
    cols = {
        "date": _iso_dates(g_day),
        "agent": np.asarray(g_agent, dtype=object),
        "consultations": np.bincount(g, minlength=ng),
        "waits": tot(r.c_waits),
        "fast_replies": tot(r.c_fast),
        "_resp_sum": tot(r.c_resp_sum),
        "_resp_cnt": tot(r.c_resp_cnt),
        "_first_sum": tot(np.where(has_first, r.c_first, 0.0)),
        "_first_cnt": tot(has_first),
        "_eff": tot(r.c_eff),
        "converted": tot(r.c_orders > 0),
        "sales": tot(r.c_sales),
        "items": tot(r.c_items),
    }
    return _finish(cols, AGENT_COLUMNS)


def _shop_frame(r: _Result) -> pd.DataFrame:
    m = r.m
    cm = np.flatnonzero(r.has_buyer)  # chats ordered by (buyer, day, agent)
    day = m.chat_day[cm]
    if len(cm):
        uday, g = np.unique(day, return_inverse=True)
    else:
        uday, g = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    ng = len(uday)

    def tot(v: np.ndarray) -> np.ndarray:
        return np.bincount(g, weights=v[cm], minlength=ng)

    # distinct (buyer, day): consecutive in chat order
    bd_new = np.ones(len(cm), dtype=bool)
    if len(cm):
        bb = m.chat_buyer[cm]
        bd_new[1:] = (bb[1:] != bb[:-1]) | (day[1:] != day[:-1])
    bd = np.cumsum(bd_new) - 1
    nbd = int(bd[-1]) + 1 if len(cm) else 0
    bd_g = g[bd_new]
    eff_b = np.bincount(bd, weights=r.c_eff[cm], minlength=nbd) > 0
    conv_b = np.bincount(bd, weights=r.c_orders[cm], minlength=nbd) > 0
    has_first = ~np.isnan(r.c_first)
    cols = {
        "date": _iso_dates(uday),
        "consultations": np.bincount(bd_g, minlength=ng),
        "waits": tot(r.c_waits),
        "fast_replies": tot(r.c_fast),
        "_resp_sum": tot(r.c_resp_sum),
        "_resp_cnt": tot(r.c_resp_cnt),
        "_first_sum": tot(np.where(has_first, r.c_first, 0.0)),
        "_first_cnt": tot(has_first),
        "_eff": np.bincount(bd_g, weights=eff_b, minlength=ng),
        "converted": np.bincount(bd_g, weights=conv_b, minlength=ng),
        "sales": tot(r.c_sales),
        "items": tot(r.c_items),
    }
    return _finish(cols, SHOP_COLUMNS)


# --------------------------------------------------------------------------- public engine API


def agent_daily(
    messages: pd.DataFrame,
    orders: pd.DataFrame | None = None,
    settings: KpiSettings | None = None,
) -> pd.DataFrame:
    """KPIs per agent per day (columns :data:`AGENT_COLUMNS`, sorted by date, agent).

    ``messages``: columns time, buyer, agent, sender (content optional; extra
    columns ignored); ``time`` as 'YYYY-MM-DD HH:MM:SS' strings or datetime64.
    ``orders``: order_id, buyer, created_at, paid_at (empty = never paid), amount,
    items, status; ``None`` or empty means no conversions.
    Raises :class:`KpiInputError` on bad input.
    """
    return _agent_frame(_compute(messages, orders, settings))


def shop_daily(
    messages: pd.DataFrame,
    orders: pd.DataFrame | None = None,
    settings: KpiSettings | None = None,
) -> pd.DataFrame:
    """KPIs per shop per day (columns :data:`SHOP_COLUMNS`, sorted by date).

    A consultation is a distinct buyer of the day; effectively replied / converted
    buyers are distinct buyers with any chat of the day effectively replied /
    converted; rates are recomputed from the summed counts; ``avg_response_s`` and
    ``first_response_s`` are means over all waits / chats of the shop.
    """
    return _shop_frame(_compute(messages, orders, settings))


def daily(
    messages: pd.DataFrame,
    orders: pd.DataFrame | None = None,
    settings: KpiSettings | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(agent_daily(...), shop_daily(...))`` from a single computation."""
    r = _compute(messages, orders, settings)
    return _agent_frame(r), _shop_frame(r)


def wait_table(messages: pd.DataFrame, settings: KpiSettings | None = None) -> pd.DataFrame:
    """One row per wait (columns :data:`WAIT_COLUMNS`), of the chats that count.

    ``start`` is the wait's earliest buyer message (datetime64[s]); ``response_s``
    is NaN when unanswered; ``fast`` = answered within the threshold (regardless
    of the window -- filter on ``in_window`` for the KPI figures). Sorted by
    date, agent, buyer, start.
    """
    r = _compute(messages, None, settings)
    m = r.m
    c = r.w_chat
    df = pd.DataFrame(
        {
            "date": _iso_dates(m.chat_day[c]),
            "agent": np.asarray(m.agents[m.chat_agent[c]], dtype=object),
            "buyer": np.asarray(m.buyers.to_numpy(dtype=object)[m.chat_buyer[c]], dtype=object),
            "start": m.t[r.w_pos].astype("datetime64[s]"),
            "in_window": r.w_in,
            "answered": r.w_ans,
            "response_s": np.where(r.w_ans, r.w_resp, np.nan),
            "fast": r.w_fast,
        }
    )
    return df.sort_values(["date", "agent", "buyer", "start"], kind="stable").reset_index(drop=True)


def chat_table(
    messages: pd.DataFrame,
    orders: pd.DataFrame | None = None,
    settings: KpiSettings | None = None,
) -> pd.DataFrame:
    """One row per chat that counts (columns :data:`CHAT_COLUMNS`).

    ``first_response_s`` NaN when the chat has none; ``order_ids`` is a list of
    the attributed order ids (sorted; empty list when not converted). Sorted by
    date, agent, buyer.
    """
    r = _compute(messages, orders, settings)
    m = r.m
    cm = np.flatnonzero(r.has_buyer)
    ids: list[list[str]] = [[] for _ in range(len(r.has_buyer))]
    if r.o is not None and len(r.o_chat):
        hit = np.flatnonzero(r.o_chat >= 0)
        pairs = sorted(zip(r.o_chat[hit].tolist(), [str(x) for x in r.o.order_id[hit]]))
        for ch, oid in pairs:  # at most one entry per attributed order
            ids[ch].append(oid)
    buyers = m.buyers.to_numpy(dtype=object)
    df = pd.DataFrame(
        {
            "date": _iso_dates(m.chat_day[cm]),
            "agent": np.asarray(m.agents[m.chat_agent[cm]], dtype=object),
            "buyer": np.asarray(buyers[m.chat_buyer[cm]], dtype=object),
            "first_response_s": r.c_first[cm],
            "effectively_replied": r.c_eff[cm],
            "converted": r.c_orders[cm] > 0,
            "sales": np.round(r.c_sales[cm], 2),
            "items": r.c_items[cm].astype(np.int64),
            "order_ids": pd.Series([ids[i] for i in cm.tolist()], dtype=object),
        }
    )
    return df.sort_values(["date", "agent", "buyer"], kind="stable").reset_index(drop=True)


def order_attribution(
    messages: pd.DataFrame,
    orders: pd.DataFrame | None,
    settings: KpiSettings | None = None,
) -> pd.DataFrame:
    """One row per order (columns :data:`ATTRIBUTION_COLUMNS`, in input order).

    ``valid``: has paid_at and status not cancelled/unpaid. ``date`` / ``agent``
    of the chat the order is attributed to, or None (invalid or silent order).
    """
    r = _compute(messages, orders, settings)
    if r.o is None:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in ATTRIBUTION_COLUMNS})
    m = r.m
    hit = r.o_chat >= 0
    ch = np.where(hit, r.o_chat, 0)
    date = np.full(len(ch), None, dtype=object)
    agent = np.full(len(ch), None, dtype=object)
    if hit.any():
        date[hit] = _iso_dates(m.chat_day[ch[hit]])
        agent[hit] = m.agents[m.chat_agent[ch[hit]]]
    return pd.DataFrame(
        {"order_id": r.o.order_id, "buyer": r.o.buyer, "valid": r.o.valid, "date": date, "agent": agent}
    )


# --------------------------------------------------------------------------- file reading


def _raw_table(path_or_buffer: Any, filename: str | None) -> pd.DataFrame:
    """Read CSV or XLSX into a frame of raw cell values (strings for CSV)."""
    name = filename
    if name is None and isinstance(path_or_buffer, (str, os.PathLike)):
        name = os.fspath(path_or_buffer)
    if name is None:
        name = getattr(path_or_buffer, "name", None)
    if isinstance(path_or_buffer, (str, os.PathLike)):
        with open(path_or_buffer, "rb") as fh:
            data = fh.read()
    elif isinstance(path_or_buffer, (bytes, bytearray, memoryview)):
        data = bytes(path_or_buffer)
    else:
        data = path_or_buffer.read()
        if isinstance(data, str):
            data = data.encode("utf-8")
    if not data or (not data[:4096].strip() and not data.strip()):
        raise KpiInputError([(1, "the file is empty")])
    is_xlsx = data[:4] == b"PK\x03\x04" or (isinstance(name, str) and name.lower().endswith((".xlsx", ".xlsm")))
    if is_xlsx:
        try:
            df = pd.read_excel(io.BytesIO(data), sheet_name=0, dtype=object, engine="calamine")
        except Exception as exc:  # noqa: BLE001 - any reader failure is bad input
            raise KpiInputError([(1, f"cannot read the Excel file: {exc}")]) from None
        # Excel stores times as fractions of a day: round datetime cells to the second
        for c in df.columns:
            df[c] = [
                pd.Timestamp(v).round("s").to_pydatetime() if isinstance(v, _dt.datetime) else v for v in df[c].tolist()
            ]
    else:
        df = arrow_csv(data)
        if df is None:  # not the plain shape the fast reader takes: pandas reads it and says what is wrong
            df = _pandas_csv(data)
    # blank rows keep their row number (a spreadsheet shows them); only trailing ones are dropped
    keep = len(df)
    while keep and all(_is_empty(v) for v in df.iloc[keep - 1].tolist()):
        keep -= 1
    df = df.iloc[:keep]
    df.index = range(len(df))
    df.columns = [str(c).strip().lstrip("\ufeff").strip().lower() for c in df.columns]
    dup = sorted({c for c in df.columns if list(df.columns).count(c) > 1})
    if dup:
        raise KpiInputError([(1, f"column '{c}' appears more than once") for c in dup])
    return df


def arrow_csv(data: bytes) -> pd.DataFrame | None:
    """A UTF-8 CSV (BOM or not) as a frame of strings (headers as written), read by pyarrow.

    The fast path of every CSV read here: about 5 times pandas' reader on a million rows.
    It takes only the plain shape (valid UTF-8, a header line without quotes, every row as
    wide as the header, no blank line, no repeated header) and returns None for anything else,
    so the caller's pandas path reads it and gives the same frame or the same errors as before.
    """
    import csv

    import pyarrow as pa
    import pyarrow.csv as pacsv

    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    end = body.find(b"\n")
    head = body if end < 0 else body[:end]
    if b'"' in head:
        return None
    try:
        names = next(csv.reader([head.decode("utf-8").rstrip("\r")]), [])
    except UnicodeDecodeError:
        return None
    if not names or len(set(names)) != len(names):
        return None
    generic = [f"c{i}" for i in range(len(names))]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(body),
            read_options=pacsv.ReadOptions(column_names=generic, skip_rows=1, use_threads=True, block_size=1 << 20),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in generic},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                check_utf8=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowException):
        return None
    frame = table.to_pandas()
    frame.columns = names
    return frame


def _pandas_csv(data: bytes) -> pd.DataFrame:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise KpiInputError([(line, "the file is not UTF-8 text")]) from None
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False, skip_blank_lines=False)
    except pd.errors.EmptyDataError:
        raise KpiInputError([(1, "the file is empty")]) from None
    except pd.errors.ParserError:
        raise KpiInputError(_csv_shape_errors(text)) from None


def _csv_shape_errors(text: str) -> list[tuple[int, str]]:
    import csv

    rows = csv.reader(io.StringIO(text))
    header = next(rows, [])
    errors = []
    for i, row in enumerate(rows, start=2):
        if len(row) > len(header):
            errors.append((i, f"{len(row)} fields, the header has {len(header)}"))
    return errors or [(1, "the file is not a valid CSV table")]


def _clean_text(col: pd.Series) -> pd.Series:
    """Cells as stripped strings; empty cells as ''."""
    if col.dtype != object:
        col = _as_text(col)
        return col.str.strip() if _may_need_trim(col) else col
    out = [
        ("" if _is_empty(v) else (v.strip() if isinstance(v, str) else _cell_text(v)))
        for v in col.to_numpy(dtype=object)
    ]
    return pd.Series(out, index=col.index, dtype="str")


def _as_text(col: pd.Series) -> pd.Series:
    """A column of another dtype as text, empty cells as '' (numbers as pandas writes them: a
    fill value of another type is refused by pandas from version 4 on)."""
    if pd.api.types.is_string_dtype(col.dtype):
        return col.fillna("").astype("str")
    return col.astype(object).where(col.notna(), "").astype("str")


def _may_need_trim(col: pd.Series) -> bool:
    """False when no cell of a pyarrow-backed text column starts or ends with whitespace, so
    trimming would change nothing (trimming a million cells is a third of reading a file).

    Looks at the first and last bytes of every cell: ASCII controls and space, and the lead
    bytes of the Unicode spaces (U+0085 and U+00A0 start with C2; U+1680, U+180E, U+2000–U+205F
    and U+3000 with E1, E2, E3). A superset of what any trimming removes: True means "trim"."""
    chunks = getattr(col.array, "_pa_array", None)
    if chunks is None:
        return True
    import pyarrow as pa

    for chunk in chunks.chunks if isinstance(chunks, pa.ChunkedArray) else [chunks]:
        if chunk.type not in (pa.string(), pa.large_string()):
            return True
        n = len(chunk)
        if n == 0:
            continue
        width = np.int32 if chunk.type == pa.string() else np.int64
        offsets = np.frombuffer(chunk.buffers()[1], dtype=width)[chunk.offset : chunk.offset + n + 1]
        data = chunk.buffers()[2]
        if data is None:  # every cell empty
            continue
        raw = np.frombuffer(data, dtype=np.uint8)
        start, end = offsets[:-1], offsets[1:]
        length = end - start
        full = length > 0
        first = raw[start[full]]
        last = raw[end[full] - 1]
        if ((first <= 0x20) | (first == 0x7F) | (first == 0xC2) | ((first >= 0xE1) & (first <= 0xE3))).any():
            return True
        if ((last <= 0x20) | (last == 0x7F)).any():
            return True
        two = length >= 2
        if (raw[end[two] - 2] == 0xC2).any():
            return True
        three = length >= 3
        third = raw[end[three] - 3]
        if ((third >= 0xE1) & (third <= 0xE3)).any():
            return True
    return False


def _lower(col: pd.Series) -> pd.Series:
    """Lower-cased text; a column of few distinct values (sender, status) through its values only."""
    codes, uniques = pd.factorize(col, use_na_sentinel=False)
    if len(uniques) > 1000:
        return col.str.lower()
    import pyarrow as pa

    lowered = pa.array(pd.Series(uniques, dtype="str").str.lower().tolist(), type=pa.large_string())
    return pd.Series(pd.array(lowered.take(pa.array(codes)), dtype="str"), index=col.index)


def _cell_text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def read_messages(path_or_buffer: Any, filename: str | None = None) -> pd.DataFrame:
    """Read and validate a chat-message file (CSV UTF-8 with/without BOM, or XLSX).

    Returns columns time (datetime64[s]), buyer, agent, sender, content (str; ''
    when the file has no content column). Header names are matched after
    trimming spaces, case-insensitively; cell values are trimmed; sender is
    lower-cased. Raises :class:`KpiInputError` listing every bad row: missing
    column, empty file / no data rows, time not a date and time with seconds,
    sender not one of buyer/agent/auto/system, empty buyer or agent.
    """
    return validate_messages(_raw_table(path_or_buffer, filename))


def validate_messages(df: pd.DataFrame) -> pd.DataFrame:
    """Check a frame of message cells under the canonical column names (as read from a file, or
    mapped from another layout by core.kpi.raw_import) and return it as :func:`read_messages` does;
    raise :class:`KpiInputError` naming every bad row (row = position + 2)."""
    errors = _missing_columns(df, MESSAGE_COLUMNS)
    if errors:
        raise KpiInputError(errors)
    if len(df) == 0:
        raise KpiInputError([(1, "the file has no data rows")])
    buyer = _clean_text(df["buyer"])
    agent = _clean_text(df["agent"])
    sender = _lower(_clean_text(df["sender"]))
    content = _clean_text(df["content"]) if "content" in df.columns else pd.Series([""] * len(df), dtype="str")
    t = _to_seconds(df["time"], "time", errors, nullable=False)
    codes = _sender_codes(sender)
    for i in np.flatnonzero(codes < 0).tolist():
        v = sender.iloc[i]
        errors.append((i + 2, "sender is empty" if v == "" else f"sender {v!r} is not one of {', '.join(SENDERS)}"))
    for name, col in (("buyer", buyer), ("agent", agent)):
        for i in np.flatnonzero(_empty_mask(col)).tolist():
            errors.append((i + 2, f"{name} is empty"))
    if errors:
        raise KpiInputError(errors)
    return pd.DataFrame(
        {
            "time": t.astype("datetime64[s]"),
            "buyer": buyer.astype("str").array,
            "agent": agent.astype("str").array,
            "sender": sender.astype("str").array,
            "content": content.astype("str").array,
        }
    )


_AMOUNT_RE = re.compile(r"^(\d+(\.\d*)?|\.\d+)$")
_ITEMS_RE = re.compile(r"^\d+$")
_MAX_ITEMS = 10**18  # an item count beyond int64 is not a count


def read_orders(path_or_buffer: Any, filename: str | None = None) -> pd.DataFrame:
    """Read and validate an order file (CSV UTF-8 with/without BOM, or XLSX).

    Returns order_id, buyer (str), created_at, paid_at (datetime64[s], NaT = never
    paid), amount (float64), items (int64), status (str). A header-only file
    gives an empty frame (no orders). Raises :class:`KpiInputError` listing every
    bad row: missing column, empty file, order_id empty or duplicated, buyer
    empty, created_at not a date and time, paid_at neither empty nor a date and
    time, amount not a non-negative decimal, items not a non-negative integer,
    status not one of paid/shipped/completed/refunded/cancelled/unpaid.
    """
    return validate_orders(_raw_table(path_or_buffer, filename))


def validate_orders(df: pd.DataFrame) -> pd.DataFrame:
    """Check a frame of order cells under the canonical column names and return it as
    :func:`read_orders` does; raise :class:`KpiInputError` naming every bad row."""
    errors = _missing_columns(df, ORDER_COLUMNS)
    if errors:
        raise KpiInputError(errors)
    oid = _clean_text(df["order_id"])
    buyer = _clean_text(df["buyer"])
    status = _lower(_clean_text(df["status"]))
    created = _to_seconds(df["created_at"], "created_at", errors, nullable=False)
    paid = _to_seconds(df["paid_at"], "paid_at", errors, nullable=True)
    if (oid == "").any() or oid.duplicated().any():  # the usual file has neither: no loop over it
        seen: dict[str, int] = {}
        for i, v in enumerate(oid.tolist()):
            if v == "":
                errors.append((i + 2, "order_id is empty"))
            elif v in seen:
                errors.append((i + 2, f"order_id {v!r} already used on row {seen[v]}"))
            else:
                seen[v] = i + 2
    for i in np.flatnonzero(_empty_mask(buyer)).tolist():
        errors.append((i + 2, "buyer is empty"))
    amount = np.zeros(len(df), dtype=np.float64)
    items = np.zeros(len(df), dtype=np.int64)
    done = _plain_numbers(df["amount"], r"\d{1,15}(\.\d{0,6})?", amount)
    for i in np.flatnonzero(~done).tolist():
        v = df["amount"].iloc[i]
        ok, val = _amount_value(v)
        if ok:
            amount[i] = val
        else:
            errors.append((i + 2, f"amount {v!r} is not a non-negative decimal number"))
    done = _plain_numbers(df["items"], r"\d{1,15}", items)
    for i in np.flatnonzero(~done).tolist():
        v = df["items"].iloc[i]
        ok, val = _items_value(v)
        if ok:
            items[i] = val
        else:
            errors.append((i + 2, f"items {v!r} is not a non-negative whole number"))
    bad_status = ~status.isin(ORDER_STATUSES).to_numpy(dtype=bool)
    for i in np.flatnonzero(bad_status).tolist():
        errors.append((i + 2, f"status {status.iloc[i]!r} is not one of {', '.join(ORDER_STATUSES)}"))
    if errors:
        raise KpiInputError(errors)
    return pd.DataFrame(
        {
            "order_id": oid.astype("str").array,
            "buyer": buyer.astype("str").array,
            "created_at": created.astype("datetime64[s]"),
            "paid_at": paid.astype("datetime64[s]"),
            "amount": amount,
            "items": items,
            "status": status.astype("str").array,
        }
    )


def _plain_numbers(col: pd.Series, pattern: str, out: np.ndarray) -> np.ndarray:
    """Fill `out` with the cells of a text column that are plain ASCII numbers (`pattern`, after
    trimming) in one vectorised step; return which rows were. The other rows (and every cell of a
    column that is not text, as from Excel) are for the per-cell rules, whose reasons stay the same."""
    if col.dtype == object or not len(col):
        return np.zeros(len(col), dtype=bool)
    text = _as_text(col).str.strip()
    done = text.str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool)
    if done.any():
        import pyarrow as pa

        cells = pa.array(text[done].array).cast(pa.string())
        out[done] = cells.cast(pa.float64() if out.dtype.kind == "f" else pa.int64()).to_numpy(zero_copy_only=False)
    return done


def _amount_value(v: Any) -> tuple[bool, float]:
    if isinstance(v, bool):
        return False, 0.0
    if isinstance(v, (int, float, np.integer, np.floating)):
        f = float(v)
        return (math.isfinite(f) and f >= 0), f
    if isinstance(v, str) and _AMOUNT_RE.match(v.strip()):
        f = float(v.strip())
        return math.isfinite(f), f if math.isfinite(f) else 0.0  # 400 digits parse to inf
    return False, 0.0


def _items_value(v: Any) -> tuple[bool, int]:
    if isinstance(v, bool):
        return False, 0
    if isinstance(v, (int, np.integer)):
        ok = 0 <= int(v) <= _MAX_ITEMS
        return ok, int(v) if ok else 0
    if isinstance(v, (float, np.floating)):
        f = float(v)
        ok = math.isfinite(f) and 0 <= f <= _MAX_ITEMS and f.is_integer()
        return ok, int(f) if ok else 0
    if (
        isinstance(v, str) and _ITEMS_RE.match(v.strip()) and len(v.strip()) <= 18
    ):  # 19 digits and more may overflow int64
        return True, int(v.strip())
    return False, 0


# --------------------------------------------------------------------------- CLI


def to_csv_text(df: pd.DataFrame) -> str:
    """CSV text of an :func:`agent_daily` / :func:`shop_daily` frame.

    Empty figures are empty cells, ``sales`` has 2 decimals, rates keep full precision.
    """
    out = df.copy()
    if "sales" in out.columns:
        out["sales"] = [f"{x:.2f}" for x in out["sales"].tolist()]
    return out.to_csv(index=False, na_rep="", lineterminator="\n")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m core.kpi",
        description="Compute chat-service KPIs per agent (or shop) per day from a message log and orders.",
    )
    p.add_argument("--messages", required=True, help="chat messages, CSV (UTF-8) or XLSX")
    p.add_argument("--orders", help="orders, CSV (UTF-8) or XLSX")
    p.add_argument("--level", choices=("agent", "shop"), default="agent")
    p.add_argument("--window-start", default=KpiSettings.window_start)
    p.add_argument("--window-end", default=KpiSettings.window_end)
    p.add_argument("--fast", type=int, default=KpiSettings.fast_threshold_s, help="fast-reply threshold, seconds")
    p.add_argument("--unit", choices=("message", "turn"), default=KpiSettings.response_unit)
    p.add_argument("--attribution-days", type=int, default=KpiSettings.attribution_days)
    p.add_argument("--out", help="output CSV (default: stdout)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point; returns the exit code (0 ok, 2 bad input or usage)."""
    args = _parser().parse_args(argv)
    try:
        settings = KpiSettings(
            window_start=args.window_start,
            window_end=args.window_end,
            fast_threshold_s=args.fast,
            response_unit=args.unit,
            attribution_days=args.attribution_days,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    inputs = [("messages", args.messages, read_messages)]
    if args.orders:
        inputs.append(("orders", args.orders, read_orders))
    frames: dict[str, pd.DataFrame] = {}
    failed = False
    # both files are read at once: pyarrow's reader and most checks run outside the GIL
    with ThreadPoolExecutor(max_workers=len(inputs)) as pool:
        pending = [(label, path, pool.submit(reader, path)) for label, path, reader in inputs]
    for label, path, future in pending:
        try:
            frames[label] = future.result()
        except KpiInputError as exc:
            failed = True
            print(f"error: {path}: {len(exc.errors)} problem(s)", file=sys.stderr)
            for row, reason in exc.errors[:200]:
                print(f"{path}: row {row}: {reason}", file=sys.stderr)
            if len(exc.errors) > 200:
                print(f"{path}: ... and {len(exc.errors) - 200} more", file=sys.stderr)
        except OSError as exc:
            failed = True
            print(f"error: {path}: {exc.strerror or exc}", file=sys.stderr)
    if failed:
        return 2
    fn = agent_daily if args.level == "agent" else shop_daily
    try:
        result = fn(frames["messages"], frames.get("orders"), settings)
    except KpiInputError as exc:  # pragma: no cover - readers validate already
        print(f"error: {exc}", file=sys.stderr)
        return 2
    data = to_csv_text(result).encode("utf-8")
    if args.out:
        try:
            with open(args.out, "wb") as fh:
                fh.write(data)
        except OSError as exc:
            print(f"error: {args.out}: {exc.strerror or exc}", file=sys.stderr)
            return 2
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
