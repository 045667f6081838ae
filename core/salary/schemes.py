"""Pay schemes (薪资方案): data, versioned, chosen for the company, a project or an agent from a date.

A scheme is a flat dict (`DEFAULT_SCHEME` shows every key). Saving a scheme stores a new version
and never rewrites an old one (a trigger refuses it), so a statement can always name the version
that produced it; a pay run uses each scheme's newest version, and an approved run keeps the
figures it computed.

Which scheme pays an agent on a day: the agent's own choice in force that day (latest `from_date`
on or before it), else the choice of the project the agent works for that day, else the
company's. Without any, the run stops and names the agent.

The default follows common practice in the trade: target completion (sales against a monthly
target) 30 %, final inquiry conversion 20 %, average order value 20 %, reply rate (the 30-second
response rate: the platforms' timed reply rate) 20 %, response time 5 %, attendance 5 %, each
scored in tiers of achievement; gold from 90 points, silver from 80, bronze from 70.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import sqlite_utils

from core.kernel import audit, config
from core.kernel.db import one, rows, write
from core.kernel.errors import FieldError, NotFound, ValidationError
from core.kernel.permissions import Actor, require

# KPI → (higher is better, unit, where its actual comes from). Units: money, pct, seconds, points.
KPIS: dict[str, tuple[bool, str, str]] = {
    "sales": (True, "money", "kpi"),
    "conversion_rate": (True, "pct", "kpi"),
    "aov": (True, "money", "kpi"),
    "response_30s_rate": (True, "pct", "kpi"),
    "avg_response_s": (False, "seconds", "kpi"),
    "first_response_s": (False, "seconds", "kpi"),
    "effective_reply_rate": (True, "pct", "kpi"),
    "satisfaction": (True, "pct", "kpi"),
    "attendance": (True, "pct", "attendance"),
    "qa_score": (True, "points", "qa"),
    "service_quality_index": (True, "points", "index"),
    "training_index": (True, "points", "index"),
    "volume_index": (True, "pct", "index"),
}
MONTHLY_TARGETS = ("sales",)  # a target per month, pro-rated by the days of a segment
SCORINGS = ("tiers", "linear")
COMMISSION_MODES = ("flat", "tiers")
LEVELS = ("company", "project", "agent")
MAX_NAME = 100
MAX_NOTE = 500
MAX_MONEY = 10_000_000

DEFAULT_SCORE_TIERS = [
    {"from": 1.2, "points": 120},
    {"from": 1.1, "points": 110},
    {"from": 1.0, "points": 100},
    {"from": 0.9, "points": 90},
    {"from": 0.8, "points": 80},
    {"from": 0.7, "points": 70},
    {"from": 0.6, "points": 60},
]
DEFAULT_SCHEME: dict[str, Any] = {
    "base_amount": None,  # None: the agent's base salary on the roster
    "commission_mode": "tiers",
    "commission_rate": 0.005,
    "commission_tiers": [{"from": 0, "rate": 0.005}, {"from": 100000, "rate": 0.008}],
    "commission_cap": None,
    "performance_amount": 1000.0,
    "achievement_cap": 1.2,
    "kpis": [
        {"kpi": "sales", "weight": 0.30, "target": 30000.0, "scoring": "tiers"},
        {"kpi": "conversion_rate", "weight": 0.20, "target": None, "scoring": "tiers"},
        {"kpi": "aov", "weight": 0.20, "target": None, "scoring": "tiers"},
        {"kpi": "response_30s_rate", "weight": 0.20, "target": None, "scoring": "tiers"},
        {"kpi": "avg_response_s", "weight": 0.05, "target": None, "scoring": "tiers"},
        {"kpi": "attendance", "weight": 0.05, "target": 1.0, "scoring": "tiers"},
    ],
    "score_tiers": DEFAULT_SCORE_TIERS,
    "grade_gold": 90.0,
    "grade_silver": 80.0,
    "grade_bronze": 70.0,
    "bonus_gold": 0.0,
    "bonus_silver": 0.0,
    "bonus_bronze": 0.0,
    "deduct_complaint": 50.0,
    "deduct_critical": 100.0,
    "deduct_absence": 100.0,
    "deduct_late": 20.0,
    "deduct_leave": 0.0,
    "deduction_cap": None,
    "total_floor": 0.0,
    "total_cap": None,
    "complaint_coefficient": 5.0,
    "absence_coefficient": 5.0,
    "volume_target": 1000.0,
}
MONEY_KEYS = (
    "performance_amount",
    "bonus_gold",
    "bonus_silver",
    "bonus_bronze",
    "deduct_complaint",
    "deduct_critical",
    "deduct_absence",
    "deduct_late",
    "deduct_leave",
    "total_floor",
)
OPTIONAL_MONEY_KEYS = ("base_amount", "commission_cap", "deduction_cap", "total_cap")
GRADE_KEYS = ("grade_gold", "grade_silver", "grade_bronze")


def default_scheme() -> dict[str, Any]:
    """A fresh copy of the trade-practice default."""
    return json.loads(json.dumps(DEFAULT_SCHEME))


def _number(
    data: dict, key: str, errors: list[FieldError], optional: bool = False, field: str | None = None
) -> float | None:
    value = data.get(key)
    name = field or f"salary.{key}"
    if value is None or value == "":
        if not optional:
            errors.append(FieldError(name, "err.required"))
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        errors.append(FieldError(name, "err.invalid_value"))
        return None
    if number != number or number in (float("inf"), float("-inf")):
        errors.append(FieldError(name, "err.invalid_value"))
        return None
    return number


def _rows(data: dict, key: str, errors: list[FieldError]) -> list[dict]:
    """The rows of a table field (tiers, KPIs); anything but a list of rows is refused."""
    value = data.get(key) or []
    if not isinstance(value, (list, tuple)) or not all(isinstance(row, dict) for row in value):
        errors.append(FieldError(f"salary.{key}", "err.invalid_value"))
        return []
    return list(value)


def validate(data: dict[str, Any]) -> tuple[dict[str, Any], list[FieldError]]:
    """The scheme as stored (known keys, numbers as floats) and every problem with it."""
    errors: list[FieldError] = []
    clean: dict[str, Any] = {}
    for key in MONEY_KEYS + OPTIONAL_MONEY_KEYS:
        value = _number(data, key, errors, optional=key in OPTIONAL_MONEY_KEYS)
        if value is not None and not 0 <= value <= MAX_MONEY:
            errors.append(FieldError(f"salary.{key}", "err.non_negative" if value < 0 else "err.invalid_value"))
        clean[key] = value
    mode = data.get("commission_mode")
    if mode not in COMMISSION_MODES:
        errors.append(FieldError("salary.commission_mode", "err.invalid_choice"))
    clean["commission_mode"] = mode
    rate = _number(data, "commission_rate", errors, optional=mode != "flat")
    if rate is not None and not 0 <= rate <= 1:
        errors.append(FieldError("salary.commission_rate", "err.rate_range"))
    clean["commission_rate"] = rate if rate is not None else 0.0
    tiers = []
    for index, tier in enumerate(_rows(data, "commission_tiers", errors)):
        start = _number(tier, "from", errors, field=f"row {index + 1}: salary.commission_tiers")
        tier_rate = _number(tier, "rate", errors, field=f"row {index + 1}: salary.commission_tiers")
        if start is not None and start < 0:
            errors.append(FieldError(f"row {index + 1}: salary.commission_tiers", "err.non_negative"))
        if tier_rate is not None and not 0 <= tier_rate <= 1:
            errors.append(FieldError(f"row {index + 1}: salary.commission_tiers", "err.rate_range"))
        tiers.append({"from": start, "rate": tier_rate})
    tiers.sort(key=lambda t: t["from"] if t["from"] is not None else -1)
    if mode == "tiers":
        starts = [t["from"] for t in tiers]
        if not tiers or starts[0] != 0:
            errors.append(FieldError("salary.commission_tiers", "err.salary.tiers_from_zero"))
        elif len(set(starts)) != len(starts):
            errors.append(FieldError("salary.commission_tiers", "err.salary.tiers_repeat"))
    clean["commission_tiers"] = tiers
    amount = clean["performance_amount"]
    cap = _number(data, "achievement_cap", errors)
    if cap is not None and not 1 <= cap <= 3:
        errors.append(FieldError("salary.achievement_cap", "err.salary.cap_range"))
    clean["achievement_cap"] = cap
    kpis, seen, weight_total = [], set(), 0.0
    for index, item in enumerate(_rows(data, "kpis", errors)):
        label = f"row {index + 1}: salary.kpis"
        name = item.get("kpi")
        if name not in KPIS:
            errors.append(FieldError(label, "err.invalid_choice"))
        elif name in seen:
            errors.append(FieldError(label, "err.salary.kpi_repeat"))
        seen.add(name)
        weight = _number(item, "weight", errors, field=label)
        if weight is not None and not 0 < weight <= 1:
            errors.append(FieldError(label, "err.salary.weight_range"))
        weight_total += weight or 0
        target = _number(item, "target", errors, optional=True, field=label)
        if target is not None and target <= 0:
            errors.append(FieldError(label, "err.salary.target_positive"))
        scoring = item.get("scoring") or "tiers"
        if scoring not in SCORINGS:
            errors.append(FieldError(label, "err.invalid_choice"))
        kpis.append({"kpi": name, "weight": weight, "target": target, "scoring": scoring})
    if amount and not kpis:
        errors.append(FieldError("salary.kpis", "err.salary.kpis_required"))
    if kpis and abs(weight_total - 1) > 1e-6:
        errors.append(FieldError("salary.kpis", "err.salary.weights_sum", {"total": f"{weight_total * 100:.2f}"}))
    clean["kpis"] = kpis
    score_tiers = []
    for index, tier in enumerate(_rows(data, "score_tiers", errors)):
        label = f"row {index + 1}: salary.score_tiers"
        start = _number(tier, "from", errors, field=label)
        tier_points = _number(tier, "points", errors, field=label)
        if (start is not None and start < 0) or (tier_points is not None and tier_points < 0):
            errors.append(FieldError(label, "err.non_negative"))
        score_tiers.append({"from": start, "points": tier_points})
    score_tiers.sort(key=lambda t: -(t["from"] or 0))
    if any(k["scoring"] == "tiers" for k in kpis) and not score_tiers:
        errors.append(FieldError("salary.score_tiers", "err.salary.score_tiers_required"))
    clean["score_tiers"] = score_tiers
    grades = [_number(data, key, errors) for key in GRADE_KEYS]
    for key, value in zip(GRADE_KEYS, grades):
        if value is not None and not 0 <= value <= 100:
            errors.append(FieldError(f"salary.{key}", "err.salary.score_range"))
        clean[key] = value
    if None not in grades and not grades[0] > grades[1] > grades[2]:
        errors.append(FieldError("salary.grade_gold", "err.salary.grades_order"))
    for key in ("complaint_coefficient", "absence_coefficient"):
        value = _number(data, key, errors)
        if value is not None and value < 0:
            errors.append(FieldError(f"salary.{key}", "err.non_negative"))
        clean[key] = value
    volume = _number(data, "volume_target", errors)
    if volume is not None and volume <= 0:
        errors.append(FieldError("salary.volume_target", "err.positive"))
    clean["volume_target"] = volume
    if (
        clean.get("total_floor") is not None
        and clean.get("total_cap") is not None
        and clean["total_cap"] < clean["total_floor"]
    ):
        errors.append(FieldError("salary.total_cap", "err.salary.cap_below_floor"))
    return clean, errors


# --- store -----------------------------------------------------------------------------------------------


def _name_errors(db: sqlite_utils.Database, name: str, scheme_id: int | None) -> list[FieldError]:
    if not name:
        return [FieldError("salary.scheme_name", "err.required")]
    if len(name) > MAX_NAME:
        return [FieldError("salary.scheme_name", "err.too_long", {"n": MAX_NAME})]
    clash = one(db, "SELECT id FROM salary_schemes WHERE name = ?", [name])
    if clash and clash["id"] != scheme_id:
        return [FieldError("salary.scheme_name", "err.duplicate")]
    return []


def create_scheme(db: sqlite_utils.Database, actor: Actor, name: str, data: dict[str, Any], note: str = "") -> int:
    """A new scheme with its first version."""
    require(actor, "salary.scheme")
    name, note = (name or "").strip(), (note or "").strip()
    clean, errors = validate(data)
    errors = _name_errors(db, name, None) + errors
    if len(note) > MAX_NOTE:
        errors.append(FieldError("salary.scheme_note", "err.too_long", {"n": MAX_NOTE}))
    if errors:
        raise ValidationError(errors)
    stamp = config.now_text()
    with write(db):
        scheme_id = db["salary_schemes"].insert({"name": name, "created_at": stamp, "created_by": actor.id}).last_pk
        db["salary_scheme_versions"].insert(
            {
                "scheme_id": scheme_id,
                "version": 1,
                "data": json.dumps(clean, ensure_ascii=False),
                "note": note,
                "created_at": stamp,
                "created_by": actor.id,
            }
        )
        audit.record(db, actor, "create", "salary_scheme", scheme_id, None, {"name": name, "version": 1, "data": clean})
    return int(scheme_id)


def save_version(
    db: sqlite_utils.Database,
    actor: Actor,
    scheme_id: int,
    data: dict[str, Any],
    note: str = "",
    name: str | None = None,
) -> int:
    """Save a changed scheme as its next version (the old versions stay); returns the version number."""
    require(actor, "salary.scheme")
    current = latest(db, scheme_id)
    note = (note or "").strip()
    clean, errors = validate(data)
    new_name = current["name"] if name is None else name.strip()
    errors = _name_errors(db, new_name, scheme_id) + errors
    if len(note) > MAX_NOTE:
        errors.append(FieldError("salary.scheme_note", "err.too_long", {"n": MAX_NOTE}))
    if errors:
        raise ValidationError(errors)
    version = current["version"] + 1
    with write(db):
        if new_name != current["name"]:
            db["salary_schemes"].update(scheme_id, {"name": new_name})
        db["salary_scheme_versions"].insert(
            {
                "scheme_id": scheme_id,
                "version": version,
                "data": json.dumps(clean, ensure_ascii=False),
                "note": note,
                "created_at": config.now_text(),
                "created_by": actor.id,
            }
        )
        audit.record(
            db,
            actor,
            "version",
            "salary_scheme",
            scheme_id,
            {"name": current["name"], "version": current["version"], "data": current["data"]},
            {"name": new_name, "version": version, "data": clean, "note": note},
        )
    return version


def latest(db: sqlite_utils.Database, scheme_id: int) -> dict[str, Any]:
    """A scheme's newest version: {id, name, version, data, note, created_at} (no access check: callers check)."""
    row = one(
        db,
        """SELECT s.id, s.name, v.version, v.data, v.note, v.created_at FROM salary_schemes s
                     JOIN salary_scheme_versions v ON v.scheme_id = s.id WHERE s.id = ? """
        """ORDER BY v.version DESC LIMIT 1""",
        [scheme_id],
    )
    if row is None:
        raise NotFound(f"salary scheme {scheme_id}")
    return {**row, "data": json.loads(row["data"])}


