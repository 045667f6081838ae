"""Price lists and quotes (报价): from the shop's facts and the requested service to seats, a price and a document.

The price list is data: one row per version with the day it takes effect (`billing_price_lists`);
admins and managers edit it on the quotes page, which saves a new row, never changes an old one.
A quote is computed from the price list in force on the day it is made and is kept with the
price list's id, so a later price change never alters a quote.

A quote is a document with a number (QT-20261201-001) and versions: a draft is edited in place;
once sent its content is frozen (a trigger guards it) and a change is a new version (a draft
again, priced on the current list). Status: draft → sent → accepted / declined. An accepted quote
becomes a contract (`core.billing.contracts`). A quote past its valid-until date can no longer be accepted.

Access: admins and managers make, send and record the merchant's answer; a merchant reads the
quotes of its own projects that were sent to it (never drafts), read-only.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd
import sqlite_utils

from core.billing import rules
from core.kernel import audit, config, documents, formatting, i18n, money
from core.kernel.db import one, rows, write
from core.kernel.errors import FieldError, NotFound, ValidationError
from core.kernel.permissions import Actor, PermissionDenied, is_merchant, require, require_project, visible_project_ids
from core.kpi import hourly
from core.projects import merchants
from core.projects import order_confirmation as oc

QUOTE_STATUSES = ("draft", "sent", "accepted", "declined")
MAX_NOTE = 1000

DEFAULT_PRICES: dict[str, Any] = {
    # yuan per seat per month, by service type and hours of service a day (the hours band)
    "seat_prices": {
        "presales": {"8": 4800, "12": 6500, "16": 8200, "24": 11000},
        "aftersales": {"8": 4500, "12": 6000, "16": 7600, "24": 10200},
        "both": {"8": 5200, "12": 7000, "16": 8800, "24": 11800},
    },
    "night_surcharge": 0.20,  # on the seat fee's share of night hours (22:00–08:00)
    "weekend_surcharge": 0.10,  # on the seat fee when Saturdays and Sundays are served
    "commission_rate": 0.01,  # on the month's attributed sales (询单销售额)
    "minimum_fee": 5000,  # the least service fee of a full month
    "term_discounts": [{"months": 6, "rate": 0.05}, {"months": 12, "rate": 0.10}],
    # inquiries one seat handles on a service day (where the project has no scheduling model)
    "seat_daily_capacity": 150,
    "promotion_uplift": dict(rules.PROMOTION_UPLIFT_DEFAULT),
    "validity_days": 15,
}


# --- price lists --------------------------------------------------------------------------------------------------


def default_prices() -> dict[str, Any]:
    """A fresh copy of the standard price list."""
    return copy.deepcopy(DEFAULT_PRICES)


def _number(value: Any) -> float | None:
    """A finite number, or None (NaN would pass every range check, infinity breaks int())."""
    try:
        if value is None or isinstance(value, bool) or str(value).strip() == "":
            return None
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def price_errors(data: dict[str, Any]) -> list[FieldError]:
    """Every problem of a price list's data (prices ≥ 0, rates 0–100 %, capacity > 0)."""
    errors: list[FieldError] = []
    for service in rules.SERVICE_TYPES:
        for band in rules.HOURS_BANDS:
            value = _number((data.get("seat_prices") or {}).get(service, {}).get(str(band)))
            if value is None or value <= 0:
                errors.append(
                    FieldError(
                        f"billing.seat_price.{service}.{band}",
                        "err.billing.positive_price",
                        {"service": service, "band": band},
                    )
                )
    for key in ("night_surcharge", "weekend_surcharge", "commission_rate"):
        value = _number(data.get(key))
        if value is None or not 0 <= value <= 1:
            errors.append(FieldError(f"billing.{key}", "err.rate_range"))
    value = _number(data.get("minimum_fee"))
    if value is None or value < 0:
        errors.append(FieldError("billing.minimum_fee", "err.non_negative"))
    value = _number(data.get("seat_daily_capacity"))
    if value is None or value <= 0:
        errors.append(FieldError("billing.seat_daily_capacity", "err.positive"))
    value = _number(data.get("validity_days"))
    if value is None or value < 1 or value != int(value):
        errors.append(FieldError("billing.validity_days", "err.positive"))
    seen: set[int] = set()
    for index, item in enumerate(data.get("term_discounts") or []):
        months, rate = _number(item.get("months")), _number(item.get("rate"))
        if months is None or months < 1 or months != int(months) or int(months) in seen:
            errors.append(FieldError(f"row {index + 1}: billing.term_months", "err.billing.term_months"))
        else:
            seen.add(int(months))
        if rate is None or not 0 <= rate < 1:
            errors.append(FieldError(f"row {index + 1}: billing.discount", "err.rate_range"))
    return errors


