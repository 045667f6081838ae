"""The roster of a project (排班): shifts, the proposal, edits, conflicts, coverage, handover, leave and swaps.

Rules of the shop (settings per project, defaults of the process):
- Two shifts, day 08:30–16:00 and night 16:00–23:30. An agent counts for an hour of the day
  when the shift covers the middle of that hour (start ≤ hh:30 < end).
- Six days on, one off: nobody works a seventh day in a row (counted across all projects).
- Each shift needs its headcount every day (schedule settings; default: 60 % of the order
  confirmation's agents required by day, rounded up, the rest at night, at least one).

The proposal (`build_proposal`, pure) fills a period from the team: every agent works its own
shift except on its rest day and its approved leave; rest days are staggered per shift so that
the fewest rest on the same day; where the online agents of a shift are short, reserves are
called in (their own shift first, then the other one), never on a seventh day in a row, never
on a day they work for another project. The manager edits cells in place; conflicts (an agent
on two projects at overlapping times, a seventh day in a row, a shift below its headcount, a
shift on a day of approved leave) are listed, never silently allowed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlite_utils

from core.agents import directory
from core.kernel import audit, config
from core.kernel.db import one, rows, write
from core.kernel.errors import FieldError, NotFound, ValidationError
from core.kernel.permissions import Actor, PermissionDenied, can, require, require_project, visible_project_ids
from core.kpi import hourly
from core.schedule import staffing
from core.team import exams

WORK_SHIFTS = ("day", "night")
CELL_VALUES = ("day", "night", "rest", "leave")
DEFAULT_SHIFT_TIMES = {"day": ("08:30", "16:00"), "night": ("16:00", "23:30")}
MAX_DAYS_IN_A_ROW = 6
MAX_PERIOD_DAYS = 62
MAX_TEXT = 1000
MAX_REASON = 300
DEFAULTS = {"aht_s": 240.0, "concurrency": 3, "shrinkage": 0.3, "max_occupancy": 0.85}


# --- settings -------------------------------------------------------------------------------------


def _time(text: str) -> time:
    return datetime.strptime(text, "%H:%M").time()


def default_required(agents_required: int | None) -> dict[str, int]:
    """Headcount per shift when the manager set none: 60 % of the agents required by day (rounded up), the rest at night (at least 1)."""
    required = max(1, int(agents_required or 1))
    day = math.ceil(required * 0.6)
    return {"day": day, "night": max(1, required - day)}


def settings(db: sqlite_utils.Database, actor: Actor, project_id: int) -> dict[str, Any]:
    """The project's shift times, headcount per shift, and the staffing model's inputs, defaults filled in."""
    require_project(db, actor, project_id, "handover.read")
    row = one(db, "SELECT * FROM schedule_settings WHERE project_id = ?", [project_id]) or {}
    confirmed = one(
        db,
        "SELECT data FROM order_confirmations WHERE project_id = ? AND status = 'confirmed' ORDER BY version DESC LIMIT 1",
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


def _overlap(a: tuple[str, str], b: tuple[str, str]) -> bool:
    return _time(a[0]) < _time(b[1]) and _time(b[0]) < _time(a[1])


# --- the proposal (pure) -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PoolAgent:
    """An agent the proposal may use: id, home shift, online or reserve, days worked in a row before the period."""

    agent_id: int
    shift: str
    role: str
    streak_before: int = 0


def days_of(start: date, end: date) -> list[date]:
    """Every day of [start, end]."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def build_proposal(
    pool: list[PoolAgent],
    days: list[date],
    required: dict[str, int],
    leave: set[tuple[int, date]] = frozenset(),
    busy: set[tuple[int, date]] = frozenset(),
) -> dict[tuple[int, date], str]:
    """(agent, day) → 'day' | 'night' | 'rest' | 'leave' for the period (busy days elsewhere left out).

    Online agents work their own shift six days in seven, rest days staggered within each shift
    (agent k of a shift rests on weekday k mod 7, shifted per shift so day and night do not rest
    together); a seventh day in a row is always a rest day. Reserves fill what the online agents
    of a shift leave short that day, own shift first.
    """
    result: dict[tuple[int, date], str] = {}
    streak = {a.agent_id: a.streak_before for a in pool}
    online = {s: [a for a in pool if a.role == "online" and a.shift == s] for s in WORK_SHIFTS}
    reserves = [a for a in pool if a.role == "reserve"]
    rest_weekday = {}
    for offset, shift in enumerate(WORK_SHIFTS):
        for k, agent in enumerate(sorted(online[shift], key=lambda a: a.agent_id)):
            rest_weekday[agent.agent_id] = (k + 3 * offset) % 7
    for k, agent in enumerate(sorted(reserves, key=lambda a: a.agent_id)):
        rest_weekday[agent.agent_id] = (k + 5) % 7

    def free(agent: PoolAgent, day: date) -> bool:
        return (agent.agent_id, day) not in leave and (agent.agent_id, day) not in busy

    for day in days:
        working_today: set[int] = set()
        for shift in WORK_SHIFTS:
            for agent in online[shift]:
                key = (agent.agent_id, day)
                if key in busy:
                    continue
                if key in leave:
                    result[key] = "leave"
                elif streak[agent.agent_id] >= MAX_DAYS_IN_A_ROW or day.weekday() == rest_weekday[agent.agent_id]:
                    result[key] = "rest"
                else:
                    result[key] = shift
                    working_today.add(agent.agent_id)
        for shift in WORK_SHIFTS:
            short = required.get(shift, 0) - sum(1 for a in online[shift] if result.get((a.agent_id, day)) == shift)
            candidates = sorted(reserves, key=lambda a: (a.shift != shift, streak[a.agent_id], a.agent_id))
            for agent in candidates:
                if short <= 0:
                    break
                if (
                    agent.agent_id in working_today
                    or not free(agent, day)
                    or streak[agent.agent_id] >= MAX_DAYS_IN_A_ROW
                ):
                    continue
                result[(agent.agent_id, day)] = shift
                working_today.add(agent.agent_id)
                short -= 1
        for agent in reserves:
            key = (agent.agent_id, day)
            if key in leave:
                result[key] = "leave"
            elif key not in result and key not in busy:
                result[key] = "rest"
        for agent in pool:
            streak[agent.agent_id] = (
                streak[agent.agent_id] + 1 if agent.agent_id in working_today or ((agent.agent_id, day) in busy) else 0
            )
    return result


