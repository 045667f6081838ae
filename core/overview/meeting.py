"""The Monday meeting (每周例会): the week's figures, computed here, for the page and the exports.

A week runs Monday to Sunday. Figures of a week are recomputed from the stored days' counts
(`daily_figures.aggregate`), compared with the target and with the week before. The meeting's action
items stay on the list, week after week, until someone marks them done.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
import sqlite_utils

from core.complaints import complaints
from core.kernel import audit, config
from core.kernel.db import one, rows, write
from core.kernel.errors import FieldError, NotFound, ValidationError
from core.kernel.permissions import Actor, is_admin, require, require_project
from core.kernel.weeks import week_start
from core.kpi import daily_figures, hourly
from core.projects import merchants
from core.qa import analytics, reviews, settings
from core.qa import cases as qa_cases
from core.team import exams as team_exams
from core.team import materials, plans

SUMMARY_KPIS = (
    "consultations",
    "response_30s_rate",
    "first_response_s",
    "avg_response_s",
    "conversion_rate",
    "aov",
    "satisfaction",
)
PRAISE_KPIS = ("conversion_rate", "response_30s_rate", "avg_response_s")
MAX_ACTION_TEXT = 500
MAX_MINUTES = 20_000


def last_week(today: date | None = None) -> date:
    """The Monday of the week before today's week (the meeting's default)."""
    return week_start(today) - timedelta(days=7)


def default_scope(actor: Actor, projects: list[dict]) -> int | None:
    """The scope the meeting opens on: the whole company (None) for the director, else the first project the user sees.

    The director (admin) chairs the firm-wide meeting; a project manager, trainer or inspector runs
    or attends a project's meeting, so theirs opens on their first live project (the whole company
    when they see none).
    """
    if is_admin(actor) or not projects:
        return None
    return projects[0]["id"]


def lost_points_rows(lost: list[dict], t) -> list[dict[str, Any]]:
    """The scorecard items that lost most points as rows with translated headers (page and export)."""
    return [
        {t("monday.qa.category"): r["category"], t("qa.chart.item"): r["item"], t("qa.lost_per_review"): r["lost"]}
        for r in lost
    ]


def _projects(db: sqlite_utils.Database, actor: Actor, project_id: int | None) -> list[dict]:
    require(actor, "meeting.read")
    if project_id is not None:
        require_project(db, actor, project_id, "kpi.read")
        return [merchants.get_project(db, actor, project_id)]
    return merchants.list_projects(db, actor, status="live")


def _shop_week(db: sqlite_utils.Database, actor: Actor, projects: list[dict], monday: date) -> pd.DataFrame:
    frames = list(
        daily_figures.shop_days_of(db, actor, [p["id"] for p in projects], monday, monday + timedelta(days=6)).values()
    )
    frames = [f for f in frames if not f.empty]
    return (
        pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["day", *daily_figures.STORED_METRICS])
    )


def _per_day(figures: dict[str, Any], days: int) -> dict[str, Any]:
    result = dict(figures)
    if result.get("consultations") is not None and days:
        result["consultations"] = result["consultations"] / days
    return result


def work_summary(
    db: sqlite_utils.Database, actor: Actor, monday: date, project_id: int | None = None
) -> list[dict[str, Any]]:
    """Each headline KPI of the week against its target (one project) and against the week before.

    Consultations are per day with data (the target is per day); for the whole company the
    consultations of all live projects are added up per day. Each row: kpi, actual, previous,
    delta, target, ok (None without a target), better (whether the change is an improvement).
    """
    projects = _projects(db, actor, project_id)
    this_week = _shop_week(db, actor, projects, monday)
    before = _shop_week(db, actor, projects, monday - timedelta(days=7))
    now_figures = _per_day(daily_figures.aggregate(this_week), this_week["day"].nunique())
    old_figures = _per_day(daily_figures.aggregate(before), before["day"].nunique())
    goal = daily_figures.targets(db, actor, project_id) if project_id is not None else {}
    result = []
    for name in SUMMARY_KPIS:
        actual, previous = now_figures.get(name), old_figures.get(name)
        delta = actual - previous if actual is not None and previous is not None else None
        higher = daily_figures.TARGETS.get(name, ("", True))[1]
        better = None if delta is None or delta == 0 else (delta > 0) == higher
        ok, _gap = daily_figures.meets_target(name, actual, goal.get(name))
        result.append(
            {
                "kpi": name,
                "actual": actual,
                "previous": previous,
                "delta": delta,
                "target": goal.get(name),
                "ok": ok,
                "better": better,
            }
        )
    return result


def _label(project: dict) -> str:
    return f"{project['merchant_name']} · {project['name']}"


def _agent_moves(db: sqlite_utils.Database, actor: Actor, monday: date, project: dict) -> tuple[list[dict], list[dict]]:
    """Every agent's change since the week before on the praise KPIs, and every agent figure below the
    project's target."""
    project_id = project["id"]
    sunday = monday + timedelta(days=6)
    this_week = daily_figures.agent_table(db, actor, project_id, monday, sunday)
    before = daily_figures.agent_table(db, actor, project_id, monday - timedelta(days=7), monday - timedelta(days=1))
    goal = daily_figures.targets(db, actor, project_id)
    where = {"project_id": project_id, "project": _label(project)}
    changes, below = [], []
    previous = {r["agent_name"]: r for r in before.to_dict("records")} if not before.empty else {}
    for name in PRAISE_KPIS:
        higher = daily_figures.TARGETS[name][1]
        for record in this_week.to_dict("records") if not this_week.empty else []:
            old = previous.get(record["agent_name"], {}).get(name)
            if record.get(name) is not None and old is not None and not pd.isna(record[name]) and not pd.isna(old):
                change = record[name] - old
                changes.append(
                    {
                        "kpi": name,
                        "agent": record["agent_name"],
                        "actual": record[name],
                        "previous": old,
                        "change": change,
                        "gain": change if higher else -change,
                        **where,
                    }
                )
            ok, gap = daily_figures.meets_target(name, record.get(name), goal.get(name))
            if ok is False:
                below.append(
                    {
                        "kpi": name,
                        "agent": record["agent_name"],
                        "actual": record[name],
                        "target": goal[name],
                        "gap": gap,
                        "shortfall": abs(gap) / goal[name] if goal[name] else None,
                        **where,
                    }
                )
    return changes, below


