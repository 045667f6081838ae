"""The stored daily KPI figures read for the dashboards, the reports and the pay run.

Per-agent and per-shop days (kpi_agent_daily, kpi_shop_daily) as both imports store them, the
targets of the project's confirmed order confirmation, several days as one figure set recomputed
from counts (`aggregate`), the tiles and 3-day alerts, the company view, an agent's own figures,
the platform-only figures of the summaries and the figures still pending (延迟统计).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
import sqlite_utils

from core.kernel import config
from core.kernel.db import one, rows
from core.kernel.permissions import Actor, require_project
from core.kpi import engine, summary_fields
from core.kpi.roster_names import agent_name_map, resolve_agent
from core.projects import order_confirmation as oc

METRICS = [c for c in engine.SHOP_COLUMNS if c != "date"]


STORED_METRICS = [*METRICS, "satisfaction"]


COUNT_METRICS = ("consultations", "waits", "fast_replies", "converted", "items")


# KPI -> (order-confirmation target field, higher is better)
TARGETS: dict[str, tuple[str, bool]] = {
    "consultations": ("target_daily_inquiries", True),
    "first_response_s": ("target_first_response_s", False),
    "avg_response_s": ("target_avg_response_s", False),
    "response_30s_rate": ("target_response_30s_rate", True),
    "conversion_rate": ("target_conversion_rate", True),
    "aov": ("target_aov", True),
    "satisfaction": ("target_satisfaction", True),
}


ALERT_KPIS = ("first_response_s", "avg_response_s", "response_30s_rate", "conversion_rate")


ALERT_STREAK_DAYS = 3


INSERT_CHUNK = 20_000


def pending_figures(
    db: sqlite_utils.Database, actor: Actor, project_id: int, start: date, end: date
) -> dict[str, list[str]]:
    """Per day in [start, end], the figures the platform had not settled when they were imported
    (延迟统计): shown as 待更新, and a pay run or an invoice using those days says so before approval."""
    require_project(db, actor, project_id, "kpi.read")
    return pending_in_period(db, start, end, [project_id]).get(project_id, {})


def pending_in_period(
    db: sqlite_utils.Database, start: date, end: date, project_ids: list[int] | None = None
) -> dict[int, dict[str, list[str]]]:
    """Pending (延迟统计) figures of [start, end] per project and day, for the pay run and the
    invoice that would use them (they check before approval; no actor: called from inside core)."""
    sql = (
        "SELECT project_id, day, extra FROM kpi_shop_daily WHERE day BETWEEN ? AND ? AND source = 'summary' "
        "AND extra LIKE '%\"pending\"%'"
    )
    params: list[Any] = [start.isoformat(), end.isoformat()]
    if project_ids is not None:
        sql += f" AND project_id IN ({','.join('?' * len(project_ids))})"
        params += list(project_ids)
    found: dict[int, dict[str, list[str]]] = {}
    for row in db.query(sql + " ORDER BY project_id, day", params):
        pending = json.loads(row["extra"]).get("pending")
        if pending:
            found.setdefault(row["project_id"], {})[row["day"]] = sorted(pending)
    return found


def _frame(data: list[dict], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(data, columns=columns)
    for column in COUNT_METRICS:
        if column in frame:
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame


def agent_days(
    db: sqlite_utils.Database, actor: Actor, project_id: int, start: date, end: date, agent: str | None = None
) -> pd.DataFrame:
    """The stored per-agent days of a project in [start, end], with the roster name of each agent."""
    require_project(db, actor, project_id, "kpi.read")
    sql = (
        f"SELECT day, agent, {', '.join(STORED_METRICS)}, source, settings FROM kpi_agent_daily WHERE "
        "project_id = ? AND day BETWEEN ? AND ?"
    )
    params: list[Any] = [project_id, start.isoformat(), end.isoformat()]
    if agent:
        sql += " AND agent = ?"
        params.append(agent)
    frame = _frame(
        rows(db, sql + " ORDER BY day, agent", params), ["day", "agent", *STORED_METRICS, "source", "settings"]
    )
    mapping = agent_name_map(db, project_id)
    names = {r["id"]: r["name"] for r in db.query("SELECT id, name FROM agents")}
    frame["agent_id"] = [resolve_agent(mapping, a) for a in frame["agent"]]
    frame["agent_name"] = [names.get(i, a) if i else a for i, a in zip(frame["agent_id"], frame["agent"])]
    return frame


def shop_days(db: sqlite_utils.Database, actor: Actor, project_id: int, start: date, end: date) -> pd.DataFrame:
    """The stored shop days of a project in [start, end]."""
    require_project(db, actor, project_id, "kpi.read")
    data = rows(
        db,
        f"SELECT day, {', '.join(STORED_METRICS)}, source, settings FROM kpi_shop_daily WHERE project_id = "
        "? AND day BETWEEN ? AND ? ORDER BY day",
        [project_id, start.isoformat(), end.isoformat()],
    )
    return _frame(data, ["day", *STORED_METRICS, "source", "settings"])


def shop_days_of(
    db: sqlite_utils.Database, actor: Actor, project_ids: list[int], start: date, end: date
) -> dict[int, pd.DataFrame]:
    """shop_days of many projects in one query (the company view and the meeting read every live project)."""
    for project_id in project_ids:
        require_project(db, actor, project_id, "kpi.read")
    columns = ["day", *STORED_METRICS, "source", "settings"]
    data: list[dict] = []
    for start_at in range(0, len(project_ids), 500):  # SQLite's limit on parameters
        chunk = project_ids[start_at : start_at + 500]
        data += rows(
            db,
            f"SELECT project_id, {', '.join(columns)} FROM kpi_shop_daily WHERE project_id IN "
            f"({','.join('?' * len(chunk))}) "
            "AND day BETWEEN ? AND ? ORDER BY project_id, day",
            [*chunk, start.isoformat(), end.isoformat()],
        )
    every = _frame(data, ["project_id", *columns])
    ids = every["project_id"].to_numpy()
    body = every.drop(columns="project_id")
    # rows come ordered by project: cut them at each change of project (one slice each, not a groupby
    # and a drop per project)
    cuts = [0, *(np.flatnonzero(ids[1:] != ids[:-1]) + 1).tolist(), len(ids)]
    parts = {
        int(ids[low]): body.iloc[low:high].reset_index(drop=True)
        for low, high in zip(cuts[:-1], cuts[1:])
        if high > low
    }
    empty = body.iloc[0:0]
    return {project_id: parts.get(project_id, empty) for project_id in project_ids}


def data_range(db: sqlite_utils.Database, actor: Actor, project_id: int) -> tuple[date, date] | None:
    """The first and last day with KPI rows, or None."""
    require_project(db, actor, project_id, "kpi.read")
    row = one(db, "SELECT MIN(day) AS a, MAX(day) AS b FROM kpi_shop_daily WHERE project_id = ?", [project_id])
    if not row or not row["a"]:
        return None
    return date.fromisoformat(row["a"]), date.fromisoformat(row["b"])


def targets(db: sqlite_utils.Database, actor: Actor, project_id: int) -> dict[str, float]:
    """The KPI targets of the project's confirmed order confirmation (missing ones left out)."""
    confirmed = oc.latest_confirmed(db, actor, project_id)
    data = confirmed["data"] if confirmed else {}
    return {
        kpi_name: float(data[field_name])
        for kpi_name, (field_name, _) in TARGETS.items()
        if data.get(field_name) is not None
    }


