"""Monthly billing of merchants (月度账单): invoices from contract terms and the KPI engine, and their life.

For each contract and month, the days served (the contract's days in the month) are cut where the
terms change (`contracts.segments`), and each segment is billed by its own terms:

- seats: seats × monthly seat price × segment days / days of the month;
- night surcharge: the seat fee × night share of the service hours × night rate, pro-rated alike;
- weekend surcharge: the seat fee × weekend rate, pro-rated alike (when weekends are served);
- term discount: −(seats + surcharges) × discount rate, pro-rated alike;
- commission: the commission rate × the attributed sales of the segment's days, read from the
  KPI engine's stored shop days (`daily_figures.shop_days`, column `sales`: orders attributed to chats);

then, for the month:
- minimum fee: when the service fee (the lines above but commission) is below the minimum fee
  pro-rated to the days served, a top-up line makes it up;
- KPI rebates (if the contract has them): for each, the month's KPI over the days served, rates
  recomputed from the summed counts (30-second rate = fast replies / waits), against the
  contract's target; worse than target (strictly) → −rebate rate × the month's service fee;
- credits granted for the month (`billing_credits`), one negative line each.

Every line is rounded half-up to the fen and carries its explanation (formula, calculation, inputs,
the days behind it); the total is the sum of the rounded lines.

Life of an invoice: draft (recomputed at will) → approved (figures locked) → issued (numbered
document sent, due date = issue day + the contract's payment days; never changes again, guarded by
triggers) → paid (payments recorded with date and amount until the total is covered). An issued
invoice past its due date and not fully paid is overdue. An approved invoice may go back to draft
(with a reason) until it is issued.

Access: admins and managers bill, approve and issue; a merchant reads its own issued and paid
invoices, read-only. Payments, statements and receivables are in `payments`, the printable
invoice in `invoice_documents`.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd
import sqlite_utils

from core.billing import contracts, rules
from core.kernel import audit, config, formatting, money
from core.kernel.db import one, rows, write
from core.kernel.errors import FieldError, NotFound, ValidationError
from core.kernel.months import month_bounds
from core.kernel.permissions import Actor, PermissionDenied, is_merchant, require, require_project, visible_project_ids
from core.kpi import daily_figures

INVOICE_STATUSES = ("draft", "approved", "issued", "paid")
LINE_KINDS = ("seats", "night", "weekend", "discount", "commission", "minimum", "rebate", "credit")
SERVICE_KINDS = ("seats", "night", "weekend", "discount", "minimum")
MERCHANT_STATUSES = ("issued", "paid")
MAX_REASON = 500


def _input(label: str, value: Any) -> dict[str, str]:
    return {"label": label, "value": "" if value is None else str(value)}


def _line(kind: str, amount: Decimal, explanation: dict[str, Any], **params: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "label": f"billing.line.{kind}",
        "label_params": params,
        "amount": money.money(amount),
        "explanation": explanation,
    }


def _segment_inputs(segment: dict, month_days: int) -> list[dict]:
    terms = segment["terms"]
    return [
        _input("billing.in.period", f"{segment['start']} – {segment['end']}"),
        _input("billing.in.days", f"{segment['days']} / {month_days}"),
        _input("billing.in.terms", f"#{segment['seq']}" + (f" {segment['note']}" if segment["note"] else "")),
        _input("billing.in.seats", terms["seats"]),
        _input("billing.in.seat_price", formatting.amount(terms["seat_price"])),
        _input("billing.in.hours", f"{terms['hours_start']}–{terms['hours_end']}"),
    ]


def _sales_days(frame: pd.DataFrame) -> tuple[Decimal, list[list[str]]]:
    total, table = money.ZERO, []
    for record in frame.sort_values("day").to_dict("records") if not frame.empty else []:
        value = record.get("sales")
        amount = money.ZERO if value is None or pd.isna(value) else money.dec(value)
        total += amount
        converted = record.get("converted")
        table.append(
            [
                record["day"],
                "" if converted is None or pd.isna(converted) else str(int(converted)),
                formatting.amount(amount),
            ]
        )
    return total, table


def _segment_lines(segment: dict, month_days: int, frame: pd.DataFrame) -> list[dict[str, Any]]:
    terms, days = segment["terms"], segment["days"]
    fees = rules.monthly_fees(terms)
    period = {"start": segment["start"].isoformat(), "end": segment["end"].isoformat(), "days": days}
    inputs = _segment_inputs(segment, month_days)
    lines: list[dict[str, Any]] = []
    seat_fee = money.money(money.prorate(fees["seats"], days, month_days))
    lines.append(
        _line(
            "seats",
            seat_fee,
            {
                "formula": "billing.f.seats",
                "calc": f"{terms['seats']} × {formatting.amount(terms['seat_price'])} × {days} / {month_days} ="
                f" {formatting.amount(seat_fee)}",
                "inputs": inputs,
            },
            seats=terms["seats"],
            **period,
        )
    )
    if fees["night"]:
        amount = money.money(money.prorate(fees["night"], days, month_days))
        lines.append(
            _line(
                "night",
                amount,
                {
                    "formula": "billing.f.night",
                    "calc": f"{formatting.amount(fees['seats'])} × {money.fmt_pct(fees['night_share'])} ×"
                    f" {money.fmt_pct(terms['night_surcharge'])}"
                    f" × {days} / {month_days} = {formatting.amount(amount)}",
                    "inputs": [
                        *inputs,
                        _input(
                            "billing.in.night_hours",
                            f"{rules.night_hours(terms['hours_start'], terms['hours_end']).normalize()} h",
                        ),
                    ],
                },
                **period,
            )
        )
    if fees["weekend"]:
        amount = money.money(money.prorate(fees["weekend"], days, month_days))
        lines.append(
            _line(
                "weekend",
                amount,
                {
                    "formula": "billing.f.weekend",
                    "calc": f"{formatting.amount(fees['seats'])} × {money.fmt_pct(terms['weekend_surcharge'])} ×"
                    f" {days} / {month_days} = {formatting.amount(amount)}",
                    "inputs": inputs,
                },
                **period,
            )
        )
    if fees["discount"]:
        amount = money.money(money.prorate(fees["discount"], days, month_days))
        lines.append(
            _line(
                "discount",
                amount,
                {
                    "formula": "billing.f.discount",
                    "calc": f"−{formatting.amount(fees['seats'] + fees['night'] + fees['weekend'])} ×"
                    f" {money.fmt_pct(terms['discount'])}"
                    f" × {days} / {month_days} = {formatting.amount(amount)}",
                    "inputs": inputs,
                },
                rate=money.fmt_pct(terms["discount"]),
                **period,
            )
        )
    rate = money.dec(terms.get("commission_rate") or 0)
    if rate > 0:
        sales, table = _sales_days(frame)
        amount = money.money(sales * rate)
        lines.append(
            _line(
                "commission",
                amount,
                {
                    "formula": "billing.f.commission",
                    "calc": f"{formatting.amount(sales)} × {money.fmt_pct(rate)} = {formatting.amount(amount)}",
                    "inputs": [
                        _input("billing.in.period", f"{segment['start']} – {segment['end']}"),
                        _input("billing.in.sales", formatting.amount(sales)),
                        _input("billing.in.commission_rate", money.fmt_pct(rate)),
                        _input("billing.in.source", "kpi_shop_daily.sales"),
                    ],
                    "tables": [
                        {
                            "title": "billing.t.sales_days",
                            "columns": ["billing.c.day", "billing.c.converted", "billing.c.sales"],
                            "rows": table,
                        }
                    ],
                },
                rate=money.fmt_pct(rate),
                **period,
            )
        )
    return lines


def month_kpi(frame: pd.DataFrame, kpi: str) -> Decimal | None:
    """A KPI over the days of a frame of shop days: rates recomputed from the summed counts, never averaged."""
    if frame.empty:
        return None
    sums = daily_figures.aggregate(frame)
    if kpi == "response_30s_rate" and sums.get("waits"):
        return Decimal(int(round(sums["fast_replies"]))) / Decimal(int(round(sums["waits"])))
    if kpi == "conversion_rate" and sums.get("consultations"):
        return Decimal(int(round(sums["converted"]))) / Decimal(int(round(sums["consultations"])))
    value = sums.get(kpi)
    return None if value is None or pd.isna(value) else money.dec(value)


def _kpi_text(kpi: str, value: Any) -> str:
    if value is None:
        return "—"
    if kpi.endswith("_s"):
        return f"{money.dec(value).quantize(Decimal('0.1'))} s"
    return money.fmt_pct(value)


def compute_invoice(db: sqlite_utils.Database, actor: Actor, contract_id: int, month: str) -> dict[str, Any] | None:
    """The invoice of a contract for a month (not stored), or None when the contract served no day of it."""
    require(actor, "billing.run")
    contract = contracts.get_contract(db, actor, contract_id)
    month_start, month_end = month_bounds(month)
    month_days = (month_end - month_start).days + 1
    parts = contracts.segments(db, actor, contract_id, month_start, month_end)
    if not parts:
        return None
    first, last = parts[0]["start"], parts[-1]["end"]
    shop = daily_figures.shop_days(db, actor, contract["project_id"], first, last)
    lines: list[dict[str, Any]] = []
    minimum = money.ZERO
    for segment in parts:
        frame = (
            shop[(shop["day"] >= segment["start"].isoformat()) & (shop["day"] <= segment["end"].isoformat())]
            if not shop.empty
            else shop
        )
        lines += _segment_lines(segment, month_days, frame)
        minimum += money.prorate(segment["terms"].get("minimum_fee") or 0, segment["days"], month_days)
    minimum = money.money(minimum)
    service = sum((line["amount"] for line in lines if line["kind"] in SERVICE_KINDS), money.ZERO)
    if service < minimum:
        lines.append(
            _line(
                "minimum",
                minimum - service,
                {
                    "formula": "billing.f.minimum",
                    "calc": f"{formatting.amount(minimum)} − {formatting.amount(service)} ="
                    f" {formatting.amount(minimum - service)}",
                    "inputs": [
                        _input("billing.in.minimum_prorated", formatting.amount(minimum)),
                        _input("billing.in.service_fee", formatting.amount(service)),
                    ],
                },
            )
        )
        service = minimum
    closing = parts[-1]["terms"]
    targets = closing.get("kpi_targets") or {}
    served = shop  # every served day of the month
    for rebate in closing.get("rebates") or []:
        kpi, rate = rebate["kpi"], money.dec(rebate["rate"])
        higher = contracts.REBATE_KPIS.get(kpi, True)
        actual, target = month_kpi(served, kpi), targets.get(kpi)
        due = rules.rebate_due(actual, target, higher)
        sums = daily_figures.aggregate(served) if not served.empty else {}
        inputs = [
            _input("billing.in.kpi", f"@kpi.m.{kpi}"),
            _input("billing.in.actual", _kpi_text(kpi, actual)),
            _input("billing.in.target", _kpi_text(kpi, target)),
            _input("billing.in.days_measured", len(served)),
            _input("billing.in.rebate_rate", money.fmt_pct(rate)),
            _input("billing.in.service_fee", formatting.amount(service)),
        ]
        if kpi == "response_30s_rate" and sums.get("waits"):
            inputs.insert(
                2, _input("billing.in.counts", f"{int(round(sums['fast_replies']))} / {int(round(sums['waits']))}")
            )
        if not due:
            continue
        amount = -money.money(service * rate)
        lines.append(
            _line(
                "rebate",
                amount,
                {
                    "formula": "billing.f.rebate_higher" if higher else "billing.f.rebate_lower",
                    "calc": f"{_kpi_text(kpi, actual)} {'<' if higher else '>'} {_kpi_text(kpi, target)} →"
                    f" −{formatting.amount(service)} × {money.fmt_pct(rate)}"
                    f" = {formatting.amount(amount)}",
                    "inputs": inputs,
                },
                kpi_key=f"kpi.m.{kpi}",
            )
        )
    for credit in rows(
        db,
        "SELECT * FROM billing_credits WHERE project_id = ? AND month = ? ORDER BY id",
        [contract["project_id"], month],
    ):
        amount = -money.money(credit["amount"])
        lines.append(
            _line(
                "credit",
                amount,
                {
                    "formula": "billing.f.credit",
                    "calc": f"{formatting.amount(amount)}",
                    "inputs": [
                        _input("billing.in.reason", credit["reason"]),
                        _input("billing.in.granted_at", credit["created_at"]),
                    ],
                },
                reason=credit["reason"],
            )
        )
    return {
        "contract_id": contract_id,
        "project_id": contract["project_id"],
        "merchant_id": contract["merchant_id"],
        "month": month,
        "period_start": first.isoformat(),
        "period_end": last.isoformat(),
        "days": sum(p["days"] for p in parts),
        "month_days": month_days,
        "lines": lines,
        "total": sum((line["amount"] for line in lines), money.ZERO).quantize(money.FEN),
    }


# --- the month's run and the invoice's life ------------------------------------------------------------------------


def _next_number(db: sqlite_utils.Database, month: str) -> str:
    prefix = f"ZD-{month.replace('-', '')}-"
    row = one(db, "SELECT MAX(number) AS n FROM billing_invoices WHERE number LIKE ?", [prefix + "%"])
    last = int(row["n"].rsplit("-", 1)[1]) if row and row["n"] else 0
    return f"{prefix}{last + 1:03d}"


def _event(db: sqlite_utils.Database, actor: Actor, invoice_id: int, action: str, note: str = "") -> None:
    db["billing_invoice_events"].insert(
        {"invoice_id": invoice_id, "at": config.now_text(), "by": actor.id, "action": action, "note": note}
    )


def _store(db: sqlite_utils.Database, actor: Actor, computed: dict[str, Any], existing: dict | None) -> int:
    stamp = config.now_text()
    record = {
        k: computed[k]
        for k in ("contract_id", "project_id", "merchant_id", "month", "period_start", "period_end", "days")
    }
    record |= {"status": "draft", "total": float(computed["total"]), "computed_at": stamp, "computed_by": actor.id}
    if existing:
        invoice_id = existing["id"]
        db.execute("DELETE FROM billing_invoice_lines WHERE invoice_id = ?", [invoice_id])
        db["billing_invoices"].update(invoice_id, record)
        audit.record(
            db,
            actor,
            "recompute",
            "billing_invoice",
            invoice_id,
            {"total": existing["total"]},
            {"total": record["total"]},
        )
    else:
        record["number"] = _next_number(db, computed["month"])
        invoice_id = int(db["billing_invoices"].insert(record).last_pk)
        audit.record(db, actor, "create", "billing_invoice", invoice_id, None, record)
    db["billing_invoice_lines"].insert_all(
        [
            {
                "invoice_id": invoice_id,
                "position": index,
                "kind": line["kind"],
                "label": line["label"],
                "label_params": json.dumps(line["label_params"], ensure_ascii=False),
                "amount": float(line["amount"]),
                "explanation": json.dumps(line["explanation"], ensure_ascii=False),
            }
            for index, line in enumerate(computed["lines"])
        ]
    )
    _event(db, actor, invoice_id, "compute")
    return invoice_id


def bill_contract(
    db: sqlite_utils.Database, actor: Actor, contract_id: int, month: str, today: date | None = None
) -> int | None:
    """Compute (or recompute) the draft invoice of one contract for a month; refused once it left draft."""
    require(actor, "billing.run")
    start, _ = month_bounds(month)
    if start > (today or config.today()):
        raise ValidationError.single("billing.month", "err.billing.future_month")
    existing = one(db, "SELECT * FROM billing_invoices WHERE contract_id = ? AND month = ?", [contract_id, month])
    if existing and existing["status"] != "draft":
        raise ValidationError.single("billing.month", "err.billing.invoice_locked", number=existing["number"])
    computed = compute_invoice(db, actor, contract_id, month)
    with write(db):
        if computed is None:
            if existing:
                db.execute("DELETE FROM billing_invoices WHERE id = ?", [existing["id"]])
                audit.record(
                    db, actor, "delete", "billing_invoice", existing["id"], {"number": existing["number"]}, None
                )
            return None
        return _store(db, actor, computed, existing)


def run_month(db: sqlite_utils.Database, actor: Actor, month: str, today: date | None = None) -> dict[str, int]:
    """Bill every contract that served days of the month: drafts (re)computed, approved and later ones left alone."""
    require(actor, "billing.run")
    start, end = month_bounds(month)
    if start > (today or config.today()):
        raise ValidationError.single("billing.month", "err.billing.future_month")
    found = rows(
        db,
        "SELECT id FROM billing_contracts WHERE start_date <= ? AND end_date >= ? ORDER BY id",
        [end.isoformat(), start.isoformat()],
    )
    result = {"computed": 0, "locked": 0}
    with write(db):
        for contract in found:
            existing = one(
                db, "SELECT status FROM billing_invoices WHERE contract_id = ? AND month = ?", [contract["id"], month]
            )
            if existing and existing["status"] != "draft":
                result["locked"] += 1
                continue
            if bill_contract(db, actor, contract["id"], month, today) is not None:
                result["computed"] += 1
    return result


def _invoice_row(db: sqlite_utils.Database, actor: Actor, invoice_id: int, action: str) -> dict:
    row = one(db, "SELECT * FROM billing_invoices WHERE id = ?", [invoice_id])
    if row is None:
        raise NotFound(f"invoice {invoice_id}")
    try:
        require_project(db, actor, row["project_id"], "billing.read")
        if is_merchant(actor) and row["status"] not in MERCHANT_STATUSES:
            raise PermissionDenied("billing.read")
    except PermissionDenied:
        raise NotFound(f"invoice {invoice_id}") from None
    require_project(db, actor, row["project_id"], action)
    return row


def _move(
    db: sqlite_utils.Database,
    actor: Actor,
    invoice_id: int,
    action: str,
    frm: str,
    to: str,
    change: dict[str, Any],
    event: str,
    note: str = "",
) -> None:
    row = _invoice_row(db, actor, invoice_id, action)
    if row["status"] != frm:
        raise ValidationError.single("billing.status", "err.billing.invoice_move", frm=row["status"], to=to)
    with write(db):
        db["billing_invoices"].update(invoice_id, {"status": to, **change})
        _event(db, actor, invoice_id, event, note)
        audit.record(
            db,
            actor,
            event,
            "billing_invoice",
            invoice_id,
            {"status": frm},
            {"status": to, **change, **({"note": note} if note else {})},
        )


def pending_kpi_days(db: sqlite_utils.Database, actor: Actor, invoice_id: int) -> list[str]:
    """Days of the invoice's period whose KPI figures the platform has not settled (延迟统计)."""
    return _pending_days(db, _invoice_row(db, actor, invoice_id, "billing.read"))