def streak_before(entries: Iterable[tuple[date, str]], start: date) -> int:
    """Days worked in a row right before `start`, from an agent's roster cells (any project)."""
    worked = {day for day, shift in entries if shift in WORK_SHIFTS}
    count, day = 0, start - timedelta(days=1)
    while day in worked:
        count += 1
        day -= timedelta(days=1)
    return count


def longest_runs(worked_days: Iterable[date]) -> list[tuple[date, int]]:
    """(first day, length) of each run of consecutive worked days."""
    ordered = sorted(set(worked_days))
    runs: list[tuple[date, int]] = []
    for day in ordered:
        if runs and runs[-1][0] + timedelta(days=runs[-1][1]) == day:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((day, 1))
    return runs


# --- store: team, grid, proposal, edits ----------------------------------------------------------------


def _check_period(start: date, end: date) -> None:
    if end < start:
        raise ValidationError.single("schedule.period", "err.end_before_start")
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise ValidationError.single("schedule.period", "err.schedule.period_too_long", n=MAX_PERIOD_DAYS)


def team_pool(db: sqlite_utils.Database, actor: Actor, project_id: int, start: date, end: date) -> list[dict]:
    """The project's online and reserve agents of the period (not left), newest assignment per agent, admission flag."""
    require_project(db, actor, project_id, "handover.read")
    found = rows(
        db,
        """SELECT pa.agent_id, pa.role, pa.shift, pa.from_date, pa.to_date, a.name, a.employee_no, a.status
                        FROM project_agents pa JOIN agents a ON a.id = pa.agent_id
                        WHERE pa.project_id = ? AND pa.from_date <= ? AND (pa.to_date IS NULL OR pa.to_date >= ?)
                          AND a.status != 'left'
                        ORDER BY pa.from_date, pa.id""",
        [project_id, end.isoformat(), start.isoformat()],
    )
    by_agent = {r["agent_id"]: r for r in found}  # the newest assignment wins
    members = sorted(by_agent.values(), key=lambda r: (r["role"] != "online", r["shift"], r["employee_no"]))
    # an agent choosing a swap partner sees the team, not its exam results
    status = (
        exams.admissions(db, actor, project_id, [m["agent_id"] for m in members])
        if members and can(actor, "project.read")
        else {}
    )
    for member in members:
        member["admitted"] = bool(status.get(member["agent_id"], {}).get("admitted"))
    return members


def _cells(
    db: sqlite_utils.Database, project_id: int | None, start: date, end: date, agent_ids: list[int] | None = None
) -> list[dict]:
    where, params = ["day BETWEEN ? AND ?"], [start.isoformat(), end.isoformat()]
    if project_id is not None:
        where.append("project_id = ?")
        params.append(project_id)
    if agent_ids is not None:
        where.append(f"agent_id IN ({','.join('?' * len(agent_ids)) or 'NULL'})")
        params += agent_ids
    return rows(
        db, f"SELECT project_id, agent_id, day, shift, source FROM roster_entries WHERE {' AND '.join(where)}", params
    )


def _approved_leave(db: sqlite_utils.Database, agent_ids: list[int], start: date, end: date) -> set[tuple[int, date]]:
    found: set[tuple[int, date]] = set()
    if not agent_ids:
        return found
    for r in db.query(
        f"""SELECT agent_id, day, end_day FROM shift_requests WHERE kind = 'leave' AND status = 'approved'
                          AND agent_id IN ({",".join("?" * len(agent_ids))}) AND day <= ? AND end_day >= ?""",
        [*agent_ids, end.isoformat(), start.isoformat()],
    ):
        for day in days_of(max(start, date.fromisoformat(r["day"])), min(end, date.fromisoformat(r["end_day"]))):
            found.add((r["agent_id"], day))
    return found


def propose(
    db: sqlite_utils.Database, actor: Actor, project_id: int, start: date, end: date
) -> dict[tuple[int, date], str]:
    """A proposal for the period from the team, approved leave, other projects' rosters and the days before."""
    require_project(db, actor, project_id, "schedule.write")
    _check_period(start, end)
    conf = settings(db, actor, project_id)
    members = team_pool(db, actor, project_id, start, end)
    ids = [m["agent_id"] for m in members]
    before = start - timedelta(days=MAX_DAYS_IN_A_ROW + 1)
    history: dict[int, list[tuple[date, str]]] = {a: [] for a in ids}
    busy: set[tuple[int, date]] = set()
    for cell in _cells(db, None, before, end, ids):
        day = date.fromisoformat(cell["day"])
        if day < start:
            history[cell["agent_id"]].append((day, cell["shift"]))
        elif cell["project_id"] != project_id and cell["shift"] in WORK_SHIFTS:
            busy.add((cell["agent_id"], day))
    pool = [
        PoolAgent(m["agent_id"], m["shift"], m["role"], streak_before(history[m["agent_id"]], start)) for m in members
    ]
    active = {
        m["agent_id"]: (date.fromisoformat(m["from_date"]), date.fromisoformat(m["to_date"]) if m["to_date"] else end)
        for m in members
    }
    off_team = {(a, d) for a, (first, last) in active.items() for d in days_of(start, end) if not first <= d <= last}
    proposal = build_proposal(
        pool,
        days_of(start, end),
        {"day": conf["required_day"], "night": conf["required_night"]},
        _approved_leave(db, ids, start, end),
        busy | off_team,
    )
    return {key: value for key, value in proposal.items() if key not in off_team}