def meets_target(kpi_name: str, actual: float | None, target: float | None) -> tuple[bool | None, float | None]:
    """(whether the figure meets its target, gap actual − target); None when either is missing.

    Response times are lower-is-better; everything else higher-is-better.
    """
    if actual is None or target is None or pd.isna(actual):
        return None, None
    higher = TARGETS.get(kpi_name, ("", True))[1]
    gap = float(actual) - float(target)
    return (gap >= 0) if higher else (gap <= 0), gap


def aggregate(frame: pd.DataFrame) -> dict[str, float | None]:
    """Several days (or agents) as one figure set, recomputed from counts.

    Counts and sales are summed; rates are recomputed from the sums (30s rate from fast replies
    and waits, conversion from converted and consultations, AOV from sales and converted).
    Mean times are weighted by the days' waits (average response) or consultations (first
    response), since the stored days keep means, not every wait; satisfaction likewise.
    """
    if frame.empty:
        return {m: None for m in STORED_METRICS}
    total = lambda c: float(frame[c].fillna(0).sum()) if c in frame else 0.0  # noqa: E731
    result: dict[str, float | None] = {c: total(c) for c in COUNT_METRICS}
    result["sales"] = round(total("sales"), 2)
    result["response_30s_rate"] = (
        result["fast_replies"] / result["waits"]
        if result["waits"]
        else _weighted(frame, "response_30s_rate", "consultations")
    )
    result["conversion_rate"] = result["converted"] / result["consultations"] if result["consultations"] else None
    result["aov"] = result["sales"] / result["converted"] if result["converted"] else None
    result["items_per_buyer"] = (
        result["items"] / result["converted"] if result["converted"] and result["items"] else None
    )
    result["avg_response_s"] = _weighted(frame, "avg_response_s", "waits" if result["waits"] else "consultations")
    result["first_response_s"] = _weighted(frame, "first_response_s", "consultations")
    result["effective_reply_rate"] = _weighted(frame, "effective_reply_rate", "consultations")
    result["satisfaction"] = _weighted(frame, "satisfaction", "consultations")
    return result