def get_scheme(db: sqlite_utils.Database, actor: Actor, scheme_id: int) -> dict[str, Any]:
    """A scheme's newest version, for managers."""
    require(actor, "salary.scheme")
    return latest(db, scheme_id)


def versions(db: sqlite_utils.Database, actor: Actor, scheme_id: int) -> list[dict]:
    """Every version of a scheme, newest first, with who saved it."""
    require(actor, "salary.scheme")
    found = rows(
        db,
        """SELECT v.version, v.note, v.created_at, v.data, u.display_name AS created_by
                        FROM salary_scheme_versions v LEFT JOIN users u ON u.id = v.created_by
                        WHERE v.scheme_id = ? ORDER BY v.version DESC""",
        [scheme_id],
    )
    return [{**r, "data": json.loads(r["data"])} for r in found]


def list_schemes(db: sqlite_utils.Database, actor: Actor, search: str = "") -> list[dict]:
    """Schemes with their newest version and where they are in use."""
    require(actor, "salary.scheme")
    return rows(
        db,
        """SELECT s.id, s.name, MAX(v.version) AS version, MAX(v.created_at) AS updated_at,
                              (SELECT COUNT(*) FROM salary_scheme_assignments a WHERE a.scheme_id = s.id) AS assignments
                       FROM salary_schemes s JOIN salary_scheme_versions v ON v.scheme_id = s.id
                       WHERE s.name LIKE ? GROUP BY s.id ORDER BY s.name""",
        [f"%{search.strip()}%"],
    )