def _clean_prices(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "seat_prices": {
            s: {str(b): float(data["seat_prices"][s][str(b)]) for b in rules.HOURS_BANDS} for s in rules.SERVICE_TYPES
        },
        **{
            k: float(data[k])
            for k in ("night_surcharge", "weekend_surcharge", "commission_rate", "minimum_fee", "seat_daily_capacity")
        },
        "term_discounts": sorted(
            ({"months": int(float(d["months"])), "rate": float(d["rate"])} for d in data.get("term_discounts") or []),
            key=lambda d: d["months"],
        ),
        "promotion_uplift": {
            k: float(v) for k, v in (data.get("promotion_uplift") or rules.PROMOTION_UPLIFT_DEFAULT).items()
        },
        "validity_days": int(float(data["validity_days"])),
    }


def save_price_list(
    db: sqlite_utils.Database, actor: Actor | None, data: dict[str, Any], effective_from: date, note: str = ""
) -> int:
    """A new price list version from a day on (quotes made from that day use it).

    Refuses bad prices with every problem.
    """
    if actor is not None:
        require(actor, "billing.prices")
    errors = price_errors(data)
    if len(note or "") > MAX_NOTE:
        errors.append(FieldError("billing.note", "err.too_long", {"n": MAX_NOTE}))
    if not isinstance(effective_from, date):
        errors.append(FieldError("billing.effective_from", "err.required"))
    if errors:
        raise ValidationError(errors)
    record = {
        "effective_from": effective_from.isoformat(),
        "data": json.dumps(_clean_prices(data), ensure_ascii=False),
        "note": (note or "").strip(),
        "created_at": config.now_text(),
        "created_by": actor.id if actor else None,
    }
    with write(db):
        price_id = int(db["billing_price_lists"].insert(record).last_pk)
        audit.record(db, actor, "create", "billing_price_list", price_id, None, record)
    return price_id


def price_list_on(db: sqlite_utils.Database, day: date) -> dict[str, Any]:
    """The price list in force on a day (the newest that took effect by then).

    The standard one is saved on first use.
    """
    row = one(
        db,
        "SELECT * FROM billing_price_lists WHERE effective_from <= ? ORDER BY effective_from DESC, id DESC LIMIT 1",
        [day.isoformat()],
    )
    if row is None:
        row = one(db, "SELECT * FROM billing_price_lists ORDER BY effective_from, id LIMIT 1")
    if row is None:
        save_price_list(db, None, default_prices(), date(2026, 1, 1), "standard")
        return price_list_on(db, day)
    return {**row, "data": json.loads(row["data"])}


def list_price_lists(db: sqlite_utils.Database, actor: Actor) -> list[dict]:
    """Every price list version, newest first."""
    require(actor, "billing.prices")
    return [
        {**r, "data": json.loads(r["data"])}
        for r in rows(
            db,
            """SELECT p.*, u.display_name AS created_by_name FROM billing_price_lists p
                                                                     LEFT JOIN users u ON u.id = p.created_by
                                                                     ORDER BY p.effective_from DESC, p.id DESC""",
        )
    ]


# --- the quote's computation ------------------------------------------------------------------------------------


