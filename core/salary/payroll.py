"""Salary and performance (薪资绩效): the monthly pay run, explainable lines, locking, statements, exports, charts.

A manager runs a month. For each agent on a team during the month, the days are cut into
segments, one per project and scheme (an agent who changed project mid-month has two, each paid
by its own project's scheme for its days):

- base: the monthly base (the scheme's, else the roster's) × segment days / days of the month;
- commission: on the sales attributed to the agent in that project over the segment (the sum of
  `sales` of the agent's rows of kpi_agent_daily), flat or in marginal tiers, optionally capped;
- performance: the scheme's amount × segment days / days of the month × KPI score / 100, the
  score a weighted sum over the scheme's KPIs of the points each earns by its achievement
  against its target (the scheme's own, else the order confirmation's, else, for the QA score,
  the project's QA target). A KPI without a target stops the run with an error naming the KPI,
  the agent and the project: never a silent zero. A KPI without data for the agent (no chats,
  no reviews) earns 0 points and says so;
- a grade bonus for the month's grade (days-weighted mean of the segment scores), if the scheme
  pays one;
- deductions, one line per cause: each complaint the supervisor found the agent responsible for
  (its number), each QA review standing as a critical failure (its id), each absence, late
  arrival or leave day (its date), at the amount of the scheme in force on that day;
- limits of the scheme in force at the end: a cap on the month's deductions, a floor and a cap
  on the total, each an adjustment line saying why.

Every amount is rounded to the fen (ROUND_HALF_UP); the total is the sum of the lines. Every line
carries its explanation (formula, the calculation with its numbers, inputs, tables), stored with
it, so a statement opens line by line to what produced it.

A run is a draft until approved. Approving locks it: the computed lines are stored and a trigger
refuses any change to the lines and statements of an approved run, so later data changes never
touch it. Only the admin reopens an approved month (with a reason, in the audit log).

Access: admin and managers run, approve and read every statement; an agent reads only its own
statements of approved months and its own month-to-date estimate; merchants never see pay.
"""

from __future__ import annotations

import calendar
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd
import sqlite_utils

from core.agents import directory
from core.complaints import complaints
from core.kernel import audit, config, documents, formatting, i18n
from core.kernel.db import one, rows, write
from core.kernel.errors import FieldError, NotFound, ValidationError
from core.kernel.permissions import Actor, PermissionDenied, require
from core.kpi import store
from core.qa import reviews
from core.salary import attendance, rules, schemes

MONTH_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
RUN_STATUSES = ("draft", "approved")
LINE_KINDS = ("base", "commission", "performance", "bonus", "deduction", "adjustment")
MAX_REASON = 500
KPI_COLUMNS = [*store.STORED_METRICS]


# --- months -----------------------------------------------------------------------------------------------


def month_bounds(month: str) -> tuple[date, date]:
    """'2026-10' → (2026-10-01, 2026-10-31); ValidationError on anything else."""
    match = MONTH_PATTERN.match(str(month or ""))
    if not match or match.group(1) == "0000":  # there is no year 0
        raise ValidationError.single("salary.month", "err.invalid_value")
    year, number = int(match.group(1)), int(match.group(2))
    return date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1])


def month_of(day: date) -> str:
    """The month a day falls in, as 'YYYY-MM'."""
    return f"{day.year:04d}-{day.month:02d}"


def previous_month(month: str) -> str:
    """The month before."""
    start, _ = month_bounds(month)
    return month_of(start - timedelta(days=1))


def recent_months(count: int = 12, today: date | None = None) -> list[str]:
    """This month and the ones before it, newest first (for pickers)."""
    months, day = [], (today or config.today()).replace(day=1)
    for _ in range(count):
        months.append(month_of(day))
        day = (day - timedelta(days=1)).replace(day=1)
    return months


# --- formatting of explanations (language-neutral numbers; labels are catalogue keys) -------------------------


def fmt_value(unit: str, value: Any) -> str:
    """A KPI figure by its unit: yuan, percent, seconds, points; '—' when missing."""
    if value is None:
        return "—"
    if unit == "money":
        return formatting.amount(value)
    if unit == "pct":
        return rules.fmt_pct(value)
    if unit == "seconds":
        return f"{rules.round_to(value, 1)} s"
    return rules.fmt_num(value)


def _input(label: str, value: Any, **params: Any) -> dict[str, Any]:
    return {"label": label, "value": "" if value is None else str(value), "params": params}


# --- inputs of one computation ------------------------------------------------------------------------------


@dataclass
class Segment:
    """Consecutive days an agent worked for one project under one scheme."""

    project_id: int
    project: str
    start: date
    end: date
    scheme: dict[str, Any]

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def data(self) -> dict[str, Any]:
        return self.scheme["data"]

    def describe(self) -> dict[str, Any]:
        return {
            "project_id": self.project_id,
            "project": self.project,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "days": self.days,
            "scheme_id": self.scheme["id"],
            "scheme": self.scheme["name"],
            "version": self.scheme["version"],
        }


class _Inputs:
    """What a computation reads from the store, read once per run (no access checks: the callers check)."""

    def __init__(self, db: sqlite_utils.Database, month_start: date, month_end: date, end: date):
        self.db = db
        self.month_start, self.month_end, self.end = month_start, month_end, end
        self.month_days = (month_end - month_start).days + 1
        self.chooser = schemes.Chooser(db)
        self.labels = {
            r["id"]: f"{r['merchant']} · {r['name']}"
            for r in db.query(
                "SELECT p.id, p.name, m.name AS merchant FROM projects p JOIN merchants m ON m.id = p.merchant_id"
            )
        }
        self._kpi_rows: dict[int, pd.DataFrame] = {}
        self._oc: dict[int, dict[str, float]] = {}

    def kpi_rows(self, project_id: int) -> pd.DataFrame:
        """The project's per-agent KPI days of the period, with the roster agent of each row."""
        if project_id not in self._kpi_rows:
            data = rows(
                self.db,
                f"SELECT day, agent, {', '.join(KPI_COLUMNS)} FROM kpi_agent_daily WHERE project_id = ? AND day BETWEEN ? AND ?",
                [project_id, self.month_start.isoformat(), self.end.isoformat()],
            )
            frame = pd.DataFrame(data, columns=["day", "agent", *KPI_COLUMNS])
            for column in store.COUNT_METRICS:
                frame[column] = pd.to_numeric(frame[column], errors="coerce")
            mapping = store.agent_name_map(self.db, project_id)
            frame["agent_id"] = [store.resolve_agent(mapping, name) for name in frame["agent"]]
            self._kpi_rows[project_id] = frame
        return self._kpi_rows[project_id]

    def oc_targets(self, project_id: int) -> dict[str, float]:
        """The targets of the project's confirmed order confirmation, by KPI (as kpi_store.targets reads them)."""
        if project_id not in self._oc:
            row = one(
                self.db,
                "SELECT data FROM order_confirmations WHERE project_id = ? AND status = 'confirmed' ORDER BY version DESC LIMIT 1",
                [project_id],
            )
            data = json.loads(row["data"]) if row else {}
            self._oc[project_id] = {
                name: float(data[field])
                for name, (field, _) in store.TARGETS.items()
                if data.get(field) not in (None, "")
            }
        return self._oc[project_id]


def _segments(inputs: _Inputs, agent: dict, start: date, end: date) -> tuple[list[Segment], list[FieldError]]:
    """The agent's days in [start, end] cut by project and scheme; a day on two teams belongs to the newer assignment."""
    placed = rows(
        inputs.db,
        """SELECT id, project_id, from_date, to_date FROM project_agents
                                WHERE agent_id = ? AND from_date <= ? AND (to_date IS NULL OR to_date >= ?)""",
        [agent["id"], end.isoformat(), start.isoformat()],
    )
    segments: list[Segment] = []
    errors: list[FieldError] = []
    missing: set[int] = set()
    day = start
    while day <= end:
        text = day.isoformat()
        covering = [p for p in placed if p["from_date"] <= text and (p["to_date"] is None or p["to_date"] >= text)]
        if covering:
            owner = max(covering, key=lambda p: (p["from_date"], p["id"]))
            scheme_id = inputs.chooser.scheme_id(agent["id"], owner["project_id"], day)
            if scheme_id is None:
                if owner["project_id"] not in missing:
                    missing.add(owner["project_id"])
                    errors.append(
                        FieldError(
                            "salary.scheme",
                            "err.salary.no_scheme",
                            {"agent": agent["name"], "project": inputs.labels.get(owner["project_id"], "")},
                        )
                    )
            else:
                last = segments[-1] if segments else None
                if (
                    last
                    and last.project_id == owner["project_id"]
                    and last.scheme["id"] == scheme_id
                    and last.end == day - timedelta(days=1)
                ):
                    last.end = day
                else:
                    segments.append(
                        Segment(
                            owner["project_id"],
                            inputs.labels.get(owner["project_id"], ""),
                            day,
                            day,
                            inputs.chooser.scheme(scheme_id),
                        )
                    )
        day += timedelta(days=1)
    return segments, errors