def _weighted(frame: pd.DataFrame, column: str, weight: str) -> float | None:
    if column not in frame:
        return None
    # plain arrays: the company view and the meeting call this hundreds of times a run
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    mask = ~np.isnan(values)
    if not mask.any():
        return None
    values = values[mask]
    if weight in frame:
        weights = pd.to_numeric(frame[weight], errors="coerce").to_numpy(dtype=float, na_value=np.nan)[mask]
        weights[np.isnan(weights)] = 0.0
    else:
        weights = np.ones(len(values))
    if weights.sum() <= 0:
        return float(values.mean())
    return float((values * weights).sum() / weights.sum())


def agents_by_day(agent_days: pd.DataFrame, agents: list[str]) -> pd.DataFrame:
    """The chosen agents (by roster name, as `agent_days` gives it) as one figure set per day, each
    recomputed from counts as `aggregate` does; empty when none of them has a day."""
    chosen = agent_days[agent_days["agent_name"].isin(agents)]
    return pd.DataFrame([{"day": day, **aggregate(group)} for day, group in chosen.groupby("day")])


def tiles(db: sqlite_utils.Database, actor: Actor, project_id: int, today: date | None = None) -> list[dict[str, Any]]:
    """Today, yesterday and the last 7 days (to yesterday) against the targets."""
    day = today or config.today()
    periods = [
        ("today", day, day),
        ("yesterday", day - timedelta(days=1), day - timedelta(days=1)),
        ("last7", day - timedelta(days=7), day - timedelta(days=1)),
    ]
    goal = targets(db, actor, project_id)
    result = []
    for label, start, end in periods:
        figures = aggregate(shop_days(db, actor, project_id, start, end))
        pending = {f for fields in pending_figures(db, actor, project_id, start, end).values() for f in fields}
        days = max(1, (end - start).days + 1)
        for name in TARGETS:
            actual = figures.get(name)
            if name == "consultations" and actual is not None:
                actual = actual / days  # the target is per day
            ok, gap = meets_target(name, actual, goal.get(name))
            result.append(
                {
                    "period": label,
                    "kpi": name,
                    "actual": actual,
                    "target": goal.get(name),
                    "ok": ok,
                    "gap": gap,
                    "pending": bool(pending & PENDING_INPUTS.get(name, {name})),
                }
            )
    return result


# A KPI is pending when any figure it is computed from is (conversion from converted, AOV from sales).
PENDING_INPUTS: dict[str, set[str]] = {
    "conversion_rate": {"conversion_rate", "converted", "consultations"},
    "aov": {"aov", "sales", "converted"},
    "sales": {"sales"},
    "converted": {"converted"},
}