def request_defaults(db: sqlite_utils.Database, actor: Actor, project_id: int) -> dict[str, Any]:
    """A quote request prefilled from the merchant's shop facts and the order confirmation (service type and hours)."""
    require_project(db, actor, project_id, "billing.quote")
    project = merchants.get_project(db, actor, project_id)
    merchant = one(db, "SELECT * FROM merchants WHERE id = ?", [project["merchant_id"]])
    current = oc.current(db, actor, project_id)
    data = current["data"] if current else {}
    return {
        "category": merchant["category"],
        "current_presales_agents": merchant["current_presales_agents"],
        "avg_daily_inquiries": merchant["avg_daily_inquiries"] or int(data.get("target_daily_inquiries") or 0),
        "promotion_frequency": merchant["promotion_frequency"] or "none",
        "service_type": data.get("service_type") or "presales",
        "hours_start": data.get("service_hours_start") or "08:00",
        "hours_end": data.get("service_hours_end") or "23:00",
        "weekends": True,
        "term_months": 12,
        "seats": None,
    }


def request_errors(request: dict[str, Any]) -> list[FieldError]:
    """Every problem of a quote request."""
    errors: list[FieldError] = []
    if request.get("service_type") not in rules.SERVICE_TYPES:
        errors.append(FieldError("billing.service_type", "err.invalid_choice"))
    for key in ("hours_start", "hours_end"):
        try:
            rules.service_hours(request.get(key) or "", "00:00")
        except (TypeError, ValueError):
            errors.append(FieldError(f"billing.{key}", "err.time_format"))
    value = request.get("avg_daily_inquiries")
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        errors.append(FieldError("billing.avg_daily_inquiries", "err.billing.inquiries"))
    elif value > merchants.MAX_COUNT:
        errors.append(FieldError("billing.avg_daily_inquiries", "err.max", {"max": merchants.MAX_COUNT}))
    value = request.get("current_presales_agents")
    if value not in (None, "") and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
        errors.append(FieldError("billing.current_presales_agents", "err.non_negative_int"))
    elif isinstance(value, int) and value > merchants.MAX_COUNT:
        errors.append(FieldError("billing.current_presales_agents", "err.max", {"max": merchants.MAX_COUNT}))
    value = request.get("term_months")
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 60:
        errors.append(FieldError("billing.term_months", "err.billing.term_range"))
    seats = request.get("seats")
    if seats is not None and (not isinstance(seats, int) or isinstance(seats, bool) or not 1 <= seats <= 500):
        errors.append(FieldError("billing.seats", "err.billing.seats"))
    if request.get("promotion_frequency", "none") not in merchants.PROMOTION_FREQUENCIES:
        errors.append(FieldError("billing.promotion_frequency", "err.invalid_choice"))
    return errors


def served_hours(start: str, end: str) -> set[int]:
    """The hours of the day a service window touches; a window ending at or before its start runs past midnight."""
    first, last = rules._minutes(start), rules._minutes(end)
    if last <= first:
        last += 24 * 60
    return {(h % 24) for h in range(48) if h * 60 < last and (h + 1) * 60 > first}


def project_staffing(
    db: sqlite_utils.Database, actor: Actor, project_id: int, request: dict[str, Any], today: date
) -> tuple[Callable[[float], int], Decimal] | None:
    """The scheduling model of a project for its seat proposal, where the project has one: its
    scheduling settings saved and chats of the last weeks imported. Returns (agents needed for an
    hour's inquiries by Erlang C, peak factor) or None (the price list's capacity rule then applies).

    The model is the project's own (handling time, concurrency, max occupancy; the order
    confirmation's fast-reply target) without shrinkage: a seat is an agent online, breaks and
    absence are the outsourcer's to cover. The peak factor is the busiest (weekday, hour) of the
    history's baseline within the requested service hours ÷ their average, so seats cover the
    busiest hour rather than the average one.
    """
    from core.schedule import coverage, shift_settings, staffing  # late: roster imports much of the app

    require_project(db, actor, project_id, "billing.quote")
    if one(db, "SELECT 1 AS x FROM schedule_settings WHERE project_id = ?", [project_id]) is None:
        return None
    history = hourly.inquiries(
        db, project_id, today - timedelta(weeks=coverage.HISTORY_WEEKS), today - timedelta(days=1)
    )
    hours = served_hours(request["hours_start"], request["hours_end"])
    values = [volume for (_weekday, hour), volume in staffing.baseline(history).items() if hour in hours]
    if not values or sum(values) <= 0:
        return None
    peak = Decimal(str(max(values))) / (Decimal(str(sum(values))) / len(values))
    model = shift_settings.model_of(shift_settings.settings(db, actor, project_id) | {"shrinkage": 0.0})
    return (lambda volume: staffing.agents_for_hour(volume, model)), peak