def _segment_of(segments: list[Segment], day: date) -> Segment:
    """The segment a day falls in (the last one for a day outside every segment)."""
    for segment in segments:
        if segment.start <= day <= segment.end:
            return segment
    before = [s for s in segments if s.end < day]
    return before[-1] if before else segments[0]


def _sales(frame: pd.DataFrame) -> Decimal:
    return sum((rules.dec(v) for v in frame["sales"] if v is not None and not pd.isna(v)), Decimal(0))


def exam_score(db: sqlite_utils.Database, agent_id: int, until: date) -> tuple[Decimal | None, list[dict]]:
    """Mean of the agent's latest attempt per project and exam type up to a day, as points out of 100."""
    latest: dict[tuple, dict] = {}
    for exam in db.query(
        """SELECT id, project_id, exam_type, score, max_score, exam_date FROM exams
                            WHERE agent_id = ? AND exam_date <= ? ORDER BY exam_date, id""",
        [agent_id, until.isoformat()],
    ):
        latest[(exam["project_id"], exam["exam_type"])] = exam
    if not latest:
        return None, []
    values = [rules.dec(e["score"]) / rules.dec(e["max_score"]) * rules.HUNDRED for e in latest.values()]
    return sum(values, Decimal(0)) / len(values), list(latest.values())


def training_absences(db: sqlite_utils.Database, agent_id: int, until: date) -> int:
    """Training sessions up to a day that the agent, a participant, missed."""
    row = one(
        db,
        """SELECT COUNT(*) AS n FROM training_attendance ta JOIN training_sessions s ON s.id = ta.session_id
                     WHERE ta.agent_id = ? AND ta.present = 0 AND s.day <= ?""",
        [agent_id, until.isoformat()],
    )
    return int(row["n"]) if row else 0


def _indices(
    data: dict[str, Any],
    exam: Decimal | None,
    qa_score: Decimal | None,
    complaint_count: int,
    absences: int,
    handled: Decimal | None,
    volume_target: Decimal,
) -> dict[str, dict[str, Any]]:
    """The composite indices of the KPI spec with their calculation (None where an input is missing)."""
    complaint_k, absence_k = rules.dec(data["complaint_coefficient"]), rules.dec(data["absence_coefficient"])
    result: dict[str, dict[str, Any]] = {}
    if exam is not None and qa_score is not None:
        value = (exam + qa_score) / 2 - complaint_count * complaint_k
        result["service_quality_index"] = {
            "value": value,
            "calc": f"({rules.fmt_num(exam)} + {rules.fmt_num(qa_score)}) / 2 − "
            f"{complaint_count} × {rules.fmt_num(complaint_k)} = {rules.fmt_num(value)}",
        }
    else:
        result["service_quality_index"] = {
            "value": None,
            "calc": f"({rules.fmt_num(exam) if exam is not None else '—'} + "
            f"{rules.fmt_num(qa_score) if qa_score is not None else '—'}) / 2",
        }
    if exam is not None:
        value = exam - absences * absence_k
        result["training_index"] = {
            "value": value,
            "calc": f"{rules.fmt_num(exam)} − {absences} × {rules.fmt_num(absence_k)} = {rules.fmt_num(value)}",
        }
    else:
        result["training_index"] = {"value": None, "calc": "—"}
    if handled is not None and volume_target > 0:
        value = (handled - complaint_count) / volume_target
        result["volume_index"] = {
            "value": value,
            "calc": f"({rules.fmt_num(handled, 0)} − {complaint_count}) / "
            f"{rules.fmt_num(volume_target)} = {rules.fmt_pct(value)}",
        }
    else:
        result["volume_index"] = {"value": None, "calc": "—"}
    return result


# --- one agent's statement -------------------------------------------------------------------------------------


def _line(
    kind: str,
    label: str,
    amount: Decimal,
    explanation: dict[str, Any],
    project_id: int | None = None,
    ref: str = "",
    **params: Any,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "label": label,
        "label_params": params,
        "project_id": project_id,
        "ref": ref,
        "amount": rules.money(amount),
        "explanation": explanation,
    }


def _segment_inputs(segment: Segment, month_days: int) -> list[dict]:
    return [
        _input("salary.in.project", segment.project),
        _input("salary.in.period", f"{segment.start} – {segment.end}"),
        _input("salary.in.days", f"{segment.days} / {month_days}"),
        _input("salary.in.scheme", f"{segment.scheme['name']} v{segment.scheme['version']}"),
    ]


def _base_line(segment: Segment, agent: dict, month_days: int) -> dict[str, Any]:
    own = segment.data.get("base_amount")
    monthly = rules.dec(own if own is not None else agent["base_salary"])
    amount = rules.money(rules.prorate(monthly, segment.days, month_days))
    return _line(
        "base",
        "salary.line.base",
        amount,
        {
            "formula": "salary.f.base",
            "calc": f"{formatting.amount(monthly)} × {segment.days} / {month_days} = {formatting.amount(amount)}",
            "inputs": [
                *_segment_inputs(segment, month_days),
                _input("salary.in.monthly_base", formatting.amount(monthly)),
                _input(
                    "salary.in.base_source",
                    "",
                    key="salary.source.scheme" if own is not None else "salary.source.roster",
                ),
            ],
            "result": formatting.amount(amount),
        },
        segment.project_id,
        project=segment.project,
    )


def _commission_line(segment: Segment, frame: pd.DataFrame, month_days: int) -> tuple[dict[str, Any], Decimal]:
    data = segment.data
    sales = _sales(frame)
    amount, parts = rules.commission(
        sales, data["commission_mode"], data.get("commission_rate") or 0, data.get("commission_tiers")
    )
    terms = " + ".join(f"{formatting.amount(p.base)} × {rules.fmt_pct(p.rate)}" for p in parts) or "0.00"
    calc = f"{terms} = {formatting.amount(amount)}"
    cap = data.get("commission_cap")
    if cap is not None and amount > rules.dec(cap):
        amount = rules.money(cap)
        calc += f" → {formatting.amount(amount)} (cap)"
    tier_rows = [
        [
            formatting.amount(p.lower) + " – " + (formatting.amount(p.upper) if p.upper is not None else "∞"),
            formatting.amount(p.base),
            rules.fmt_pct(p.rate),
            formatting.amount(p.amount),
        ]
        for p in parts
    ]
    day_rows = [
        [
            r["day"],
            f"{int(r['consultations'] or 0)}",
            f"{int(r['converted'] or 0)}",
            formatting.amount(r["sales"] if r["sales"] is not None and not pd.isna(r["sales"]) else 0),
        ]
        for r in frame.sort_values("day").to_dict("records")
    ]
    return _line(
        "commission",
        "salary.line.commission",
        amount,
        {
            "formula": "salary.f.commission_flat" if data["commission_mode"] == "flat" else "salary.f.commission_tiers",
            "calc": calc,
            "inputs": [
                *_segment_inputs(segment, month_days),
                _input("salary.in.sales", formatting.amount(sales)),
                *([_input("salary.in.commission_cap", formatting.amount(cap))] if cap is not None else []),
            ],
            "tables": [
                {
                    "title": "salary.t.tiers",
                    "columns": ["salary.c.range", "salary.c.sales_in_tier", "salary.c.rate", "salary.c.amount"],
                    "rows": tier_rows,
                },
                {
                    "title": "salary.t.sales_days",
                    "columns": ["salary.c.day", "salary.c.consultations", "salary.c.converted", "salary.c.sales"],
                    "rows": day_rows,
                },
            ],
            "result": formatting.amount(amount),
        },
        segment.project_id,
        project=segment.project,
    ), sales


