"""Contracts (合同) of merchants: an accepted quote becomes the project's terms; changes are dated amendments.

A contract carries the dates, payment terms (prepaid monthly / post-paid, days to pay), the
handover plan (gradual for long-term clients: 6 months or more), the surge plan's notice rules
and its terms: seats, service type, hours, weekends, prices, commission rate, minimum fee, the
KPI targets of the confirmed order confirmation and the KPI rebates (a share of the month's
service fee credited when a KPI is worse than its target).

Terms are rows with an effective date (`billing_contract_terms`, never updated or deleted: a
trigger guards it). The original terms take effect on the start date; an amendment takes effect
on its date and carries the whole set of terms from then on. `terms_on(day)` is the row with the
latest effective date on or before the day (a later amendment with the same date wins), so the
app knows which terms applied on any day. An amendment may not take effect in a month whose
invoice has left draft: an issued invoice never changes, so its month's terms must not either.

Access: admins and managers write; a merchant reads its own projects' contracts, read-only.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

import sqlite_utils

from core.billing import rules
from core.kernel import audit, config
from core.kernel.db import one, rows, write
from core.kernel.errors import FieldError, NotFound, ValidationError
from core.kernel.permissions import Actor, PermissionDenied, require, require_project, visible_project_ids
from core.projects import order_confirmation as oc

PAYMENT_TERMS = ("prepaid", "postpaid")
DEFAULT_PAYMENT_DAYS = {"prepaid": 5, "postpaid": 15}
HANDOVER_MODES = ("gradual", "full")
GRADUAL_FROM_MONTHS = 6
REBATE_KPIS: dict[str, bool] = {  # KPI -> higher is better (the KPI engine's figures of the month, rates from counts)
    "response_30s_rate": True,
    "avg_response_s": False,
    "first_response_s": False,
    "conversion_rate": True,
    "satisfaction": True,
}
AMENDABLE = (
    "seats",
    "service_type",
    "hours_start",
    "hours_end",
    "weekends",
    "seat_price",
    "night_surcharge",
    "weekend_surcharge",
    "discount",
    "commission_rate",
    "minimum_fee",
)
MAX_TEXT = 2000


def default_notice_rules() -> list[dict[str, Any]]:
    """The surge plan's notice rules (≤ 30 % more volume: 3 days' notice, ≤ 60 %: 7 days).

    From the staffing model when present.
    """
    try:
        from core.schedule import staffing

        return [{"rise": float(limit), "days": days} for limit, days in staffing.NOTICE_RULES]
    except (ImportError, AttributeError):
        return [{"rise": 0.30, "days": 3}, {"rise": 0.60, "days": 7}]


def kpi_targets(db: sqlite_utils.Database, actor: Actor, project_id: int) -> dict[str, float]:
    """The KPI targets of the project's confirmed order confirmation (the ones a rebate may use)."""
    confirmed = oc.latest_confirmed(db, actor, project_id)
    data = confirmed["data"] if confirmed else {}
    return {kpi: float(data[f"target_{kpi}"]) for kpi in REBATE_KPIS if data.get(f"target_{kpi}") not in (None, "")}


def handover_default(start: date, end: date) -> str:
    """Gradual handover for long-term clients (6 months or more), else all at once."""
    return "gradual" if rules.term_months(start, end) >= GRADUAL_FROM_MONTHS else "full"


def _next_number(db: sqlite_utils.Database, day: date) -> str:
    prefix = f"HT-{day:%Y%m}-"
    row = one(db, "SELECT MAX(number) AS n FROM billing_contracts WHERE number LIKE ?", [prefix + "%"])
    last = int(row["n"].rsplit("-", 1)[1]) if row and row["n"] else 0
    return f"{prefix}{last + 1:03d}"


def _day(value: Any) -> Any:
    """A datetime as its date (a datetime is a date too, but never compares with one); anything else as it is."""
    return value.date() if isinstance(value, datetime) else value


def _rebate_errors(rebates: list[dict[str, Any]], targets: dict[str, float]) -> list[FieldError]:
    errors: list[FieldError] = []
    seen: set[str] = set()
    for index, rebate in enumerate(rebates):
        kpi = rebate.get("kpi")
        if kpi not in REBATE_KPIS or kpi in seen:
            errors.append(FieldError(f"row {index + 1}: billing.rebate_kpi", "err.invalid_choice"))
            continue
        seen.add(kpi)
        if kpi not in targets:
            errors.append(FieldError(f"row {index + 1}: billing.rebate_kpi", "err.billing.no_target"))
        rate = rebate.get("rate")
        if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not 0 < rate <= 0.5:
            errors.append(FieldError(f"row {index + 1}: billing.rebate_rate", "err.billing.rebate_rate"))
    return errors