def compute(
    prices: dict[str, Any],
    request: dict[str, Any],
    staffing_model: tuple[Callable[[float], int], Decimal] | None = None,
) -> dict[str, Any]:
    """The proposal of a request on a price list: seats (proposed and quoted), the terms and a full month's lines.

    `staffing_model` (from `project_staffing`) replaces the price list's capacity rule for the proposed seats.
    """
    hours = rules.service_hours(request["hours_start"], request["hours_end"])
    per_hour, peak = staffing_model if staffing_model else (None, 1)
    proposal = rules.propose_seats(
        request["avg_daily_inquiries"],
        hours,
        prices["seat_daily_capacity"],
        request.get("promotion_frequency") or "none",
        prices.get("promotion_uplift"),
        per_hour=per_hour,
        peak_factor=peak,
    )
    seats = request.get("seats") or proposal.seats
    price = rules.seat_price(prices, request["service_type"], hours)
    discount = rules.term_discount(prices.get("term_discounts") or [], int(request["term_months"]))
    terms = {
        "seats": int(seats),
        "service_type": request["service_type"],
        "hours_start": request["hours_start"],
        "hours_end": request["hours_end"],
        "weekends": bool(request.get("weekends")),
        "seat_price": float(price),
        "night_surcharge": float(prices["night_surcharge"]),
        "weekend_surcharge": float(prices["weekend_surcharge"]),
        "discount": float(discount),
        "commission_rate": float(prices["commission_rate"]),
        "minimum_fee": float(prices["minimum_fee"]),
    }
    fees = rules.monthly_fees(terms)
    lines = [
        {
            "kind": "seats",
            "amount": money.money(fees["seats"]),
            "calc": f"{seats} × {formatting.amount(price)} = {formatting.amount(fees['seats'])}",
        }
    ]
    if fees["night"]:
        lines.append(
            {
                "kind": "night",
                "amount": money.money(fees["night"]),
                "calc": (
                    f"{formatting.amount(fees['seats'])} × {money.fmt_pct(fees['night_share'])} ×"
                    f" {money.fmt_pct(terms['night_surcharge'])}"
                ),
            }
        )
    if fees["weekend"]:
        lines.append(
            {
                "kind": "weekend",
                "amount": money.money(fees["weekend"]),
                "calc": f"{formatting.amount(fees['seats'])} × {money.fmt_pct(terms['weekend_surcharge'])}",
            }
        )
    if fees["discount"]:
        lines.append(
            {
                "kind": "discount",
                "amount": money.money(fees["discount"]),
                "calc": (
                    f"−{formatting.amount(fees['seats'] + fees['night'] + fees['weekend'])} × {money.fmt_pct(discount)}"
                ),
            }
        )
    subtotal = sum((line["amount"] for line in lines), money.ZERO)
    if subtotal < money.dec(terms["minimum_fee"]):
        lines.append(
            {
                "kind": "minimum",
                "amount": money.money(money.dec(terms["minimum_fee"]) - subtotal),
                "calc": f"{formatting.amount(terms['minimum_fee'])} − {formatting.amount(subtotal)}",
            }
        )
    total = sum((line["amount"] for line in lines), money.ZERO)
    return {
        "hours": str(hours),
        "band": rules.hours_band(hours),
        "night_hours": str(rules.night_hours(request["hours_start"], request["hours_end"])),
        "seats_proposed": proposal.seats,
        "seats": int(seats),
        "seat_method": proposal.method,
        "seat_calc": proposal.calc,
        "inquiries_per_hour": str(proposal.inquiries_per_hour.quantize(money.FEN)),
        "capacity": str(proposal.capacity),
        "uplift": str(proposal.uplift),
        "terms": terms,
        "lines": [{**line, "amount": str(line["amount"])} for line in lines],
        "monthly_total": str(total),
    }