def apply_proposal(db: sqlite_utils.Database, actor: Actor, project_id: int, start: date, end: date) -> int:
    """Replace the period's roster of the project with a fresh proposal; return the cells written."""
    proposal = propose(db, actor, project_id, start, end)
    stamp = config.now_text()
    with write(db):
        removed = db.execute(
            "DELETE FROM roster_entries WHERE project_id = ? AND day BETWEEN ? AND ?",
            [project_id, start.isoformat(), end.isoformat()],
        ).rowcount
        db["roster_entries"].insert_all(
            [
                {
                    "project_id": project_id,
                    "agent_id": a,
                    "day": d.isoformat(),
                    "shift": s,
                    "source": "proposal",
                    "updated_by": actor.id,
                    "updated_at": stamp,
                }
                for (a, d), s in sorted(proposal.items(), key=lambda kv: (kv[0][1], kv[0][0]))
            ]
        )
        audit.record(
            db,
            actor,
            "propose",
            "roster",
            f"{project_id}:{start.isoformat()}..{end.isoformat()}",
            {"cells_replaced": removed},
            {"cells": len(proposal)},
        )
    return len(proposal)


def grid(db: sqlite_utils.Database, actor: Actor, project_id: int, start: date, end: date) -> list[dict]:
    """One row per team member: agent facts and {day: cell} for the period ('' where nothing is rostered)."""
    require_project(db, actor, project_id, "schedule.read")
    _check_period(start, end)
    members = team_pool(db, actor, project_id, start, end)
    cells = {(c["agent_id"], c["day"]): c["shift"] for c in _cells(db, project_id, start, end)}
    listed = {m["agent_id"] for m in members}
    extra = sorted({a for a, _d in cells} - listed)  # rostered but no longer on the team: still shown
    for agent_id in extra:
        agent = directory.get_agent(db, agent_id)
        members.append(
            {
                "agent_id": agent_id,
                "name": agent["name"],
                "employee_no": agent["employee_no"],
                "role": "-",
                "shift": "-",
                "status": agent["status"],
                "admitted": False,
            }
        )
    for member in members:
        member["days"] = {
            d.isoformat(): cells.get((member["agent_id"], d.isoformat()), "") for d in days_of(start, end)
        }
    return members


def changed_cells(members: list[dict], edited: dict[tuple[int, str], str | None]) -> list[dict[str, Any]]:
    """The cells an edited grid changes: {agent_id, day, shift} for each (agent, day) whose value differs from `grid`'s."""
    changes = []
    for member in members:
        for day, old in member["days"].items():
            key = (member["agent_id"], day)
            if key in edited and (edited[key] or "") != (old or ""):
                changes.append({"agent_id": member["agent_id"], "day": day, "shift": edited[key] or None})
    return changes


def save_cells(db: sqlite_utils.Database, actor: Actor, project_id: int, cells: list[dict[str, Any]]) -> int:
    """The manager's edits: each {agent_id, day, shift} ('' or None clears the cell); all or nothing; returns cells changed.

    Conflicts are not refused here (a manager may knowingly plan one): `conflicts` lists them.
    """
    require_project(db, actor, project_id, "schedule.write")
    errors: list[FieldError] = []
    cleaned = []
    for cell in cells:
        try:
            day = _as_day(cell["day"]) if isinstance(cell["day"], date) else date.fromisoformat(str(cell["day"]))
        except (KeyError, ValueError):
            errors.append(FieldError("schedule.day", "err.invalid_value"))
            continue
        value = cell.get("shift") or None
        if value is not None and value not in CELL_VALUES:
            errors.append(FieldError(day.isoformat(), "err.invalid_choice"))
            continue
        agent_id = cell.get("agent_id")
        if not isinstance(agent_id, int) or one(db, "SELECT id FROM agents WHERE id = ?", [agent_id]) is None:
            errors.append(FieldError("schedule.agent", "err.invalid_choice"))
            continue
        cleaned.append((agent_id, day.isoformat(), value))
    if errors:
        raise ValidationError(errors)
    stamp, changed = config.now_text(), 0
    with write(db):
        for agent_id, day, value in cleaned:
            before = one(
                db,
                "SELECT shift FROM roster_entries WHERE project_id = ? AND agent_id = ? AND day = ?",
                [project_id, agent_id, day],
            )
            old = before["shift"] if before else None
            if old == value:
                continue
            if value is None:
                db.execute(
                    "DELETE FROM roster_entries WHERE project_id = ? AND agent_id = ? AND day = ?",
                    [project_id, agent_id, day],
                )
            else:
                db.execute(
                    """INSERT INTO roster_entries (project_id, agent_id, day, shift, source, updated_by, updated_at)
                              VALUES (?, ?, ?, ?, 'manual', ?, ?) ON CONFLICT (project_id, agent_id, day)
                              DO UPDATE SET shift = excluded.shift, source = 'manual', updated_by = excluded.updated_by,
                                            updated_at = excluded.updated_at""",
                    [project_id, agent_id, day, value, actor.id, stamp],
                )
            audit.record(
                db, actor, "update", "roster", f"{project_id}/{agent_id}/{day}", {"shift": old}, {"shift": value}
            )
            changed += 1
    return changed


