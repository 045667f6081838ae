"""The after-sales desk's daily registers: reissues (补发登记表), cashbacks (返现登记表) and after-sales cases.

- A reissue row may be saved incomplete (the desk logs what it knows and fills the rest later);
  the day-end export for the warehouse takes complete rows only and lists the incomplete ones.
- A cashback is logged as "to pay" and settled ("paid") by a manager once the shop owner has paid
  it; a good-review cashback is paid once per order.
- An after-sales case follows the shop's handling steps for its type as a checklist; it can be
  marked done only when every step is ticked.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd
import sqlite_utils

from core.kernel import audit, config, excel
from core.kernel.db import one, rows, write
from core.kernel.errors import FieldError, ValidationError
from core.kernel.permissions import Actor, project_row, require, require_project, visible_project_ids

REISSUE_REASONS = ("missing_item", "transit_damage", "quality", "wrong_shipment")
REISSUE_REQUIRED = ("order_no", "buyer_id", "items", "reason")
CASHBACK_REASONS = ("good_review", "compensation")
CASHBACK_STATUSES = ("to_pay", "paid")
MAX_CASHBACK = Decimal("1000.00")
CASE_TYPES = ("not_as_expected", "service_unsatisfied", "missing_item", "late_delivery", "transit_damage", "quality")
CASE_STATUSES = ("open", "done")
# The shop's handling rules per case type: the number of checklist steps (text: as.step.<type>.<n>).
HANDLING_STEPS: dict[str, int] = {
    "not_as_expected": 4,
    "service_unsatisfied": 4,
    "missing_item": 4,
    "late_delivery": 4,
    "transit_damage": 4,
    "quality": 4,
}
MAX_TEXT = 200
MAX_LONG = 2000


def _stamp(now: datetime | None) -> str:
    return (now or config.now()).strftime("%Y-%m-%d %H:%M:%S")


def _project_clause(db: sqlite_utils.Database, actor: Actor, column: str) -> tuple[str, list]:
    visible = visible_project_ids(db, actor)
    if visible is None:
        return "1=1", []
    if not visible:
        return "0=1", []
    return f"{column} IN ({','.join('?' * len(visible))})", sorted(visible)


def _texts(
    data: dict[str, Any], prefix: str, spec: dict[str, tuple[int, bool]]
) -> tuple[dict[str, str], list[FieldError]]:
    clean, errors = {}, []
    for key, (limit, required) in spec.items():
        text = str(data.get(key) or "").strip()
        if required and not text:
            errors.append(FieldError(f"{prefix}.{key}", "err.required"))
        elif len(text) > limit:
            errors.append(FieldError(f"{prefix}.{key}", "err.too_long", {"n": limit}))
        clean[key] = text
    return clean, errors


def _owned(db: sqlite_utils.Database, actor: Actor, table: str, row_id: int, action: str) -> dict:
    return project_row(db, actor, table, row_id, "aftersales.read", action)


# --- reissues ----------------------------------------------------------------------------------------


def missing_fields(row: dict) -> list[str]:
    """The fields a reissue row still lacks before the warehouse can ship it."""
    return [f for f in REISSUE_REQUIRED if not str(row.get(f) or "").strip()]


def _reissue_clean(data: dict[str, Any]) -> tuple[dict[str, str], list[FieldError]]:
    clean, errors = _texts(
        data,
        "reissue",
        {
            "order_no": (MAX_TEXT, False),
            "buyer_id": (MAX_TEXT, False),
            "items": (MAX_LONG, False),
            "note": (MAX_LONG, False),
        },
    )
    reason = str(data.get("reason") or "").strip()
    if reason and reason not in REISSUE_REASONS:
        errors.append(FieldError("reissue.reason", "err.invalid_choice"))
    clean["reason"] = reason
    if not clean["order_no"] and not clean["buyer_id"]:
        errors.append(FieldError("reissue.order_no", "err.as.identify"))
    return clean, errors


def add_reissue(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int,
    data: dict[str, Any],
    day: date | None = None,
    now: datetime | None = None,
) -> int:
    """Log a reissue row for the day (today by default); missing details are allowed and flagged."""
    require_project(db, actor, project_id, "aftersales.write")
    clean, errors = _reissue_clean(data)
    if errors:
        raise ValidationError(errors)
    stamp = _stamp(now)
    record = {
        "project_id": project_id,
        "day": (day or (now or config.now()).date()).isoformat(),
        **clean,
        "logged_by": actor.id,
        "logged_at": stamp,
        "updated_at": stamp,
    }
    with write(db):
        row_id = db["reissues"].insert(record).last_pk
        audit.record(db, actor, "create", "reissue", row_id, None, record)
    return int(row_id)


def update_reissue(db: sqlite_utils.Database, actor: Actor, reissue_id: int, data: dict[str, Any]) -> None:
    """Complete or correct a reissue row."""
    before = _owned(db, actor, "reissues", reissue_id, "aftersales.write")
    clean, errors = _reissue_clean(data)
    if errors:
        raise ValidationError(errors)
    changes = {**clean, "updated_at": config.now_text()}
    with write(db):
        db["reissues"].update(reissue_id, changes)
        audit.record(db, actor, "update", "reissue", reissue_id, before, {**before, **changes})


def delete_reissue(db: sqlite_utils.Database, actor: Actor, reissue_id: int) -> None:
    """Remove a row logged by mistake."""
    before = _owned(db, actor, "reissues", reissue_id, "aftersales.write")
    with write(db):
        db.execute("DELETE FROM reissues WHERE id = ?", [reissue_id])
        audit.record(db, actor, "delete", "reissue", reissue_id, before, None)


def list_reissues(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int | None = None,
    day: date | None = None,
    start: date | None = None,
    end: date | None = None,
    search: str = "",
) -> list[dict]:
    """Reissue rows with their missing fields and whether they are complete."""
    require(actor, "aftersales.read")
    clause, params = _project_clause(db, actor, "r.project_id")
    where = [clause]
    if project_id is not None:
        where.append("r.project_id = ?")
        params.append(project_id)
    if day is not None:
        where.append("r.day = ?")
        params.append(day.isoformat())
    if start is not None:
        where.append("r.day >= ?")
        params.append(start.isoformat())
    if end is not None:
        where.append("r.day <= ?")
        params.append(end.isoformat())
    if search.strip():
        where.append("(r.order_no LIKE ? OR r.buyer_id LIKE ? OR r.items LIKE ?)")
        params += [f"%{search.strip()}%"] * 3
    found = rows(
        db,
        f"""SELECT r.*, p.name AS project_name, u.display_name AS logged_by_name
                         FROM reissues r JOIN projects p ON p.id = r.project_id LEFT JOIN users u ON u.id = r.logged_by
                         WHERE {" AND ".join(where)} ORDER BY r.day DESC, r.id DESC""",
        params,
    )
    return [{**r, "missing": missing_fields(r), "complete": not missing_fields(r)} for r in found]


def warehouse_export(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int,
    day: date,
    headers: dict[str, str] | None = None,
    reason_labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The day-end file for the warehouse: complete rows of the day only; incomplete ones returned to be flagged."""
    require_project(db, actor, project_id, "aftersales.read")
    found = list_reissues(db, actor, project_id=project_id, day=day)
    complete = [r for r in found if r["complete"]]
    incomplete = [r for r in found if not r["complete"]]
    headers = headers or {
        "order_no": "订单号",
        "buyer_id": "买家ID",
        "items": "补发商品",
        "reason": "补发原因",
        "note": "备注",
    }
    labels = reason_labels or {}
    frame = pd.DataFrame(
        [
            {headers[k]: (labels.get(r[k], r[k]) if k == "reason" else r[k]) for k in headers}
            for r in reversed(complete)
        ],
        columns=list(headers.values()),
    )
    return {"complete": complete, "incomplete": incomplete, "xlsx": excel.to_xlsx({day.isoformat(): frame})}


