"""What a statement says to its reader: notes on its easily misread figures, and its texts in a language.

Explanations are stored language-neutral: labels are catalogue keys with parameters (a `<name>_key`
parameter is itself a catalogue key), a table cell '@key' is a catalogue key. This module writes
them out in the reader's language, for the pages and the exports alike.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import sqlite_utils

from core.kernel import i18n, money
from core.kernel.db import one
from core.salary import rules

# --- what a statement's figures mean --------------------------------------------------------------------------

INDEX_INPUTS = {
    "service_quality_index": ("exam_score", "qa_score"),
    "training_index": ("exam_score",),
    "volume_index": ("volume_target",),
}


def _grading(db: sqlite_utils.Database, statement: dict[str, Any]) -> dict[str, Decimal] | None:
    """The grade thresholds the statement was graded by (kept with it; a statement stored before that reads its
    scheme version)."""
    kept = statement["summary"].get("grading")
    if kept:
        return {name: money.dec(kept[name]) for name in rules.GRADES}
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
    return {name: money.dec(data[f"grade_{name}"]) for name in rules.GRADES}


def _weights(statement: dict[str, Any]) -> dict[str, Decimal]:
    """The largest weight each KPI has in any of the statement's segments (its scheme's KPI list)."""
    weights: dict[str, Decimal] = {}
    for segment in statement["summary"].get("segments") or []:
        for item in segment["kpis"]:
            weights[item["kpi"]] = max(weights.get(item["kpi"], money.ZERO), money.dec(item["weight"]))
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
            {"key": "salary.note.effect_weighed", "params": {"weight": money.fmt_pct(weight, 0)}}
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
        score = money.fmt_num(statement["kpi_score"])
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


# --- texts in the reader's language ---------------------------------------------------------------------------


def render_params(params: dict[str, Any], lang: str) -> dict[str, Any]:
    """Label parameters as the message needs them: a `<name>_key` parameter is a catalogue key, given translated as
    `<name>`."""
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