def _pending_days(db: sqlite_utils.Database, row: dict) -> list[str]:
    found = daily_figures.pending_in_period(
        db, date.fromisoformat(row["period_start"]), date.fromisoformat(row["period_end"]), [row["project_id"]]
    )
    return sorted(found.get(row["project_id"], {}))


def approve(db: sqlite_utils.Database, actor: Actor, invoice_id: int, accept_pending: bool = False) -> None:
    """Lock a draft's figures (draft → approved). While KPI figures it uses (commission, rebate)
    are pending (延迟统计), approval needs `accept_pending`."""
    row = _invoice_row(db, actor, invoice_id, "billing.approve")
    pending = [] if accept_pending else _pending_days(db, row)
    if pending:
        raise ValidationError.single("billing.pending", "err.pending_figures", days="、".join(pending))
    _move(
        db,
        actor,
        invoice_id,
        "billing.approve",
        "draft",
        "approved",
        {"approved_at": config.now_text(), "approved_by": actor.id},
        "approve",
    )


def reopen(db: sqlite_utils.Database, actor: Actor, invoice_id: int, reason: str) -> None:
    """Send an approved invoice back to draft (before it is issued), with a reason."""
    if not (reason or "").strip():
        raise ValidationError.single("billing.reason", "err.required")
    if len(reason) > MAX_REASON:
        raise ValidationError.single("billing.reason", "err.too_long", n=MAX_REASON)
    _move(
        db,
        actor,
        invoice_id,
        "billing.approve",
        "approved",
        "draft",
        {"approved_at": None, "approved_by": None},
        "reopen",
        reason.strip(),
    )