# --- choosing a scheme ------------------------------------------------------------------------------------


def assign(
    db: sqlite_utils.Database,
    actor: Actor,
    scheme_id: int,
    from_date: date,
    project_id: int | None = None,
    agent_id: int | None = None,
) -> int:
    """Choose a scheme from a date: for an agent, a project, or (neither given) the company."""
    require(actor, "salary.scheme")
    errors: list[FieldError] = []
    if one(db, "SELECT id FROM salary_schemes WHERE id = ?", [scheme_id]) is None:
        errors.append(FieldError("salary.scheme", "err.invalid_choice"))
    if project_id is not None and agent_id is not None:
        errors.append(FieldError("salary.level", "err.invalid_choice"))
    if project_id is not None and one(db, "SELECT id FROM projects WHERE id = ?", [project_id]) is None:
        errors.append(FieldError("salary.project", "err.invalid_choice"))
    if agent_id is not None and one(db, "SELECT id FROM agents WHERE id = ?", [agent_id]) is None:
        errors.append(FieldError("salary.agent", "err.invalid_choice"))
    if not isinstance(from_date, date):
        errors.append(FieldError("salary.from_date", "err.required"))
    if errors:
        raise ValidationError(errors)
    record = {
        "scheme_id": scheme_id,
        "project_id": project_id,
        "agent_id": agent_id,
        "from_date": from_date.isoformat(),
        "created_at": config.now_text(),
        "created_by": actor.id,
    }
    with write(db):
        row_id = db["salary_scheme_assignments"].insert(record).last_pk
        audit.record(db, actor, "create", "salary_scheme_assignment", row_id, None, record)
    return int(row_id)