def create_contract(
    db: sqlite_utils.Database,
    actor: Actor,
    quote_id: int,
    start: date,
    end: date,
    payment_terms: str = "prepaid",
    payment_days: int | None = None,
    handover_mode: str | None = None,
    handover_plan: str = "",
    rebates: list[dict[str, Any]] | None = None,
) -> int:
    """The contract of an accepted quote: its terms from the quote, its KPI targets from the order confirmation."""
    start, end = (_day(d) for d in (start, end))
    quote = one(db, "SELECT * FROM billing_quotes WHERE id = ?", [quote_id])
    if quote is None:
        raise NotFound(f"quote {quote_id}")
    try:
        require_project(db, actor, quote["project_id"], "billing.read")
    except PermissionDenied:
        raise NotFound(f"quote {quote_id}") from None
    require_project(db, actor, quote["project_id"], "billing.contract")
    errors: list[FieldError] = []
    if quote["status"] != "accepted":
        errors.append(FieldError("billing.quote", "err.billing.quote_not_accepted"))
    if one(db, "SELECT id FROM billing_contracts WHERE project_id = ?", [quote["project_id"]]):
        errors.append(FieldError("billing.quote", "err.billing.contract_exists"))
    if not isinstance(start, date):
        errors.append(FieldError("billing.start_date", "err.required"))
    if not isinstance(end, date):
        errors.append(FieldError("billing.end_date", "err.required"))
    elif isinstance(start, date) and end < start:
        errors.append(FieldError("billing.end_date", "err.billing.end_before_start"))
    if payment_terms not in PAYMENT_TERMS:
        errors.append(FieldError("billing.payment_terms", "err.invalid_choice"))
    days = DEFAULT_PAYMENT_DAYS.get(payment_terms, 15) if payment_days is None else payment_days
    if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 90:
        errors.append(FieldError("billing.payment_days", "err.billing.payment_days"))
    if handover_mode is not None and handover_mode not in HANDOVER_MODES:
        errors.append(FieldError("billing.handover_mode", "err.invalid_choice"))
    if len(handover_plan or "") > MAX_TEXT:
        errors.append(FieldError("billing.handover_plan", "err.too_long", {"n": MAX_TEXT}))
    targets = kpi_targets(db, actor, quote["project_id"])
    errors += _rebate_errors(rebates or [], targets)
    if errors:
        raise ValidationError(errors)
    terms = {**json.loads(quote["proposal"])["terms"], "kpi_targets": targets, "rebates": rebates or []}
    mode = handover_mode or handover_default(start, end)
    stamp = config.now_text()
    with write(db):
        record = {
            "number": _next_number(db, start),
            "project_id": quote["project_id"],
            "quote_id": quote_id,
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "payment_terms": payment_terms,
            "payment_days": days,
            "handover_plan": json.dumps({"mode": mode, "text": (handover_plan or "").strip()}, ensure_ascii=False),
            "notice_rules": json.dumps(default_notice_rules()),
            "created_at": stamp,
            "created_by": actor.id,
        }
        contract_id = int(db["billing_contracts"].insert(record).last_pk)
        db["billing_contract_terms"].insert(
            {
                "contract_id": contract_id,
                "seq": 0,
                "effective_from": start.isoformat(),
                "terms": json.dumps(terms, ensure_ascii=False),
                "note": "",
                "created_at": stamp,
                "created_by": actor.id,
            }
        )
        audit.record(db, actor, "create", "billing_contract", contract_id, None, {**record, "terms": terms})
    return contract_id


def _contract_row(db: sqlite_utils.Database, actor: Actor, contract_id: int, action: str) -> dict:
    row = one(db, "SELECT * FROM billing_contracts WHERE id = ?", [contract_id])
    if row is None:
        raise NotFound(f"contract {contract_id}")
    try:
        require_project(db, actor, row["project_id"], "billing.read")
    except PermissionDenied:
        raise NotFound(f"contract {contract_id}") from None
    require_project(db, actor, row["project_id"], action)
    return row


def _terms_rows(db: sqlite_utils.Database, contract_id: int) -> list[dict]:
    return [
        {**r, "terms": json.loads(r["terms"])}
        for r in rows(
            db,
            (
                "SELECT t.*, u.display_name AS created_by_name FROM billing_contract_terms t\n"
                "                                                                       LEFT JOIN users u ON u.id ="
                " t.created_by\n"
                "                                                                       WHERE t.contract_id = ?"
                " ORDER BY"
                " t.effective_from, t.seq"
            ),
            [contract_id],
        )
    ]