def issue(db: sqlite_utils.Database, actor: Actor, invoice_id: int, today: date | None = None) -> None:
    """Issue an approved invoice to the merchant: due in the contract's payment days; it never changes again."""
    row = _invoice_row(db, actor, invoice_id, "billing.issue")
    day = today or config.today()
    contract = one(db, "SELECT payment_days FROM billing_contracts WHERE id = ?", [row["contract_id"]])
    due = day + timedelta(days=int(contract["payment_days"]))
    _move(
        db,
        actor,
        invoice_id,
        "billing.issue",
        "approved",
        "issued",
        {
            "issued_at": f"{day.isoformat()} {config.now_text()[11:]}",
            "issued_by": actor.id,
            "due_date": due.isoformat(),
        },
        "issue",
    )


def parse_amount(value: Any) -> Decimal | None:
    """A finite amount in yuan rounded to the fen, or None (NaN and infinity never compare)."""
    try:
        amount = money.money(value)
    except (TypeError, ValueError, ArithmeticError):
        return None
    return amount if amount.is_finite() else None


def add_credit(db: sqlite_utils.Database, actor: Actor, project_id: int, month: str, amount: Any, reason: str) -> int:
    """A credit granted to a merchant for a month (a negative line of that month's invoice when it is next computed)."""
    require_project(db, actor, project_id, "billing.run")
    month_bounds(month)
    errors: list[FieldError] = []
    value = parse_amount(amount)
    if value is None or value <= 0:
        errors.append(FieldError("billing.credit_amount", "err.positive"))
    if not (reason or "").strip():
        errors.append(FieldError("billing.reason", "err.required"))
    elif len(reason) > MAX_REASON:
        errors.append(FieldError("billing.reason", "err.too_long", {"n": MAX_REASON}))
    locked = one(
        db,
        "SELECT number FROM billing_invoices WHERE project_id = ? AND month = ? AND status <> 'draft'",
        [project_id, month],
    )
    if locked:
        errors.append(FieldError("billing.month", "err.billing.invoice_locked", {"number": locked["number"]}))
    if errors:
        raise ValidationError(errors)
    record = {
        "project_id": project_id,
        "month": month,
        "amount": float(value),
        "reason": reason.strip(),
        "created_at": config.now_text(),
        "created_by": actor.id,
    }
    with write(db):
        credit_id = int(db["billing_credits"].insert(record).last_pk)
        audit.record(db, actor, "create", "billing_credit", credit_id, None, record)
    return credit_id