def _actuals(
    inputs: _Inputs,
    segment: Segment,
    agent_id: int,
    frame: pd.DataFrame,
    attendance_summary: dict,
    segment_complaints: int,
    exam: Decimal | None,
    absences: int,
) -> tuple[dict[str, Decimal | None], dict[str, dict]]:
    """Every KPI a scheme may weigh, for the agent over the segment, and the composite indices' calculations."""
    figures = store.aggregate(frame) if len(frame) else {}
    values: dict[str, Decimal | None] = {}
    for name in (
        "conversion_rate",
        "aov",
        "response_30s_rate",
        "avg_response_s",
        "first_response_s",
        "effective_reply_rate",
        "satisfaction",
    ):
        value = figures.get(name)
        values[name] = None if value is None or pd.isna(value) else rules.dec(value)
    values["sales"] = _sales(frame) if len(frame) else None
    rate = attendance_summary["rate"]
    values["attendance"] = (
        None if rate is None else rules.dec(attendance_summary["worked"]) / rules.dec(attendance_summary["scheduled"])
    )
    iqs = reviews.agent_iqs(inputs.db, None, agent_id, segment.start, segment.end, project_id=segment.project_id)
    values["qa_score"] = None if iqs is None else rules.dec(iqs)
    handled = rules.dec(figures["consultations"]) if len(frame) and figures.get("consultations") is not None else None
    volume_target = rules.prorate(segment.data["volume_target"], segment.days, inputs.month_days)
    indices = _indices(segment.data, exam, values["qa_score"], segment_complaints, absences, handled, volume_target)
    for name, index in indices.items():
        values[name] = index["value"]
    return values, indices


def _target(
    inputs: _Inputs, segment: Segment, item: dict, agent: dict
) -> tuple[Decimal | None, str, FieldError | None]:
    name = item["kpi"]
    if item.get("target") is not None:
        target = rules.dec(item["target"])
        if name in schemes.MONTHLY_TARGETS:
            return rules.prorate(target, segment.days, inputs.month_days), "salary.source.scheme_prorated", None
        return target, "salary.source.scheme", None
    if name in store.TARGETS:
        value = inputs.oc_targets(segment.project_id).get(name)
        if value is not None and value > 0:
            return rules.dec(value), "salary.source.order_confirmation", None
    if name == "qa_score":
        return (
            rules.dec(reviews.project_settings(inputs.db, segment.project_id)["target"]),
            "salary.source.qa_settings",
            None,
        )
    return (
        None,
        "",
        FieldError(
            f"salary.kpi.{name}",
            "err.salary.missing_target",
            {"agent": agent["name"], "project": segment.project, "scheme": segment.scheme["name"]},
        ),
    )


def _performance_line(
    inputs: _Inputs,
    segment: Segment,
    agent: dict,
    values: dict,
    indices: dict,
) -> tuple[dict[str, Any] | None, Decimal, dict[str, Decimal], list[dict], list[FieldError]]:
    data = segment.data
    cap = rules.dec(data["achievement_cap"])
    weighted, table, kpi_rows, errors = [], [], [], []
    for item in data["kpis"]:
        name = item["kpi"]
        higher, unit, _source = schemes.KPIS[name]
        target, source, error = _target(inputs, segment, item, agent)
        if error:
            errors.append(error)
            continue
        actual = values.get(name)
        if actual is None:
            raw = capped = None
            earned = rules.ZERO
        else:
            raw, capped = rules.achievement(actual, target, higher, cap)
            earned = rules.points(capped, item["scoring"], data["score_tiers"])
        weight = rules.dec(item["weight"])
        weighted.append((weight, earned))
        kpi_rows.append(
            {
                "kpi": name,
                "actual": None if actual is None else str(actual),
                "target": str(target),
                "source": source,
                "higher": higher,
                "achievement": None if raw is None else str(raw),
                "points": str(earned),
                "weight": str(weight),
            }
        )
        table.append(
            [
                f"@salary.kpi.{name}",
                fmt_value(unit, actual) if actual is not None else "@salary.no_data",
                fmt_value(unit, target),
                f"@{source}",
                "@salary.dir.higher" if higher else "@salary.dir.lower",
                rules.fmt_pct(raw) if raw is not None else "—",
                rules.fmt_pct(capped) if capped is not None else "—",
                f"@salary.scoring.{item['scoring']}",
                rules.fmt_num(earned),
                rules.fmt_pct(weight),
                rules.fmt_num(weight * earned),
            ]
        )
    if errors:
        return None, rules.ZERO, {}, [], errors
    raw_total, score = rules.kpi_score(weighted)
    monthly = rules.dec(data["performance_amount"])
    share = rules.prorate(monthly, segment.days, inputs.month_days)
    amount = rules.money(share * score / rules.HUNDRED)
    contributions: dict[str, Decimal] = {}
    for item, (weight, earned) in zip(data["kpis"], weighted):
        contributions[item["kpi"]] = (amount * weight * earned / raw_total) if raw_total > 0 else rules.ZERO
    notes = [
        {"label": f"salary.kpi.{name}", "calc": index["calc"]}
        for name, index in indices.items()
        if any(i["kpi"] == name for i in data["kpis"])
    ]
    if raw_total != score:
        notes.append(
            {"label": "salary.note.score_bounded", "calc": f"{rules.fmt_num(raw_total)} → {rules.fmt_num(score)}"}
        )
    line = _line(
        "performance",
        "salary.line.performance",
        amount,
        {
            "formula": "salary.f.performance",
            "calc": f"{formatting.amount(monthly)} × {segment.days} / {inputs.month_days} × {rules.fmt_num(score)} / 100 = {formatting.amount(amount)}",
            "inputs": [
                *_segment_inputs(segment, inputs.month_days),
                _input("salary.in.performance_amount", formatting.amount(monthly)),
                _input("salary.in.achievement_cap", rules.fmt_pct(cap, 0)),
                _input("salary.in.kpi_score", rules.fmt_num(score)),
            ],
            "tables": [
                {
                    "title": "salary.t.kpis",
                    "columns": [
                        "salary.c.kpi",
                        "salary.c.actual",
                        "salary.c.target",
                        "salary.c.source",
                        "salary.c.direction",
                        "salary.c.achievement",
                        "salary.c.capped",
                        "salary.c.scoring",
                        "salary.c.points",
                        "salary.c.weight",
                        "salary.c.weighted",
                    ],
                    "rows": table,
                }
            ],
            "notes": notes,
            "result": formatting.amount(amount),
        },
        segment.project_id,
        project=segment.project,
    )
    return line, score, contributions, kpi_rows, []


