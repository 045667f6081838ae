"""Staffing for surges and losses: the surge plan of a promotion and the replacements for agents who left.

The surge plan checks the notice rule, computes the extra agents per hour, and proposes
admitted reserves per day and shift (own shift first); what it cannot cover is a shortfall and
a risk. Replacements list the online agents lost in the last 30 days against the reserves.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

import sqlite_utils

from core.kernel import config
from core.kernel.db import one, rows
from core.kernel.errors import NotFound
from core.kernel.permissions import Actor, require, require_project
from core.schedule import staffing
from core.schedule.coverage import requirement
from core.schedule.shift_settings import WORK_SHIFTS, settings, shift_hours
from core.schedule.shifts import days_of, team_pool


def surge_plan(db: sqlite_utils.Database, actor: Actor, promotion_id: int) -> dict[str, Any]:
    """The surge plan of a promotion: the notice rule, the extra agents per hour, the reserves proposed, the risks.

    Returns {promotion, notice, extra (day, hour → n), peak (shift → n per day), reserves
    (with admitted), proposal ([{day, shift, agent_id, name}]), shortfall (max agents missing),
    reserve_target, reserve_delta (reserves − target), risks (keys)}. Without chat history the
    extra comes from the headcount: ceil(headcount × rise) per shift.
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
        "reserve_delta": len(reserves) - staffing.reserve_target(required),
        "risks": risks,
    }


def replacements(db: sqlite_utils.Database, actor: Actor, project_id: int, today: date | None = None) -> dict[str, Any]:
    """Staff loss: online agents who left in the last 30 days, the online gap, and the reserves who can replace them.

    online_delta is online − required, reserve_delta reserves − reserve_target (negative: short).
    """
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
    reserves = [m for m in members if m["role"] == "reserve"]
    conf = settings(db, actor, project_id)
    required = conf["agents_required"] or conf["required_day"]
    return {
        "left": left,
        "online": len(online),
        "required": required,
        "gap": max(0, required - len(online)),
        "online_delta": len(online) - required,
        "reserves": reserves,
        "reserve_target": staffing.reserve_target(required),
        "reserve_delta": len(reserves) - staffing.reserve_target(required),
    }
