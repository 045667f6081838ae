"""Demo data of quotes, contracts and billing: quotes in every status, two contracts, three months of
invoices, one overdue.

Relative to `config.today()` and written through the core functions (with their `today`
parameters set to the day each step would have happened), so it obeys every rule it shows.
The three months are the three before the current one (m1, m2, m3):

- 优品家居 (live): quote accepted, contract from m1's 1st for 12 months, post-paid in 15 days, a
  KPI rebate of 5 % when the month's 30-second rate is under target, an amendment adding two
  seats from m2's 16th (a promotion announced in time);
- 美妆小铺 (live): quote v1 declined, v2 accepted; contract from m1's 16th (a mid-month start),
  prepaid within 5 days; a credit of 200 in m3 for a system outage;
- 鲜果坊 and 潮流服饰: quotes sent; 宠物乐园: declined; 数码先锋: a draft;
- invoices: m1 issued and paid; m2 issued, 优品家居 paid, 美妆小铺 unpaid and overdue; m3: 优品家居
  approved, 美妆小铺 a draft.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlite_utils

from core.accounts import users
from core.billing import contracts, invoices, payments, quotes
from core.kernel import config
from core.kernel.months import month_bounds, month_of
from core.kernel.permissions import Actor
from core.projects import merchants


def demo_months(today: date) -> list[str]:
    """The three months before the current one, oldest first."""
    first = today.replace(day=1)
    months = []
    for _ in range(3):
        first = (first - timedelta(days=1)).replace(day=1)
        months.insert(0, month_of(first))
    return months


def _day(month: str, day: int) -> date:
    start, _ = month_bounds(month)
    return start.replace(day=day)


def _request(db: sqlite_utils.Database, manager: Actor, project_id: int, **changes) -> dict:
    return {**quotes.request_defaults(db, manager, project_id), "term_months": 12, **changes}


def seed(db: sqlite_utils.Database, admin: Actor) -> None:
    """Quotes, contracts and three months of invoices for the demo firm."""
    row = users.find_by_username(db, "manager")
    manager = users.actor_from_row(row) if row else admin
    today = config.today()
    m1, m2, m3 = demo_months(today)
    projects = {p["merchant_name"]: p["id"] for p in merchants.list_projects(db, admin)}
    asked = _day(m1, 1) - timedelta(days=20)

    def quote(name: str, status: str, day: date, **changes) -> int:
        quote_id = quotes.create_quote(
            db, manager, projects[name], _request(db, manager, projects[name], **changes), today=day
        )
        if status != "draft":
            quotes.send_quote(db, manager, quote_id, today=day)
        if status == "accepted":
            quotes.accept_quote(db, manager, quote_id, today=day + timedelta(days=3))
        if status == "declined":
            quotes.decline_quote(db, manager, quote_id, today=day + timedelta(days=3))
        return quote_id

    home = quote("优品家居旗舰店", "accepted", asked)
    beauty_v1 = quote("美妆小铺", "sent", asked, hours_start="09:00", hours_end="02:00", term_months=6)
    quotes.decline_quote(db, manager, beauty_v1, today=asked + timedelta(days=2))
    beauty = quotes.new_version(db, manager, beauty_v1, today=asked + timedelta(days=4))
    quotes.update_draft(
        db,
        manager,
        beauty,
        _request(db, manager, projects["美妆小铺"], hours_start="09:00", hours_end="00:00"),
        note="商家要求取消凌晨时段",
        today=asked + timedelta(days=4),
    )
    quotes.send_quote(db, manager, beauty, today=asked + timedelta(days=4))
    quotes.accept_quote(db, manager, beauty, today=asked + timedelta(days=6))
    quote("鲜果坊", "sent", today - timedelta(days=2), service_type="both")
    quote("潮流服饰", "sent", today - timedelta(days=5))
    quote("宠物乐园", "declined", today - timedelta(days=40))
    quote("数码先锋", "draft", today)

    start_home, start_beauty = _day(m1, 1), _day(m1, 16)
    home_contract = contracts.create_contract(
        db,
        manager,
        home,
        start_home,
        start_home.replace(year=start_home.year + 1) - timedelta(days=1),
        "postpaid",
        15,
        handover_plan="第1周接管30%咨询，第2周60%，第3周起全部；商家原客服留任2周做交接。",
        rebates=[{"kpi": "response_30s_rate", "rate": 0.05}],
    )
    beauty_contract = contracts.create_contract(
        db,
        manager,
        beauty,
        start_beauty,
        start_beauty.replace(year=start_beauty.year + 1) - timedelta(days=1),
        "prepaid",
        5,
    )
    seats = contracts.terms_on(db, manager, home_contract, start_home)["seats"]
    contracts.amend(
        db, manager, home_contract, _day(m2, 16), {"seats": seats + 2}, "大促前加席两名（提前7天通知，符合预案）"
    )

    def bill(month: str, day: date) -> dict[int, int]:
        invoices.run_month(db, manager, month, today=day)
        return {i["contract_id"]: i["id"] for i in invoices.list_invoices(db, manager, month=month, today=day)}

    def settle(invoice_id: int, paid_on: date) -> None:
        invoice = invoices.get_invoice(db, admin, invoice_id, today=paid_on)
        payments.record_payment(db, admin, invoice_id, paid_on, invoice["total"], "银行转账", today=paid_on)

    for month, next_month in ((m1, m2), (m2, m3)):
        issued_on = _day(next_month, 2)
        found = bill(month, _day(next_month, 1))
        for invoice_id in found.values():
            invoices.approve(db, manager, invoice_id)
            invoices.issue(db, manager, invoice_id, today=issued_on)
        settle(found[home_contract], _day(next_month, 12))
        if month == m1:
            settle(found[beauty_contract], _day(next_month, 6))
    invoices.add_credit(db, manager, projects["美妆小铺"], m3, 200, "系统故障停服2小时补偿")
    found = bill(m3, today)
    invoices.approve(db, manager, found[home_contract])