def _deduction_lines(
    inputs: _Inputs, segments: list[Segment], agent_id: int, start: date, end: date, found_complaints: list[dict]
) -> list[dict[str, Any]]:
    lines = []
    for complaint in found_complaints:
        day = date.fromisoformat(complaint["logged_at"][:10])
        segment = _segment_of(segments, day)
        amount = rules.money(segment.data["deduct_complaint"])
        if amount <= 0:
            continue
        lines.append(
            _line(
                "deduction",
                "salary.line.complaint",
                -amount,
                {
                    "formula": "salary.f.deduct_complaint",
                    "calc": f"− {formatting.amount(amount)}",
                    "inputs": [
                        _input("salary.in.complaint", complaint["number"]),
                        _input("salary.in.logged_at", complaint["logged_at"]),
                        _input("salary.in.project", inputs.labels.get(complaint["project_id"], "")),
                        _input("salary.in.category", "", key=f"salary.complaint_category.{complaint['category']}"),
                        _input(
                            "salary.in.finding",
                            f"{complaint.get('responsibility_at') or ''} {complaint.get('responsibility_note') or ''}".strip(),
                        ),
                        *(
                            [_input("salary.in.review", f"#{complaint['review_id']}")]
                            if complaint.get("review_id")
                            else []
                        ),
                        _input("salary.in.scheme", f"{segment.scheme['name']} v{segment.scheme['version']}"),
                    ],
                    "result": formatting.amount(-amount),
                },
                complaint["project_id"],
                complaint["number"],
                number=complaint["number"],
                day=day.isoformat(),
            )
        )
    for review in reviews.critical_failures(inputs.db, None, agent_id, start, end):
        day = date.fromisoformat(review["chat_date"])
        segment = _segment_of(segments, day)
        amount = rules.money(segment.data["deduct_critical"])
        if amount <= 0:
            continue
        lines.append(
            _line(
                "deduction",
                "salary.line.critical",
                -amount,
                {
                    "formula": "salary.f.deduct_critical",
                    "calc": f"− {formatting.amount(amount)}",
                    "inputs": [
                        _input("salary.in.review", f"#{review['review_id']}"),
                        _input("salary.in.chat_date", review["chat_date"]),
                        _input("salary.in.project", inputs.labels.get(review["project_id"], "")),
                        _input("salary.in.failed_items", review.get("failed_items") or ""),
                        _input(
                            "salary.in.review_score",
                            rules.fmt_num(review["score"]) if review.get("score") is not None else "—",
                        ),
                        *(
                            [_input("salary.in.complaint", review["complaint_number"])]
                            if review.get("complaint_number")
                            else []
                        ),
                        _input("salary.in.scheme", f"{segment.scheme['name']} v{segment.scheme['version']}"),
                    ],
                    "result": formatting.amount(-amount),
                },
                review["project_id"],
                f"QA#{review['review_id']}",
                review=review["review_id"],
                day=review["chat_date"],
            )
        )
    keys = {
        "absent": ("deduct_absence", "salary.line.absence"),
        "late": ("deduct_late", "salary.line.late"),
        "leave": ("deduct_leave", "salary.line.leave"),
    }
    for record in attendance.days_of(inputs.db, agent_id, start, end):
        if record["status"] not in keys:
            continue
        day = date.fromisoformat(record["day"])
        segment = _segment_of(segments, day)
        setting, label = keys[record["status"]]
        amount = rules.money(segment.data[setting])
        if amount <= 0:
            continue
        begin, finish = attendance.SHIFTS[record["shift"]]
        lines.append(
            _line(
                "deduction",
                label,
                -amount,
                {
                    "formula": f"salary.f.{setting}",
                    "calc": f"− {formatting.amount(amount)}",
                    "inputs": [
                        _input("salary.in.day", record["day"]),
                        _input(
                            "salary.in.shift", f"{begin:%H:%M}–{finish:%H:%M}", key=f"salary.shift.{record['shift']}"
                        ),
                        *([_input("salary.in.check_in", record["check_in"])] if record.get("check_in") else []),
                        *([_input("salary.in.note", record["note"])] if record.get("note") else []),
                        _input("salary.in.scheme", f"{segment.scheme['name']} v{segment.scheme['version']}"),
                    ],
                    "result": formatting.amount(-amount),
                },
                segment.project_id,
                record["day"],
                day=record["day"],
            )
        )
    return lines


def compute_statement(inputs: _Inputs, agent: dict, start: date, end: date) -> dict[str, Any] | None:
    """One agent's statement over [start, end] of the month (None when not on any team); raises ValidationError."""
    segments, errors = _segments(inputs, agent, start, end)
    if errors:
        raise ValidationError(errors)
    if not segments:
        return None
    month_days = inputs.month_days
    found_complaints = complaints.complaints_against_agent(inputs.db, None, agent["id"], start, end)
    lines: list[dict] = []
    performance_lines: list[dict] = []
    scores: list[tuple[int, Decimal]] = []
    kpi_pay: dict[str, Decimal] = defaultdict(Decimal)
    segment_kpis: list[dict] = []
    commission_lines: list[dict] = []
    total_sales = Decimal(0)
    exam, exams_used = exam_score(inputs.db, agent["id"], end)
    absences = training_absences(inputs.db, agent["id"], end)
    handled_total = Decimal(0)
    for segment in segments:
        lines.append(_base_line(segment, agent, month_days))
        frame = inputs.kpi_rows(segment.project_id)
        frame = frame[
            (frame["agent_id"] == agent["id"])
            & (frame["day"] >= segment.start.isoformat())
            & (frame["day"] <= segment.end.isoformat())
        ]
        line, sales = _commission_line(segment, frame, month_days)
        commission_lines.append(line)
        total_sales += sales
        handled_total += rules.dec(frame["consultations"].fillna(0).sum()) if len(frame) else 0
        in_segment = sum(
            1 for c in found_complaints if segment.start.isoformat() <= c["logged_at"][:10] <= segment.end.isoformat()
        )
        summary = attendance.summary(attendance.days_of(inputs.db, agent["id"], segment.start, segment.end))
        values, indices = _actuals(inputs, segment, agent["id"], frame, summary, in_segment, exam, absences)
        perf, score, contributions, kpi_rows, problems = _performance_line(inputs, segment, agent, values, indices)
        errors += problems
        if perf:
            performance_lines.append(perf)
            scores.append((segment.days, score))
            for name, value in contributions.items():
                kpi_pay[name] += value
            segment_kpis.append({**segment.describe(), "score": str(score), "kpis": kpi_rows})
    if errors:
        raise ValidationError(errors)
    lines += commission_lines + performance_lines
    days = sum(s.days for s in segments)
    month_score = rules.round_to(sum((d * s for d, s in scores), Decimal(0)) / days) if days else rules.ZERO
    closing = segments[-1]
    data = closing.data
    grade = rules.grade(
        month_score, {"gold": data["grade_gold"], "silver": data["grade_silver"], "bronze": data["grade_bronze"]}
    )
    if grade and rules.dec(data[f"bonus_{grade}"]) > 0:
        bonus = rules.money(data[f"bonus_{grade}"])
        lines.append(
            _line(
                "bonus",
                "salary.line.grade_bonus",
                bonus,
                {
                    "formula": "salary.f.grade_bonus",
                    "calc": f"{rules.fmt_num(month_score)} ≥ {rules.fmt_num(data['grade_' + grade])} → {formatting.amount(bonus)}",
                    "inputs": [
                        _input("salary.in.kpi_score", rules.fmt_num(month_score)),
                        _input("salary.in.grade", "", key=f"salary.grade.{grade}"),
                        _input("salary.in.scheme", f"{closing.scheme['name']} v{closing.scheme['version']}"),
                    ],
                    "result": formatting.amount(bonus),
                },
                None,
                grade,
                grade_key=f"salary.grade.{grade}",
            )
        )
    deductions = _deduction_lines(inputs, segments, agent["id"], start, end, found_complaints)
    lines += deductions
    deducted = -sum((l["amount"] for l in deductions), Decimal(0))
    refund = rules.deduction_refund(deducted, data.get("deduction_cap"))
    if refund > 0:
        lines.append(
            _line(
                "adjustment",
                "salary.line.deduction_cap",
                refund,
                {
                    "formula": "salary.f.deduction_cap",
                    "calc": f"{formatting.amount(deducted)} − {formatting.amount(data['deduction_cap'])} = {formatting.amount(refund)}",
                    "inputs": [
                        _input("salary.in.deductions", formatting.amount(deducted)),
                        _input("salary.in.deduction_cap", formatting.amount(data["deduction_cap"])),
                        _input("salary.in.scheme", f"{closing.scheme['name']} v{closing.scheme['version']}"),
                    ],
                    "result": formatting.amount(refund),
                },
            )
        )
    subtotal = sum((l["amount"] for l in lines), Decimal(0))
    adjustment = rules.total_adjustment(subtotal, data.get("total_floor"), data.get("total_cap"))
    if adjustment != 0:
        limit = data["total_floor"] if adjustment > 0 else data["total_cap"]
        lines.append(
            _line(
                "adjustment",
                "salary.line.floor" if adjustment > 0 else "salary.line.cap",
                adjustment,
                {
                    "formula": "salary.f.floor" if adjustment > 0 else "salary.f.cap",
                    "calc": f"{formatting.amount(limit)} − {formatting.amount(subtotal)} = {formatting.amount(adjustment)}",
                    "inputs": [
                        _input("salary.in.subtotal", formatting.amount(subtotal)),
                        _input(
                            "salary.in.total_floor" if adjustment > 0 else "salary.in.total_cap",
                            formatting.amount(limit),
                        ),
                        _input("salary.in.scheme", f"{closing.scheme['name']} v{closing.scheme['version']}"),
                    ],
                    "result": formatting.amount(adjustment),
                },
            )
        )
    sums = {
        kind: sum((l["amount"] for l in lines if l["kind"] == kind), Decimal(0)).quantize(rules.FEN)
        for kind in LINE_KINDS
    }
    by_project: dict[int, int] = defaultdict(int)
    for segment in segments:
        by_project[segment.project_id] += segment.days
    main_project = max(by_project, key=lambda p: (by_project[p], -p))
    month_iqs = reviews.agent_iqs(inputs.db, None, agent["id"], start, end)  # all the month's projects
    month_indices = _indices(
        data,
        exam,
        None if month_iqs is None else rules.dec(month_iqs),
        len(found_complaints),
        absences,
        handled_total,
        rules.prorate(data["volume_target"], days, month_days),
    )
    attendance_month = attendance.summary(attendance.days_of(inputs.db, agent["id"], start, end))
    return {
        "agent_id": agent["id"],
        "agent_name": agent["name"],
        "employee_no": agent["employee_no"],
        "month": month_of(inputs.month_start),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "month_days": month_days,
        "days": days,
        "projects": "、".join(dict.fromkeys(s.project for s in segments)),
        "main_project_id": main_project,
        "lines": lines,
        **sums,
        "total": sum((l["amount"] for l in lines), Decimal(0)).quantize(rules.FEN),
        "kpi_score": month_score,
        "grade": grade,
        "sales": total_sales.quantize(rules.FEN),
        "summary": {
            "segments": segment_kpis,
            "kpi_pay": {k: str(rules.money(v)) for k, v in kpi_pay.items()},
            "indices": {
                name: {"value": None if i["value"] is None else str(rules.round_to(i["value"], 4)), "calc": i["calc"]}
                for name, i in month_indices.items()
            },
            "grading": {name: str(rules.dec(data[f"grade_{name}"])) for name in rules.GRADES},
            "index_inputs": {
                "exam_score": None if exam is None else str(rules.round_to(exam)),
                "qa_score": None if month_iqs is None else str(rules.round_to(month_iqs)),
                "exams": len(exams_used),
                "training_absences": absences,
                "complaints": len(found_complaints),
                "handled": str(handled_total),
            },
            "attendance": {k: v for k, v in attendance_month.items() if k != "rate"},
        },
    }