# --- quotes -------------------------------------------------------------------------------------------------------


def _next_number(db: sqlite_utils.Database, day: date) -> str:
    prefix = f"QT-{day:%Y%m%d}-"
    row = one(db, "SELECT MAX(number) AS n FROM billing_quotes WHERE number LIKE ?", [prefix + "%"])
    last = int(row["n"].rsplit("-", 1)[1]) if row and row["n"] else 0
    return f"{prefix}{last + 1:03d}"


def _valid_until(value: Any, prices: dict[str, Any], today: date) -> tuple[date | None, list[FieldError]]:
    if value is None:
        return today + timedelta(days=int(prices["validity_days"])), []
    if not isinstance(value, date):
        return None, [FieldError("billing.valid_until", "err.required")]
    if isinstance(value, datetime):
        value = value.date()
    if value < today:
        return None, [FieldError("billing.valid_until", "err.date_past")]
    return value, []


def _clean_request(request: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "category",
        "current_presales_agents",
        "avg_daily_inquiries",
        "promotion_frequency",
        "service_type",
        "hours_start",
        "hours_end",
        "weekends",
        "term_months",
        "seats",
    )
    clean = {k: request.get(k) for k in keys}
    clean["weekends"] = bool(clean["weekends"])
    clean["promotion_frequency"] = clean["promotion_frequency"] or "none"
    clean["category"] = str(clean["category"] or "")[:200]
    clean["current_presales_agents"] = int(clean["current_presales_agents"] or 0)
    return clean


def _priced(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int,
    request: dict[str, Any],
    valid_until: Any,
    note: str,
    today: date,
) -> tuple[dict[str, Any], dict[str, Any], date]:
    errors = request_errors(request)
    if len(note or "") > MAX_NOTE:
        errors.append(FieldError("billing.note", "err.too_long", {"n": MAX_NOTE}))
    prices = price_list_on(db, today)
    until, problems = _valid_until(valid_until, prices["data"], today)
    errors += problems
    if errors:
        raise ValidationError(errors)
    clean = _clean_request(request)
    model = project_staffing(db, actor, project_id, clean, today)
    return prices, compute(prices["data"], clean, model) | {"request": clean}, until


def preview(
    db: sqlite_utils.Database, actor: Actor, project_id: int, request: dict[str, Any], today: date | None = None
) -> dict[str, Any]:
    """The proposal a request would get today, without saving anything."""
    require_project(db, actor, project_id, "billing.quote")
    day = today or config.today()
    _prices, proposal, _until = _priced(db, actor, project_id, request, None, "", day)
    return proposal


def create_quote(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int,
    request: dict[str, Any],
    valid_until: date | None = None,
    note: str = "",
    today: date | None = None,
) -> int:
    """A new quote (version 1, draft) for a project, priced on today's price list."""
    require_project(db, actor, project_id, "billing.quote")
    day = today or config.today()
    prices, proposal, until = _priced(db, actor, project_id, request, valid_until, note, day)
    with write(db):
        record = {
            "number": _next_number(db, day),
            "version": 1,
            "project_id": project_id,
            "status": "draft",
            "price_list_id": prices["id"],
            "request": json.dumps(proposal.pop("request"), ensure_ascii=False),
            "proposal": json.dumps(proposal, ensure_ascii=False),
            "monthly_total": float(proposal["monthly_total"]),
            "valid_until": until.isoformat(),
            "note": (note or "").strip(),
            "created_at": config.now_text(),
            "created_by": actor.id,
        }
        quote_id = int(db["billing_quotes"].insert(record).last_pk)
        audit.record(db, actor, "create", "billing_quote", quote_id, None, record)
    return quote_id


