"""One agent's statement of a month: the computation of its lines, each with its explanation.

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

`compute_month` computes every agent on a team in a month and reports all problems at once; nothing
is stored here (the pay run stores and locks: `core.salary.payrun`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd
import sqlite_utils

from core.complaints import complaints
from core.kernel import formatting, money
from core.kernel.db import rows
from core.kernel.errors import FieldError, ValidationError
from core.kernel.months import month_bounds, month_of
from core.kpi import daily_figures
from core.qa import analytics, settings
from core.salary import attendance, rules, schemes
from core.salary.sources import (
    Inputs,
    Segment,
    composite_indices,
    exam_score,
    sales_total,
    segment_of,
    split_segments,
    training_absences,
)

LINE_KINDS = ("base", "commission", "performance", "bonus", "deduction", "adjustment")


# --- formatting of explanations (language-neutral numbers; labels are catalogue keys) -------------------------


def fmt_value(unit: str, value: Any) -> str:
    """A KPI figure by its unit: yuan, percent, seconds, points; '—' when missing."""
    if value is None:
        return "—"
    if unit == "money":
        return formatting.amount(value)
    if unit == "pct":
        return money.fmt_pct(value)
    if unit == "seconds":
        return f"{money.round_to(value, 1)} s"
    return money.fmt_num(value)


def _input(label: str, value: Any, **params: Any) -> dict[str, Any]:
    return {"label": label, "value": "" if value is None else str(value), "params": params}


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
        "amount": money.money(amount),
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
    monthly = money.dec(own if own is not None else agent["base_salary"])
    amount = money.money(money.prorate(monthly, segment.days, month_days))
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
    sales = sales_total(frame)
    amount, parts = rules.commission(
        sales, data["commission_mode"], data.get("commission_rate") or 0, data.get("commission_tiers")
    )
    terms = " + ".join(f"{formatting.amount(p.base)} × {money.fmt_pct(p.rate)}" for p in parts) or "0.00"
    calc = f"{terms} = {formatting.amount(amount)}"
    cap = data.get("commission_cap")
    if cap is not None and amount > money.dec(cap):
        amount = money.money(cap)
        calc += f" → {formatting.amount(amount)} (cap)"
    tier_rows = [
        [
            formatting.amount(p.lower) + " – " + (formatting.amount(p.upper) if p.upper is not None else "∞"),
            formatting.amount(p.base),
            money.fmt_pct(p.rate),
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
    inputs: Inputs,
    segment: Segment,
    agent_id: int,
    frame: pd.DataFrame,
    attendance_summary: dict,
    segment_complaints: int,
    exam: Decimal | None,
    absences: int,
) -> tuple[dict[str, Decimal | None], dict[str, dict]]:
    """Every KPI a scheme may weigh, for the agent over the segment, and the composite indices' calculations."""
    figures = daily_figures.aggregate(frame) if len(frame) else {}
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
        values[name] = None if value is None or pd.isna(value) else money.dec(value)
    values["sales"] = sales_total(frame) if len(frame) else None
    rate = attendance_summary["rate"]
    values["attendance"] = (
        None if rate is None else money.dec(attendance_summary["worked"]) / money.dec(attendance_summary["scheduled"])
    )
    iqs = analytics.agent_iqs(inputs.db, None, agent_id, segment.start, segment.end, project_id=segment.project_id)
    values["qa_score"] = None if iqs is None else money.dec(iqs)
    handled = money.dec(figures["consultations"]) if len(frame) and figures.get("consultations") is not None else None
    volume_target = money.prorate(segment.data["volume_target"], segment.days, inputs.month_days)
    indices = composite_indices(
        segment.data, exam, values["qa_score"], segment_complaints, absences, handled, volume_target
    )
    for name, index in indices.items():
        values[name] = index["value"]
    return values, indices


