"""A project's schedule settings: shift times, headcount per shift, and the staffing model's inputs.

Rules of the shop (defaults of the process):
- Two shifts, day 08:30–16:00 and night 16:00–23:30. An agent counts for an hour of the day
  when the shift covers the middle of that hour (start ≤ hh:30 < end); the shop is served in
  the hours that overlap its service time.
- Each shift needs its headcount every day (default: 60 % of the order confirmation's agents
  required by day, rounded up, the rest at night, at least one; 0 is a headcount, only a
  missing setting falls back).
- The staffing model (AHT, concurrency, shrinkage, occupancy cap) has defaults until saved;
  settings are saved all or nothing.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, time
from typing import Any

import sqlite_utils

from core.kernel import audit, config
from core.kernel.db import one, write
from core.kernel.errors import FieldError, ValidationError
from core.kernel.permissions import Actor, require_project
from core.schedule import staffing

WORK_SHIFTS = ("day", "night")
DEFAULT_SHIFT_TIMES = {"day": ("08:30", "16:00"), "night": ("16:00", "23:30")}
MAX_REASON = 300
DEFAULTS = {"aht_s": 240.0, "concurrency": 3, "shrinkage": 0.3, "max_occupancy": 0.85}


def _time(text: str) -> time:
    return datetime.strptime(text, "%H:%M").time()


def default_required(agents_required: int | None) -> dict[str, int]:
    """Headcount per shift when the manager set none.

    60 % of the agents required by day (rounded up), the rest at night (at least 1).
    """
    required = max(1, int(agents_required or 1))
    day = math.ceil(required * 0.6)
    return {"day": day, "night": max(1, required - day)}


def settings(db: sqlite_utils.Database, actor: Actor, project_id: int) -> dict[str, Any]:
    """The project's shift times, headcount per shift, and the staffing model's inputs, defaults filled in."""
    require_project(db, actor, project_id, "handover.read")
    row = one(db, "SELECT * FROM schedule_settings WHERE project_id = ?", [project_id]) or {}
    confirmed = one(
        db,
        "SELECT data FROM order_confirmations WHERE project_id = ? AND status = 'confirmed'"
        " ORDER BY version DESC LIMIT 1",
        [project_id],
    )
    data = json.loads(confirmed["data"]) if confirmed else {}
    fallback = default_required(data.get("agents_required"))
    return {
        "day_start": row.get("day_start") or DEFAULT_SHIFT_TIMES["day"][0],
        "day_end": row.get("day_end") or DEFAULT_SHIFT_TIMES["day"][1],
        "night_start": row.get("night_start") or DEFAULT_SHIFT_TIMES["night"][0],
        "night_end": row.get("night_end") or DEFAULT_SHIFT_TIMES["night"][1],
        # 0 is a headcount (no night shift), only a missing setting falls back
        "required_day": fallback["day"] if row.get("required_day") is None else row["required_day"],
        "required_night": fallback["night"] if row.get("required_night") is None else row["required_night"],
        "aht_s": float(row.get("aht_s") or DEFAULTS["aht_s"]),
        "concurrency": int(row.get("concurrency") or DEFAULTS["concurrency"]),
        "shrinkage": float(row["shrinkage"]) if row.get("shrinkage") is not None else DEFAULTS["shrinkage"],
        "max_occupancy": float(row.get("max_occupancy") or DEFAULTS["max_occupancy"]),
        "agents_required": int(data.get("agents_required") or 0) or None,
        "target_rate": float(data.get("target_response_30s_rate") or 0.8),
        "target_s": 30.0,
        "service_start": data.get("service_hours_start") or "08:00",
        "service_end": data.get("service_hours_end") or "23:00",
        "saved": bool(row),
    }


def settings_errors(values: dict[str, Any]) -> list[FieldError]:
    """What is wrong with a settings form (empty: fine)."""
    errors: list[FieldError] = []
    parsed = {}
    for key in ("day_start", "day_end", "night_start", "night_end"):
        try:
            parsed[key] = _time(str(values.get(key) or ""))
        except ValueError:
            errors.append(FieldError(f"schedule.{key}", "err.time_format"))
    for shift in WORK_SHIFTS:
        if (
            f"{shift}_start" in parsed
            and f"{shift}_end" in parsed
            and parsed[f"{shift}_start"] >= parsed[f"{shift}_end"]
        ):
            errors.append(FieldError(f"schedule.{shift}_end", "err.end_before_start"))
    ranges = {"required_day": (0, 500), "required_night": (0, 500), "aht_s": (1, 7200), "concurrency": (1, 10)}
    for key, (low, high) in ranges.items():
        value = values.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            errors.append(FieldError(f"schedule.{key}", "err.schedule.range", {"min": low, "max": high}))
    for key, (low, high) in {"shrinkage": (0, 0.9), "max_occupancy": (0.1, 1)}.items():
        value = values.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            errors.append(
                FieldError(f"schedule.{key}", "err.schedule.range", {"min": f"{low:.0%}", "max": f"{high:.0%}"})
            )
    return errors


def save_settings(db: sqlite_utils.Database, actor: Actor, project_id: int, values: dict[str, Any]) -> None:
    """Save the shift times, headcounts and model inputs (all or nothing)."""
    require_project(db, actor, project_id, "schedule.write")
    errors = settings_errors(values)
    if errors:
        raise ValidationError(errors)
    record = {key: values[key] for key in ("day_start", "day_end", "night_start", "night_end")}
    record |= {
        "required_day": int(values["required_day"]),
        "required_night": int(values["required_night"]),
        "aht_s": float(values["aht_s"]),
        "concurrency": int(values["concurrency"]),
        "shrinkage": float(values["shrinkage"]),
        "max_occupancy": float(values["max_occupancy"]),
    }
    before = one(db, "SELECT * FROM schedule_settings WHERE project_id = ?", [project_id])
    with write(db):
        db["schedule_settings"].insert(
            {"project_id": project_id, **record, "updated_by": actor.id, "updated_at": config.now_text()}, replace=True
        )
        audit.record(db, actor, "update" if before else "create", "schedule_settings", project_id, before, record)


def model_of(conf: dict[str, Any]) -> staffing.StaffingModel:
    """The staffing model of a project's settings."""
    return staffing.StaffingModel(
        aht_s=conf["aht_s"],
        concurrency=conf["concurrency"],
        target_rate=conf["target_rate"],
        target_s=conf["target_s"],
        shrinkage=conf["shrinkage"],
        max_occupancy=conf["max_occupancy"],
    )


def shift_hours(start: str, end: str) -> list[int]:
    """The hours of the day a shift covers: those whose middle (hh:30) lies in [start, end)."""
    first, last = _time(start), _time(end)
    return [h for h in range(24) if first <= time(h, 30) < last]


def service_hours(start: str, end: str) -> list[int]:
    """The hours of the day the shop is served: those overlapping [start, end)."""
    first, last = _minutes(start), _minutes(end)
    return [h for h in range(24) if h * 60 < last and (h + 1) * 60 > first]


def _minutes(text: str) -> int:
    value = _time(text)
    return value.hour * 60 + value.minute


def overlap(a: tuple[str, str], b: tuple[str, str]) -> bool:
    return _time(a[0]) < _time(b[1]) and _time(b[0]) < _time(a[1])


def shift_times_of(db: sqlite_utils.Database, project_id: int) -> dict[str, tuple[str, str]]:
    row = one(
        db,
        "SELECT day_start, day_end, night_start, night_end FROM schedule_settings WHERE project_id = ?",
        [project_id],
    )
    if row is None:
        return dict(DEFAULT_SHIFT_TIMES)
    return {"day": (row["day_start"], row["day_end"]), "night": (row["night_start"], row["night_end"])}
