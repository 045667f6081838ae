"""Coverage of the roster: agents on duty per hour against the agents needed, from the volume forecast.

The forecast reads the last weeks' inquiries per hour (or the last weeks with chat history),
lifts promotion days by their rise, and Erlang C turns it into agents needed per hour. Without
chat history the need comes from the shift headcounts.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlite_utils

from core.kernel.db import one
from core.kernel.permissions import Actor, can, require_project
from core.kpi import hourly
from core.schedule import staffing
from core.schedule.promotions import promotions
from core.schedule.shift_settings import WORK_SHIFTS, model_of, service_hours, settings, shift_hours
from core.schedule.shifts import check_period, days_of, roster_cells


def staffed_by_hour(
    db: sqlite_utils.Database, actor: Actor, project_id: int, start: date, end: date
) -> dict[tuple[date, int], int]:
    """(day, hour) → agents rostered on duty in that hour."""
    require_project(db, actor, project_id, "handover.read")
    conf = settings(db, actor, project_id)
    hours = {s: shift_hours(conf[f"{s}_start"], conf[f"{s}_end"]) for s in WORK_SHIFTS}
    result: dict[tuple[date, int], int] = {}
    for cell in roster_cells(db, project_id, start, end):
        if cell["shift"] in WORK_SHIFTS:
            day = date.fromisoformat(cell["day"])
            for hour in hours[cell["shift"]]:
                result[(day, hour)] = result.get((day, hour), 0) + 1
    return result


def coverage(db: sqlite_utils.Database, actor: Actor, project_id: int, start: date, end: date) -> list[dict[str, Any]]:
    """Hour by hour over the service time: {day, hour, staffed, required, gap, basis}.

    `required` comes from the volume forecast and Erlang C when the project has chat history
    (basis 'forecast'), else from the shift headcounts (basis 'headcount'). gap = staffed − required.
    """
    require_project(db, actor, project_id, "schedule.read")
    check_period(start, end)
    conf = settings(db, actor, project_id)
    staffed = staffed_by_hour(db, actor, project_id, start, end)
    hours = service_hours(conf["service_start"], conf["service_end"])
    need = requirement(db, actor, project_id, start, end) if can(actor, "schedule.read") else {}
    basis = "forecast" if need else "headcount"
    if not need:
        by_shift = {s: shift_hours(conf[f"{s}_start"], conf[f"{s}_end"]) for s in WORK_SHIFTS}
        for day in days_of(start, end):
            for hour in hours:
                need[(day, hour)] = sum(conf[f"required_{s}"] for s in WORK_SHIFTS if hour in by_shift[s])
    result = []
    for day in days_of(start, end):
        for hour in hours:
            have, want = staffed.get((day, hour), 0), need.get((day, hour), 0)
            result.append(
                {
                    "day": day.isoformat(),
                    "hour": hour,
                    "staffed": have,
                    "required": want,
                    "gap": have - want,
                    "basis": basis,
                }
            )
    return result


# --- volume and requirement ------------------------------------------------------------------------------


def inquiry_history(
    db: sqlite_utils.Database, actor: Actor, project_id: int, start: date, end: date
) -> dict[tuple[date, int], float]:
    """(day, hour) → inquiries (chats started: a buyer's first message of the day) from the imported raw logs.

    Every day with messages is present with all its hours (zeros included), so averages see quiet hours.
    Read from the per-hour counts stored at import (core.kpi.hourly), not counted from the messages.
    """
    require_project(db, actor, project_id, "schedule.read")
    return hourly.inquiries(db, project_id, start, end)


HISTORY_WEEKS = 8


def requirement(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int,
    start: date,
    end: date,
    extra_rise: dict[date, float] | None = None,
) -> dict[tuple[date, int], int]:
    """(day, hour) → agents needed over the service time, from the last weeks' volume (empty without chat history).

    Promotion days of the period take their expected rise (or the rise learned from past ones);
    `extra_rise` overrides the rise of given days (a surge plan being checked).
    """
    forecast_map = volume_forecast(db, actor, project_id, start, end, extra_rise)
    if not forecast_map:
        return {}
    return staffing.required_by_hour(forecast_map, model_of(settings(db, actor, project_id)))


def volume_forecast(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int,
    start: date,
    end: date,
    extra_rise: dict[date, float] | None = None,
) -> dict[tuple[date, int], float]:
    """(day, hour) → expected inquiries over the service time (empty without chat history)."""
    require_project(db, actor, project_id, "schedule.read")
    conf = settings(db, actor, project_id)
    history = inquiry_history(db, actor, project_id, start - timedelta(weeks=HISTORY_WEEKS), start - timedelta(days=1))
    if not history:
        last = one(db, "SELECT MAX(day) AS day FROM chat_messages WHERE project_id = ?", [project_id])
        if not last or not last["day"]:
            return {}
        last_day = date.fromisoformat(last["day"])
        history = inquiry_history(
            db, actor, project_id, last_day - timedelta(weeks=HISTORY_WEEKS) + timedelta(days=1), last_day
        )
    promos = promotions(db, actor, project_id)
    past_days = [
        d
        for p in promos
        for d in days_of(date.fromisoformat(p["start_day"]), date.fromisoformat(p["end_day"]))
        if d < start
    ]
    coming: dict[date, float | None] = {}
    for p in promos:
        for d in days_of(date.fromisoformat(p["start_day"]), date.fromisoformat(p["end_day"])):
            if start <= d <= end:
                coming[d] = p["expected_rise"]
    for d, rise in (extra_rise or {}).items():
        coming[d] = rise
    return staffing.forecast(
        history,
        start,
        (end - start).days + 1,
        service_hours(conf["service_start"], conf["service_end"]),
        coming,
        past_days,
    )