def _most_improved(changes: list[dict], top: int) -> list[dict]:
    """Per praise KPI, the `top` changes that improved most (ties in the order given)."""
    improved: list[dict] = []
    for name in PRAISE_KPIS:
        improved += sorted((c for c in changes if c["kpi"] == name and c["gain"] > 0), key=lambda c: -c["gain"])[:top]
    return improved


def praise_and_criticism(
    db: sqlite_utils.Database, actor: Actor, monday: date, project_id: int, top: int = 3
) -> dict[str, list[dict]]:
    """The agents who improved most on each KPI, and the agents below target, with their numbers."""
    project = _projects(db, actor, project_id)[0]
    changes, below = _agent_moves(db, actor, monday, project)
    return {"improved": _most_improved(changes, top), "below": below}


def projects_below_target(db: sqlite_utils.Database, actor: Actor, monday: date) -> list[dict[str, Any]]:
    """The live projects whose week misses their own targets (each its order confirmation's), most misses first.

    Each: project_id, project, missed = [{kpi, actual, target, gap}] in the order of SUMMARY_KPIS. The
    week's figures are recomputed from its days' counts; consultations per day with data, against the
    daily target, as in `work_summary`.
    """
    projects = _projects(db, actor, None)
    weeks = daily_figures.shop_days_of(db, actor, [p["id"] for p in projects], monday, monday + timedelta(days=6))
    result = []
    for project in projects:
        frame = weeks.get(project["id"])
        if frame is None or frame.empty:
            continue
        figures = _per_day(daily_figures.aggregate(frame), frame["day"].nunique())
        goal = daily_figures.targets(db, actor, project["id"])
        missed = []
        for name in SUMMARY_KPIS:
            ok, gap = daily_figures.meets_target(name, figures.get(name), goal.get(name))
            if ok is False:
                missed.append({"kpi": name, "actual": figures[name], "target": goal[name], "gap": gap})
        if missed:
            result.append({"project_id": project["id"], "project": _label(project), "missed": missed})
    return sorted(result, key=lambda r: (-len(r["missed"]), r["project"]))