def _quote_row(db: sqlite_utils.Database, actor: Actor, quote_id: int, action: str) -> dict:
    row = one(db, "SELECT * FROM billing_quotes WHERE id = ?", [quote_id])
    if row is None:
        raise NotFound(f"quote {quote_id}")
    try:
        require_project(db, actor, row["project_id"], "billing.read")
    except PermissionDenied:
        raise NotFound(f"quote {quote_id}") from None
    if is_merchant(actor) and row["status"] == "draft":
        raise NotFound(f"quote {quote_id}")
    require_project(db, actor, row["project_id"], action)
    return row


def update_draft(
    db: sqlite_utils.Database,
    actor: Actor,
    quote_id: int,
    request: dict[str, Any],
    valid_until: date | None = None,
    note: str = "",
    today: date | None = None,
) -> None:
    """Change a draft quote in place (re-priced on today's price list); a sent quote needs a new version."""
    row = _quote_row(db, actor, quote_id, "billing.quote")
    if row["status"] != "draft":
        raise ValidationError.single("billing.status", "err.billing.quote_not_draft")
    day = today or config.today()
    prices, proposal, until = _priced(db, actor, row["project_id"], request, valid_until, note, day)
    change = {
        "price_list_id": prices["id"],
        "request": json.dumps(proposal.pop("request"), ensure_ascii=False),
        "proposal": json.dumps(proposal, ensure_ascii=False),
        "monthly_total": float(proposal["monthly_total"]),
        "valid_until": until.isoformat(),
        "note": (note or "").strip(),
    }
    with write(db):
        db["billing_quotes"].update(quote_id, change)
        audit.record(db, actor, "update", "billing_quote", quote_id, {k: row[k] for k in change}, change)


def new_version(db: sqlite_utils.Database, actor: Actor, quote_id: int, today: date | None = None) -> int:
    """A new draft version of a sent or declined quote.

    Re-priced on today's price list, valid for the list's validity days.
    """
    row = _quote_row(db, actor, quote_id, "billing.quote")
    latest = one(db, "SELECT * FROM billing_quotes WHERE number = ? ORDER BY version DESC LIMIT 1", [row["number"]])
    if latest["status"] in ("draft", "accepted"):
        raise ValidationError.single(
            "billing.status",
            "err.billing.version_exists" if latest["status"] == "draft" else "err.billing.quote_accepted",
        )
    day = today or config.today()
    prices, proposal, until = _priced(db, actor, row["project_id"], json.loads(row["request"]), None, row["note"], day)
    with write(db):
        record = {
            "number": row["number"],
            "version": latest["version"] + 1,
            "project_id": row["project_id"],
            "status": "draft",
            "price_list_id": prices["id"],
            "request": json.dumps(proposal.pop("request"), ensure_ascii=False),
            "proposal": json.dumps(proposal, ensure_ascii=False),
            "monthly_total": float(proposal["monthly_total"]),
            "valid_until": until.isoformat(),
            "note": row["note"],
            "created_at": config.now_text(),
            "created_by": actor.id,
        }
        new_id = int(db["billing_quotes"].insert(record).last_pk)
        audit.record(db, actor, "create", "billing_quote", new_id, None, record)
    return new_id