def platform_figures(db: sqlite_utils.Database, actor: Actor, project_id: int, start: date, end: date) -> pd.DataFrame:
    """Per agent over [start, end], the figures only the platform gives (评分≤3订单数, 纠纷退款数,
    投诉数, 不满意率, 预警会话量, 客服服务分, 退款后销售额, 慢响应人数, 未回复人数, 答问比, online
    time, …) and the figures still pending. Counts, money and times are summed over the days;
    rates, scores and ratios are the mean of the days that have them. Only fields some day has
    are columns; `pending` lists the fields pending on any of the agent's days."""
    require_project(db, actor, project_id, "kpi.read")
    data = rows(
        db,
        "SELECT day, agent, figures, pending FROM platform_agent_daily WHERE project_id = ? AND day "
        "BETWEEN ? AND ? ORDER BY day",
        [project_id, start.isoformat(), end.isoformat()],
    )
    if not data:
        return pd.DataFrame(columns=["agent", "agent_name", "pending"])
    mapping = agent_name_map(db, project_id)
    names = {r["id"]: r["name"] for r in db.query("SELECT id, name FROM agents")}
    per_agent: dict[str, dict[str, list]] = {}
    pending: dict[str, set[str]] = {}
    first_name: dict[str, str] = {}
    for row in data:
        agent_id = resolve_agent(mapping, row["agent"])
        name = names.get(agent_id, row["agent"]) if agent_id else row["agent"]
        first_name.setdefault(name, row["agent"])
        figures = json.loads(row["figures"])
        bucket = per_agent.setdefault(name, {})
        for key, value in figures.items():
            base = key.split("_person")[0].split("_session")[0]
            for suffix in ("_service", "_allday", "_new"):
                base = base.removesuffix(suffix)
            if base in summary_fields.PLATFORM_ONLY_FIELDS or base in ("sales_after_refund", "complaints"):
                bucket.setdefault(key, []).append(value)
        pending.setdefault(name, set()).update(json.loads(row["pending"]))
    out = []
    for name, bucket in per_agent.items():
        record: dict[str, Any] = {"agent": first_name[name], "agent_name": name}
        for key, values in bucket.items():
            kind = summary_fields.FIELDS[key].kind if key in summary_fields.FIELDS else summary_fields.NUMBER
            numbers = [float(v) for v in values if isinstance(v, (int, float))]
            if not numbers:
                continue
            if kind in (summary_fields.COUNT, summary_fields.MONEY, summary_fields.DURATION):
                total = sum(numbers)
                record[key] = (
                    round(total, 2)
                    if kind == summary_fields.MONEY
                    else (int(total) if kind == summary_fields.COUNT else total)
                )
            else:
                record[key] = sum(numbers) / len(numbers)
        record["pending"] = sorted(pending.get(name, set()))
        out.append(record)
    frame = pd.DataFrame(out)
    ordered = [
        "agent",
        "agent_name",
        *[f for f in summary_fields.FIELDS if f in frame.columns and f not in ("agent", "agent_name")],
        "pending",
    ]
    return frame[ordered].sort_values("agent_name").reset_index(drop=True)


def agent_table(db: sqlite_utils.Database, actor: Actor, project_id: int, start: date, end: date) -> pd.DataFrame:
    """One row per agent over the period (figures recomputed from counts), ranked by conversion."""
    frame = agent_days(db, actor, project_id, start, end)
    if frame.empty:
        return pd.DataFrame(columns=["agent", "agent_name", *STORED_METRICS, "rank"])
    out = []
    for agent_name, group in frame.groupby("agent_name", sort=True):
        out.append(
            {
                "agent": group["agent"].iloc[0],
                "agent_name": agent_name,
                "agent_id": group["agent_id"].iloc[0],
                **aggregate(group),
            }
        )
    table = pd.DataFrame(out)
    table["rank"] = table["conversion_rate"].rank(ascending=False, method="min").astype("Int64")
    return table.sort_values(["rank", "agent_name"]).reset_index(drop=True)