def company_praise(
    db: sqlite_utils.Database, actor: Actor, monday: date, top: int = 3, below_top: int = 5
) -> dict[str, Any]:
    """表扬及批评 of the director's meeting (范围 = 全公司), across every live project the actor sees.

    improved: per praise KPI the `top` agents of the whole firm who improved most since the week
    before (each with its project; ties by project, then agent). below: per praise KPI the
    `below_top` agent figures furthest below their own project's target, relative to it (a 20 %
    miss of a 20 s target ranks with a 20 % miss of a 30 % rate); below_count: how many there are
    per KPI in all. projects_below: see `projects_below_target`.
    """
    projects = _projects(db, actor, None)
    changes, below = [], []
    for project in projects:
        moved, missed = _agent_moves(db, actor, monday, project)
        changes += moved
        below += missed
    changes.sort(key=lambda c: (c["project"], c["agent"]))
    worst_first: list[dict] = []
    for name in PRAISE_KPIS:
        of_kpi = [b for b in below if b["kpi"] == name]
        worst_first += sorted(of_kpi, key=lambda b: (-(b["shortfall"] or 0), b["project"], b["agent"]))[:below_top]
    return {
        "improved": _most_improved(changes, top),
        "below": worst_first,
        "below_count": {name: sum(1 for b in below if b["kpi"] == name) for name in PRAISE_KPIS},
        "projects_below": projects_below_target(db, actor, monday),
    }


def company_analysis(db: sqlite_utils.Database, actor: Actor, monday: date, per_project: int = 1) -> dict[str, Any]:
    """数据分析 of the director's meeting: the firm's load by hour of day and each project's worst days.

    hour_load: waits per hour of day (0–23) summed over the week and every live project with raw
    logs (empty when none has them). worst_days: each project's `per_project` worst days (see
    `worst_days`) with the project, most missed KPIs first. One day per project by default: the
    director's slide names each project's worst day; the project's own meeting shows its three.
    """
    projects = _projects(db, actor, None)
    sunday = monday + timedelta(days=6)
    waits = [0] * 24
    any_load = False
    for project in projects:
        load = hourly.hourly_load(db, actor, project["id"], monday, sunday)
        for hour, n in load.groupby("hour")["waits"].sum().items() if not load.empty else []:
            waits[int(hour)] += int(n)
            any_load = True
    days = []
    for project in projects:
        for day in worst_days(db, actor, monday, project["id"], top=per_project):
            days.append({"project_id": project["id"], "project": _label(project), **day})
    days.sort(key=lambda d: (-len(d["missed"]), -len(d["complaints"]) - len(d["qa_failures"]), d["project"], d["day"]))
    return {"hour_load": [{"hour": h, "waits": waits[h]} for h in range(24)] if any_load else [], "worst_days": days}