def _move(
    db: sqlite_utils.Database, actor: Actor, quote_id: int, allowed_from: tuple[str, ...], to: str, today: date | None
) -> None:
    row = _quote_row(db, actor, quote_id, "billing.quote")
    if row["status"] not in allowed_from:
        raise ValidationError.single("billing.status", "err.billing.quote_move", frm=row["status"], to=to)
    day = today or config.today()
    if to in ("sent", "accepted") and row["valid_until"] < day.isoformat():
        raise ValidationError.single("billing.valid_until", "err.billing.quote_expired", until=row["valid_until"])
    if to == "accepted" and one(
        db, "SELECT id FROM billing_quotes WHERE project_id = ? AND status = 'accepted'", [row["project_id"]]
    ):
        raise ValidationError.single("billing.status", "err.billing.project_has_accepted")
    stamp = config.now_text()
    change: dict[str, Any] = {"status": to}
    if to == "sent":
        change["sent_at"] = stamp
    else:
        change |= {"decided_at": stamp, "decided_by": actor.id}
    with write(db):
        if to == "sent":  # an older sent version of the same quote is declined by the newer one
            for older in rows(
                db,
                "SELECT id FROM billing_quotes WHERE number = ? AND status = 'sent' AND id <> ?",
                [row["number"], quote_id],
            ):
                db["billing_quotes"].update(
                    older["id"], {"status": "declined", "decided_at": stamp, "decided_by": actor.id}
                )
                audit.record(
                    db,
                    actor,
                    "update",
                    "billing_quote",
                    older["id"],
                    {"status": "sent"},
                    {"status": "declined", "why": "superseded"},
                )
        db["billing_quotes"].update(quote_id, change)
        audit.record(db, actor, "update", "billing_quote", quote_id, {"status": row["status"]}, change)


def send_quote(db: sqlite_utils.Database, actor: Actor, quote_id: int, today: date | None = None) -> None:
    """Mark a draft as sent to the merchant: its content is frozen from now on."""
    _move(db, actor, quote_id, ("draft",), "sent", today)


def accept_quote(db: sqlite_utils.Database, actor: Actor, quote_id: int, today: date | None = None) -> None:
    """Record the merchant's acceptance of a sent quote that is still valid (one accepted quote per project)."""
    _move(db, actor, quote_id, ("sent",), "accepted", today)


def decline_quote(db: sqlite_utils.Database, actor: Actor, quote_id: int, today: date | None = None) -> None:
    """Record that the merchant declined a sent quote."""
    _move(db, actor, quote_id, ("sent",), "declined", today)


def _shape(row: dict) -> dict[str, Any]:
    return {**row, "request": json.loads(row["request"]), "proposal": json.loads(row["proposal"])}


def get_quote(db: sqlite_utils.Database, actor: Actor, quote_id: int) -> dict[str, Any]:
    """One quote with its request, proposal, project and merchant (a merchant: only sent quotes of its own projects)."""
    _quote_row(db, actor, quote_id, "billing.read")
    row = one(
        db,
        (
            "SELECT q.*, p.name AS project_name, p.merchant_id, m.name AS merchant_name, m.shop_name, m.platform,\n"
            "                            u.display_name AS created_by_name, pl.effective_from AS price_list_from\n"
            "                     FROM billing_quotes q JOIN projects p ON p.id = q.project_id JOIN merchants m ON"
            " m.id ="
            " p.merchant_id\n"
            "                     LEFT JOIN users u ON u.id = q.created_by JOIN billing_price_lists pl ON pl.id ="
            " q.price_list_id\n"
            "                     WHERE q.id = ?"
        ),
        [quote_id],
    )
    return _shape(row)


def list_quotes(
    db: sqlite_utils.Database, actor: Actor, search: str = "", status: str | None = None, project_id: int | None = None
) -> list[dict]:
    """The quotes the actor may read, newest first; a merchant never sees drafts."""
    require(actor, "billing.read")
    where, params = ["(q.number LIKE ? OR m.name LIKE ? OR p.name LIKE ?)"], [f"%{search.strip()}%"] * 3
    visible = visible_project_ids(db, actor)
    if visible is not None:
        if not visible:
            return []
        where.append(f"q.project_id IN ({','.join('?' * len(visible))})")
        params += sorted(visible)
    if is_merchant(actor):
        where.append("q.status <> 'draft'")
    if status:
        where.append("q.status = ?")
        params.append(status)
    if project_id:
        where.append("q.project_id = ?")
        params.append(project_id)
    return [
        _shape(r)
        for r in rows(
            db,
            (
                "SELECT q.*, p.name AS project_name, p.merchant_id, m.name AS merchant_name\n"
                "                                            FROM billing_quotes q JOIN projects p ON p.id ="
                " q.project_id"
                " JOIN merchants m ON m.id = p.merchant_id\n"
                f"                                            WHERE {' AND '.join(where)} ORDER BY q.created_at"
                " DESC, q.id"
                " DESC"
            ),
            params,
        )
    ]