# --- conflicts and coverage ------------------------------------------------------------------------------


def conflicts(db: sqlite_utils.Database, actor: Actor, project_id: int, start: date, end: date) -> list[dict[str, Any]]:
    """Everything wrong with the period's roster: {kind, day, agent_id, name, shift, detail}.

    Kinds: double_booked (the agent works another project at overlapping times that day),
    seventh_day (a 7th or later day in a row, all projects counted), understaffed (a shift with
    fewer agents than its headcount), on_leave (rostered on a day of approved leave).
    """
    require_project(db, actor, project_id, "schedule.read")
    _check_period(start, end)
    conf = settings(db, actor, project_id)
    own = _cells(db, project_id, start, end)
    ids = sorted({c["agent_id"] for c in own})
    names = {
        r["id"]: r["name"]
        for r in db.query(f"SELECT id, name FROM agents WHERE id IN ({','.join('?' * len(ids)) or 'NULL'})", ids)
    }
    found: list[dict[str, Any]] = []
    times = {"day": (conf["day_start"], conf["day_end"]), "night": (conf["night_start"], conf["night_end"])}
    others = [
        c
        for c in _cells(
            db, None, start - timedelta(days=MAX_DAYS_IN_A_ROW), end + timedelta(days=MAX_DAYS_IN_A_ROW), ids
        )
    ]
    other_settings: dict[int, dict] = {}
    by_agent_day: dict[tuple[int, str], list[dict]] = {}
    for cell in others:
        by_agent_day.setdefault((cell["agent_id"], cell["day"]), []).append(cell)
    for cell in own:
        if cell["shift"] not in WORK_SHIFTS:
            continue
        for other in by_agent_day.get((cell["agent_id"], cell["day"]), []):
            if other["project_id"] == project_id or other["shift"] not in WORK_SHIFTS:
                continue
            if other["project_id"] not in other_settings:
                other_settings[other["project_id"]] = _shift_times_of(db, other["project_id"])
            if _overlap(times[cell["shift"]], other_settings[other["project_id"]][other["shift"]]):
                project = one(
                    db,
                    "SELECT p.name, m.name AS merchant FROM projects p JOIN merchants m ON m.id = p.merchant_id WHERE p.id = ?",
                    [other["project_id"]],
                )
                found.append(
                    {
                        "kind": "double_booked",
                        "day": cell["day"],
                        "agent_id": cell["agent_id"],
                        "name": names.get(cell["agent_id"], ""),
                        "shift": cell["shift"],
                        "detail": f"{project['merchant']} · {project['name']}",
                    }
                )
    for agent_id in ids:
        worked = [
            date.fromisoformat(c["day"]) for c in others if c["agent_id"] == agent_id and c["shift"] in WORK_SHIFTS
        ]
        for first, length in longest_runs(worked):
            for n in range(MAX_DAYS_IN_A_ROW, length):
                day = first + timedelta(days=n)
                if start <= day <= end and (agent_id, day.isoformat()) in {
                    (c["agent_id"], c["day"]) for c in own if c["shift"] in WORK_SHIFTS
                }:
                    found.append(
                        {
                            "kind": "seventh_day",
                            "day": day.isoformat(),
                            "agent_id": agent_id,
                            "name": names.get(agent_id, ""),
                            "shift": "",
                            "detail": str(n + 1),
                        }
                    )
    leave = _approved_leave(db, ids, start, end)
    for cell in own:
        if cell["shift"] in WORK_SHIFTS and (cell["agent_id"], date.fromisoformat(cell["day"])) in leave:
            found.append(
                {
                    "kind": "on_leave",
                    "day": cell["day"],
                    "agent_id": cell["agent_id"],
                    "name": names.get(cell["agent_id"], ""),
                    "shift": cell["shift"],
                    "detail": "",
                }
            )
    counts: dict[tuple[str, str], int] = {}
    for cell in own:
        if cell["shift"] in WORK_SHIFTS:
            counts[(cell["day"], cell["shift"])] = counts.get((cell["day"], cell["shift"]), 0) + 1
    for day in days_of(start, end):
        for shift in WORK_SHIFTS:
            need = conf[f"required_{shift}"]
            have = counts.get((day.isoformat(), shift), 0)
            if have < need:
                found.append(
                    {
                        "kind": "understaffed",
                        "day": day.isoformat(),
                        "agent_id": None,
                        "name": "",
                        "shift": shift,
                        "detail": f"{have}/{need}",
                    }
                )
    order = {"double_booked": 0, "seventh_day": 1, "on_leave": 2, "understaffed": 3}
    return sorted(found, key=lambda c: (c["day"], order[c["kind"]], c["name"]))


def _shift_times_of(db: sqlite_utils.Database, project_id: int) -> dict[str, tuple[str, str]]:
    row = one(
        db,
        "SELECT day_start, day_end, night_start, night_end FROM schedule_settings WHERE project_id = ?",
        [project_id],
    )
    if row is None:
        return dict(DEFAULT_SHIFT_TIMES)
    return {"day": (row["day_start"], row["day_end"]), "night": (row["night_start"], row["night_end"])}