def worst_days(
    db: sqlite_utils.Database, actor: Actor, monday: date, project_id: int, top: int = 3
) -> list[dict[str, Any]]:
    """The week's days with the most KPIs below target, each with that day's complaints and QA failures."""
    _projects(db, actor, project_id)
    shop = daily_figures.shop_days(db, actor, project_id, monday, monday + timedelta(days=6))
    goal = daily_figures.targets(db, actor, project_id)
    scored = []
    for record in shop.to_dict("records"):
        missed = [
            name
            for name in daily_figures.ALERT_KPIS
            if daily_figures.meets_target(name, record.get(name), goal.get(name))[0] is False
        ]
        if not missed:
            continue
        day = date.fromisoformat(record["day"])
        day_complaints = complaints.list_complaints(db, actor, project_id=project_id, start=day, end=day)
        failures = [
            r
            for r in reviews.list_reviews(db, actor, project_id=project_id, start=day, end=day)
            if r.get("critical_failed")
            or (r.get("score") is not None and r["score"] < settings.project_settings(db, project_id)["target"])
        ]
        scored.append(
            {
                "day": record["day"],
                "missed": missed,
                "figures": {n: record.get(n) for n in daily_figures.ALERT_KPIS},
                "complaints": [
                    {"number": c["number"], "category": c["category"], "status": c["status"]} for c in day_complaints
                ],
                "qa_failures": [
                    {
                        "review_id": r["id"],
                        "agent": r.get("agent_name"),
                        "score": r.get("score"),
                        "critical": bool(r.get("critical_failed")),
                    }
                    for r in failures
                ],
            }
        )
    scored.sort(key=lambda d: (-len(d["missed"]), -len(d["complaints"]) - len(d["qa_failures"]), d["day"]))
    return scored[:top]


def complaint_stats(
    db: sqlite_utils.Database, actor: Actor, monday: date, project_id: int | None = None
) -> dict[str, Any]:
    """New (logged this week), open, overdue and closed (this week) complaints, and new ones by category."""
    require(actor, "meeting.read")
    sunday = monday + timedelta(days=6)
    new = complaints.list_complaints(db, actor, project_id=project_id, start=monday, end=sunday)
    # read only the open and the closed ones (not every complaint of every year): same figures, far fewer rows
    closed = complaints.list_complaints(db, actor, project_id=project_id, closed_between=(monday, sunday))
    open_now = complaints.list_complaints(db, actor, project_id=project_id, open_only=True)
    by_category: dict[str, int] = {}
    for c in new:
        by_category[c["category"]] = by_category.get(c["category"], 0) + 1
    return {
        "new": len(new),
        "open": len(open_now),
        "overdue": sum(1 for c in open_now if c.get("overdue")),
        "closed": len(closed),
        "by_category": by_category,
    }


def qa_section(db: sqlite_utils.Database, actor: Actor, monday: date, project_id: int) -> dict[str, Any]:
    """The week's problem and excellent cases to discuss, and the scorecard items that lost most points."""
    _projects(db, actor, project_id)
    sunday = monday + timedelta(days=6)
    cases = [
        c
        for c in qa_cases.case_library(db, actor, project_id=project_id)
        if c.get("case_status") != "discussed" or monday.isoformat() <= (c.get("chat_date") or "") <= sunday.isoformat()
    ]
    return {
        "cases": cases,
        "lost_points": analytics.lost_points(db, actor, project_id, monday, sunday),
        "summary": analytics.qa_summary(db, actor, project_id, monday, sunday),
    }


def training_section(db: sqlite_utils.Database, actor: Actor, monday: date, project_id: int) -> dict[str, Any]:
    """Exams of the week (passed / failed), materials still missing, trainees on their track."""
    _projects(db, actor, project_id)
    sunday = monday + timedelta(days=6)
    exams = [
        e
        for e in team_exams.list_exams(db, actor, project_id=project_id)
        if monday.isoformat() <= str(e.get("exam_date", ""))[:10] <= sunday.isoformat()
    ]
    return {
        "passed": sum(1 for e in exams if e.get("passed")),
        "failed": sum(1 for e in exams if not e.get("passed")),
        "exams": exams,
        "materials": materials.materials_status(db, actor, project_id),
        "trainees": plans.list_tracks(db, actor, open_only=True),
    }


# --- action items and minutes -------------------------------------------------------------------


