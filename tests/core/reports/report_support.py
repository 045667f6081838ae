"""Helpers of the merchant-report tests: every coded value of a report's sections, and rows that use each one."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, time

import openpyxl

from core.agents import directory
from core.complaints import aftersales, complaints
from core.kernel.permissions import Actor
from core.projects import merchants


def known_codes() -> set[str]:
    """Every code of the core choice tuples a report can carry (collected from core, not listed by hand)."""
    tuples = (
        complaints.CHANNELS,
        complaints.CATEGORIES,
        complaints.SEVERITIES,
        complaints.STATUSES,
        aftersales.REISSUE_REASONS,
        aftersales.CASHBACK_REASONS,
        aftersales.CASHBACK_STATUSES,
        aftersales.CASE_TYPES,
        aftersales.CASE_STATUSES,
        directory.TEAM_ROLES,
        directory.SHIFTS,
        directory.AGENT_STATUSES,
        merchants.PLATFORMS,
        merchants.PROJECT_STATUSES,
    )
    return {code for group in tuples for code in group}


def plant_every_code(db, staff: Actor, project_id: int, day: date) -> None:
    """On `day`: a complaint of every category (every severity, several statuses), a reissue of every reason,
    a cashback of every reason (one paid), an after-sales case of every type (one done)."""
    at = datetime.combine(day, time(10, 0))
    started = False
    for index, category in enumerate(complaints.CATEGORIES):
        number = complaints.log_complaint(
            db,
            staff,
            {
                "project_id": project_id,
                "channel": complaints.CHANNELS[index % len(complaints.CHANNELS)],
                "buyer_id": f"buyer{index}",
                "category": category,
                "description": "买家不满意",
                "severity": complaints.SEVERITIES[index % 3],
            },
            now=at,
        )
        status = db.execute("SELECT status FROM complaints WHERE id = ?", [number]).fetchone()[0]
        if (
            index >= 1 and not started and status == "new"
        ):  # a 服务态度 complaint is escalated on logging: start another
            complaints.advance(db, staff, number, "start", now=at)
            started = True
        if index == 2:
            complaints.advance(db, staff, number, "resolve", "已退款", now=at)
            complaints.advance(db, staff, number, "close", now=at)
    for index, reason in enumerate(aftersales.REISSUE_REASONS):
        aftersales.add_reissue(
            db,
            staff,
            project_id,
            {"order_no": f"R{index}", "buyer_id": "b", "items": "杯子", "reason": reason},
            day=day,
            now=at,
        )
    for index, reason in enumerate(aftersales.CASHBACK_REASONS):
        cashback = aftersales.add_cashback(
            db,
            staff,
            project_id,
            {"order_no": f"C{index}", "buyer_id": "b", "amount": "12.5", "reason": reason},
            now=at,
        )
        if index == 0:
            aftersales.settle_cashback(db, staff, cashback, now=at)
    for index, case_type in enumerate(aftersales.CASE_TYPES):
        case = aftersales.open_case(db, staff, project_id, {"order_no": f"A{index}", "case_type": case_type}, now=at)
        if index == 0:
            aftersales.set_steps(db, staff, case, list(range(1, aftersales.HANDLING_STEPS[case_type] + 1)))
            aftersales.close_case(db, staff, case, now=at)
        elif index == 1:
            aftersales.set_steps(db, staff, case, [1])


def leaks(values, codes: set[str]) -> list[str]:
    """The shown values that are an internal code, carry a snake_case code, or say None/nan."""
    found = []
    for value in values:
        text = "" if value is None else str(value).strip()
        if text in codes or text in ("None", "nan", "NaN", "NaT", "<NA>") or re.search(r"\b(None|nan)\b", text):
            found.append(text)
        elif any(code in text for code in codes if "_" in code):
            found.append(text)
    return found


def xlsx_cells(data: bytes) -> list:
    """Every cell value of every sheet (header rows included)."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