def understaffed_shifts(db: sqlite_utils.Database, project_id: int, start: date, end: date) -> list[tuple[str, str]]:
    """(day, shift) of [start, end] rostered below the shift's headcount (no access check: the go-live gate's callers check)."""
    row = one(db, "SELECT required_day, required_night FROM schedule_settings WHERE project_id = ?", [project_id]) or {}
    confirmed = one(
        db,
        "SELECT data FROM order_confirmations WHERE project_id = ? AND status = 'confirmed' ORDER BY version DESC LIMIT 1",
        [project_id],
    )
    fallback = default_required(json.loads(confirmed["data"]).get("agents_required") if confirmed else None)
    need = {s: fallback[s] if row.get(f"required_{s}") is None else row[f"required_{s}"] for s in WORK_SHIFTS}
    counts: dict[tuple[str, str], int] = {}
    for cell in _cells(db, project_id, start, end):
        if cell["shift"] in WORK_SHIFTS:
            counts[(cell["day"], cell["shift"])] = counts.get((cell["day"], cell["shift"]), 0) + 1
    return [
        (d.isoformat(), s)
        for d in days_of(start, end)
        for s in WORK_SHIFTS
        if counts.get((d.isoformat(), s), 0) < need[s]
    ]


def staffed_by_hour(
    db: sqlite_utils.Database, actor: Actor, project_id: int, start: date, end: date
) -> dict[tuple[date, int], int]:
    """(day, hour) → agents rostered on duty in that hour."""
    require_project(db, actor, project_id, "handover.read")
    conf = settings(db, actor, project_id)
    hours = {s: shift_hours(conf[f"{s}_start"], conf[f"{s}_end"]) for s in WORK_SHIFTS}
    result: dict[tuple[date, int], int] = {}
    for cell in _cells(db, project_id, start, end):
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
    _check_period(start, end)
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


# --- promotions and the surge plan ------------------------------------------------------------------------


def _as_day(value: Any) -> Any:
    """A datetime as its date (a datetime is a date too, but never compares with one); anything else as it is."""
    return value.date() if isinstance(value, datetime) else value


def promotion_errors(values: dict[str, Any]) -> list[FieldError]:
    """What is wrong with a promotion form (empty: fine)."""
    errors: list[FieldError] = []
    name = str(values.get("name") or "").strip()
    if not name:
        errors.append(FieldError("schedule.promo_name", "err.required"))
    elif len(name) > 100:
        errors.append(FieldError("schedule.promo_name", "err.too_long", {"n": 100}))
    start, end, announced = (_as_day(values.get(key)) for key in ("start_day", "end_day", "announced_on"))
    for key, value in (("start_day", start), ("end_day", end), ("announced_on", announced)):
        if not isinstance(value, date):
            errors.append(FieldError(f"schedule.{key}", "err.required"))
    if isinstance(start, date) and isinstance(end, date):
        if end < start:
            errors.append(FieldError("schedule.end_day", "err.end_before_start"))
        elif (end - start).days > 31:
            errors.append(FieldError("schedule.end_day", "err.schedule.period_too_long", {"n": 31}))
    if isinstance(start, date) and isinstance(announced, date) and announced > start:
        errors.append(FieldError("schedule.announced_on", "err.schedule.announced_after_start"))
    rise = values.get("expected_rise")
    if rise is not None and (isinstance(rise, bool) or not isinstance(rise, (int, float)) or not 0 <= rise <= 5):
        errors.append(FieldError("schedule.expected_rise", "err.schedule.range", {"min": "0%", "max": "500%"}))
    if len(str(values.get("note") or "")) > MAX_REASON:
        errors.append(FieldError("schedule.note", "err.too_long", {"n": MAX_REASON}))
    return errors


def add_promotion(db: sqlite_utils.Database, actor: Actor, project_id: int, values: dict[str, Any]) -> int:
    """Record a promotion (a past one marked for learning, or one the merchant announced); return its id."""
    require_project(db, actor, project_id, "schedule.write")
    values = {**values, **{key: _as_day(values.get(key)) for key in ("start_day", "end_day", "announced_on")}}
    errors = promotion_errors(values)
    if errors:
        raise ValidationError(errors)
    record = {
        "project_id": project_id,
        "name": str(values["name"]).strip(),
        "start_day": values["start_day"].isoformat(),
        "end_day": values["end_day"].isoformat(),
        "expected_rise": None if values.get("expected_rise") is None else round(float(values["expected_rise"]), 4),
        "announced_on": values["announced_on"].isoformat(),
        "note": str(values.get("note") or "").strip(),
        "created_by": actor.id,
        "created_at": config.now_text(),
    }
    with write(db):
        promo_id = db["promotions"].insert(record).last_pk
        audit.record(db, actor, "create", "promotion", promo_id, None, record)
    return int(promo_id)


def delete_promotion(db: sqlite_utils.Database, actor: Actor, promotion_id: int) -> None:
    """Remove a promotion (a mistaken entry)."""
    row = one(db, "SELECT * FROM promotions WHERE id = ?", [promotion_id])
    if row is None:
        raise NotFound(f"promotion {promotion_id}")
    require_project(db, actor, row["project_id"], "schedule.write")
    with write(db):
        db.execute("DELETE FROM promotions WHERE id = ?", [promotion_id])
        audit.record(db, actor, "delete", "promotion", promotion_id, row, None)


def promotions(db: sqlite_utils.Database, actor: Actor, project_id: int) -> list[dict]:
    """The project's promotions, newest first."""
    require_project(db, actor, project_id, "schedule.read")
    return rows(db, "SELECT * FROM promotions WHERE project_id = ? ORDER BY start_day DESC, id DESC", [project_id])