def add_action(
    db: sqlite_utils.Database,
    actor: Actor,
    monday: date,
    text: str,
    owner_id: int | None,
    due: date | None,
    project_id: int | None = None,
) -> int:
    """Record a decision of the meeting with its owner and due date."""
    require(actor, "meeting.write")
    errors: list[FieldError] = []
    if not text.strip():
        errors.append(FieldError("text", "err.required"))
    elif len(text) > MAX_ACTION_TEXT:
        errors.append(FieldError("text", "err.too_long", {"n": MAX_ACTION_TEXT}))
    if owner_id is None or one(db, "SELECT id FROM users WHERE id = ? AND active = 1", [owner_id]) is None:
        errors.append(FieldError("owner_id", "err.required" if owner_id is None else "err.invalid_choice"))
    if due is None:
        errors.append(FieldError("due_date", "err.required"))
    if project_id is not None:
        require_project(db, actor, project_id, "kpi.read")
    if errors:
        raise ValidationError(errors)
    record = {
        "project_id": project_id,
        "week_start": monday.isoformat(),
        "text": text.strip(),
        "owner_id": owner_id,
        "due_date": due.isoformat(),
        "status": "open",
        "created_by": actor.id,
        "created_at": config.now_text(),
        "done_at": None,
    }
    with write(db):
        action_id = db["meeting_actions"].insert(record).last_pk
        audit.record(db, actor, "create", "meeting_action", action_id, None, record)
    return int(action_id)


def set_action_done(db: sqlite_utils.Database, actor: Actor, action_id: int, done: bool = True) -> None:
    """Mark an action item done (or open again)."""
    require(actor, "meeting.write")
    row = one(db, "SELECT * FROM meeting_actions WHERE id = ?", [action_id])
    if row is None:
        raise NotFound(f"action {action_id}")
    changes = {"status": "done" if done else "open", "done_at": config.now_text() if done else None}
    with write(db):
        db["meeting_actions"].update(action_id, changes)
        audit.record(db, actor, "update", "meeting_action", action_id, {"status": row["status"]}, changes)


def actions_for_week(
    db: sqlite_utils.Database, actor: Actor, monday: date, project_id: int | None = None, today: date | None = None
) -> list[dict]:
    """The week's own decisions plus every earlier one still open (carried over), overdue flagged."""
    require(actor, "meeting.read")
    where = "(a.week_start = ? OR (a.week_start < ? AND a.status = 'open'))"
    params: list[Any] = [monday.isoformat(), monday.isoformat()]
    if project_id is not None:
        where += " AND (a.project_id = ? OR a.project_id IS NULL)"
        params.append(project_id)
    found = rows(
        db,
        f"""SELECT a.*, u.display_name AS owner FROM meeting_actions a LEFT JOIN users u ON u.id = a.owner_id
                         WHERE {where} AND a.week_start <= ? ORDER BY a.status, a.due_date, a.id""",
        [*params, monday.isoformat()],
    )
    day = today or config.today()
    for action in found:
        action["carried_over"] = action["week_start"] < monday.isoformat()
        action["overdue"] = action["status"] == "open" and action["due_date"] < day.isoformat()
    return found


def memo_queue(db: sqlite_utils.Database, actor: Actor, monday: date, project_id: int | None = None) -> list[dict]:
    """The questions and ideas agents brought from their memo (备忘录) for this meeting."""
    require(actor, "meeting.read")
    from core.kb import memos  # late import: the memo capability builds on projects and users

    return memos.queue_for_meeting(db, actor, monday, project_id)


def minutes(db: sqlite_utils.Database, actor: Actor, monday: date, project_id: int | None = None) -> str:
    """The meeting's notes for the week."""
    require(actor, "meeting.read")
    row = one(
        db,
        "SELECT notes FROM meeting_minutes WHERE week_start = ? AND scope = ?",
        [monday.isoformat(), str(project_id or "all")],
    )
    return row["notes"] if row else ""


