"""Agent names in the KPI files: which roster agent a name written in a chat log or a summary is.

Files write sub-accounts ('店铺:小美'), their short form ('小美') or the roster name; a name that
matches none is mapped once by hand (table agent_aliases) and matches from then on. A name
resolves by its full form first, then by the part after the shop prefix.
"""

from __future__ import annotations

import re

import sqlite_utils

from core.kernel import audit, config
from core.kernel.db import one, rows, write
from core.kernel.errors import ValidationError
from core.kernel.permissions import Actor, require_project


def name_key(name: str) -> str:
    """The part of a sub-account after the shop prefix ('店铺:小美' → '小美')."""
    return re.split(r"[:：]", str(name))[-1].strip()


def agent_name_map(db: sqlite_utils.Database, project_id: int) -> dict[str, int]:
    """Names as files write them → roster agent id: team sub-accounts, their short form, aliases."""
    mapping: dict[str, int] = {}
    for row in db.query(
        "SELECT a.id, a.name, pa.sub_account FROM project_agents pa JOIN agents a ON a.id = pa.agent_id "
        "WHERE pa.project_id = ?",
        [project_id],
    ):
        for name in (row["sub_account"], name_key(row["sub_account"]) if row["sub_account"] else "", row["name"]):
            if name:
                mapping.setdefault(name, row["id"])
    for row in db.query("SELECT name, agent_id FROM agent_aliases WHERE project_id = ?", [project_id]):
        mapping[row["name"]] = row["agent_id"]
    return mapping


def resolve_agent(mapping: dict[str, int], name: str) -> int | None:
    """The roster agent of a name in a file, by full name then by the name after the prefix."""
    return mapping.get(name) or mapping.get(name_key(name))


def unknown_agents(db: sqlite_utils.Database, project_id: int, names: list[str]) -> list[str]:
    """The names that match no roster agent of the project (to be mapped once)."""
    mapping = agent_name_map(db, project_id)
    return sorted({n for n in names if resolve_agent(mapping, n) is None})


def map_agent(db: sqlite_utils.Database, actor: Actor, project_id: int, name: str, agent_id: int) -> None:
    """Remember that `name` in this project's files is roster agent `agent_id`."""
    require_project(db, actor, project_id, "kpi.import")
    if not name.strip() or len(name) > 200:
        raise ValidationError.single("name", "err.required" if not name.strip() else "err.too_long", n=200)
    if one(db, "SELECT id FROM agents WHERE id = ?", [agent_id]) is None:
        raise ValidationError.single("agent_id", "err.invalid_choice")
    with write(db):
        db["agent_aliases"].insert(
            {
                "project_id": project_id,
                "name": name.strip(),
                "agent_id": agent_id,
                "created_by": actor.id,
                "created_at": config.now_text(),
            },
            replace=True,
        )
        audit.record(db, actor, "map", "agent_alias", f"{project_id}/{name}", None, {"agent_id": agent_id})


def account_labels(db: sqlite_utils.Database, actor: Actor, project_id: int, accounts: list[str]) -> dict[str, str]:
    """Chat-log account names as a person reads them: the roster agent's name with the account
    (`小美（店铺:小美）`), the account alone where it names no roster agent or is the name itself."""
    require_project(db, actor, project_id, "kpi.read")
    mapping = agent_name_map(db, project_id)
    names = {
        r["id"]: r["name"]
        for r in db.query(
            "SELECT a.id, a.name FROM agents a JOIN project_agents pa ON pa.agent_id = a.id WHERE pa.project_id = ?",
            [project_id],
        )
    }
    names |= {
        r["id"]: r["name"]
        for r in db.query(
            "SELECT a.id, a.name FROM agents a JOIN agent_aliases x ON x.agent_id = a.id WHERE x.project_id = ?",
            [project_id],
        )
    }
    labels = {}
    for account in accounts:
        name = names.get(resolve_agent(mapping, account))
        labels[account] = f"{name}（{account}）" if name and name != account else account
    return labels


def roster_choices(db: sqlite_utils.Database, actor: Actor, project_id: int) -> list[dict]:
    """Roster agents a file name can be mapped to: the project's team first, then everyone else."""
    require_project(db, actor, project_id, "kpi.import")
    return rows(
        db,
        """SELECT a.id, a.name, a.employee_no,
                              EXISTS (SELECT 1 FROM project_agents pa WHERE pa.agent_id = a.id """
        """AND pa.project_id = ?) AS on_team
                       FROM agents a WHERE a.status != 'left' ORDER BY on_team DESC, a.name""",
        [project_id],
    )