def surge_plan(db: sqlite_utils.Database, actor: Actor, promotion_id: int) -> dict[str, Any]:
    """The surge plan of a promotion: the notice rule, the extra agents per hour, the reserves proposed, the risks.

    Returns {promotion, notice, extra (day, hour → n), peak (shift → n per day), reserves
    (with admitted), proposal ([{day, shift, agent_id, name}]), shortfall (max agents missing),
    reserve_target, risks (keys)}. Without chat history the extra comes from the headcount:
    ceil(headcount × rise) per shift.
    """
    require(actor, "staffing.read")
    promo = one(db, "SELECT * FROM promotions WHERE id = ?", [promotion_id])
    if promo is None:
        raise NotFound(f"promotion {promotion_id}")
    project_id = promo["project_id"]
    require_project(db, actor, project_id, "schedule.read")
    conf = settings(db, actor, project_id)
    first, last = date.fromisoformat(promo["start_day"]), date.fromisoformat(promo["end_day"])
    rise = promo["expected_rise"]
    notice = staffing.check_notice(rise if rise is not None else 0.0, date.fromisoformat(promo["announced_on"]), first)
    days = days_of(first, last)
    base = requirement(db, actor, project_id, first, last, {d: 0.0 for d in days})
    surged = requirement(db, actor, project_id, first, last, {d: rise for d in days} if rise is not None else None)
    by_shift = {s: shift_hours(conf[f"{s}_start"], conf[f"{s}_end"]) for s in WORK_SHIFTS}
    peak: dict[str, dict[str, int]] = {s: {} for s in WORK_SHIFTS}
    if base:
        extra = staffing.extra_agents(base, surged)
        for (day, hour), n in extra.items():
            for shift in WORK_SHIFTS:
                if hour in by_shift[shift]:
                    peak[shift][day.isoformat()] = max(peak[shift].get(day.isoformat(), 0), n)
    else:
        extra = {}
        for day in days:
            for shift in WORK_SHIFTS:
                peak[shift][day.isoformat()] = math.ceil(conf[f"required_{shift}"] * (rise or 0) - 1e-9)
    reserves = [m for m in team_pool(db, actor, project_id, first, last) if m["role"] == "reserve"]
    ready = [m for m in reserves if m["admitted"]]
    proposal, shortfall = [], 0
    for day in days:
        pool = list(ready)
        for shift in WORK_SHIFTS:
            need = peak[shift].get(day.isoformat(), 0)
            chosen = [m for m in pool if m["shift"] == shift][:need]
            chosen += [m for m in pool if m not in chosen and m["shift"] != shift][: need - len(chosen)]
            for m in chosen:
                pool.remove(m)
                proposal.append({"day": day.isoformat(), "shift": shift, "agent_id": m["agent_id"], "name": m["name"]})
            shortfall = max(shortfall, need - len(chosen))
    risks = []
    if notice["beyond_plan"]:
        risks.append("beyond_plan")
    elif not notice["ok"]:
        risks.append("short_notice")
    if shortfall:
        risks.append("reserve_short")
    if len(reserves) > len(ready):
        risks.append("reserve_not_admitted")
    required = conf["agents_required"] or conf["required_day"]
    return {
        "promotion": promo,
        "notice": notice,
        "extra": extra,
        "peak": peak,
        "reserves": reserves,
        "proposal": proposal,
        "shortfall": shortfall,
        "reserve_target": staffing.reserve_target(required),
        "risks": risks,
    }


def replacements(db: sqlite_utils.Database, actor: Actor, project_id: int, today: date | None = None) -> dict[str, Any]:
    """Staff loss: online agents who left in the last 30 days, the online gap, and the reserves who can replace them."""
    require_project(db, actor, project_id, "schedule.read")
    day = today or config.today()
    since = (day - timedelta(days=30)).isoformat()
    left = rows(
        db,
        """SELECT DISTINCT a.id AS agent_id, a.name, a.employee_no, pa.shift,
                              COALESCE(pa.to_date, (SELECT MAX(substr(h.changed_at, 1, 10)) FROM agent_status_history h
                                                    WHERE h.agent_id = a.id AND h.to_status = 'left')) AS left_on
                       FROM project_agents pa JOIN agents a ON a.id = pa.agent_id
                       WHERE pa.project_id = ? AND pa.role = 'online'
                         AND (a.status = 'left' OR (pa.to_date IS NOT NULL AND pa.to_date < ? AND pa.to_date >= ?))""",
        [project_id, day.isoformat(), since],
    )
    left = [r for r in left if r["left_on"] and r["left_on"] >= since]
    members = team_pool(db, actor, project_id, day, day)
    online = [m for m in members if m["role"] == "online"]
    conf = settings(db, actor, project_id)
    required = conf["agents_required"] or conf["required_day"]
    return {
        "left": left,
        "online": len(online),
        "required": required,
        "gap": max(0, required - len(online)),
        "reserves": [m for m in members if m["role"] == "reserve"],
        "reserve_target": staffing.reserve_target(required),
    }


# --- handover ---------------------------------------------------------------------------------------------


def previous_shift(day: date, shift: str) -> tuple[date, str]:
    """The shift that hands over to (day, shift): night hands to the next day's day shift, day to the same day's night."""
    return (day - timedelta(days=1), "night") if shift == "day" else (day, "day")


