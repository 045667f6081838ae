"""The QA numbers: agents' quality scores (IQS), critical failures, weekly charts, lost points and sampling.

An agent's quality score (IQS) for a period is the mean score of its reviews whose chat falls in
the period; tasks not yet scored and calibration scorings are not reviews of the agent and never count.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import sqlite_utils

from core.kernel import weeks
from core.kernel.db import rows
from core.kernel.permissions import Actor, require_project
from core.qa.access import _check_agent_access, team_agents
from core.qa.scorecards import load_card
from core.qa.scoring import CRITICAL_THRESHOLD, Card, lost_points_of
from core.qa.settings import project_settings


def _scored_reviews(db: sqlite_utils.Database, where: list[str], params: list) -> list[dict]:
    return rows(
        db,
        f"""SELECT r.id, r.project_id, r.agent_id, a.name AS agent_name, r.chat_date, r.score, r.critical_failed,
                               r.scorecard_id, r.case_type
                        FROM qa_reviews r JOIN agents a ON a.id = r.agent_id
                        WHERE r.kind = 'review' AND r.status != 'task' AND {" AND ".join(where)}
                        ORDER BY r.chat_date, r.id""",
        params,
    )


def agent_iqs(
    db: sqlite_utils.Database, actor: Actor | None, agent_id: int, start: date, end: date, project_id: int | None = None
) -> float | None:
    """The agent's quality score for the period: mean score of its scored reviews of chats in [start, end]; None
    without reviews."""
    _check_agent_access(db, actor, agent_id)
    where, params = ["r.agent_id = ?", "r.chat_date BETWEEN ? AND ?"], [agent_id, start.isoformat(), end.isoformat()]
    if project_id is not None:
        where.append("r.project_id = ?")
        params.append(project_id)
    scores = [r["score"] for r in _scored_reviews(db, where, params)]
    return round(sum(scores) / len(scores), 2) if scores else None


def critical_failures(
    db: sqlite_utils.Database, actor: Actor | None, agent_id: int, start: date, end: date
) -> list[dict]:
    """The agent's reviews of chats in [start, end] that currently stand as critical failures (for pay deductions)."""
    _check_agent_access(db, actor, agent_id)
    return rows(
        db,
        """SELECT r.id AS review_id, r.project_id, r.chat_date, r.chat_buyer_id, r.score, r.status, r.complaint_id,
                              c.number AS complaint_number,
                              (SELECT GROUP_CONCAT(i.name, '、') FROM qa_review_items ri """
        """JOIN qa_scorecard_items i ON i.id = ri.item_id
                               WHERE ri.review_id = r.id AND i.critical = 1 AND ri.score < ?) AS failed_items
                       FROM qa_reviews r LEFT JOIN complaints c ON c.id = r.complaint_id
                       WHERE r.kind = 'review' AND r.status != 'task' AND r.critical_failed = 1 AND r.agent_id = ?
                         AND r.chat_date BETWEEN ? AND ? ORDER BY r.chat_date, r.id""",
        [CRITICAL_THRESHOLD, agent_id, start.isoformat(), end.isoformat()],
    )


def score_series(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int,
    start: date,
    end: date,
    by_agent: bool = False,
    agent_id: int | None = None,
) -> list[dict]:
    """Mean review score per week (Monday) of the project, optionally per agent: {week, agent, score, reviews}."""
    require_project(db, actor, project_id, "qa.read")
    where, params = (
        ["r.project_id = ?", "r.chat_date BETWEEN ? AND ?"],
        [project_id, start.isoformat(), end.isoformat()],
    )
    if agent_id is not None:
        where.append("r.agent_id = ?")
        params.append(agent_id)
    return _weekly(_scored_reviews(db, where, params), by_agent)


def _weekly(reviews: list[dict], by_agent: bool) -> list[dict]:
    buckets: dict[tuple, list[float]] = defaultdict(list)
    for r in reviews:
        key = (weeks.week_start(date.fromisoformat(r["chat_date"])).isoformat(), r["agent_name"] if by_agent else None)
        buckets[key].append(r["score"])
    return [
        {"week": week, "agent": agent, "score": round(sum(v) / len(v), 2), "reviews": len(v)}
        for (week, agent), v in sorted(buckets.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))
    ]


def lost_points(
    db: sqlite_utils.Database, actor: Actor, project_id: int, start: date, end: date, agent_id: int | None = None
) -> list[dict]:
    """The items that lose most points: per item name, points lost per review on average, most first.

    Per review an item loses its weight share × (100 − its score) (N/A items lose nothing), and a
    failed critical item also what the critical rule took off; see `lost_points_of`.
    """
    require_project(db, actor, project_id, "qa.summary")
    return _lost_points(db, project_id, start, end, agent_id)


