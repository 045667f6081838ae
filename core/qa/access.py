"""Who may see what in QA: the projects an actor may see, an agent's own roster id, and a project's team.

System jobs (actor None) and QA staff read any agent's numbers; an agent reads only its own.
"""

from __future__ import annotations

from datetime import date

import sqlite_utils

from core.kernel.db import one, rows
from core.kernel.permissions import Actor, PermissionDenied, is_agent, require, require_project, visible_project_ids


def own_agent_id(db: sqlite_utils.Database, actor: Actor) -> int | None:
    """The roster id of an agent user (None for anyone else, or an agent login not on the roster)."""
    if not is_agent(actor):
        return None
    row = one(db, "SELECT id FROM agents WHERE user_id = ?", [actor.id])
    return row["id"] if row else None


def _project_clause(db: sqlite_utils.Database, actor: Actor, column: str) -> tuple[str, list]:
    visible = visible_project_ids(db, actor)
    if visible is None:
        return "1=1", []
    if not visible:
        return "0=1", []
    return f"{column} IN ({','.join('?' * len(visible))})", sorted(visible)


def _check_agent_access(db: sqlite_utils.Database, actor: Actor | None, agent_id: int) -> None:
    """System jobs (actor None) and QA staff read any agent; an agent reads only itself."""
    if actor is None:
        return
    if is_agent(actor):
        if own_agent_id(db, actor) != agent_id:
            raise PermissionDenied(f"qa.own:{agent_id}")
        return
    require(actor, "qa.read")


def projects_for(db: sqlite_utils.Database, actor: Actor, action: str) -> list[dict]:
    """The projects the actor may see for an action (agents: the projects whose team they are on), for pickers."""
    require(actor, action)
    clause, params = _project_clause(db, actor, "p.id")
    return rows(
        db,
        f"""SELECT p.id, p.name, p.platform, p.status, p.merchant_id, m.name AS merchant_name
                        FROM projects p JOIN merchants m ON m.id = p.merchant_id WHERE {clause} ORDER BY m.name, """
        f"""p.name""",
        params,
    )


def on_team(db: sqlite_utils.Database, project_id: int, agent_id: int, day: date) -> bool:
    """True when the agent was on the project's team (online or reserve) on that day."""
    return (
        one(
            db,
            """SELECT 1 AS x FROM project_agents WHERE project_id = ? AND agent_id = ? AND from_date <= ?
                      AND (to_date IS NULL OR to_date >= ?)""",
            [project_id, agent_id, day.isoformat(), day.isoformat()],
        )
        is not None
    )


def team_agents(
    db: sqlite_utils.Database, actor: Actor, project_id: int, day: date | None = None, online_only: bool = False
) -> list[dict]:
    """The agents on a project's team on a day (any day when `day` is None), for pickers."""
    require_project(db, actor, project_id)
    where, params = ["pa.project_id = ?"], [project_id]
    if day is not None:
        where.append("pa.from_date <= ? AND (pa.to_date IS NULL OR pa.to_date >= ?)")
        params += [day.isoformat(), day.isoformat()]
    if online_only:
        where.append("pa.role = 'online' AND a.status != 'left'")
    return rows(
        db,
        f"""SELECT a.id, a.name, a.employee_no, MAX(pa.sub_account) AS sub_account,
                               MAX(CASE WHEN pa.role = 'online' THEN 1 ELSE 0 END) AS online
                        FROM project_agents pa JOIN agents a ON a.id = pa.agent_id
                        WHERE {" AND ".join(where)} GROUP BY a.id ORDER BY a.name""",
        params,
    )