# --- cashbacks ---------------------------------------------------------------------------------------


def parse_amount(value: Any) -> Decimal | None:
    """A yuan amount with at most 2 decimals, or None when it is not one."""
    try:
        amount = Decimal(str(value).strip())
        if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):  # quantize refuses 1E+26 and beyond
            return None
    except (InvalidOperation, ValueError):
        return None
    return amount


def add_cashback(
    db: sqlite_utils.Database, actor: Actor, project_id: int, data: dict[str, Any], now: datetime | None = None
) -> int:
    """Log a cashback to pay: order, buyer, amount (yuan), reason; one good-review cashback per order."""
    require_project(db, actor, project_id, "aftersales.write")
    clean, errors = _texts(
        data, "cashback", {"order_no": (MAX_TEXT, True), "buyer_id": (MAX_TEXT, True), "note": (MAX_LONG, False)}
    )
    amount = parse_amount(data.get("amount"))
    if amount is None:
        errors.append(FieldError("cashback.amount", "err.as.amount"))
    elif not Decimal("0") < amount <= MAX_CASHBACK:
        errors.append(FieldError("cashback.amount", "err.as.amount_range", {"max": f"{MAX_CASHBACK:.2f}"}))
    reason = data.get("reason")
    if reason not in CASHBACK_REASONS:
        errors.append(FieldError("cashback.reason", "err.invalid_choice"))
    elif (
        reason == "good_review"
        and clean["order_no"]
        and one(
            db,
            "SELECT id FROM cashbacks WHERE project_id = ? AND order_no = ? AND reason = 'good_review'",
            [project_id, clean["order_no"]],
        )
    ):
        errors.append(FieldError("cashback.order_no", "err.as.duplicate_cashback"))
    if errors:
        raise ValidationError(errors)
    stamp = _stamp(now)
    record = {
        "project_id": project_id,
        **clean,
        "amount": float(amount),
        "reason": reason,
        "status": "to_pay",
        "logged_by": actor.id,
        "logged_at": stamp,
    }
    with write(db):
        row_id = db["cashbacks"].insert(record).last_pk
        audit.record(db, actor, "create", "cashback", row_id, None, record)
    return int(row_id)