def _amend_errors(
    db: sqlite_utils.Database, contract: dict, effective_from: Any, changes: dict[str, Any], note: str
) -> list[FieldError]:
    errors: list[FieldError] = []
    if not isinstance(effective_from, date):
        return [FieldError("billing.effective_from", "err.required")]
    if not contract["start_date"] < effective_from.isoformat() <= contract["end_date"]:
        errors.append(
            FieldError(
                "billing.effective_from",
                "err.billing.amend_outside",
                {"start": contract["start_date"], "end": contract["end_date"]},
            )
        )
    month = f"{effective_from:%Y-%m}"
    locked = one(
        db,
        "SELECT number, status FROM billing_invoices WHERE contract_id = ? AND month >= ? AND status <> 'draft'"
        " ORDER BY month LIMIT 1",
        [contract["id"], month],
    )
    if locked:
        errors.append(FieldError("billing.effective_from", "err.billing.month_invoiced", {"number": locked["number"]}))
    unknown = [k for k in changes if k not in AMENDABLE]
    if unknown or not changes:
        errors.append(FieldError("billing.changes", "err.billing.no_changes"))
    if "seats" in changes and (
        not isinstance(changes["seats"], int) or isinstance(changes["seats"], bool) or not 1 <= changes["seats"] <= 500
    ):
        errors.append(FieldError("billing.seats", "err.billing.seats"))
    if "service_type" in changes and changes["service_type"] not in rules.SERVICE_TYPES:
        errors.append(FieldError("billing.service_type", "err.invalid_choice"))
    for key in ("hours_start", "hours_end"):
        if key in changes:
            try:
                rules.service_hours(changes[key], "00:00")
            except (TypeError, ValueError):
                errors.append(FieldError(f"billing.{key}", "err.time_format"))
    for key in ("seat_price", "minimum_fee"):
        if key in changes and (not isinstance(changes[key], (int, float)) or changes[key] < 0):
            errors.append(FieldError(f"billing.{key}", "err.non_negative"))
    for key in ("night_surcharge", "weekend_surcharge", "discount", "commission_rate"):
        if key in changes and (not isinstance(changes[key], (int, float)) or not 0 <= changes[key] < 1):
            errors.append(FieldError(f"billing.{key}", "err.rate_range"))
    if not (note or "").strip():
        errors.append(FieldError("billing.note", "err.required"))
    elif len(note) > MAX_TEXT:
        errors.append(FieldError("billing.note", "err.too_long", {"n": MAX_TEXT}))
    return errors


def amend(
    db: sqlite_utils.Database, actor: Actor, contract_id: int, effective_from: date, changes: dict[str, Any], note: str
) -> int:
    """Record an amendment: the terms in force on its date with `changes` applied, from that date on."""
    contract = _contract_row(db, actor, contract_id, "billing.contract")
    effective_from = _day(effective_from)
    errors = _amend_errors(db, contract, effective_from, changes, note)
    if errors:
        raise ValidationError(errors)
    before = terms_on(db, actor, contract_id, effective_from)
    after = {
        **before,
        **{
            k: (float(v) if isinstance(v, (int, float)) and k != "seats" and not isinstance(v, bool) else v)
            for k, v in changes.items()
        },
    }
    with write(db):
        seq = one(db, "SELECT MAX(seq) AS s FROM billing_contract_terms WHERE contract_id = ?", [contract_id])["s"] + 1
        row_id = int(
            db["billing_contract_terms"]
            .insert(
                {
                    "contract_id": contract_id,
                    "seq": seq,
                    "effective_from": effective_from.isoformat(),
                    "terms": json.dumps(after, ensure_ascii=False),
                    "note": note.strip(),
                    "created_at": config.now_text(),
                    "created_by": actor.id,
                }
            )
            .last_pk
        )
        audit.record(
            db,
            actor,
            "amend",
            "billing_contract",
            contract_id,
            {k: before.get(k) for k in changes},
            {**{k: after[k] for k in changes}, "effective_from": effective_from.isoformat(), "seq": seq},
        )
    return row_id


def terms_on(db: sqlite_utils.Database, actor: Actor, contract_id: int, day: date) -> dict[str, Any]:
    """The terms that applied on a day (the original terms before the start date are the start's)."""
    _contract_row(db, actor, contract_id, "billing.read")
    found = [r for r in _terms_rows(db, contract_id) if r["effective_from"] <= day.isoformat()]
    chosen = found[-1] if found else _terms_rows(db, contract_id)[0]
    return chosen["terms"]


