"""Per-hour figures of the raw chat logs, stored when the logs are imported (table kpi_hourly, migration 12).

One row per (project, day, hour) that has a buyer message starting a wait or a chat:

- `waits`, `answered`, `response_s_sum`: the waits (core.kpi.engine.wait_table, every wait of the chats
  that count, inside the service window or not) that start in that hour, how many were answered
  and the sum of their response times. The hour-of-day heat map reads them: its mean response
  time of an hour is `response_s_sum / answered` over the days asked for, exactly the mean of the
  answered waits' response times.
- `inquiries`: chats started in that hour (a buyer's first `buyer` message of the day), the
  volume the staffing forecast reads.

Waits and chats belong to one calendar day (a chat is a (date, agent, buyer) triple), so the
rows of a day depend only on that day's messages: an import recomputes the rows of the days it
recomputes (`core.kpi.raw_store.recompute` calls `store`), with the settings the day's KPI rows are
computed with. Reading a month is a few hundred rows instead of re-running the engine on every
message. Pure Python; no Streamlit.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import sqlite_utils

from core.kernel.db import write
from core.kernel.permissions import Actor, require_project
from core.kpi import engine
from core.kpi.settings import settings_for

COLUMNS = ["day", "hour", "inquiries", "waits", "answered", "response_s_sum"]
LOAD_COLUMNS = ["weekday", "hour", "waits", "avg_response_s"]
HOUR_COLUMNS = ["hour", "waits", "answered", "avg_response_s"]
BACKFILL_DAYS = 14


def hourly_rows(messages: pd.DataFrame, settings: engine.KpiSettings | None = None) -> pd.DataFrame:
    """(day, hour) → inquiries, waits, answered, response_s_sum of messages (time, buyer, agent, sender).

    `time` as stored ("YYYY-MM-DD HH:MM:SS"); only hours with an inquiry or a wait are returned.
    """
    if messages.empty:
        return pd.DataFrame(columns=COLUMNS)
    times = messages["time"].astype(str)
    buyer_rows = messages["sender"].astype(str) == "buyer"
    firsts = (
        pd.DataFrame(
            {
                "day": times[buyer_rows].str.slice(0, 10),
                "buyer": messages.loc[buyer_rows, "buyer"].astype(str),
                "time": times[buyer_rows],
            }
        )
        .groupby(["day", "buyer"], sort=False)["time"]
        .min()
    )
    inquiries = (
        pd.DataFrame(
            {"day": firsts.index.get_level_values("day"), "hour": firsts.str.slice(11, 13).astype(int).to_numpy()}
        )
        .groupby(["day", "hour"])
        .size()
        .rename("inquiries")
    )
    waits = engine.wait_table(messages[["time", "buyer", "agent", "sender"]], settings)
    per_wait = pd.DataFrame(
        {
            "day": waits["date"],
            "hour": waits["start"].dt.hour.astype(int),
            "answered": waits["answered"].astype(int),
            "response_s": waits["response_s"].fillna(0.0),
        }
    )
    by_hour = per_wait.groupby(["day", "hour"]).agg(
        waits=("answered", "size"), answered=("answered", "sum"), response_s_sum=("response_s", "sum")
    )
    table = pd.concat([inquiries, by_hour], axis=1).fillna(0).reset_index()
    for column in ("inquiries", "waits", "answered"):
        table[column] = table[column].astype(int)
    table["response_s_sum"] = table["response_s_sum"].astype(float)
    return table[COLUMNS].sort_values(["day", "hour"]).reset_index(drop=True)


def store(
    db: sqlite_utils.Database,
    project_id: int,
    day_from: date,
    day_to: date,
    messages: pd.DataFrame,
    settings: engine.KpiSettings | None = None,
) -> int:
    """Replace the project's rows of [day_from, day_to] with those of `messages` on these days; return rows written.

    `messages` may hold other days too (they are left out). Call inside a write transaction.
    """
    low, high = day_from.isoformat(), day_to.isoformat()
    days = messages["time"].astype(str).str.slice(0, 10) if len(messages) else pd.Series(dtype=str)
    inside = messages[(days >= low) & (days <= high)] if len(messages) else messages
    table = hourly_rows(inside, settings)
    db.execute("DELETE FROM kpi_hourly WHERE project_id = ? AND day BETWEEN ? AND ?", [project_id, low, high])
    db.conn.executemany(
        "INSERT INTO kpi_hourly (project_id, day, hour, inquiries, waits, answered, response_s_sum) VALUES "
        "(?,?,?,?,?,?,?)",
        [
            (project_id, d, int(h), int(i), int(w), int(a), float(s))
            for d, h, i, w, a, s in table[COLUMNS].itertuples(index=False)
        ],
    )
    return len(table)


def refresh(
    db: sqlite_utils.Database, project_id: int, day_from: date, day_to: date, settings: engine.KpiSettings | None = None
) -> int:
    """Recompute the rows of [day_from, day_to] from the stored messages (the project's settings by default)."""
    settings = settings or settings_for(db, project_id)
    cursor = db.conn.execute(
        "SELECT time, buyer, agent, sender FROM chat_messages WHERE project_id = ? AND day BETWEEN ? AND ?",
        [project_id, day_from.isoformat(), day_to.isoformat()],
    )
    messages = pd.DataFrame(cursor.fetchall(), columns=["time", "buyer", "agent", "sender"])
    with write(db):
        return store(db, project_id, day_from, day_to, messages, settings)


def backfill(db: sqlite_utils.Database) -> int:
    """Fill the table from every project's stored messages (migration 12, for logs imported before it); return rows."""
    spans = db.conn.execute("SELECT project_id, MIN(day), MAX(day) FROM chat_messages GROUP BY project_id").fetchall()
    written = 0
    for project_id, first, last in spans:
        start, end = date.fromisoformat(first), date.fromisoformat(last)
        while start <= end:
            stop = min(end, start + timedelta(days=BACKFILL_DAYS - 1))
            written += refresh(db, project_id, start, stop)
            start = stop + timedelta(days=1)
    return written


def _stored_waits(db: sqlite_utils.Database, project_id: int, start: date, end: date) -> pd.DataFrame:
    """The stored per-hour rows of [start, end] that have waits: day, hour, waits, answered, response_s_sum."""
    cursor = db.conn.execute(
        "SELECT day, hour, waits, answered, response_s_sum FROM kpi_hourly WHERE project_id = ? "
        "AND day BETWEEN ? AND ? AND waits > 0",
        [project_id, start.isoformat(), end.isoformat()],
    )
    return pd.DataFrame(cursor.fetchall(), columns=["day", "hour", "waits", "answered", "response_s_sum"])


def _summed(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Waits, answered waits and response-time sums added up per `keys` (the mean is taken after: sum / answered)."""
    return (
        rows.groupby(keys)
        .agg(waits=("waits", "sum"), answered=("answered", "sum"), response_s_sum=("response_s_sum", "sum"))
        .reset_index()
    )


def load(db: sqlite_utils.Database, project_id: int, start: date, end: date) -> pd.DataFrame:
    """Waits by weekday (0 = Monday) and hour over [start, end] with their mean response time (NaN: none answered)."""
    frame = _stored_waits(db, project_id, start, end)
    if frame.empty:
        return pd.DataFrame(columns=LOAD_COLUMNS)
    frame["weekday"] = pd.to_datetime(frame["day"]).dt.day_of_week
    grouped = _summed(frame, ["weekday", "hour"])
    grouped["avg_response_s"] = np.where(
        grouped["answered"] > 0,
        grouped["response_s_sum"] / grouped["answered"].where(grouped["answered"] > 0, 1),
        np.nan,
    )
    return grouped[LOAD_COLUMNS]


def inquiries(db: sqlite_utils.Database, project_id: int, start: date, end: date) -> dict[tuple[date, int], float]:
    """(day, hour) → chats started, every day with an inquiry present with all its 24 hours (zeros included)."""
    found = db.conn.execute(
        "SELECT day, hour, inquiries FROM kpi_hourly WHERE project_id = ? AND day BETWEEN ? AND ? AND inquiries > 0",
        [project_id, start.isoformat(), end.isoformat()],
    ).fetchall()
    days = {date.fromisoformat(d) for d, _h, _n in found}
    history = {(d, h): 0.0 for d in days for h in range(24)}
    for d, h, n in found:
        history[(date.fromisoformat(d), h)] = float(n)
    return history


def hourly_load(db: sqlite_utils.Database, actor: Actor, project_id: int, start: date, end: date) -> pd.DataFrame:
    """Waits by weekday and hour of day with their mean response time (raw logs only).

    Columns: weekday (0 = Monday), hour, waits, avg_response_s. Empty without raw logs. Read from
    the per-hour figures stored at import, not recomputed from the messages.
    """
    require_project(db, actor, project_id, "kpi.read")
    return load(db, project_id, start, end)


def mean_response_by_hour(rows: pd.DataFrame) -> pd.DataFrame:
    """Hour of day → waits, answered and mean response time of per-hour rows (hour, waits, answered,
    response_s_sum; any number of days).

    Only answered waits have a response time, so the mean of an hour is its response_s_sum /
    answered (10 answered waits of 10 s and 10 unanswered: 10 s, not 5 s); None when nothing in
    that hour was answered. Columns: hour, waits, answered, avg_response_s; one row per hour present.
    """
    if rows.empty:
        return pd.DataFrame(columns=HOUR_COLUMNS)
    grouped = _summed(rows, ["hour"])
    means = [
        float(total) / float(answered) if answered > 0 else None
        for total, answered in zip(grouped["response_s_sum"], grouped["answered"])
    ]
    grouped["avg_response_s"] = pd.Series(means, index=grouped.index, dtype=object)
    return grouped[HOUR_COLUMNS].reset_index(drop=True)


def response_by_hour(db: sqlite_utils.Database, actor: Actor, project_id: int, start: date, end: date) -> pd.DataFrame:
    """The hour-of-day mean response times over [start, end] (raw logs only), as `mean_response_by_hour`."""
    require_project(db, actor, project_id, "kpi.read")
    return mean_response_by_hour(_stored_waits(db, project_id, start, end))