def settle_cashback(
    db: sqlite_utils.Database, actor: Actor, cashback_id: int, note: str = "", now: datetime | None = None
) -> None:
    """Mark a cashback paid once the shop owner has paid it."""
    before = _owned(db, actor, "cashbacks", cashback_id, "aftersales.settle")
    errors: list[FieldError] = []
    if before["status"] == "paid":
        errors.append(FieldError("cashback.status", "err.as.already_paid"))
    if len(note or "") > MAX_LONG:
        errors.append(FieldError("note", "err.too_long", {"n": MAX_LONG}))
    if errors:
        raise ValidationError(errors)
    stamp = _stamp(now)
    changes = {"status": "paid", "paid_at": stamp, "paid_by": actor.id, "settled_note": (note or "").strip()}
    with write(db):
        db["cashbacks"].update(cashback_id, changes)
        audit.record(db, actor, "settle", "cashback", cashback_id, {"status": before["status"]}, changes)


def list_cashbacks(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int | None = None,
    status: str | None = None,
    reason: str | None = None,
    search: str = "",
) -> list[dict]:
    """Cashback rows, to-pay first."""
    require(actor, "aftersales.read")
    clause, params = _project_clause(db, actor, "c.project_id")
    where = [clause]
    for column, value in (("c.project_id", project_id), ("c.status", status), ("c.reason", reason)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if search.strip():
        where.append("(c.order_no LIKE ? OR c.buyer_id LIKE ?)")
        params += [f"%{search.strip()}%"] * 2
    return rows(
        db,
        f"""SELECT c.*, p.name AS project_name, u.display_name AS logged_by_name, pu.display_name AS paid_by_name
                        FROM cashbacks c JOIN projects p ON p.id = c.project_id LEFT JOIN users u ON u.id = c.logged_by
                        LEFT JOIN users pu ON pu.id = c.paid_by
                        WHERE {" AND ".join(where)} ORDER BY c.status = 'paid', c.logged_at DESC, c.id DESC""",
        params,
    )


def cashback_totals(found: list[dict]) -> dict[str, float]:
    """Yuan to pay and paid in a list of cashbacks."""
    to_pay = sum(Decimal(str(c["amount"])) for c in found if c["status"] == "to_pay")
    paid = sum(Decimal(str(c["amount"])) for c in found if c["status"] == "paid")
    return {"to_pay": float(to_pay), "paid": float(paid)}


# --- after-sales cases ---------------------------------------------------------------------------------


def steps_of(case_type: str) -> list[str]:
    """The catalogue keys of a case type's handling steps, in order."""
    return [f"as.step.{case_type}.{n}" for n in range(1, HANDLING_STEPS[case_type] + 1)]


def open_case(
    db: sqlite_utils.Database, actor: Actor, project_id: int, data: dict[str, Any], now: datetime | None = None
) -> int:
    """Open an after-sales case of a type; its handling steps come from the shop's rules."""
    require_project(db, actor, project_id, "aftersales.write")
    clean, errors = _texts(
        data,
        "as_case",
        {"order_no": (MAX_TEXT, False), "buyer_id": (MAX_TEXT, False), "description": (MAX_LONG, False)},
    )
    if data.get("case_type") not in CASE_TYPES:
        errors.append(FieldError("as_case.case_type", "err.invalid_choice"))
    if not clean["order_no"] and not clean["buyer_id"]:
        errors.append(FieldError("as_case.order_no", "err.as.identify"))
    if errors:
        raise ValidationError(errors)
    stamp = _stamp(now)
    record = {
        "project_id": project_id,
        "case_type": data["case_type"],
        **clean,
        "steps_done": "[]",
        "status": "open",
        "logged_by": actor.id,
        "logged_at": stamp,
        "updated_at": stamp,
    }
    with write(db):
        row_id = db["aftersales_cases"].insert(record).last_pk
        audit.record(db, actor, "create", "aftersales_case", row_id, None, record)
    return int(row_id)


def set_steps(db: sqlite_utils.Database, actor: Actor, case_id: int, steps_done: list[int]) -> None:
    """Tick the handling steps done so far (1-based step numbers)."""
    before = _owned(db, actor, "aftersales_cases", case_id, "aftersales.write")
    if before["status"] == "done":
        raise ValidationError.single("as_case.status", "err.as.case_done")
    total = HANDLING_STEPS[before["case_type"]]
    if any(isinstance(s, bool) or not isinstance(s, int) or not 1 <= s <= total for s in steps_done):
        raise ValidationError.single("as_case.steps", "err.invalid_choice")
    done = sorted(set(steps_done))
    with write(db):
        db["aftersales_cases"].update(case_id, {"steps_done": json.dumps(done), "updated_at": config.now_text()})
        audit.record(
            db, actor, "steps", "aftersales_case", case_id, {"steps_done": before["steps_done"]}, {"steps_done": done}
        )


def close_case(db: sqlite_utils.Database, actor: Actor, case_id: int, now: datetime | None = None) -> None:
    """Mark a case done: only when every handling step is ticked."""
    before = _owned(db, actor, "aftersales_cases", case_id, "aftersales.write")
    if before["status"] == "done":
        raise ValidationError.single("as_case.status", "err.as.case_done")
    open_steps = HANDLING_STEPS[before["case_type"]] - len(json.loads(before["steps_done"]))
    if open_steps > 0:
        raise ValidationError.single("as_case.steps", "err.as.steps_open", n=open_steps)
    stamp = _stamp(now)
    with write(db):
        db["aftersales_cases"].update(case_id, {"status": "done", "done_at": stamp, "updated_at": stamp})
        audit.record(db, actor, "close", "aftersales_case", case_id, {"status": "open"}, {"status": "done"})


def list_cases(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int | None = None,
    status: str | None = None,
    case_type: str | None = None,
    search: str = "",
) -> list[dict]:
    """After-sales cases with their ticked steps (a list) and progress 'done / total', open first."""
    require(actor, "aftersales.read")
    clause, params = _project_clause(db, actor, "c.project_id")
    where = [clause]
    for column, value in (("c.project_id", project_id), ("c.status", status), ("c.case_type", case_type)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if search.strip():
        where.append("(c.order_no LIKE ? OR c.buyer_id LIKE ? OR c.description LIKE ?)")
        params += [f"%{search.strip()}%"] * 3
    found = rows(
        db,
        f"""SELECT c.*, p.name AS project_name, u.display_name AS logged_by_name
                         FROM aftersales_cases c JOIN projects p ON p.id = c.project_id """
        f"""LEFT JOIN users u ON u.id = c.logged_by
                         WHERE {" AND ".join(where)} ORDER BY c.status = 'done', c.logged_at DESC, c.id DESC""",
        params,
    )
    return [
        {**c, "steps_done": json.loads(c["steps_done"]), "steps_total": HANDLING_STEPS[c["case_type"]]} for c in found
    ]
