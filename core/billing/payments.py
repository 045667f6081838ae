"""Payments of issued invoices, a merchant's statement (对账单), and the director's receivables (应收账款).

An issued invoice is paid once the payments recorded (each with a date on or after the issue day,
not in the future, and at most what is still outstanding) cover its total. An issued invoice past
its due date and not fully paid is overdue; receivables age the overdue amounts in buckets of
1–30, 31–60 and 61+ days past due.

Access: only the admin (the director) records payments and reads the receivables overview; a
merchant reads its own statement, read-only.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
import sqlite_utils

from core.billing import contracts
from core.billing.invoices import MAX_REASON, MERCHANT_STATUSES, _event, _invoice_row, list_invoices, parse_amount
from core.kernel import audit, config, documents, formatting, i18n, money
from core.kernel.db import one, write
from core.kernel.errors import FieldError, NotFound, ValidationError
from core.kernel.permissions import Actor, is_merchant, require

AGING_BUCKETS = ((1, 30), (31, 60), (61, None))


def record_payment(
    db: sqlite_utils.Database,
    actor: Actor,
    invoice_id: int,
    paid_on: date,
    amount: Any,
    note: str = "",
    today: date | None = None,
) -> None:
    """Record a payment of an issued invoice (date and amount); paid once the total is covered."""
    row = _invoice_row(db, actor, invoice_id, "billing.pay")
    if isinstance(paid_on, datetime):  # a datetime is a date too, but never compares with one
        paid_on = paid_on.date()
    errors: list[FieldError] = []
    if row["status"] != "issued":
        raise ValidationError.single("billing.status", "err.billing.not_issued")
    if not isinstance(paid_on, date):
        errors.append(FieldError("billing.paid_on", "err.required"))
    elif paid_on > (today or config.today()):
        errors.append(FieldError("billing.paid_on", "err.billing.future_payment"))
    elif paid_on.isoformat() < row["issued_at"][:10]:
        errors.append(FieldError("billing.paid_on", "err.billing.paid_before_issue"))
    value = parse_amount(amount)
    outstanding = money.money(row["total"]) - money.money(row["paid_amount"] or 0)
    if value is None or value <= 0:
        errors.append(FieldError("billing.paid_amount", "err.positive"))
    elif value > outstanding:
        errors.append(
            FieldError("billing.paid_amount", "err.billing.overpaid", {"outstanding": formatting.amount(outstanding)})
        )
    if len(note or "") > MAX_REASON:
        errors.append(FieldError("billing.payment_note", "err.too_long", {"n": MAX_REASON}))
    if errors:
        raise ValidationError(errors)
    paid = money.money(row["paid_amount"] or 0) + value
    change = {
        "paid_on": paid_on.isoformat(),
        "paid_amount": float(paid),
        "paid_by": actor.id,
        "payment_note": "; ".join(p for p in (row["payment_note"], (note or "").strip()) if p),
    }
    to = "paid" if paid >= money.money(row["total"]) else "issued"
    with write(db):
        db["billing_invoices"].update(invoice_id, {"status": to, **change})
        _event(db, actor, invoice_id, "pay", f"{paid_on.isoformat()} {formatting.money(value)} {note or ''}".strip())
        audit.record(
            db,
            actor,
            "pay",
            "billing_invoice",
            invoice_id,
            {"status": row["status"], "paid_amount": row["paid_amount"]},
            {"status": to, **change},
        )


# --- reading -----------------------------------------------------------------------------------------------------


def overdue_invoices(db: sqlite_utils.Database, actor: Actor, today: date | None = None) -> list[dict[str, Any]]:
    """Issued invoices past their due date and not fully paid (for the home page's alerts)."""
    return list_invoices(db, actor, overdue_only=True, today=today)


def merchants_billed(db: sqlite_utils.Database, actor: Actor) -> list[dict]:
    """The merchants with a contract the actor may read (for the statement's picker)."""
    require(actor, "billing.read")
    found = contracts.list_contracts(db, actor)
    seen: dict[int, dict] = {}
    for c in found:
        seen.setdefault(c["merchant_id"], {"id": c["merchant_id"], "name": c["merchant_name"]})
    return list(seen.values())


def statement(db: sqlite_utils.Database, actor: Actor, merchant_id: int, today: date | None = None) -> dict[str, Any]:
    """A merchant's statement (对账单): every issued and paid invoice, billed, paid, and the running balance."""
    require(actor, "billing.read")
    if is_merchant(actor) and actor.merchant_id != merchant_id:
        raise NotFound(f"merchant {merchant_id}")
    day = today or config.today()
    merchant = one(db, "SELECT id, name FROM merchants WHERE id = ?", [merchant_id])
    if merchant is None:
        raise NotFound(f"merchant {merchant_id}")
    found = [
        i for i in list_invoices(db, actor, merchant_id=merchant_id, today=day) if i["status"] in MERCHANT_STATUSES
    ]
    found.sort(key=lambda i: (i["month"], i["number"]))
    balance = money.ZERO
    entries = []
    for invoice in found:
        balance += invoice["outstanding"]
        entries.append({**invoice, "balance": balance})
    return {
        "merchant": merchant,
        "as_of": day.isoformat(),
        "invoices": entries,
        "billed": sum((i["total"] for i in found), money.ZERO),
        "paid": sum((i["paid"] for i in found), money.ZERO),
        "outstanding": balance,
        "overdue": sum((i["outstanding"] for i in found if i["overdue"]), money.ZERO),
    }


def receivables(db: sqlite_utils.Database, actor: Actor, today: date | None = None) -> list[dict[str, Any]]:
    """The director's receivables (应收账款).

    Per merchant: billed, paid, outstanding, overdue by age, oldest overdue days.
    """
    require(actor, "billing.receivables")
    day = today or config.today()
    result: dict[int, dict[str, Any]] = {}
    for invoice in list_invoices(db, actor, today=day):
        if invoice["status"] not in MERCHANT_STATUSES:
            continue
        entry = result.setdefault(
            invoice["merchant_id"],
            {
                "merchant_id": invoice["merchant_id"],
                "merchant": invoice["merchant_name"],
                "invoices": 0,
                "billed": money.ZERO,
                "paid": money.ZERO,
                "outstanding": money.ZERO,
                "not_due": money.ZERO,
                **{f"overdue_{a}": money.ZERO for a, _ in AGING_BUCKETS},
                "max_days_overdue": 0,
            },
        )
        entry["invoices"] += 1
        entry["billed"] += invoice["total"]
        entry["paid"] += invoice["paid"]
        entry["outstanding"] += invoice["outstanding"]
        if invoice["overdue"]:
            for low, high in AGING_BUCKETS:
                if invoice["days_overdue"] >= low and (high is None or invoice["days_overdue"] <= high):
                    entry[f"overdue_{low}"] += invoice["outstanding"]
            entry["max_days_overdue"] = max(entry["max_days_overdue"], invoice["days_overdue"])
        else:
            entry["not_due"] += invoice["outstanding"]
    return sorted(result.values(), key=lambda e: (-e["max_days_overdue"], -e["outstanding"], e["merchant"]))


def receivables_totals(found: list[dict[str, Any]]) -> dict[str, Any]:
    """The receivables' totals over merchants: billed, outstanding, overdue (every age), merchants with overdue."""
    return {
        "billed": sum((e["billed"] for e in found), money.ZERO),
        "outstanding": sum((e["outstanding"] for e in found), money.ZERO),
        "overdue": sum((e[f"overdue_{low}"] for e in found for low, _high in AGING_BUCKETS), money.ZERO),
        "merchants_overdue": sum(1 for e in found if e["max_days_overdue"] > 0),
    }


def matching_merchants(found: list[dict[str, Any]], search: str) -> list[dict[str, Any]]:
    """The receivables' entries whose merchant name contains the search text (any case; blank: all)."""
    text = search.strip().lower()
    return [e for e in found if text in e["merchant"].lower()]


# --- documents ------------------------------------------------------------------------------------------------------


def statement_frames(data: dict[str, Any], lang: str = "zh") -> dict[str, pd.DataFrame]:
    """A merchant's statement as an Excel sheet (one row per invoice, with the running balance)."""
    t = i18n.translator(lang)
    columns = [
        "number",
        "month",
        "project",
        "status",
        "issued",
        "due_date",
        "total",
        "paid",
        "outstanding",
        "balance",
        "overdue",
    ]
    frame = pd.DataFrame(
        [
            {
                t("billing.c.number"): i["number"],
                t("billing.c.month"): i["month"],
                t("billing.c.project"): i["project_name"],
                t("billing.c.status"): t(f"billing.status.{i['status']}"),
                t("billing.c.issued"): (i["issued_at"] or "")[:10],
                t("billing.c.due_date"): i["due_date"] or "",
                t("billing.c.total"): float(i["total"]),
                t("billing.c.paid"): float(i["paid"]),
                t("billing.c.outstanding"): float(i["outstanding"]),
                t("billing.c.balance"): float(i["balance"]),
                t("billing.c.overdue"): t("yes") if i["overdue"] else "",
            }
            for i in data["invoices"]
        ],
        columns=[t(f"billing.c.{c}") for c in columns],
    )
    return {t("billing.sheet.statement"): frame}


def statement_html(data: dict[str, Any], lang: str = "zh") -> str:
    """A merchant's statement as a printable A4 page."""
    t = i18n.translator(lang)
    heading = t("billing.statement_title", merchant=data["merchant"]["name"], date=data["as_of"])
    meta = (
        f"{config.COMPANY_NAME} · {t('billing.c.total')} {formatting.money(data['billed'])} · {t('billing.c.paid')}"
        f" {formatting.money(data['paid'])}"
        f" · {t('billing.c.outstanding')} {formatting.money(data['outstanding'])} · {t('billing.c.overdue')}"
        f" {formatting.money(data['overdue'])}"
    )
    return documents.tables_document(heading, meta, statement_frames(data, lang), t("billing.none"))


def receivables_frame(found: list[dict[str, Any]], lang: str = "zh") -> pd.DataFrame:
    """The receivables overview as a table (for the page and Excel)."""
    t = i18n.translator(lang)
    keys = [
        "merchant",
        "invoices",
        "billed",
        "paid",
        "outstanding",
        "not_due",
        "overdue_1",
        "overdue_31",
        "overdue_61",
        "max_days_overdue",
    ]
    return pd.DataFrame(
        [{t(f"billing.r.{k}"): (float(e[k]) if isinstance(e[k], Decimal) else e[k]) for k in keys} for e in found],
        columns=[t(f"billing.r.{k}") for k in keys],
    )