def _agents_of_month(db: sqlite_utils.Database, start: date, end: date) -> list[dict]:
    return rows(
        db,
        """SELECT * FROM agents WHERE id IN (SELECT agent_id FROM project_agents
                       WHERE from_date <= ? AND (to_date IS NULL OR to_date >= ?)) ORDER BY employee_no""",
        [end.isoformat(), start.isoformat()],
    )


def compute_month(
    db: sqlite_utils.Database, month: str, end: date | None = None, agent_ids: list[int] | None = None
) -> list[dict[str, Any]]:
    """The statements of a month (to `end`, default its last day) for every agent on a team, all problems at once."""
    month_start, month_end = month_bounds(month)
    until = min(end or month_end, month_end)
    inputs = _Inputs(db, month_start, month_end, until)
    statements, errors = [], []
    for agent in _agents_of_month(db, month_start, until):
        if agent_ids is not None and agent["id"] not in agent_ids:
            continue
        try:
            statement = compute_statement(inputs, agent, month_start, until)
        except ValidationError as exc:
            errors += exc.errors
            continue
        if statement:
            statements.append(statement)
    if errors:
        unique = {(e.field, e.key, json.dumps(e.params, sort_keys=True)): e for e in errors}
        raise ValidationError(list(unique.values()))
    return statements


# --- the run: draft, approve, reopen ----------------------------------------------------------------------------


def _run_row(db: sqlite_utils.Database, run_id: int) -> dict:
    run = one(db, "SELECT * FROM pay_runs WHERE id = ?", [run_id])
    if run is None:
        raise NotFound(f"pay run {run_id}")
    return run


def _store_statement(db: sqlite_utils.Database, run_id: int, statement: dict[str, Any]) -> None:
    record = {
        key: float(statement[key])
        for key in ("base", "commission", "performance", "bonus", "total", "kpi_score", "sales")
    }
    record |= {"deductions": float(statement["deduction"]), "adjustments": float(statement["adjustment"])}
    statement_id = (
        db["pay_statements"]
        .insert(
            {
                "run_id": run_id,
                "agent_id": statement["agent_id"],
                "agent_name": statement["agent_name"],
                "employee_no": statement["employee_no"],
                "projects": statement["projects"],
                "main_project_id": statement["main_project_id"],
                "days": statement["days"],
                "period_start": statement["start"],
                "period_end": statement["end"],
                "grade": statement["grade"],
                "summary": json.dumps(statement["summary"], ensure_ascii=False),
                **record,
            }
        )
        .last_pk
    )
    db["pay_lines"].insert_all(
        [
            {
                "statement_id": statement_id,
                "run_id": run_id,
                "position": index,
                "kind": line["kind"],
                "label": line["label"],
                "label_params": json.dumps(line["label_params"], ensure_ascii=False),
                "project_id": line["project_id"],
                "ref": line["ref"],
                "amount": float(line["amount"]),
                "explanation": json.dumps(line["explanation"], ensure_ascii=False),
            }
            for index, line in enumerate(statement["lines"])
        ]
    )


def run_month(db: sqlite_utils.Database, actor: Actor, month: str) -> int:
    """Compute (or recompute) a month's draft run for every agent on a team; returns the run id.

    Refused for a month not yet begun, an approved (locked) month, or when any input is missing
    (every problem listed; nothing is written).
    """
    require(actor, "salary.run")
    start, _end = month_bounds(month)
    if start > config.today():
        raise ValidationError.single("salary.month", "err.salary.month_future")
    existing = one(db, "SELECT * FROM pay_runs WHERE month = ?", [month])
    if existing and existing["status"] == "approved":
        raise ValidationError.single("salary.month", "err.salary.locked", month=month)
    statements = compute_month(db, month)
    if not statements:
        raise ValidationError.single("salary.month", "err.salary.no_agents", month=month)
    stamp = config.now_text()
    total = sum((s["total"] for s in statements), Decimal(0))
    with write(db):
        # read again under the write lock: another manager may have run or approved the month meanwhile
        existing = one(db, "SELECT * FROM pay_runs WHERE month = ?", [month])
        if existing and existing["status"] == "approved":
            raise ValidationError.single("salary.month", "err.salary.locked", month=month)
        if existing:
            run_id = existing["id"]
            db.execute("DELETE FROM pay_lines WHERE run_id = ?", [run_id])
            db.execute("DELETE FROM pay_statements WHERE run_id = ?", [run_id])
            db["pay_runs"].update(
                run_id, {"computed_at": stamp, "computed_by": actor.id, "computations": existing["computations"] + 1}
            )
        else:
            run_id = (
                db["pay_runs"]
                .insert(
                    {
                        "month": month,
                        "status": "draft",
                        "computed_at": stamp,
                        "computed_by": actor.id,
                        "computations": 1,
                    }
                )
                .last_pk
            )
        for statement in statements:
            _store_statement(db, run_id, statement)
        db["pay_run_events"].insert({"run_id": run_id, "at": stamp, "by": actor.id, "action": "run", "note": ""})
        audit.record(
            db,
            actor,
            "run",
            "pay_run",
            run_id,
            {"computed_at": existing["computed_at"], "computations": existing["computations"]} if existing else None,
            {"month": month, "agents": len(statements), "total": f"{total:.2f}"},
        )
    return int(run_id)


def pending_kpi_days(db: sqlite_utils.Database, actor: Actor, month: str) -> list[str]:
    """The days of the month with KPI figures the platform has not settled (延迟统计): the pay run
    says so before it can be approved."""
    require(actor, "salary.read")
    return _pending_days(db, month)


def _pending_days(db: sqlite_utils.Database, month: str) -> list[str]:
    found = store.pending_in_period(db, *month_bounds(month))
    return sorted({day for days in found.values() for day in days})