def add_handover(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int,
    day: date,
    shift: str,
    marked_buyers: str = "",
    unresolved: str = "",
    note: str = "",
) -> int:
    """The outgoing shift's notes for the next one: marked buyers, unresolved issues, anything else."""
    require_project(db, actor, project_id, "handover.write")
    errors = []
    if shift not in WORK_SHIFTS:
        errors.append(FieldError("schedule.shift", "err.invalid_choice"))
    texts = {"marked_buyers": marked_buyers.strip(), "unresolved": unresolved.strip(), "note": note.strip()}
    if not any(texts.values()):
        errors.append(FieldError("schedule.handover", "err.required"))
    for key, text in texts.items():
        if len(text) > MAX_TEXT:
            errors.append(FieldError(f"schedule.{key}", "err.too_long", {"n": MAX_TEXT}))
    if errors:
        raise ValidationError(errors)
    record = {
        "project_id": project_id,
        "day": day.isoformat(),
        "shift": shift,
        **texts,
        "author_id": actor.id,
        "created_at": config.now_text(),
    }
    with write(db):
        note_id = db["handover_notes"].insert(record).last_pk
        audit.record(db, actor, "create", "handover_note", note_id, None, record)
    return int(note_id)


def handover_for(db: sqlite_utils.Database, actor: Actor, project_id: int, day: date, shift: str) -> list[dict]:
    """What the incoming shift (day, shift) reads first: the notes the shift before it left, newest first."""
    require_project(db, actor, project_id, "handover.read")
    prev_day, prev_shift = previous_shift(day, shift)
    return rows(
        db,
        """SELECT n.*, u.display_name AS author FROM handover_notes n LEFT JOIN users u ON u.id = n.author_id
                       WHERE n.project_id = ? AND n.day = ? AND n.shift = ? ORDER BY n.id DESC""",
        [project_id, prev_day.isoformat(), prev_shift],
    )


def recent_handovers(db: sqlite_utils.Database, actor: Actor, project_id: int, days: int = 7) -> list[dict]:
    """The project's handover notes of the last days, newest first."""
    require_project(db, actor, project_id, "handover.read")
    since = (config.today() - timedelta(days=days)).isoformat()
    return rows(
        db,
        """SELECT n.*, u.display_name AS author FROM handover_notes n LEFT JOIN users u ON u.id = n.author_id
                       WHERE n.project_id = ? AND n.day >= ? ORDER BY n.day DESC, n.id DESC""",
        [project_id, since],
    )


# --- the agent: own roster, leave and swaps ------------------------------------------------------------------


def _own_agent(db: sqlite_utils.Database, actor: Actor) -> dict:
    require(actor, "schedule.own")
    agent = directory.my_agent(db, actor)
    if agent is None:
        raise PermissionDenied("schedule.own: no roster agent linked")
    return agent


def my_roster(db: sqlite_utils.Database, actor: Actor, start: date, end: date) -> list[dict]:
    """The agent's own cells of every project in [start, end], with the project's shift times."""
    agent = _own_agent(db, actor)
    found = rows(
        db,
        """SELECT r.project_id, r.day, r.shift, p.name AS project, m.name AS merchant_name
                        FROM roster_entries r JOIN projects p ON p.id = r.project_id JOIN merchants m ON m.id = p.merchant_id
                        WHERE r.agent_id = ? AND r.day BETWEEN ? AND ? ORDER BY r.day""",
        [agent["id"], start.isoformat(), end.isoformat()],
    )
    for row in found:
        times = _shift_times_of(db, row["project_id"])
        row["hours"] = "–".join(times[row["shift"]]) if row["shift"] in WORK_SHIFTS else ""
    return found


def my_projects(db: sqlite_utils.Database, actor: Actor) -> list[dict]:
    """The projects of the agent's teams (now or before), for its handover and request forms."""
    _own_agent(db, actor)
    ids = sorted(visible_project_ids(db, actor) or [])
    return rows(
        db,
        f"""SELECT p.id, p.name, m.name AS merchant_name FROM projects p JOIN merchants m ON m.id = p.merchant_id
                        WHERE p.id IN ({",".join("?" * len(ids)) or "NULL"}) ORDER BY m.name, p.name""",
        ids,
    )


def request_errors(kind: str, day: Any, end_day: Any, reason: str, today: date) -> list[FieldError]:
    """What is wrong with a leave or swap request."""
    errors = []
    if kind not in ("leave", "swap"):
        errors.append(FieldError("schedule.kind", "err.invalid_choice"))
    if not isinstance(day, date):
        errors.append(FieldError("schedule.day", "err.required"))
    elif day < today:
        errors.append(FieldError("schedule.day", "err.schedule.day_past"))
    if not isinstance(end_day, date):
        errors.append(FieldError("schedule.end_day", "err.required"))
    elif isinstance(day, date) and end_day < day:
        errors.append(FieldError("schedule.end_day", "err.end_before_start"))
    elif isinstance(day, date) and (end_day - day).days > 31:
        errors.append(FieldError("schedule.end_day", "err.schedule.period_too_long", {"n": 31}))
    if not reason.strip():
        errors.append(FieldError("schedule.reason", "err.required"))
    elif len(reason) > MAX_REASON:
        errors.append(FieldError("schedule.reason", "err.too_long", {"n": MAX_REASON}))
    return errors


def request_leave(
    db: sqlite_utils.Database, actor: Actor, project_id: int, day: date, end_day: date, reason: str
) -> int:
    """The agent asks for leave on [day, end_day] on a project of its team."""
    return _request(db, actor, project_id, "leave", day, end_day, None, reason)


def request_swap(
    db: sqlite_utils.Database, actor: Actor, project_id: int, day: date, swap_agent_id: int, reason: str
) -> int:
    """The agent asks to swap its shift of `day` with a teammate's."""
    return _request(db, actor, project_id, "swap", day, day, swap_agent_id, reason)