def unassign(db: sqlite_utils.Database, actor: Actor, assignment_id: int) -> None:
    """Withdraw a choice of scheme (approved runs keep what they computed)."""
    require(actor, "salary.scheme")
    before = one(db, "SELECT * FROM salary_scheme_assignments WHERE id = ?", [assignment_id])
    if before is None:
        raise NotFound(f"scheme assignment {assignment_id}")
    with write(db):
        db["salary_scheme_assignments"].delete(assignment_id)
        audit.record(db, actor, "delete", "salary_scheme_assignment", assignment_id, before, None)


def assignments(db: sqlite_utils.Database, actor: Actor) -> list[dict]:
    """Every choice of scheme, company first, then projects, then agents, newest date first."""
    require(actor, "salary.scheme")
    return rows(
        db,
        """SELECT x.id, x.scheme_id, s.name AS scheme_name, x.project_id, x.agent_id, x.from_date,
                              m.name || ' · ' || p.name AS project_name, a.name AS agent_name,
                              CASE WHEN x.agent_id IS NOT NULL THEN 'agent' WHEN x.project_id IS NOT NULL THEN """
        """'project' ELSE 'company' END AS level
                       FROM salary_scheme_assignments x JOIN salary_schemes s ON s.id = x.scheme_id
                       LEFT JOIN projects p ON p.id = x.project_id LEFT JOIN merchants m ON m.id = p.merchant_id
                       LEFT JOIN agents a ON a.id = x.agent_id
                       ORDER BY CASE WHEN x.agent_id IS NOT NULL THEN 3 WHEN x.project_id IS NOT NULL THEN 2 ELSE 1 END,
                                x.from_date DESC, x.id DESC""",
    )