def save_minutes(
    db: sqlite_utils.Database, actor: Actor, monday: date, notes: str, project_id: int | None = None
) -> None:
    """Keep the meeting's notes for the week."""
    require(actor, "meeting.write")
    if len(notes) > MAX_MINUTES:
        raise ValidationError.single("notes", "err.too_long", n=MAX_MINUTES)
    with write(db):
        db["meeting_minutes"].insert(
            {
                "week_start": monday.isoformat(),
                "scope": str(project_id or "all"),
                "notes": notes,
                "updated_by": actor.id,
                "updated_at": config.now_text(),
            },
            replace=True,
        )
        audit.record(
            db, actor, "update", "meeting_minutes", f"{monday}/{project_id or 'all'}", None, {"length": len(notes)}
        )


def meeting_pack(
    db: sqlite_utils.Database, actor: Actor, monday: date, project_id: int | None, t
) -> dict[str, pd.DataFrame]:
    """Every section of the week as a table, for the Excel export (one sheet each) and the printout."""
    from core.reports.merchant_report import _value  # the same formatting as the merchant reports

    summary = work_summary(db, actor, monday, project_id)
    tables: dict[str, pd.DataFrame] = {
        t("monday.s.summary"): pd.DataFrame(
            [
                {
                    t("report.kpi"): t(f"kpi.m.{r['kpi']}"),
                    t("monday.this_week"): _value(r["kpi"], r["actual"]),
                    t("monday.last_week"): _value(r["kpi"], r["previous"]),
                    t("report.target"): _value(r["kpi"], r["target"]),
                    t("report.met"): "" if r["ok"] is None else (t("yes") if r["ok"] else t("no")),
                }
                for r in summary
            ]
        ),
    }
    stats = complaint_stats(db, actor, monday, project_id)
    tables[t("monday.s.complaints")] = pd.DataFrame(
        [
            {t("report.item"): t(f"monday.c.{k}"), t("report.value"): stats[k]}
            for k in ("new", "open", "overdue", "closed")
        ]
        + [
            {t("report.item"): t(f"complaint.category.{k}"), t("report.value"): v}
            for k, v in stats["by_category"].items()
        ]
    )
    if project_id is not None:
        pc = praise_and_criticism(db, actor, monday, project_id)
        tables[t("monday.s.praise")] = pd.DataFrame(
            [
                {
                    t("report.kpi"): t(f"kpi.m.{r['kpi']}"),
                    t("kpi.agent"): r["agent"],
                    t("monday.this_week"): _value(r["kpi"], r["actual"]),
                    t("monday.last_week"): _value(r["kpi"], r["previous"]),
                }
                for r in pc["improved"]
            ]
        )
        tables[t("monday.s.criticism")] = pd.DataFrame(
            [
                {
                    t("report.kpi"): t(f"kpi.m.{r['kpi']}"),
                    t("kpi.agent"): r["agent"],
                    t("monday.this_week"): _value(r["kpi"], r["actual"]),
                    t("report.target"): _value(r["kpi"], r["target"]),
                }
                for r in pc["below"]
            ]
        )
        tables[t("monday.s.worst_days")] = pd.DataFrame(
            [
                {
                    t("kpi.day"): d["day"],
                    t("monday.missed"): "、".join(t(f"kpi.m.{k}") for k in d["missed"]),
                    t("monday.complaints_that_day"): ", ".join(c["number"] for c in d["complaints"]),
                    t("monday.qa_failures_that_day"): len(d["qa_failures"]),
                }
                for d in worst_days(db, actor, monday, project_id)
            ]
        )
        qa_part = qa_section(db, actor, monday, project_id)
        tables[t("monday.s.cases")] = pd.DataFrame(
            [
                {
                    t("kpi.day"): c.get("chat_date"),
                    t("kpi.agent"): c.get("agent_name"),
                    t("monday.case_type"): t(f"qa.case.{c.get('case_type')}"),
                    t("monday.case_status"): t(f"qa.case_status.{c.get('case_status')}"),
                    t("report.value"): c.get("score"),
                }
                for c in qa_part["cases"]
            ]
        )
        tables[t("monday.s.lost_points")] = pd.DataFrame(lost_points_rows(qa_part["lost_points"], t))
        training_part = training_section(db, actor, monday, project_id)
        tables[t("monday.s.training")] = pd.DataFrame(
            [
                {t("report.item"): t("monday.exams_passed"), t("report.value"): training_part["passed"]},
                {t("report.item"): t("monday.exams_failed"), t("report.value"): training_part["failed"]},
                {
                    t("report.item"): t("monday.materials_missing"),
                    t("report.value"): training_part["materials"].get("missing") or "—",
                },
                {t("report.item"): t("monday.trainees"), t("report.value"): len(training_part["trainees"])},
            ]
        )
    else:
        tables.update(_company_tables(db, actor, monday, t, _value))
    actions = actions_for_week(db, actor, monday, project_id)
    tables[t("monday.s.actions")] = pd.DataFrame(
        [
            {
                t("monday.action"): a["text"],
                t("monday.owner"): a["owner"],
                t("monday.due"): a["due_date"],
                t("monday.status"): t(f"monday.status.{a['status']}"),
                t("monday.carried"): t("yes") if a["carried_over"] else "",
            }
            for a in actions
        ]
    )
    tables[t("monday.s.memos")] = pd.DataFrame(
        [
            {
                t("monday.memo_from"): m.get("author_name"),
                t("monday.memo_text"): m.get("text"),
                t("monday.carried"): t("yes") if m.get("carried_over") else "",
            }
            for m in memo_queue(db, actor, monday, project_id)
        ]
    )
    notes = minutes(db, actor, monday, project_id)
    tables[t("monday.s.minutes")] = pd.DataFrame({t("monday.s.minutes"): [notes]}) if notes else pd.DataFrame()
    return tables