def _request(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int,
    kind: str,
    day: date,
    end_day: date,
    swap_agent_id: int | None,
    reason: str,
) -> int:
    agent = _own_agent(db, actor)
    visible = visible_project_ids(db, actor)
    if visible is not None and project_id not in visible:
        raise PermissionDenied(f"schedule.own:{project_id}")
    day, end_day = _as_day(day), _as_day(end_day)
    errors = request_errors(kind, day, end_day, reason or "", config.today())
    if kind == "swap":
        team = {m["agent_id"] for m in team_pool(db, actor, project_id, day, day)} if isinstance(day, date) else set()
        if swap_agent_id is None or swap_agent_id == agent["id"] or swap_agent_id not in team:
            errors.append(FieldError("schedule.swap_agent", "err.invalid_choice"))
    if errors:
        raise ValidationError(errors)
    record = {
        "project_id": project_id,
        "agent_id": agent["id"],
        "kind": kind,
        "day": day.isoformat(),
        "end_day": end_day.isoformat(),
        "swap_agent_id": swap_agent_id,
        "reason": reason.strip(),
        "status": "pending",
        "created_by": actor.id,
        "created_at": config.now_text(),
    }
    with write(db):
        request_id = db["shift_requests"].insert(record).last_pk
        audit.record(db, actor, "create", "shift_request", request_id, None, record)
    return int(request_id)


def requests(
    db: sqlite_utils.Database, actor: Actor, project_id: int | None = None, status: str | None = None
) -> list[dict]:
    """Leave and swap requests: an agent's own, or those of the projects a supervisor may see."""
    where, params = [], []
    if actor.role == "agent":
        where.append("r.agent_id = ?")
        params.append(_own_agent(db, actor)["id"])
    else:
        require(actor, "schedule.read")
        visible = visible_project_ids(db, actor)
        if visible is not None:
            where.append(f"r.project_id IN ({','.join('?' * len(visible)) or 'NULL'})")
            params += sorted(visible)
    if project_id is not None:
        where.append("r.project_id = ?")
        params.append(project_id)
    if status:
        where.append("r.status = ?")
        params.append(status)
    return rows(
        db,
        f"""SELECT r.*, a.name AS agent_name, s.name AS swap_name, p.name AS project, m.name AS merchant_name
                        FROM shift_requests r JOIN agents a ON a.id = r.agent_id LEFT JOIN agents s ON s.id = r.swap_agent_id
                        JOIN projects p ON p.id = r.project_id JOIN merchants m ON m.id = p.merchant_id
                        {"WHERE " + " AND ".join(where) if where else ""} ORDER BY r.status != 'pending', r.day, r.id""",
        params,
    )


def decide(db: sqlite_utils.Database, actor: Actor, request_id: int, approve: bool, note: str = "") -> None:
    """The supervisor approves or rejects a pending request; approval writes the roster (leave, or the swapped cells)."""
    req = one(db, "SELECT * FROM shift_requests WHERE id = ?", [request_id])
    if req is None:
        raise NotFound(f"shift request {request_id}")
    require_project(db, actor, req["project_id"], "schedule.approve")
    if req["status"] != "pending":
        raise ValidationError.single("schedule.request", "err.schedule.already_decided")
    if len(note) > MAX_REASON:
        raise ValidationError.single("schedule.note", "err.too_long", n=MAX_REASON)
    stamp = config.now_text()
    with write(db):
        if approve and req["kind"] == "leave":
            for day in days_of(date.fromisoformat(req["day"]), date.fromisoformat(req["end_day"])):
                db.execute(
                    """INSERT INTO roster_entries (project_id, agent_id, day, shift, source, updated_by, updated_at)
                              VALUES (?, ?, ?, 'leave', 'request', ?, ?) ON CONFLICT (project_id, agent_id, day)
                              DO UPDATE SET shift = 'leave', source = 'request', updated_by = excluded.updated_by,
                                            updated_at = excluded.updated_at""",
                    [req["project_id"], req["agent_id"], day.isoformat(), actor.id, stamp],
                )
        elif approve:
            mine = one(
                db,
                "SELECT shift FROM roster_entries WHERE project_id = ? AND agent_id = ? AND day = ?",
                [req["project_id"], req["agent_id"], req["day"]],
            )
            theirs = one(
                db,
                "SELECT shift FROM roster_entries WHERE project_id = ? AND agent_id = ? AND day = ?",
                [req["project_id"], req["swap_agent_id"], req["day"]],
            )
            if mine is None or theirs is None:
                raise ValidationError.single("schedule.request", "err.schedule.swap_not_rostered")
            for agent_id, shift in ((req["agent_id"], theirs["shift"]), (req["swap_agent_id"], mine["shift"])):
                db.execute(
                    "UPDATE roster_entries SET shift = ?, source = 'request', updated_by = ?, updated_at = ? "
                    "WHERE project_id = ? AND agent_id = ? AND day = ?",
                    [shift, actor.id, stamp, req["project_id"], agent_id, req["day"]],
                )
        changes = {
            "status": "approved" if approve else "rejected",
            "decided_by": actor.id,
            "decided_at": stamp,
            "decision_note": note.strip(),
        }
        db["shift_requests"].update(request_id, changes)
        audit.record(db, actor, "decide", "shift_request", request_id, {"status": "pending"}, changes)


def pending_count(db: sqlite_utils.Database, actor: Actor) -> int:
    """Pending leave and swap requests the actor may decide (0 for others)."""
    if not can(actor, "schedule.approve"):
        return 0
    return sum(1 for r in requests(db, actor, status="pending"))