class Chooser:
    """Which scheme pays an agent on a day, from the choices in the store (read once per run)."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self.choices = rows(
            db,
            "SELECT id, scheme_id, project_id, agent_id, from_date FROM salary_scheme_assignments "
            "ORDER BY from_date, id",
        )
        self._versions: dict[int, dict[str, Any]] = {}

    def scheme_id(self, agent_id: int, project_id: int, day: date) -> int | None:
        text = day.isoformat()
        for level in ("agent", "project", "company"):
            found = [
                c
                for c in self.choices
                if c["from_date"] <= text
                and (
                    (level == "agent" and c["agent_id"] == agent_id)
                    or (level == "project" and c["agent_id"] is None and c["project_id"] == project_id)
                    or (level == "company" and c["agent_id"] is None and c["project_id"] is None)
                )
            ]
            if found:
                return found[-1]["scheme_id"]
        return None

    def scheme(self, scheme_id: int) -> dict[str, Any]:
        if scheme_id not in self._versions:
            self._versions[scheme_id] = latest(self.db, scheme_id)
        return self._versions[scheme_id]


# --- the scheme as a form shows it: percentages for rates, weights and caps; targets in their KPI's unit -----------


def _scaled(value: Any, factor: float) -> Any:
    """value × factor for numbers (rounded off float noise), anything else unchanged for `validate` to judge."""
    if isinstance(value, bool) or value is None or value == "":
        return None if value == "" else value
    try:
        return round(float(value) * factor, 8)
    except (TypeError, ValueError):
        return value


def target_to_display(kpi: str, value: Any) -> Any:
    """A stored target as typed in a form: rates as percentages (0.8 → 80), others unchanged."""
    return _scaled(value, 100) if KPIS.get(kpi, (True, ""))[1] == "pct" else value


def target_from_display(kpi: str, value: Any) -> Any:
    """A typed target as stored: percentages back to fractions (80 → 0.8), others unchanged."""
    return _scaled(value, 0.01) if KPIS.get(kpi, (True, ""))[1] == "pct" else value


def to_form(data: dict[str, Any]) -> dict[str, Any]:
    """A stored scheme as the form shows it."""
    form = {k: v for k, v in data.items() if k not in ("kpis", "commission_tiers", "score_tiers")}
    form["commission_rate"] = _scaled(data.get("commission_rate"), 100)
    form["achievement_cap"] = _scaled(data.get("achievement_cap"), 100)
    form["commission_tiers"] = [
        {"from": t["from"], "rate": _scaled(t["rate"], 100)} for t in data.get("commission_tiers") or []
    ]
    form["score_tiers"] = [
        {"from": _scaled(t["from"], 100), "points": t["points"]} for t in data.get("score_tiers") or []
    ]
    form["kpis"] = [
        {
            "kpi": k["kpi"],
            "weight": _scaled(k["weight"], 100),
            "target": target_to_display(k["kpi"], k.get("target")),
            "scoring": k.get("scoring") or "tiers",
        }
        for k in data.get("kpis") or []
    ]
    return form


def from_form(form: dict[str, Any]) -> dict[str, Any]:
    """What a form gave back, as `validate` expects it (rows left empty in a table are dropped)."""
    data = {k: v for k, v in form.items() if k not in ("kpis", "commission_tiers", "score_tiers")}
    data["commission_rate"] = _scaled(form.get("commission_rate"), 0.01)
    data["achievement_cap"] = _scaled(form.get("achievement_cap"), 0.01)
    blank = lambda row: all(v is None or v == "" or v != v for v in row.values())  # noqa: E731  (v != v: NaN)
    clean = lambda v: None if v is None or v == "" or v != v else v  # noqa: E731
    data["commission_tiers"] = [
        {"from": clean(r.get("from")), "rate": _scaled(clean(r.get("rate")), 0.01)}
        for r in form.get("commission_tiers") or []
        if not blank(r)
    ]
    data["score_tiers"] = [
        {"from": _scaled(clean(r.get("from")), 0.01), "points": clean(r.get("points"))}
        for r in form.get("score_tiers") or []
        if not blank(r)
    ]
    data["kpis"] = [
        {
            "kpi": clean(r.get("kpi")),
            "weight": _scaled(clean(r.get("weight")), 0.01),
            "target": target_from_display(clean(r.get("kpi")) or "", clean(r.get("target"))),
            "scoring": clean(r.get("scoring")) or "tiers",
        }
        for r in form.get("kpis") or []
        if not blank(r)
    ]
    return data