def _company_tables(db: sqlite_utils.Database, actor: Actor, monday: date, t, value) -> dict[str, pd.DataFrame]:
    """The director's meeting's praise and analysis as export sheets."""
    praise = company_praise(db, actor, monday)
    analysis = company_analysis(db, actor, monday)
    return {
        t("monday.s.projects_below"): pd.DataFrame(
            [
                {
                    t("monday.project"): p["project"],
                    t("report.kpi"): t(f"kpi.m.{m['kpi']}"),
                    t("monday.this_week"): value(m["kpi"], m["actual"]),
                    t("report.target"): value(m["kpi"], m["target"]),
                }
                for p in praise["projects_below"]
                for m in p["missed"]
            ]
        ),
        t("monday.s.praise"): pd.DataFrame(
            [
                {
                    t("report.kpi"): t(f"kpi.m.{r['kpi']}"),
                    t("kpi.agent"): r["agent"],
                    t("monday.project"): r["project"],
                    t("monday.this_week"): value(r["kpi"], r["actual"]),
                    t("monday.last_week"): value(r["kpi"], r["previous"]),
                }
                for r in praise["improved"]
            ]
        ),
        t("monday.s.criticism"): pd.DataFrame(
            [
                {
                    t("report.kpi"): t(f"kpi.m.{r['kpi']}"),
                    t("kpi.agent"): r["agent"],
                    t("monday.project"): r["project"],
                    t("monday.this_week"): value(r["kpi"], r["actual"]),
                    t("report.target"): value(r["kpi"], r["target"]),
                }
                for r in praise["below"]
            ]
        ),
        t("monday.s.hour_load"): pd.DataFrame(
            [{t("chart.hour"): r["hour"], t("kpi.waits"): r["waits"]} for r in analysis["hour_load"]]
        ),
        t("monday.s.worst_days"): pd.DataFrame(
            [
                {
                    t("monday.project"): d["project"],
                    t("kpi.day"): d["day"],
                    t("monday.missed"): "、".join(t(f"kpi.m.{k}") for k in d["missed"]),
                    t("monday.complaints_that_day"): ", ".join(c["number"] for c in d["complaints"]),
                    t("monday.qa_failures_that_day"): len(d["qa_failures"]),
                }
                for d in analysis["worst_days"]
            ]
        ),
    }