# --- the document: Excel and printable HTML ------------------------------------------------------------------------


def _facts(quote: dict[str, Any], t) -> list[tuple[str, str]]:
    request, proposal = quote["request"], quote["proposal"]
    terms = proposal["terms"]
    return [
        (t("billing.c.merchant"), quote["merchant_name"]),
        (t("billing.c.project"), quote["project_name"]),
        (t("billing.c.category"), request.get("category") or "—"),
        (t("billing.c.current_agents"), str(request.get("current_presales_agents") or 0)),
        (t("billing.c.avg_daily_inquiries"), str(request["avg_daily_inquiries"])),
        (t("billing.c.promotion_frequency"), t(f"promo.{request.get('promotion_frequency') or 'none'}")),
        (t("billing.c.service_type"), t(f"billing.service.{terms['service_type']}")),
        (
            t("billing.c.hours"),
            f"{terms['hours_start']}–{terms['hours_end']} ({money.dec(proposal['hours']).normalize()} h)",
        ),
        (t("billing.c.weekends"), t("yes") if terms["weekends"] else t("no")),
        (t("billing.c.term_months"), str(request["term_months"])),
        (t("billing.c.seats_proposed"), f"{proposal['seats_proposed']} ({proposal['seat_calc']})"),
        (t("billing.c.seats"), str(proposal["seats"])),
        (t("billing.c.seat_price"), f"{formatting.money(terms['seat_price'])} / {t('billing.per_seat_month')}"),
        (t("billing.c.commission_rate"), money.fmt_pct(terms["commission_rate"])),
        (t("billing.c.minimum_fee"), f"{formatting.money(terms['minimum_fee'])}"),
        (t("billing.c.valid_until"), quote["valid_until"]),
    ]


def document_frames(quote: dict[str, Any], lang: str = "zh") -> dict[str, pd.DataFrame]:
    """The quote as Excel sheets: the facts and terms, then a full month's lines."""
    t = i18n.translator(lang)
    head = [
        (t("billing.company"), config.COMPANY_NAME),
        (t("billing.c.number"), f"{quote['number']} v{quote['version']}"),
        (t("billing.c.status"), t(f"billing.quote_status.{quote['status']}")),
    ]
    facts = pd.DataFrame([*head, *_facts(quote, t)], columns=[t("billing.c.item"), t("billing.c.value")])
    lines = pd.DataFrame(
        [
            {
                t("billing.c.item"): t(f"billing.qline.{line['kind']}"),
                t("billing.c.calc"): line["calc"],
                t("billing.c.amount"): float(money.money(line["amount"])),
            }
            for line in quote["proposal"]["lines"]
        ]
        + [
            {
                t("billing.c.item"): t("billing.c.monthly_total"),
                t("billing.c.calc"): "",
                t("billing.c.amount"): float(money.money(quote["proposal"]["monthly_total"])),
            }
        ]
    )
    return {t("billing.sheet.quote"): facts, t("billing.sheet.quote_lines"): lines}


def document_html(quote: dict[str, Any], lang: str = "zh") -> str:
    """The quote as a printable A4 page with the outsourcer's name (every value escaped)."""
    t = i18n.translator(lang)
    frames = document_frames(quote, lang)
    heading = t("billing.quote_title", number=quote["number"], version=quote["version"])
    meta = (
        f"{config.COMPANY_NAME} · {t('billing.c.status')} {t('billing.quote_status.' + quote['status'])} · "
        f"{t('billing.c.valid_until')} {quote['valid_until']} · {t('billing.note_commission')}"
    )
    return documents.tables_document(heading, meta, frames, t("billing.none"))