def _lost_points(
    db: sqlite_utils.Database, project_id: int, start: date, end: date, agent_id: int | None
) -> list[dict]:
    where, params = (
        ["r.project_id = ?", "r.chat_date BETWEEN ? AND ?"],
        [project_id, start.isoformat(), end.isoformat()],
    )
    if agent_id is not None:
        where.append("r.agent_id = ?")
        params.append(agent_id)
    reviews = _scored_reviews(db, where, params)
    if not reviews:
        return []
    cards: dict[int, Card] = {}
    scores: dict[int, dict[int, float | None]] = defaultdict(dict)
    ids = [r["id"] for r in reviews]
    for chunk in range(0, len(ids), 500):
        part = ids[chunk : chunk + 500]
        for r in db.query(
            f"SELECT review_id, item_id, score FROM qa_review_items WHERE review_id IN ({','.join('?' * len(part))})",
            part,
        ):
            scores[r["review_id"]][r["item_id"]] = r["score"]
    totals: dict[tuple[str, str], float] = defaultdict(float)
    for review in reviews:
        card = cards.get(review["scorecard_id"]) or cards.setdefault(
            review["scorecard_id"], load_card(db, review["scorecard_id"])
        )
        names = {i.id: (i.category, i.name) for i in card.items}
        for item_id, lost in lost_points_of(card, scores[review["id"]], review["score"]).items():
            totals[names[item_id]] += lost
    result = [{"category": c, "item": n, "lost": round(v / len(reviews), 2)} for (c, n), v in totals.items()]
    return sorted(result, key=lambda r: (-r["lost"], r["item"]))


def qa_summary(db: sqlite_utils.Database, actor: Actor, project_id: int, start: date, end: date) -> dict[str, Any]:
    """What a merchant may see of its project's QA: scores against the target, case counts, weekly trend, lost points.

    Never comments, transcripts, buyer ids or agent names: only numbers.
    """
    require_project(db, actor, project_id, "qa.summary")
    reviews = _scored_reviews(
        db, ["r.project_id = ?", "r.chat_date BETWEEN ? AND ?"], [project_id, start.isoformat(), end.isoformat()]
    )
    settings = project_settings(db, project_id)
    scores = [r["score"] for r in reviews]
    weekly = [{"week": w["week"], "score": w["score"], "reviews": w["reviews"]} for w in _weekly(reviews, False)]
    return {
        "project_id": project_id,
        "reviews": len(reviews),
        "mean_score": round(sum(scores) / len(scores), 2) if scores else None,
        "target": settings["target"],
        "gap": round(sum(scores) / len(scores) - settings["target"], 2) if scores else None,
        "at_target_rate": round(sum(1 for s in scores if s >= settings["target"]) / len(scores), 4) if scores else None,
        "critical_failures": sum(1 for r in reviews if r["critical_failed"]),
        "problem_cases": sum(1 for r in reviews if r["case_type"] == "problem"),
        "excellent_cases": sum(1 for r in reviews if r["case_type"] == "excellent"),
        "weekly": weekly,
        "lost_points": _lost_points(db, project_id, start, end, None),
    }


def agent_scores(db: sqlite_utils.Database, actor: Actor, project_id: int, start: date, end: date) -> list[dict]:
    """Per agent of the project: reviews, IQS, critical failures and cases in the period, lowest IQS first."""
    require_project(db, actor, project_id, "qa.read")
    reviews = _scored_reviews(
        db, ["r.project_id = ?", "r.chat_date BETWEEN ? AND ?"], [project_id, start.isoformat(), end.isoformat()]
    )
    per: dict[int, dict] = {}
    for r in reviews:
        entry = per.setdefault(
            r["agent_id"],
            {
                "agent_id": r["agent_id"],
                "agent_name": r["agent_name"],
                "reviews": 0,
                "_sum": 0.0,
                "critical_failures": 0,
                "problem_cases": 0,
                "excellent_cases": 0,
            },
        )
        entry["reviews"] += 1
        entry["_sum"] += r["score"]
        entry["critical_failures"] += r["critical_failed"]
        entry["problem_cases"] += r["case_type"] == "problem"
        entry["excellent_cases"] += r["case_type"] == "excellent"
    result = []
    for entry in per.values():
        entry["iqs"] = round(entry.pop("_sum") / entry["reviews"], 2)
        result.append(entry)
    return sorted(result, key=lambda e: (e["iqs"], e["agent_name"]))


def sampling_proposal(db: sqlite_utils.Database, actor: Actor, project_id: int, day: date) -> list[dict]:
    """Which online agents are due a review of their chats of `day` (次日抽检: usually yesterday).

    Each online agent should be reviewed at least N times a week (Monday–Sunday, the project's
    setting). By `day` the pace asks for ceil(N × days of the week so far / 7) reviews; an agent
    below that pace is due. Reviews and open tasks of chats in that week count. Due agents come
    first, the least reviewed first.
    """
    require_project(db, actor, project_id, "qa.read")
    quota = project_settings(db, project_id)["reviews_per_week"]
    monday = weeks.week_start(day)
    pace = math.ceil(quota * (day.weekday() + 1) / 7)
    team = team_agents(db, actor, project_id, day, online_only=True)
    counts = {
        r["agent_id"]: (r["n"], r["last"])
        for r in db.query(
            """SELECT agent_id, COUNT(*) AS n, MAX(chat_date) AS last FROM qa_reviews
           WHERE kind = 'review' AND project_id = ? AND chat_date BETWEEN ? AND ? GROUP BY agent_id""",
            [project_id, monday.isoformat(), (monday + timedelta(days=6)).isoformat()],
        )
    }
    proposal = []
    for agent in team:
        done, last = counts.get(agent["id"], (0, None))
        proposal.append(
            {
                "agent_id": agent["id"],
                "agent_name": agent["name"],
                "sub_account": agent["sub_account"],
                "reviews_this_week": done,
                "quota": quota,
                "pace": pace,
                "remaining": max(0, quota - done),
                "due": done < pace,
                "last_reviewed_chat": last,
            }
        )
    return sorted(
        proposal, key=lambda p: (not p["due"], p["reviews_this_week"], p["last_reviewed_chat"] or "", p["agent_name"])
    )