def _target(inputs: Inputs, segment: Segment, item: dict, agent: dict) -> tuple[Decimal | None, str, FieldError | None]:
    name = item["kpi"]
    if item.get("target") is not None:
        target = money.dec(item["target"])
        if name in schemes.MONTHLY_TARGETS:
            return money.prorate(target, segment.days, inputs.month_days), "salary.source.scheme_prorated", None
        return target, "salary.source.scheme", None
    if name in daily_figures.TARGETS:
        value = inputs.oc_targets(segment.project_id).get(name)
        if value is not None and value > 0:
            return money.dec(value), "salary.source.order_confirmation", None
    if name == "qa_score":
        return (
            money.dec(settings.project_settings(inputs.db, segment.project_id)["target"]),
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
    inputs: Inputs,
    segment: Segment,
    agent: dict,
    values: dict,
    indices: dict,
) -> tuple[dict[str, Any] | None, Decimal, dict[str, Decimal], list[dict], list[FieldError]]:
    data = segment.data
    cap = money.dec(data["achievement_cap"])
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
            earned = money.ZERO
        else:
            raw, capped = rules.achievement(actual, target, higher, cap)
            earned = rules.points(capped, item["scoring"], data["score_tiers"])
        weight = money.dec(item["weight"])
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
                money.fmt_pct(raw) if raw is not None else "—",
                money.fmt_pct(capped) if capped is not None else "—",
                f"@salary.scoring.{item['scoring']}",
                money.fmt_num(earned),
                money.fmt_pct(weight),
                money.fmt_num(weight * earned),
            ]
        )
    if errors:
        return None, money.ZERO, {}, [], errors
    raw_total, score = rules.kpi_score(weighted)
    monthly = money.dec(data["performance_amount"])
    share = money.prorate(monthly, segment.days, inputs.month_days)
    amount = money.money(share * score / money.HUNDRED)
    contributions: dict[str, Decimal] = {}
    for item, (weight, earned) in zip(data["kpis"], weighted):
        contributions[item["kpi"]] = (amount * weight * earned / raw_total) if raw_total > 0 else money.ZERO
    notes = [
        {"label": f"salary.kpi.{name}", "calc": index["calc"]}
        for name, index in indices.items()
        if any(i["kpi"] == name for i in data["kpis"])
    ]
    if raw_total != score:
        notes.append(
            {"label": "salary.note.score_bounded", "calc": f"{money.fmt_num(raw_total)} → {money.fmt_num(score)}"}
        )
    line = _line(
        "performance",
        "salary.line.performance",
        amount,
        {
            "formula": "salary.f.performance",
            "calc": f"{formatting.amount(monthly)} × {segment.days} / {inputs.month_days} × {money.fmt_num(score)} "
            f"/ 100 = {formatting.amount(amount)}",
            "inputs": [
                *_segment_inputs(segment, inputs.month_days),
                _input("salary.in.performance_amount", formatting.amount(monthly)),
                _input("salary.in.achievement_cap", money.fmt_pct(cap, 0)),
                _input("salary.in.kpi_score", money.fmt_num(score)),
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
    inputs: Inputs, segments: list[Segment], agent_id: int, start: date, end: date, found_complaints: list[dict]
) -> list[dict[str, Any]]:
    lines = []
    for complaint in found_complaints:
        day = date.fromisoformat(complaint["logged_at"][:10])
        segment = segment_of(segments, day)
        amount = money.money(segment.data["deduct_complaint"])
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
                            f"{complaint.get('responsibility_at') or ''} "
                            f"{complaint.get('responsibility_note') or ''}".strip(),
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
    for review in analytics.critical_failures(inputs.db, None, agent_id, start, end):
        day = date.fromisoformat(review["chat_date"])
        segment = segment_of(segments, day)
        amount = money.money(segment.data["deduct_critical"])
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
                            money.fmt_num(review["score"]) if review.get("score") is not None else "—",
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
        segment = segment_of(segments, day)
        setting, label = keys[record["status"]]
        amount = money.money(segment.data[setting])
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


def compute_statement(inputs: Inputs, agent: dict, start: date, end: date) -> dict[str, Any] | None:
    """One agent's statement over [start, end] of the month (None when not on any team); raises ValidationError."""
    segments, errors = split_segments(inputs, agent, start, end)
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
        handled_total += money.dec(frame["consultations"].fillna(0).sum()) if len(frame) else 0
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
    month_score = money.round_to(sum((d * s for d, s in scores), Decimal(0)) / days) if days else money.ZERO
    closing = segments[-1]
    data = closing.data
    grade = rules.grade(
        month_score, {"gold": data["grade_gold"], "silver": data["grade_silver"], "bronze": data["grade_bronze"]}
    )
    if grade and money.dec(data[f"bonus_{grade}"]) > 0:
        bonus = money.money(data[f"bonus_{grade}"])
        lines.append(
            _line(
                "bonus",
                "salary.line.grade_bonus",
                bonus,
                {
                    "formula": "salary.f.grade_bonus",
                    "calc": f"{money.fmt_num(month_score)} ≥ {money.fmt_num(data['grade_' + grade])} → "
                    f"{formatting.amount(bonus)}",
                    "inputs": [
                        _input("salary.in.kpi_score", money.fmt_num(month_score)),
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
    deducted = -sum((line["amount"] for line in deductions), Decimal(0))
    refund = rules.deduction_refund(deducted, data.get("deduction_cap"))
    if refund > 0:
        lines.append(
            _line(
                "adjustment",
                "salary.line.deduction_cap",
                refund,
                {
                    "formula": "salary.f.deduction_cap",
                    "calc": f"{formatting.amount(deducted)} − {formatting.amount(data['deduction_cap'])} = "
                    f"{formatting.amount(refund)}",
                    "inputs": [
                        _input("salary.in.deductions", formatting.amount(deducted)),
                        _input("salary.in.deduction_cap", formatting.amount(data["deduction_cap"])),
                        _input("salary.in.scheme", f"{closing.scheme['name']} v{closing.scheme['version']}"),
                    ],
                    "result": formatting.amount(refund),
                },
            )
        )
    subtotal = sum((line["amount"] for line in lines), Decimal(0))
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
                    "calc": f"{formatting.amount(limit)} − {formatting.amount(subtotal)} = "
                    f"{formatting.amount(adjustment)}",
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
        kind: sum((line["amount"] for line in lines if line["kind"] == kind), Decimal(0)).quantize(money.FEN)
        for kind in LINE_KINDS
    }
    by_project: dict[int, int] = defaultdict(int)
    for segment in segments:
        by_project[segment.project_id] += segment.days
    main_project = max(by_project, key=lambda p: (by_project[p], -p))
    month_iqs = analytics.agent_iqs(inputs.db, None, agent["id"], start, end)  # all the month's projects
    month_indices = composite_indices(
        data,
        exam,
        None if month_iqs is None else money.dec(month_iqs),
        len(found_complaints),
        absences,
        handled_total,
        money.prorate(data["volume_target"], days, month_days),
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
        "total": sum((line["amount"] for line in lines), Decimal(0)).quantize(money.FEN),
        "kpi_score": month_score,
        "grade": grade,
        "sales": total_sales.quantize(money.FEN),
        "summary": {
            "segments": segment_kpis,
            "kpi_pay": {k: str(money.money(v)) for k, v in kpi_pay.items()},
            "indices": {
                name: {"value": None if i["value"] is None else str(money.round_to(i["value"], 4)), "calc": i["calc"]}
                for name, i in month_indices.items()
            },
            "grading": {name: str(money.dec(data[f"grade_{name}"])) for name in rules.GRADES},
            "index_inputs": {
                "exam_score": None if exam is None else str(money.round_to(exam)),
                "qa_score": None if month_iqs is None else str(money.round_to(month_iqs)),
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
    inputs = Inputs(db, month_start, month_end, until)
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