def approve_run(db: sqlite_utils.Database, actor: Actor, run_id: int, accept_pending: bool = False) -> None:
    """Approve a draft run of a month that is over: its figures are locked from now on. While some
    KPI figures of the month are pending (延迟统计), approval needs `accept_pending`."""
    require(actor, "salary.approve")
    stamp = config.now_text()
    with write(db):  # checked under the write lock, so two approvals never both pass
        run = _run_row(db, run_id)
        errors = []
        if run["status"] != "draft":
            errors.append(FieldError("salary.status", "err.salary.locked", {"month": run["month"]}))
        if month_bounds(run["month"])[1] >= config.today():
            errors.append(FieldError("salary.month", "err.salary.month_not_over", {"month": run["month"]}))
        pending = _pending_days(db, run["month"])
        if pending and not accept_pending:
            errors.append(FieldError("salary.pending", "err.pending_figures", {"days": "、".join(pending)}))
        if errors:
            raise ValidationError(errors)
        db["pay_runs"].update(run_id, {"status": "approved", "approved_at": stamp, "approved_by": actor.id})
        db["pay_run_events"].insert({"run_id": run_id, "at": stamp, "by": actor.id, "action": "approve", "note": ""})
        audit.record(
            db, actor, "approve", "pay_run", run_id, {"status": "draft"}, {"status": "approved", "month": run["month"]}
        )


def reopen_run(db: sqlite_utils.Database, actor: Actor, run_id: int, reason: str) -> None:
    """The admin reopens an approved month (with the reason, in the audit log); it is a draft again."""
    require(actor, "salary.reopen")
    reason = (reason or "").strip()
    stamp = config.now_text()
    with write(db):
        run = _run_row(db, run_id)
        errors = []
        if run["status"] != "approved":
            errors.append(FieldError("salary.status", "err.salary.not_approved"))
        if not reason:
            errors.append(FieldError("salary.reason", "err.required"))
        elif len(reason) > MAX_REASON:
            errors.append(FieldError("salary.reason", "err.too_long", {"n": MAX_REASON}))
        if errors:
            raise ValidationError(errors)
        db["pay_runs"].update(run_id, {"status": "draft", "approved_at": None, "approved_by": None})
        db["pay_run_events"].insert({"run_id": run_id, "at": stamp, "by": actor.id, "action": "reopen", "note": reason})
        audit.record(
            db,
            actor,
            "reopen",
            "pay_run",
            run_id,
            {"status": "approved", "approved_at": run["approved_at"], "approved_by": run["approved_by"]},
            {"status": "draft", "month": run["month"], "reason": reason},
        )


# --- reading ----------------------------------------------------------------------------------------------------


def list_runs(db: sqlite_utils.Database, actor: Actor) -> list[dict]:
    """Every run, newest month first, with its agents and total."""
    require(actor, "salary.read")
    return rows(
        db,
        """SELECT r.*, COUNT(s.id) AS agents, ROUND(COALESCE(SUM(s.total), 0), 2) AS total,
                              u.display_name AS approved_by_name
                       FROM pay_runs r LEFT JOIN pay_statements s ON s.run_id = r.id LEFT JOIN users u ON u.id = r.approved_by
                       GROUP BY r.id ORDER BY r.month DESC""",
    )


def get_run(db: sqlite_utils.Database, actor: Actor, month: str) -> dict | None:
    """A month's run with its events (run, approve, reopen), or None."""
    require(actor, "salary.read")
    month_bounds(month)
    run = one(
        db,
        """SELECT r.*, u.display_name AS computed_by_name, v.display_name AS approved_by_name FROM pay_runs r
                     LEFT JOIN users u ON u.id = r.computed_by LEFT JOIN users v ON v.id = r.approved_by WHERE r.month = ?""",
        [month],
    )
    if run is None:
        return None
    run["events"] = rows(
        db,
        """SELECT e.at, e.action, e.note, u.display_name AS by_name FROM pay_run_events e
                                LEFT JOIN users u ON u.id = e.by WHERE e.run_id = ? ORDER BY e.id DESC""",
        [run["id"]],
    )
    totals = one(
        db,
        "SELECT COUNT(*) AS agents, ROUND(COALESCE(SUM(total), 0), 2) AS total FROM pay_statements WHERE run_id = ?",
        [run["id"]],
    )
    return {**run, **totals}


def run_statements(
    db: sqlite_utils.Database,
    actor: Actor,
    run_id: int,
    search: str = "",
    project_id: int | None = None,
    grade: str | None = None,
) -> list[dict]:
    """The statements of a run (without their lines), filtered by name or number, project and grade."""
    require(actor, "salary.read")
    term = f"%{search.strip()}%"
    where, params = (
        ["s.run_id = ?", "(s.agent_name LIKE ? OR s.employee_no LIKE ? OR s.projects LIKE ?)"],
        [run_id, term, term, term],
    )
    if project_id is not None:
        where.append(
            "(s.main_project_id = ? OR EXISTS (SELECT 1 FROM pay_lines l WHERE l.statement_id = s.id AND l.project_id = ?))"
        )
        params += [project_id, project_id]
    if grade:
        where.append("s.grade = ?" if grade != "none" else "s.grade IS NULL")
        if grade != "none":
            params.append(grade)
    return rows(
        db,
        f"""SELECT s.id, s.run_id, s.agent_id, s.agent_name, s.employee_no, s.projects, s.main_project_id, s.days, s.sales,
                               s.base, s.commission, s.performance, s.bonus, s.deductions, s.adjustments, s.total, s.kpi_score, s.grade,
                               m.name || ' · ' || p.name AS main_project
                        FROM pay_statements s LEFT JOIN projects p ON p.id = s.main_project_id LEFT JOIN merchants m ON m.id = p.merchant_id
                        WHERE {" AND ".join(where)} ORDER BY s.employee_no""",
        params,
    )


def _shape_statement(row: dict, run: dict, lines: list[dict]) -> dict[str, Any]:
    statement = {
        key: row[key]
        for key in ("agent_id", "agent_name", "employee_no", "projects", "main_project_id", "days", "grade")
    }
    for key in ("base", "commission", "performance", "bonus", "total", "sales"):
        statement[key] = rules.money(row[key])
    statement["deduction"], statement["adjustment"] = rules.money(row["deductions"]), rules.money(row["adjustments"])
    statement["kpi_score"] = rules.round_to(row["kpi_score"])
    start, end = month_bounds(run["month"])
    statement |= {
        "id": row["id"],
        "run_id": run["id"],
        "month": run["month"],
        "status": run["status"],
        "start": row["period_start"],
        "end": row["period_end"],
        "month_days": (end - start).days + 1,
        "summary": json.loads(row["summary"]),
    }
    statement["lines"] = [
        {
            "kind": l["kind"],
            "label": l["label"],
            "label_params": json.loads(l["label_params"]),
            "project_id": l["project_id"],
            "ref": l["ref"],
            "amount": rules.money(l["amount"]),
            "explanation": json.loads(l["explanation"]),
        }
        for l in lines
    ]
    return statement


def _check_statement_access(db: sqlite_utils.Database, actor: Actor, agent_id: int, run: dict) -> None:
    """Staff with salary.read see every statement; an agent only its own, of approved months; nobody else any."""
    if actor.role == "agent":
        own = directory.my_agent(db, actor)
        if own is None or own["id"] != agent_id or run["status"] != "approved":
            raise PermissionDenied(f"salary.own:{agent_id}")
        require(actor, "salary.own")
        return
    require(actor, "salary.read")


def get_statement(db: sqlite_utils.Database, actor: Actor, run_id: int, agent_id: int) -> dict[str, Any]:
    """One agent's statement of a run with every line and its explanation."""
    run = _run_row(db, run_id)
    _check_statement_access(db, actor, agent_id, run)
    row = one(db, "SELECT * FROM pay_statements WHERE run_id = ? AND agent_id = ?", [run_id, agent_id])
    if row is None:
        raise NotFound(f"statement {run_id}/{agent_id}")
    lines = rows(db, "SELECT * FROM pay_lines WHERE statement_id = ? ORDER BY position", [row["id"]])
    return _shape_statement(row, run, lines)


def my_statements(db: sqlite_utils.Database, actor: Actor) -> list[dict]:
    """The logged-in agent's statements of approved months, newest first (nobody else's)."""
    require(actor, "salary.own")
    own = directory.my_agent(db, actor)
    if own is None:
        return []
    return rows(
        db,
        """SELECT r.id AS run_id, r.month, s.total, s.kpi_score, s.grade, s.days, s.projects
                       FROM pay_statements s JOIN pay_runs r ON r.id = s.run_id
                       WHERE s.agent_id = ? AND r.status = 'approved' ORDER BY r.month DESC""",
        [own["id"]],
    )