def segments(db: sqlite_utils.Database, actor: Actor, contract_id: int, start: date, end: date) -> list[dict[str, Any]]:
    """The days of [start, end] the contract served, cut where the terms change.

    [{start, end, days, terms, seq, note}].
    """
    contract = _contract_row(db, actor, contract_id, "billing.read")
    first = max(start, date.fromisoformat(contract["start_date"]))
    last = min(end, date.fromisoformat(contract["end_date"]))
    if first > last:
        return []
    terms_rows = _terms_rows(db, contract_id)
    # the rows in force: for each effective date, the last amendment recorded for it
    by_day: dict[str, dict] = {}
    for row in terms_rows:
        by_day[row["effective_from"]] = row
    ordered = sorted(by_day.values(), key=lambda r: r["effective_from"])
    result: list[dict[str, Any]] = []
    for index, row in enumerate(ordered):
        row_start = date.fromisoformat(row["effective_from"])
        row_end = (
            date.fromisoformat(ordered[index + 1]["effective_from"]) - timedelta(days=1)
            if index + 1 < len(ordered)
            else last
        )
        a, b = max(first, row_start), min(last, row_end)
        if a <= b:
            result.append(
                {
                    "start": a,
                    "end": b,
                    "days": (b - a).days + 1,
                    "terms": row["terms"],
                    "seq": row["seq"],
                    "note": row["note"],
                }
            )
    return result


def _shape(db: sqlite_utils.Database, row: dict) -> dict[str, Any]:
    return {
        **row,
        "handover": json.loads(row["handover_plan"]),
        "notice_rules": json.loads(row["notice_rules"]),
        "terms_history": _terms_rows(db, row["id"]),
    }


def get_contract(db: sqlite_utils.Database, actor: Actor, contract_id: int) -> dict[str, Any]:
    """One contract with its merchant, project, quote number and every terms row (original and amendments)."""
    _contract_row(db, actor, contract_id, "billing.read")
    row = one(
        db,
        (
            "SELECT c.*, p.name AS project_name, p.merchant_id, m.name AS merchant_name, q.number AS quote_number,\n"
            "                            q.version AS quote_version\n"
            "                     FROM billing_contracts c JOIN projects p ON p.id = c.project_id JOIN merchants m"
            " ON m.id"
            " = p.merchant_id\n"
            "                     JOIN billing_quotes q ON q.id = c.quote_id WHERE c.id = ?"
        ),
        [contract_id],
    )
    return _shape(db, row)


def list_contracts(
    db: sqlite_utils.Database, actor: Actor, search: str = "", active_on: date | None = None
) -> list[dict[str, Any]]:
    """The contracts the actor may read, by merchant; `active_on` keeps those running that day."""
    require(actor, "billing.read")
    where, params = ["(c.number LIKE ? OR m.name LIKE ? OR p.name LIKE ?)"], [f"%{search.strip()}%"] * 3
    visible = visible_project_ids(db, actor)
    if visible is not None:
        if not visible:
            return []
        where.append(f"c.project_id IN ({','.join('?' * len(visible))})")
        params += sorted(visible)
    if active_on:
        where.append("c.start_date <= ? AND c.end_date >= ?")
        params += [active_on.isoformat()] * 2
    found = rows(
        db,
        (
            "SELECT c.*, p.name AS project_name, p.merchant_id, m.name AS merchant_name,\n"
            "                                (SELECT COUNT(*) - 1 FROM billing_contract_terms t WHERE t.contract_id"
            " = c.id)"
            " AS amendments\n"
            "                         FROM billing_contracts c JOIN projects p ON p.id = c.project_id JOIN"
            " merchants m ON"
            " m.id = p.merchant_id\n"
            f"                         WHERE {' AND '.join(where)} ORDER BY m.name, p.name"
        ),
        params,
    )
    return [_shape(db, r) for r in found]


def acceptable_quotes(db: sqlite_utils.Database, actor: Actor) -> list[dict]:
    """Accepted quotes of projects that have no contract yet (what a new contract can start from)."""
    require(actor, "billing.contract")
    return rows(
        db,
        (
            "SELECT q.id, q.number, q.version, q.project_id, q.request, p.name AS project_name, m.name AS"
            " merchant_name\n"
            "                       FROM billing_quotes q JOIN projects p ON p.id = q.project_id JOIN merchants m"
            " ON m.id ="
            " p.merchant_id\n"
            "                       WHERE q.status = 'accepted' AND NOT EXISTS (SELECT 1 FROM billing_contracts c WHERE"
            " c.project_id = q.project_id)\n"
            "                       ORDER BY m.name, p.name"
        ),
    )