def below_target_streak(shop: pd.DataFrame, goal: dict[str, float], days: int = ALERT_STREAK_DAYS) -> list[str]:
    """The KPIs below target on each of the last `days` days with data (系统预警)."""
    if len(shop) < days:
        return []
    last = shop.sort_values("day").tail(days)
    flagged = []
    for name in ALERT_KPIS:
        if name not in goal:
            continue
        verdicts = [meets_target(name, value, goal[name])[0] for value in last[name]]
        if verdicts and all(v is False for v in verdicts):
            flagged.append(name)
    return flagged


def company_overview(db: sqlite_utils.Database, actor: Actor, start: date, end: date) -> pd.DataFrame:
    """All live projects side by side against their own targets, with the 3-day alerts."""
    from core.projects import merchants

    records = []
    projects = merchants.list_projects(db, actor, status="live")
    shops = shop_days_of(db, actor, [p["id"] for p in projects], start, end)
    for project in projects:
        shop = shops[project["id"]]
        goal = targets(db, actor, project["id"])
        figures = aggregate(shop)
        days = max(1, len(shop))
        record = {
            "project_id": project["id"],
            "project": f"{project['merchant_name']} · {project['name']}",
            "days": len(shop),
        }
        for name in TARGETS:
            actual = figures.get(name)
            if name == "consultations" and actual is not None:
                actual = actual / days
            record[name] = actual
            record[f"{name}_target"] = goal.get(name)
            record[f"{name}_ok"] = meets_target(name, actual, goal.get(name))[0]
        record["alerts"] = below_target_streak(shop, goal)
        records.append(record)
    return pd.DataFrame(records)


def imports(db: sqlite_utils.Database, actor: Actor, project_id: int) -> list[dict]:
    """The project's imports, newest first."""
    require_project(db, actor, project_id, "kpi.read")
    return rows(
        db,
        """SELECT i.id, i.kind, i.filenames, i.date_from, i.date_to, i.messages, i.orders, i.rows, i.created_at,
                              u.display_name AS created_by FROM kpi_imports i LEFT JOIN users u ON u.id = i.created_by
                       WHERE i.project_id = ? ORDER BY i.id DESC""",
        [project_id],
    )


def own_kpis(db: sqlite_utils.Database, actor: Actor, start: date, end: date) -> dict[str, Any]:
    """An agent's own figures per project over the period, and its rank in each team.

    Other agents appear only as a count (rank k of n), never by name or figure.
    """
    from core.agents import directory

    agent = directory.agent_for_user(db, actor.id)
    if agent is None:
        return {"agent": None, "projects": []}
    result = []
    for project_id in sorted(
        {r["project_id"] for r in db.query("SELECT project_id FROM project_agents WHERE agent_id = ?", [agent["id"]])}
    ):
        mapping = agent_name_map(db, project_id)
        data = rows(
            db,
            f"SELECT day, agent, {', '.join(STORED_METRICS)} FROM kpi_agent_daily WHERE project_id = ? AND "
            "day BETWEEN ? AND ? ORDER BY day",
            [project_id, start.isoformat(), end.isoformat()],
        )
        frame = _frame(data, ["day", "agent", *STORED_METRICS])
        if frame.empty:
            continue
        frame["agent_id"] = [resolve_agent(mapping, a) for a in frame["agent"]]
        mine = frame[frame["agent_id"] == agent["id"]]
        team = [aggregate(g) for _, g in frame.groupby("agent")]
        figures = aggregate(mine)
        rank = None
        if figures["conversion_rate"] is not None:
            rank = 1 + sum(1 for other in team if (other["conversion_rate"] or 0) > figures["conversion_rate"])
        project = one(
            db,
            "SELECT p.name, m.name AS merchant_name FROM projects p JOIN merchants m ON m.id = "
            "p.merchant_id WHERE p.id = ?",
            [project_id],
        )
        result.append(
            {
                "project_id": project_id,
                "project": f"{project['merchant_name']} · {project['name']}",
                "figures": figures,
                "days": mine.drop(columns=["agent_id"]).reset_index(drop=True),
                "rank": rank,
                "team_size": len(team),
            }
        )
    return {"agent": agent, "projects": result}