def month_to_date(
    db: sqlite_utils.Database, actor: Actor, agent_id: int | None = None, today: date | None = None
) -> dict[str, Any] | None:
    """The running estimate of this month from its first day to today (not stored): the agent's own, or any for staff."""
    if actor.role == "agent":
        require(actor, "salary.own")
        own = directory.my_agent(db, actor)
        if own is None:
            return None
        if agent_id is not None and agent_id != own["id"]:
            raise PermissionDenied(f"salary.own:{agent_id}")
        agent_id = own["id"]
    else:
        require(actor, "salary.read")
        if agent_id is None:
            raise ValidationError.single("salary.agent", "err.required")
    day = today or config.today()
    found = compute_month(db, month_of(day), end=day, agent_ids=[agent_id])
    if not found:
        return None
    return {**found[0], "status": "estimate"}


# --- what a statement's figures mean --------------------------------------------------------------------------

INDEX_INPUTS = {
    "service_quality_index": ("exam_score", "qa_score"),
    "training_index": ("exam_score",),
    "volume_index": ("volume_target",),
}


def _grading(db: sqlite_utils.Database, statement: dict[str, Any]) -> dict[str, Decimal] | None:
    """The grade thresholds the statement was graded by (kept with it; a statement stored before that reads its scheme version)."""
    kept = statement["summary"].get("grading")
    if kept:
        return {name: rules.dec(kept[name]) for name in rules.GRADES}
    segments = statement["summary"].get("segments") or []
    if not segments:
        return None
    row = one(
        db,
        "SELECT data FROM salary_scheme_versions WHERE scheme_id = ? AND version = ?",
        [segments[-1]["scheme_id"], segments[-1]["version"]],
    )
    if row is None:
        return None
    data = json.loads(row["data"])
    return {name: rules.dec(data[f"grade_{name}"]) for name in rules.GRADES}


def _weights(statement: dict[str, Any]) -> dict[str, Decimal]:
    """The largest weight each KPI has in any of the statement's segments (its scheme's KPI list)."""
    weights: dict[str, Decimal] = {}
    for segment in statement["summary"].get("segments") or []:
        for item in segment["kpis"]:
            weights[item["kpi"]] = max(weights.get(item["kpi"], rules.ZERO), rules.dec(item["weight"]))
    return weights


def statement_notes(db: sqlite_utils.Database, statement: dict[str, Any]) -> list[dict[str, Any]]:
    """What the statement's easily misread figures mean, as catalogue keys with their parameters.

    - days: 在岗天数 counts the calendar days on a project team in the period (rest days included),
      by which base and performance are pro-rated; not the attended shifts of 本月考勤.
    - one note per composite index without a value: which input is missing (no exam result, no QA
      review this month, no volume target) and what it does to pay (weighed by the scheme: it
      scores 0 points at its weight; not weighed: no effect).
    - grade: what it depends on (the month's KPI score against the scheme's thresholds) and why
      there is none (the score is below bronze); an estimate's grade is settled at approval.
    Each note: {"key", "params"}; a `*_key` parameter is itself a catalogue key (see render_params).
    """
    notes: list[dict[str, Any]] = []
    estimate = statement.get("status") == "estimate"
    notes.append(
        {
            "key": "salary.note.days_estimate" if estimate else "salary.note.days",
            "params": {
                "days": statement["days"],
                "month_days": statement["month_days"],
                "start": statement["start"],
                "end": statement["end"],
            },
        }
    )
    inputs = statement["summary"].get("index_inputs") or {}
    weights = _weights(statement)
    for name, index in (statement["summary"].get("indices") or {}).items():
        if index["value"] is not None:
            continue
        missing = []
        for needed in INDEX_INPUTS.get(name, ()):
            if needed == "volume_target":
                missing.append("salary.note.missing.volume_target")
            elif needed == "qa_score" and "qa_score" not in inputs:
                if (
                    inputs.get("exam_score") is not None
                ):  # stored before the QA score was kept: the exam is there, so QA is missing
                    missing.append("salary.note.missing.qa_score")
            elif inputs.get(needed) is None:
                missing.append(f"salary.note.missing.{needed}")
        weight = weights.get(name)
        effect = (
            {"key": "salary.note.effect_weighed", "params": {"weight": rules.fmt_pct(weight, 0)}}
            if weight
            else {"key": "salary.note.effect_not_weighed", "params": {}}
        )
        notes.append(
            {
                "key": "salary.note.index_missing",
                "params": {"index_key": f"salary.kpi.{name}", "missing": missing, "effect": effect},
            }
        )
    grading = _grading(db, statement)
    if grading is not None:
        limits = {name: format(grading[name].normalize(), "f") for name in rules.GRADES}
        score = rules.fmt_num(statement["kpi_score"])
        if statement.get("grade"):
            notes.append(
                {
                    "key": "salary.note.grade",
                    "params": {
                        "score": score,
                        "grade_key": f"salary.grade.{statement['grade']}",
                        "limit": limits[statement["grade"]],
                        **limits,
                    },
                }
            )
        else:
            notes.append({"key": "salary.note.no_grade", "params": {"score": score, **limits}})
        if estimate:
            notes.append({"key": "salary.note.grade_estimate", "params": {}})
    return notes


def note_text(note: dict[str, Any], lang: str) -> str:
    """A statement note in a language (its missing inputs and pay effect written out)."""
    params = dict(note["params"])
    if "missing" in params:
        separator = "、" if lang != "en" else ", "
        params["missing"] = separator.join(i18n.t(k, lang) for k in params["missing"])
        params["effect"] = i18n.t(params["effect"]["key"], lang, **params["effect"]["params"])
    return i18n.t(note["key"], lang, **render_params(params, lang))


# --- exports ----------------------------------------------------------------------------------------------------


def render_params(params: dict[str, Any], lang: str) -> dict[str, Any]:
    """Label parameters as the message needs them: a `<name>_key` parameter is a catalogue key, given translated as `<name>`."""
    return {
        (k[:-4] if k.endswith("_key") else k): (i18n.t(v, lang) if k.endswith("_key") else v) for k, v in params.items()
    }


def cell_text(value: Any, lang: str) -> str:
    """A table cell of an explanation: '@key' is a catalogue key, anything else is shown as it is."""
    text = "" if value is None else str(value)
    return i18n.t(text[1:], lang) if text.startswith("@") else text


def input_text(item: dict[str, Any], lang: str) -> str:
    """An explanation input's value: a catalogue key (with the value after it) or the value itself."""
    key = (item.get("params") or {}).get("key")
    if key:
        translated = i18n.t(key, lang)
        return f"{translated} {item['value']}".strip()
    return item["value"]


def line_label(line: dict[str, Any], lang: str) -> str:
    """A statement line's label in the reader's language."""
    return i18n.t(line["label"], lang, **render_params(line["label_params"], lang))