# --- reading -------------------------------------------------------------------------------------------------------


def _overdue(row: dict, today: date) -> bool:
    return row["status"] == "issued" and bool(row["due_date"]) and row["due_date"] < today.isoformat()


def _shape_row(row: dict, today: date) -> dict[str, Any]:
    total, paid = money.money(row["total"]), money.money(row["paid_amount"] or 0)
    outstanding = total - paid if row["status"] in ("issued", "paid") else money.ZERO
    overdue = _overdue(row, today)
    return {
        **row,
        "total": total,
        "paid": paid,
        "outstanding": outstanding,
        "overdue": overdue,
        "days_overdue": (today - date.fromisoformat(row["due_date"])).days if overdue else 0,
    }


INVOICE_SELECT = (
    "SELECT i.*, p.name AS project_name, m.name AS merchant_name, c.number AS contract_number, c.payment_terms\n"
    "                    FROM billing_invoices i JOIN projects p ON p.id = i.project_id JOIN merchants m ON m.id ="
    " i.merchant_id\n"
    "                    JOIN billing_contracts c ON c.id = i.contract_id"
)


def list_invoices(
    db: sqlite_utils.Database,
    actor: Actor,
    month: str | None = None,
    status: str | None = None,
    search: str = "",
    merchant_id: int | None = None,
    overdue_only: bool = False,
    today: date | None = None,
) -> list[dict[str, Any]]:
    """The invoices the actor may read (a merchant: its own issued and paid ones), newest month first."""
    require(actor, "billing.read")
    day = today or config.today()
    where, params = ["(i.number LIKE ? OR m.name LIKE ? OR p.name LIKE ?)"], [f"%{search.strip()}%"] * 3
    visible = visible_project_ids(db, actor)
    if visible is not None:
        if not visible:
            return []
        where.append(f"i.project_id IN ({','.join('?' * len(visible))})")
        params += sorted(visible)
    if is_merchant(actor):
        where.append("i.status IN ('issued','paid')")
    for column, value in (("i.month", month), ("i.status", status), ("i.merchant_id", merchant_id)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    if overdue_only:
        where.append("i.status = 'issued' AND i.due_date < ?")
        params.append(day.isoformat())
    found = rows(db, f"{INVOICE_SELECT} WHERE {' AND '.join(where)} ORDER BY i.month DESC, m.name, p.name", params)
    return [_shape_row(r, day) for r in found]


def get_invoice(db: sqlite_utils.Database, actor: Actor, invoice_id: int, today: date | None = None) -> dict[str, Any]:
    """One invoice with every line (and its explanation) and its history."""
    _invoice_row(db, actor, invoice_id, "billing.read")
    row = one(db, f"{INVOICE_SELECT} WHERE i.id = ?", [invoice_id])
    invoice = _shape_row(row, today or config.today())
    start, end = month_bounds(row["month"])
    invoice["month_days"] = (end - start).days + 1
    invoice["lines"] = [
        {
            "kind": line["kind"],
            "label": line["label"],
            "label_params": json.loads(line["label_params"]),
            "amount": money.money(line["amount"]),
            "explanation": json.loads(line["explanation"]),
        }
        for line in rows(db, "SELECT * FROM billing_invoice_lines WHERE invoice_id = ? ORDER BY position", [invoice_id])
    ]
    invoice["events"] = (
        rows(
            db,
            """SELECT e.*, u.display_name AS by_name FROM billing_invoice_events e LEFT JOIN users u ON u.id = e.by
                                    WHERE e.invoice_id = ? ORDER BY e.id""",
            [invoice_id],
        )
        if not is_merchant(actor)
        else []
    )
    return invoice


def month_summary(db: sqlite_utils.Database, actor: Actor, month: str) -> dict[str, Any]:
    """A month's invoices counted by status, with the month's total."""
    found = list_invoices(db, actor, month=month)
    return {
        "count": len(found),
        "total": sum((i["total"] for i in found), money.ZERO),
        **{status: sum(1 for i in found if i["status"] == status) for status in INVOICE_STATUSES},
    }


def list_credits(db: sqlite_utils.Database, actor: Actor, month: str) -> list[dict]:
    """The credits granted for a month, with the project."""
    require(actor, "billing.run")
    visible = visible_project_ids(db, actor)
    found = rows(
        db,
        (
            "SELECT c.*, p.name AS project_name, m.name AS merchant_name FROM billing_credits c\n"
            "                        JOIN projects p ON p.id = c.project_id JOIN merchants m ON m.id ="
            " p.merchant_id WHERE"
            " c.month = ? ORDER BY c.id"
        ),
        [month],
    )
    return [c for c in found if visible is None or c["project_id"] in visible]
