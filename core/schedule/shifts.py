"""The roster of a project (排班): the proposal, the manager's cell edits, and the conflicts.

Rules of the shop:
- Six days on, one off: nobody works a seventh day in a row (counted across all projects).
- Each shift needs its headcount every day (see shift_settings).

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
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlite_utils

from core.agents import directory
from core.kernel import audit, config
from core.kernel.db import one, rows, write
from core.kernel.errors import FieldError, ValidationError
from core.kernel.permissions import Actor, can, require_project
from core.schedule.shift_settings import WORK_SHIFTS, default_required, overlap, settings, shift_times_of
from core.team import exams

CELL_VALUES = ("day", "night", "rest", "leave")
MAX_DAYS_IN_A_ROW = 6
MAX_PERIOD_DAYS = 62


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


def as_day(value: Any) -> Any:
    """A datetime as its date (a datetime is a date too, but never compares with one); anything else as it is."""
    return value.date() if isinstance(value, datetime) else value


# --- store: team, grid, proposal, edits ----------------------------------------------------------------


def check_period(start: date, end: date) -> None:
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


def roster_cells(
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


def approved_leave(db: sqlite_utils.Database, agent_ids: list[int], start: date, end: date) -> set[tuple[int, date]]:
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
    check_period(start, end)
    conf = settings(db, actor, project_id)
    members = team_pool(db, actor, project_id, start, end)
    ids = [m["agent_id"] for m in members]
    before = start - timedelta(days=MAX_DAYS_IN_A_ROW + 1)
    history: dict[int, list[tuple[date, str]]] = {a: [] for a in ids}
    busy: set[tuple[int, date]] = set()
    for cell in roster_cells(db, None, before, end, ids):
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
        approved_leave(db, ids, start, end),
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
    check_period(start, end)
    members = team_pool(db, actor, project_id, start, end)
    cells = {(c["agent_id"], c["day"]): c["shift"] for c in roster_cells(db, project_id, start, end)}
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
    """The cells an edited grid changes.

    {agent_id, day, shift} for each (agent, day) whose value differs from `grid`'s.
    """
    changes = []
    for member in members:
        for day, old in member["days"].items():
            key = (member["agent_id"], day)
            if key in edited and (edited[key] or "") != (old or ""):
                changes.append({"agent_id": member["agent_id"], "day": day, "shift": edited[key] or None})
    return changes


def save_cells(db: sqlite_utils.Database, actor: Actor, project_id: int, cells: list[dict[str, Any]]) -> int:
    """The manager's edits: each {agent_id, day, shift} ('' or None clears the cell).

    All or nothing; returns the cells changed.

    Conflicts are not refused here (a manager may knowingly plan one): `conflicts` lists them.
    """
    require_project(db, actor, project_id, "schedule.write")
    errors: list[FieldError] = []
    cleaned = []
    for cell in cells:
        try:
            day = as_day(cell["day"]) if isinstance(cell["day"], date) else date.fromisoformat(str(cell["day"]))
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


# --- conflicts ---------------------------------------------------------------------------------------------


def conflicts(db: sqlite_utils.Database, actor: Actor, project_id: int, start: date, end: date) -> list[dict[str, Any]]:
    """Everything wrong with the period's roster: {kind, day, agent_id, name, shift, detail}.

    Kinds: double_booked (the agent works another project at overlapping times that day),
    seventh_day (a 7th or later day in a row, all projects counted), understaffed (a shift with
    fewer agents than its headcount), on_leave (rostered on a day of approved leave).
    """
    require_project(db, actor, project_id, "schedule.read")
    check_period(start, end)
    conf = settings(db, actor, project_id)
    own = roster_cells(db, project_id, start, end)
    ids = sorted({c["agent_id"] for c in own})
    names = {
        r["id"]: r["name"]
        for r in db.query(f"SELECT id, name FROM agents WHERE id IN ({','.join('?' * len(ids)) or 'NULL'})", ids)
    }
    found: list[dict[str, Any]] = []
    times = {"day": (conf["day_start"], conf["day_end"]), "night": (conf["night_start"], conf["night_end"])}
    others = [
        c
        for c in roster_cells(
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
                other_settings[other["project_id"]] = shift_times_of(db, other["project_id"])
            if overlap(times[cell["shift"]], other_settings[other["project_id"]][other["shift"]]):
                project = one(
                    db,
                    "SELECT p.name, m.name AS merchant FROM projects p JOIN merchants m ON m.id = p.merchant_id"
                    " WHERE p.id = ?",
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
    leave = approved_leave(db, ids, start, end)
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


def understaffed_shifts(db: sqlite_utils.Database, project_id: int, start: date, end: date) -> list[tuple[str, str]]:
    """(day, shift) of [start, end] rostered below the shift's headcount.

    No access check: the go-live gate's callers check.
    """
    row = one(db, "SELECT required_day, required_night FROM schedule_settings WHERE project_id = ?", [project_id]) or {}
    confirmed = one(
        db,
        "SELECT data FROM order_confirmations WHERE project_id = ? AND status = 'confirmed'"
        " ORDER BY version DESC LIMIT 1",
        [project_id],
    )
    fallback = default_required(json.loads(confirmed["data"]).get("agents_required") if confirmed else None)
    need = {s: fallback[s] if row.get(f"required_{s}") is None else row[f"required_{s}"] for s in WORK_SHIFTS}
    counts: dict[tuple[str, str], int] = {}
    for cell in roster_cells(db, project_id, start, end):
        if cell["shift"] in WORK_SHIFTS:
            counts[(cell["day"], cell["shift"])] = counts.get((cell["day"], cell["shift"]), 0) + 1
    return [
        (d.isoformat(), s)
        for d in days_of(start, end)
        for s in WORK_SHIFTS
        if counts.get((d.isoformat(), s), 0) < need[s]
    ]