def payroll_frames(db: sqlite_utils.Database, actor: Actor, run_id: int, lang: str = "zh") -> dict[str, pd.DataFrame]:
    """The month's payroll sheet (one row per agent) and every line with its calculation, for Excel."""
    require(actor, "salary.read")
    run = _run_row(db, run_id)
    t = lambda key, **p: i18n.t(key, lang, **p)  # noqa: E731
    statements = run_statements(db, actor, run_id)
    sheet = pd.DataFrame(
        [
            {
                t("salary.c.employee_no"): s["employee_no"],
                t("salary.c.agent"): s["agent_name"],
                t("salary.c.projects"): s["projects"],
                t("salary.c.days"): s["days"],
                t("salary.c.sales"): float(rules.money(s["sales"])),
                t("salary.c.base"): float(rules.money(s["base"])),
                t("salary.c.commission"): float(rules.money(s["commission"])),
                t("salary.c.performance"): float(rules.money(s["performance"])),
                t("salary.c.bonus"): float(rules.money(s["bonus"])),
                t("salary.c.deductions"): float(rules.money(s["deductions"])),
                t("salary.c.adjustments"): float(rules.money(s["adjustments"])),
                t("salary.c.total"): float(rules.money(s["total"])),
                t("salary.c.kpi_score"): float(rules.round_to(s["kpi_score"])),
                t("salary.c.grade"): t(f"salary.grade.{s['grade']}") if s["grade"] else "",
            }
            for s in statements
        ]
    )
    detail = []
    for s in statements:
        for line in rows(
            db,
            """SELECT l.* FROM pay_lines l JOIN pay_statements s ON s.id = l.statement_id
                                WHERE s.run_id = ? AND s.agent_id = ? ORDER BY l.position""",
            [run_id, s["agent_id"]],
        ):
            explanation = json.loads(line["explanation"])
            detail.append(
                {
                    t("salary.c.employee_no"): s["employee_no"],
                    t("salary.c.agent"): s["agent_name"],
                    t("salary.c.item"): line_label(
                        {"label": line["label"], "label_params": json.loads(line["label_params"])}, lang
                    ),
                    t("salary.c.formula"): t(explanation["formula"]),
                    t("salary.c.calc"): explanation.get("calc", ""),
                    t("salary.c.amount"): float(rules.money(line["amount"])),
                }
            )
    status = t(f"salary.status.{run['status']}")
    return {
        t("salary.sheet.payroll", month=run["month"], status=status): sheet,
        t("salary.sheet.lines"): pd.DataFrame(detail),
    }


def statement_html(statement: dict[str, Any], lang: str = "zh") -> str:
    """A one-page printable statement: every value escaped, fits A4 when printed."""
    t = lambda key, **p: i18n.t(key, lang, **p)  # noqa: E731
    e = documents.escape
    status = t(f"salary.status.{statement.get('status', 'draft')}")
    grade = t(f"salary.grade.{statement['grade']}") if statement.get("grade") else "—"
    meta = [
        (t("salary.c.agent"), statement["agent_name"]),
        (t("salary.c.employee_no"), statement["employee_no"]),
        (t("salary.c.projects"), statement["projects"]),
        (t("salary.c.period"), f"{statement['start']} – {statement['end']}"),
        (t("salary.c.days"), f"{statement['days']} / {statement['month_days']}"),
        (t("salary.c.kpi_score"), rules.fmt_num(statement["kpi_score"])),
        (t("salary.c.grade"), grade),
        (t("salary.c.status"), status),
    ]
    line_rows = "".join(
        f"<tr><td>{e(line_label(l, lang))}</td><td class='calc'>{e(t(l['explanation']['formula']))}<br>{e(l['explanation'].get('calc', ''))}</td>"
        f"<td class='num'>{e(formatting.amount(l['amount']))}</td></tr>"
        for l in statement["lines"]
    )
    kpi_rows = ""
    for segment in statement["summary"].get("segments", []):
        for k in segment["kpis"]:
            unit = schemes.KPIS[k["kpi"]][1]
            actual = fmt_value(unit, rules.dec(k["actual"])) if k["actual"] is not None else t("salary.no_data")
            achievement = rules.fmt_pct(rules.dec(k["achievement"])) if k["achievement"] is not None else "—"
            kpi_rows += (
                f"<tr><td>{e(segment['project'])}</td><td>{e(t('salary.kpi.' + k['kpi']))}</td><td class='num'>{e(actual)}</td>"
                f"<td class='num'>{e(fmt_value(unit, rules.dec(k['target'])))}</td><td class='num'>{e(achievement)}</td>"
                f"<td class='num'>{e(rules.fmt_num(rules.dec(k['points'])))}</td><td class='num'>{e(rules.fmt_pct(rules.dec(k['weight']), 0))}</td></tr>"
            )
    title = t("salary.statement.title", month=statement["month"])
    not_final = None if statement.get("status") == "approved" else t("salary.statement.not_final", status=status)
    body = f"""<h2>{e(t("salary.statement.lines"))}</h2>
<table><tr><th>{e(t("salary.c.item"))}</th><th>{e(t("salary.c.calc"))}</th><th class="num">{e(t("salary.c.amount"))}</th></tr>
{line_rows}
<tr class="total"><td colspan="2">{e(t("salary.c.total"))}</td><td class="num">{e(formatting.amount(statement["total"]))}</td></tr></table>
<h2>{e(t("salary.statement.kpis"))}</h2>
<table><tr><th>{e(t("salary.c.project"))}</th><th>{e(t("salary.c.kpi"))}</th><th class="num">{e(t("salary.c.actual"))}</th>
<th class="num">{e(t("salary.c.target"))}</th><th class="num">{e(t("salary.c.achievement"))}</th><th class="num">{e(t("salary.c.points"))}</th>
<th class="num">{e(t("salary.c.weight"))}</th></tr>{kpi_rows}</table>"""
    footer = t("salary.statement.footer", at=config.now_text())
    return documents.statement(f"{title} · {statement['agent_name']}", title, not_final, meta, body, footer, lang)


# --- charts -----------------------------------------------------------------------------------------------------


def chart_frame(db: sqlite_utils.Database, actor: Actor, run_id: int) -> pd.DataFrame:
    """One row per agent of a run: total, KPI score, grade, main project (for the scatter and the distribution)."""
    found = run_statements(db, actor, run_id)
    return pd.DataFrame(
        [
            {
                "agent": s["agent_name"],
                "employee_no": s["employee_no"],
                "project": s["main_project"] or "",
                "total": float(s["total"]),
                "kpi_score": float(s["kpi_score"]),
                "grade": s["grade"] or "none",
            }
            for s in found
        ],
        columns=["agent", "employee_no", "project", "total", "kpi_score", "grade"],
    )


def _previous_run(db: sqlite_utils.Database, run_id: int) -> dict | None:
    run = _run_row(db, run_id)
    return one(db, "SELECT * FROM pay_runs WHERE month = ?", [previous_month(run["month"])])


def month_over_month(db: sqlite_utils.Database, actor: Actor, run_id: int) -> pd.DataFrame:
    """Per agent: this month's total, last month's, and the change (agents in both runs only)."""
    require(actor, "salary.read")
    previous = _previous_run(db, run_id)
    columns = ["agent", "employee_no", "total", "previous", "change"]
    if previous is None:
        return pd.DataFrame(columns=columns)
    found = rows(
        db,
        """SELECT s.agent_name AS agent, s.employee_no, s.total, p.total AS previous FROM pay_statements s
                        JOIN pay_statements p ON p.agent_id = s.agent_id AND p.run_id = ? WHERE s.run_id = ? ORDER BY s.employee_no""",
        [previous["id"], run_id],
    )
    frame = pd.DataFrame(found, columns=columns[:-1])
    frame["change"] = [
        float(rules.money(rules.dec(a) - rules.dec(b))) for a, b in zip(frame["total"], frame["previous"])
    ]
    return frame[columns]


def kpi_moves(db: sqlite_utils.Database, actor: Actor, run_id: int) -> pd.DataFrame:
    """Per agent: the KPI whose share of performance pay changed most since last month, and by how much."""
    require(actor, "salary.read")
    previous = _previous_run(db, run_id)
    columns = ["agent", "employee_no", "kpi", "change", "this", "previous"]
    if previous is None:
        return pd.DataFrame(columns=columns)
    found = rows(
        db,
        """SELECT s.agent_name, s.employee_no, s.summary, p.summary AS previous FROM pay_statements s
                        JOIN pay_statements p ON p.agent_id = s.agent_id AND p.run_id = ? WHERE s.run_id = ? ORDER BY s.employee_no""",
        [previous["id"], run_id],
    )
    result = []
    for row in found:
        now_pay = json.loads(row["summary"]).get("kpi_pay", {})
        before_pay = json.loads(row["previous"]).get("kpi_pay", {})
        changes = {
            k: rules.dec(now_pay.get(k, "0")) - rules.dec(before_pay.get(k, "0"))
            for k in set(now_pay) | set(before_pay)
        }
        if not changes:
            continue
        kpi = max(sorted(changes), key=lambda k: abs(changes[k]))
        result.append(
            {
                "agent": row["agent_name"],
                "employee_no": row["employee_no"],
                "kpi": kpi,
                "change": float(rules.money(changes[kpi])),
                "this": float(rules.money(now_pay.get(kpi, "0"))),
                "previous": float(rules.money(before_pay.get(kpi, "0"))),
            }
        )
    return pd.DataFrame(result, columns=columns)
