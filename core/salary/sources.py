"""What one pay computation reads from the store: an agent's segments, KPI days, exams, training absences.

A month is cut, per agent, into segments: consecutive days on one project under one scheme (a day
on two teams belongs to the newer assignment; a project without a scheme for the agent is an
error naming the agent and the project). `Inputs` reads each project's per-agent KPI days and
order-confirmation targets once per run; no access checks here: the callers check. The composite
indices of the KPI spec (service quality, training, volume) are computed here from their inputs,
each with its calculation, None where an input is missing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd
import sqlite_utils

from core.kernel import money
from core.kernel.db import one, rows
from core.kernel.errors import FieldError
from core.kpi import daily_figures, roster_names
from core.salary import schemes

KPI_COLUMNS = [*daily_figures.STORED_METRICS]

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


class Inputs:
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
                f"SELECT day, agent, {', '.join(KPI_COLUMNS)} FROM kpi_agent_daily WHERE project_id = ? "
                "AND day BETWEEN ? AND ?",
                [project_id, self.month_start.isoformat(), self.end.isoformat()],
            )
            frame = pd.DataFrame(data, columns=["day", "agent", *KPI_COLUMNS])
            for column in daily_figures.COUNT_METRICS:
                frame[column] = pd.to_numeric(frame[column], errors="coerce")
            mapping = roster_names.agent_name_map(self.db, project_id)
            frame["agent_id"] = [roster_names.resolve_agent(mapping, name) for name in frame["agent"]]
            self._kpi_rows[project_id] = frame
        return self._kpi_rows[project_id]

    def oc_targets(self, project_id: int) -> dict[str, float]:
        """The targets of the project's confirmed order confirmation, by KPI (as kpi_store.targets reads them)."""
        if project_id not in self._oc:
            row = one(
                self.db,
                "SELECT data FROM order_confirmations WHERE project_id = ? AND status = 'confirmed' "
                "ORDER BY version DESC LIMIT 1",
                [project_id],
            )
            data = json.loads(row["data"]) if row else {}
            self._oc[project_id] = {
                name: float(data[field])
                for name, (field, _) in daily_figures.TARGETS.items()
                if data.get(field) not in (None, "")
            }
        return self._oc[project_id]


def split_segments(inputs: Inputs, agent: dict, start: date, end: date) -> tuple[list[Segment], list[FieldError]]:
    """The agent's days in [start, end] cut by project and scheme; a day on two teams belongs to the newer
    assignment."""
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


def segment_of(segments: list[Segment], day: date) -> Segment:
    """The segment a day falls in (the last one for a day outside every segment)."""
    for segment in segments:
        if segment.start <= day <= segment.end:
            return segment
    before = [s for s in segments if s.end < day]
    return before[-1] if before else segments[0]


def sales_total(frame: pd.DataFrame) -> Decimal:
    return sum((money.dec(v) for v in frame["sales"] if v is not None and not pd.isna(v)), Decimal(0))


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
    values = [money.dec(e["score"]) / money.dec(e["max_score"]) * money.HUNDRED for e in latest.values()]
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


def composite_indices(
    data: dict[str, Any],
    exam: Decimal | None,
    qa_score: Decimal | None,
    complaint_count: int,
    absences: int,
    handled: Decimal | None,
    volume_target: Decimal,
) -> dict[str, dict[str, Any]]:
    """The composite indices of the KPI spec with their calculation (None where an input is missing)."""
    complaint_k, absence_k = money.dec(data["complaint_coefficient"]), money.dec(data["absence_coefficient"])
    result: dict[str, dict[str, Any]] = {}
    if exam is not None and qa_score is not None:
        value = (exam + qa_score) / 2 - complaint_count * complaint_k
        result["service_quality_index"] = {
            "value": value,
            "calc": f"({money.fmt_num(exam)} + {money.fmt_num(qa_score)}) / 2 − "
            f"{complaint_count} × {money.fmt_num(complaint_k)} = {money.fmt_num(value)}",
        }
    else:
        result["service_quality_index"] = {
            "value": None,
            "calc": f"({money.fmt_num(exam) if exam is not None else '—'} + "
            f"{money.fmt_num(qa_score) if qa_score is not None else '—'}) / 2",
        }
    if exam is not None:
        value = exam - absences * absence_k
        result["training_index"] = {
            "value": value,
            "calc": f"{money.fmt_num(exam)} − {absences} × {money.fmt_num(absence_k)} = {money.fmt_num(value)}",
        }
    else:
        result["training_index"] = {"value": None, "calc": "—"}
    if handled is not None and volume_target > 0:
        value = (handled - complaint_count) / volume_target
        result["volume_index"] = {
            "value": value,
            "calc": f"({money.fmt_num(handled, 0)} − {complaint_count}) / "
            f"{money.fmt_num(volume_target)} = {money.fmt_pct(value)}",
        }
    else:
        result["volume_index"] = {"value": None, "calc": "—"}
    return result
