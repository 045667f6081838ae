"""Quotes, contracts and monthly billing: every rule with hand-computed figures.

The firm: merchant 优品家居 (project P1, order confirmation targets: 30-second rate 80 %) and
美妆小铺 (P2). The standard price list: pre-sales 16-hour band 8 200 per seat per month, 8-hour
4 800; night 20 %, weekend 10 %; commission 1 %; minimum fee 5 000; 5 % from 6 months, 10 %
from 12; a seat handles 150 inquiries a day. September 2026 has 30 days.
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from decimal import Decimal

import pytest

from core.billing import contracts, invoice_documents, invoices, payments, quotes, rules
from core.kernel import formatting
from core.kernel.db import write
from core.kernel.errors import NotFound, ValidationError
from core.kernel.permissions import PermissionDenied
from tests.core.salary.test_salary_support import project, user

MONTH = "2026-09"
QUOTE_DAY = date(2026, 8, 20)
OCT1 = date(2026, 10, 1)


def shop_row(
    db,
    project_id: int,
    day: str,
    sales: float = 0.0,
    waits: int = 100,
    fast: int = 80,
    consultations: int = 100,
    converted: int = 20,
) -> None:
    """One stored shop day, as an import leaves it (rates stored, counts too)."""
    db["kpi_shop_daily"].insert(
        {
            "project_id": project_id,
            "day": day,
            "consultations": consultations,
            "waits": waits,
            "fast_replies": fast,
            "response_30s_rate": fast / waits if waits else None,
            "avg_response_s": 20.0,
            "first_response_s": 10.0,
            "effective_reply_rate": 1.0,
            "converted": converted,
            "conversion_rate": converted / consultations,
            "sales": sales,
            "items": converted,
            "aov": None,
            "items_per_buyer": 1.0,
            "source": "summary",
            "extra": "{}",
            "settings": "{}",
            "computed_at": "2026-10-01 00:00:00",
        },
        replace=True,
    )


REQUEST = {
    "category": "家居",
    "current_presales_agents": 1,
    "avg_daily_inquiries": 300,
    "promotion_frequency": "none",
    "service_type": "presales",
    "hours_start": "08:00",
    "hours_end": "22:00",
    "weekends": False,
    "term_months": 3,
    "seats": None,
}


@pytest.fixture
def firm(fresh_db, admin):
    db = fresh_db
    manager = user(db, admin, "mgr", "manager")
    targets = {
        "target_response_30s_rate": 0.8,
        "target_conversion_rate": 0.25,
        "target_avg_response_s": 30,
        "target_aov": 100.0,
    }
    m1, p1 = project(db, admin, "优品家居", targets)
    m2, p2 = project(db, admin, "美妆小铺", targets)
    _m3, p3 = project(db, admin, "新店洽谈中", None)  # no confirmed order confirmation yet
    merchant = user(db, admin, "shop", "merchant", m1)
    other = user(db, admin, "shop2", "merchant", m2)
    return type(
        "Firm",
        (),
        {
            "db": db,
            "admin": admin,
            "manager": manager,
            "merchant": merchant,
            "other": other,
            "p1": p1,
            "p2": p2,
            "p3": p3,
            "m1": m1,
            "m2": m2,
        },
    )


def signed(
    firm,
    project_id: int,
    start: date,
    end: date,
    request: dict | None = None,
    rebates: list | None = None,
    payment_days: int = 15,
) -> int:
    """A contract of a quote made, sent and accepted before the start."""
    quote_id = quotes.create_quote(firm.db, firm.manager, project_id, request or REQUEST, today=QUOTE_DAY)
    quotes.send_quote(firm.db, firm.manager, quote_id, today=QUOTE_DAY)
    quotes.accept_quote(firm.db, firm.manager, quote_id, today=QUOTE_DAY)
    return contracts.create_contract(
        firm.db, firm.manager, quote_id, start, end, "postpaid", payment_days, rebates=rebates
    )


def lines(db, actor, invoice_id: int, kind: str) -> list[str]:
    found = invoices.get_invoice(db, actor, invoice_id)["lines"]
    return [str(line["amount"]) for line in found if line["kind"] == kind]


# --- the arithmetic --------------------------------------------------------------------------------------------------


def test_seats_are_daily_inquiries_with_the_promotion_uplift_over_the_seat_capacity_rounded_up():
    assert rules.propose_seats(300, 14, 150).seats == 2  # 300 / 150 = 2.0
    assert rules.propose_seats(301, 14, 150).seats == 3  # 2.01 → 3
    assert rules.propose_seats(300, 14, 150, "weekly").seats == 3  # 300 × 1.3 / 150 = 2.6 → 3
    assert rules.propose_seats(10, 14, 150).seats == 1  # never less than one seat


def test_a_staffing_model_per_hour_replaces_the_capacity_rule():
    seen = []
    proposal = rules.propose_seats(280, 14, 150, per_hour=lambda volume: seen.append(volume) or 4)
    assert seen == [20.0] and proposal.seats == 4 and proposal.method == "model"  # 280 / 14 h = 20 an hour
    seen.clear()
    peak = rules.propose_seats(
        280, 14, 150, per_hour=lambda volume: seen.append(volume) or 6, peak_factor=Decimal("1.5")
    )
    assert seen == [30.0] and peak.seats == 6 and "× 1.50" in peak.calc  # the busiest hour: 20 × 1.5
    seen.clear()
    rules.propose_seats(280, 14, 150, per_hour=lambda volume: seen.append(volume) or 1, peak_factor=Decimal("0.5"))
    assert seen == [20.0]  # a peak is never below the average hour


def test_hours_bands_night_hours_and_windows_past_midnight():
    assert rules.service_hours("08:00", "22:00") == 14 and rules.hours_band(14) == 16
    assert rules.hours_band(8) == 8 and rules.hours_band(Decimal("8.5")) == 12
    assert rules.service_hours("22:00", "08:00") == 10 and rules.night_hours("22:00", "08:00") == 10
    assert rules.night_hours("20:00", "02:00") == 4  # 22:00–02:00
    assert rules.night_hours("08:00", "22:00") == 0
    assert rules.service_hours("00:00", "00:00") == 24


def test_term_discount_is_the_longest_term_reached_and_terms_count_whole_months():
    discounts = [{"months": 6, "rate": 0.05}, {"months": 12, "rate": 0.10}]
    assert rules.term_discount(discounts, 5) == 0
    assert rules.term_discount(discounts, 6) == Decimal("0.05")
    assert rules.term_discount(discounts, 24) == Decimal("0.1")
    assert rules.term_months(date(2026, 1, 1), date(2026, 12, 31)) == 12
    assert rules.term_months(date(2026, 1, 15), date(2027, 1, 14)) == 12
    assert rules.term_months(date(2026, 1, 15), date(2027, 1, 13)) == 11


def test_rebate_is_due_strictly_worse_than_target():
    assert not rules.rebate_due(Decimal("0.8"), 0.8, True)
    assert rules.rebate_due(Decimal("0.799"), 0.8, True)
    assert not rules.rebate_due(Decimal(30), 30, False) and rules.rebate_due(Decimal("30.1"), 30, False)
    assert not rules.rebate_due(None, 0.8, True)


# --- quotes ----------------------------------------------------------------------------------------------------------


def test_quote_prices_a_full_month_from_the_price_list(firm):
    request = {**REQUEST, "hours_start": "09:00", "hours_end": "01:00", "weekends": True, "term_months": 12}
    quote_id = quotes.create_quote(firm.db, firm.manager, firm.p1, request, today=QUOTE_DAY)
    quote = quotes.get_quote(firm.db, firm.manager, quote_id)
    proposal = quote["proposal"]
    # 16 h (band 16: 8 200), 3 night hours (22–01): seats 2 × 8 200 = 16 400; night 16 400 × 3/16 × 20 % = 615;
    # weekend 16 400 × 10 % = 1 640; discount −(16 400 + 615 + 1 640) × 10 % = −1 865.50; total 16 789.50
    assert [(line["kind"], line["amount"]) for line in proposal["lines"]] == [
        ("seats", "16400.00"),
        ("night", "615.00"),
        ("weekend", "1640.00"),
        ("discount", "-1865.50"),
    ]
    assert proposal["monthly_total"] == "16789.50" and quote["monthly_total"] == 16789.5
    assert quote["number"] == "QT-20260820-001" and quote["version"] == 1 and quote["status"] == "draft"
    assert quote["valid_until"] == "2026-09-04"  # 15 days


def test_a_small_quote_is_topped_up_to_the_minimum_fee(firm):
    request = {**REQUEST, "avg_daily_inquiries": 50, "hours_start": "09:00", "hours_end": "17:00"}
    proposal = quotes.preview(firm.db, firm.manager, firm.p1, request, today=QUOTE_DAY)
    assert [(line["kind"], line["amount"]) for line in proposal["lines"]] == [
        ("seats", "4800.00"),
        ("minimum", "200.00"),
    ]


def test_bad_requests_are_refused_with_every_problem(firm):
    with pytest.raises(ValidationError) as caught:
        quotes.create_quote(
            firm.db,
            firm.manager,
            firm.p1,
            {**REQUEST, "avg_daily_inquiries": 0, "hours_end": "25:00", "service_type": "x"},
            today=QUOTE_DAY,
        )
    assert {e.field for e in caught.value.errors} == {
        "billing.avg_daily_inquiries",
        "billing.hours_end",
        "billing.service_type",
    }
    assert firm.db["billing_quotes"].count == 0


def test_a_sent_quote_is_frozen_and_changes_by_a_new_version(firm):
    quote_id = quotes.create_quote(firm.db, firm.manager, firm.p1, REQUEST, today=QUOTE_DAY)
    quotes.send_quote(firm.db, firm.manager, quote_id, today=QUOTE_DAY)
    with pytest.raises(ValidationError):
        quotes.update_draft(firm.db, firm.manager, quote_id, {**REQUEST, "seats": 5}, today=QUOTE_DAY)
    with pytest.raises(sqlite3.DatabaseError):
        firm.db.execute("UPDATE billing_quotes SET monthly_total = 1 WHERE id = ?", [quote_id])
    second = quotes.new_version(firm.db, firm.manager, quote_id, today=QUOTE_DAY)
    quotes.update_draft(firm.db, firm.manager, second, {**REQUEST, "seats": 5}, today=QUOTE_DAY)
    quotes.send_quote(firm.db, firm.manager, second, today=QUOTE_DAY)
    found = {q["version"]: q for q in quotes.list_quotes(firm.db, firm.manager)}
    assert found[1]["status"] == "declined" and found[2]["status"] == "sent" and found[2]["proposal"]["seats"] == 5
    assert found[1]["number"] == found[2]["number"]


def test_an_expired_quote_cannot_be_accepted_and_a_project_has_one_accepted_quote(firm):
    quote_id = quotes.create_quote(
        firm.db, firm.manager, firm.p1, REQUEST, valid_until=date(2026, 8, 25), today=QUOTE_DAY
    )
    quotes.send_quote(firm.db, firm.manager, quote_id, today=QUOTE_DAY)
    with pytest.raises(ValidationError) as caught:
        quotes.accept_quote(firm.db, firm.manager, quote_id, today=date(2026, 8, 26))
    assert caught.value.errors[0].key == "err.billing.quote_expired"
    quotes.accept_quote(firm.db, firm.manager, quote_id, today=date(2026, 8, 25))
    other = quotes.create_quote(firm.db, firm.manager, firm.p1, REQUEST, today=QUOTE_DAY)
    quotes.send_quote(firm.db, firm.manager, other, today=QUOTE_DAY)
    with pytest.raises(ValidationError):
        quotes.accept_quote(firm.db, firm.manager, other, today=QUOTE_DAY)


def test_a_merchant_reads_only_sent_quotes_of_its_own_projects(firm):
    draft = quotes.create_quote(firm.db, firm.manager, firm.p1, REQUEST, today=QUOTE_DAY)
    sent = quotes.create_quote(firm.db, firm.manager, firm.p1, REQUEST, today=QUOTE_DAY)
    quotes.send_quote(firm.db, firm.manager, sent, today=QUOTE_DAY)
    elsewhere = quotes.create_quote(firm.db, firm.manager, firm.p2, REQUEST, today=QUOTE_DAY)
    quotes.send_quote(firm.db, firm.manager, elsewhere, today=QUOTE_DAY)
    assert [q["id"] for q in quotes.list_quotes(firm.db, firm.merchant)] == [sent]
    for hidden in (draft, elsewhere):
        with pytest.raises(NotFound):
            quotes.get_quote(firm.db, firm.merchant, hidden)
    with pytest.raises(PermissionDenied):
        quotes.accept_quote(firm.db, firm.merchant, sent, today=QUOTE_DAY)


def test_price_lists_are_versions_with_effective_dates(firm):
    base = quotes.price_list_on(firm.db, QUOTE_DAY)
    dearer = quotes.default_prices()
    dearer["seat_prices"]["presales"]["16"] = 9000
    quotes.save_price_list(firm.db, firm.manager, dearer, date(2026, 9, 1))
    assert quotes.price_list_on(firm.db, date(2026, 8, 31))["id"] == base["id"]
    assert quotes.price_list_on(firm.db, date(2026, 9, 1))["data"]["seat_prices"]["presales"]["16"] == 9000
    bad = quotes.default_prices() | {"commission_rate": 1.5}
    with pytest.raises(ValidationError):
        quotes.save_price_list(firm.db, firm.manager, bad, date(2026, 9, 1))
    with pytest.raises(PermissionDenied):
        quotes.save_price_list(firm.db, firm.merchant, dearer, date(2026, 9, 1))


def test_a_project_with_its_scheduling_model_gets_seats_from_erlang_c_for_its_busiest_hour(firm):
    from core.schedule import shift_settings, staffing

    request = {**REQUEST, "hours_start": "08:00", "hours_end": "22:00"}
    without = quotes.preview(firm.db, firm.manager, firm.p1, request, today=QUOTE_DAY)
    assert without["seat_method"] == "capacity" and without["seats_proposed"] == 2  # no settings: 300 / 150
    shift_settings.save_settings(
        firm.db,
        firm.manager,
        firm.p1,
        {
            "day_start": "08:30",
            "day_end": "16:00",
            "night_start": "16:00",
            "night_end": "23:30",
            "required_day": 2,
            "required_night": 1,
            "aht_s": 240,
            "concurrency": 3,
            "shrinkage": 0.3,
            "max_occupancy": 0.85,
        },
    )
    settled = quotes.preview(firm.db, firm.manager, firm.p1, request, today=QUOTE_DAY)
    assert settled["seat_method"] == "capacity"  # settings but no chats imported yet: still the capacity rule
    # four weeks of history: 10 inquiries every served hour, 40 at 20:00 (outside the window: 03:00 busy, ignored)
    with write(firm.db):
        for n in range(1, 29):
            day = (QUOTE_DAY - timedelta(days=n)).isoformat()
            for hour in range(24):
                volume = 40 if hour == 20 else (90 if hour == 3 else (10 if 8 <= hour < 22 else 0))
                firm.db["kpi_hourly"].insert({"project_id": firm.p1, "day": day, "hour": hour, "inquiries": volume})
    modelled = quotes.preview(firm.db, firm.manager, firm.p1, request, today=QUOTE_DAY)
    # served hours 08–21: 13 × 10 + 40 = 170 over 14 hours → mean 12.142857; peak 40 / 12.142857 = 3.29
    # requested 300 a day / 14 h = 21.43 an hour × 3.29 = 70.6 in the busiest hour
    model = staffing.StaffingModel(
        aht_s=240, concurrency=3, target_rate=0.8, target_s=30, shrinkage=0.0, max_occupancy=0.85
    )
    expected = staffing.agents_for_hour(float(Decimal(300) / 14 * Decimal("3.29")), model)
    assert (
        modelled["seat_method"] == "model" and "× 3.29" in modelled["seat_calc"] and "Erlang C" in modelled["seat_calc"]
    )
    assert modelled["seats_proposed"] == expected and expected > without["seats_proposed"]
    # a shrinkage of 30 % would need more agents: seats are agents online, the outsourcer covers breaks
    assert (
        staffing.agents_for_hour(
            float(Decimal(300) / 14 * Decimal("3.29")),
            staffing.StaffingModel(
                aht_s=240, concurrency=3, target_rate=0.8, target_s=30, shrinkage=0.3, max_occupancy=0.85
            ),
        )
        > expected
    )
    # the quote keeps how its seats were proposed; another project still uses the capacity rule
    quote_id = quotes.create_quote(firm.db, firm.manager, firm.p1, request, today=QUOTE_DAY)
    assert quotes.get_quote(firm.db, firm.manager, quote_id)["proposal"]["seat_method"] == "model"
    assert quotes.preview(firm.db, firm.manager, firm.p2, request, today=QUOTE_DAY)["seat_method"] == "capacity"


def test_the_seat_proposal_follows_erlang_c_from_the_fewest_stable_agents(firm, admin):
    # a shop of 1 050 inquiries a day over 14 h = 75 an hour, as even as its history (peak 1.00); its agents handle
    # 3 chats at once at 60 s: 24 s a chat, 75 × 24 / 3600 = 0.5 erlang. One agent answers
    # 1 − 0.5 × e^(−0.5 × 30 / 24) = 73.2 % within 30 s: one seat for a 70 % target (the app said 2 before),
    # two for 80 % (the model decides, not the floor of one seat)
    from core.schedule import shift_settings

    for name, target, seats in (("轻量小店", 0.7, 1), ("标准小店", 0.8, 2)):
        _m, shop = project(
            firm.db,
            admin,
            name,
            {
                "target_response_30s_rate": target,
                "target_conversion_rate": 0.25,
                "target_avg_response_s": 30,
                "target_aov": 100.0,
            },
        )
        shift_settings.save_settings(
            firm.db,
            firm.manager,
            shop,
            {
                "day_start": "08:30",
                "day_end": "16:00",
                "night_start": "16:00",
                "night_end": "23:30",
                "required_day": 2,
                "required_night": 1,
                "aht_s": 60,
                "concurrency": 3,
                "shrinkage": 0.3,
                "max_occupancy": 0.85,
            },
        )
        with write(firm.db):
            for n in range(1, 29):
                day = (QUOTE_DAY - timedelta(days=n)).isoformat()
                for hour in range(8, 22):
                    firm.db["kpi_hourly"].insert({"project_id": shop, "day": day, "hour": hour, "inquiries": 10})
        proposal = quotes.preview(
            firm.db, firm.manager, shop, {**REQUEST, "avg_daily_inquiries": 1050}, today=QUOTE_DAY
        )
        assert proposal["seat_method"] == "model" and "× 1.00 = 75.0 / h" in proposal["seat_calc"]
        assert proposal["seats_proposed"] == seats, name


def test_the_served_hours_of_a_window_past_midnight():
    assert quotes.served_hours("09:00", "01:00") == set(range(9, 24)) | {0}
    assert quotes.served_hours("08:30", "10:00") == {8, 9}
    assert quotes.served_hours("00:00", "00:00") == set(range(24))


# --- contracts -------------------------------------------------------------------------------------------------------


def test_a_contract_takes_the_quote_terms_and_the_order_confirmation_targets(firm):
    contract_id = signed(
        firm, firm.p1, date(2026, 9, 1), date(2027, 8, 31), rebates=[{"kpi": "response_30s_rate", "rate": 0.05}]
    )
    contract = contracts.get_contract(firm.db, firm.manager, contract_id)
    terms = contracts.terms_on(firm.db, firm.manager, contract_id, date(2026, 9, 1))
    assert (
        terms["seats"] == 2
        and terms["seat_price"] == 8200
        and terms["kpi_targets"]
        == {
            "response_30s_rate": 0.8,
            "avg_response_s": 30,
            "first_response_s": 10,
            "conversion_rate": 0.25,
            "satisfaction": 0.95,
        }
    )
    assert contract["handover"]["mode"] == "gradual"  # 12 months: a long-term client
    assert contract["notice_rules"] == [{"rise": 0.3, "days": 3}, {"rise": 0.6, "days": 7}]
    with pytest.raises(ValidationError):  # one contract per project
        signed(firm, firm.p1, date(2026, 9, 1), date(2026, 12, 31))


def test_a_rebate_needs_a_target_in_the_order_confirmation(firm):
    with pytest.raises(ValidationError) as caught:
        signed(firm, firm.p3, date(2026, 9, 1), date(2026, 11, 30), rebates=[{"kpi": "satisfaction", "rate": 0.05}])
    assert caught.value.errors[0].key == "err.billing.no_target"


def test_amendments_say_which_terms_applied_on_any_day(firm):
    contract_id = signed(firm, firm.p1, date(2026, 9, 1), date(2026, 12, 31))
    contracts.amend(firm.db, firm.manager, contract_id, date(2026, 9, 21), {"seats": 3}, "大促加席")
    contracts.amend(firm.db, firm.manager, contract_id, date(2026, 11, 1), {"commission_rate": 0.02}, "提成调整")
    on = lambda d: contracts.terms_on(firm.db, firm.manager, contract_id, d)  # noqa: E731
    assert on(date(2026, 9, 20))["seats"] == 2 and on(date(2026, 9, 21))["seats"] == 3
    assert on(date(2026, 10, 31))["commission_rate"] == 0.01 and on(date(2026, 11, 1)) == {
        **on(date(2026, 10, 1)),
        "commission_rate": 0.02,
    }
    with pytest.raises(sqlite3.DatabaseError):
        firm.db.execute("UPDATE billing_contract_terms SET terms = '{}' WHERE contract_id = ?", [contract_id])
    with pytest.raises(ValidationError):  # outside the contract
        contracts.amend(firm.db, firm.manager, contract_id, date(2027, 1, 5), {"seats": 4}, "x")
    with pytest.raises(ValidationError):  # a reason is required
        contracts.amend(firm.db, firm.manager, contract_id, date(2026, 10, 5), {"seats": 4}, " ")


# --- monthly billing ------------------------------------------------------------------------------------------------


def test_a_contract_starting_mid_month_is_pro_rated_for_the_days_served(firm):
    contract_id = signed(firm, firm.p1, date(2026, 9, 16), date(2027, 3, 15))
    shop_row(firm.db, firm.p1, "2026-09-10", sales=5000)  # before the start: not billed
    shop_row(firm.db, firm.p1, "2026-09-16", sales=10000)
    shop_row(firm.db, firm.p1, "2026-09-30", sales=2344.5)
    invoice_id = invoices.bill_contract(firm.db, firm.manager, contract_id, MONTH, today=OCT1)
    invoice = invoices.get_invoice(firm.db, firm.manager, invoice_id, today=OCT1)
    assert (invoice["period_start"], invoice["period_end"], invoice["days"]) == ("2026-09-16", "2026-09-30", 15)
    # seats 2 × 8 200 × 15 / 30 = 8 200.00;
    # commission (10 000 + 2 344.50) × 1 % = 123.445 → 123.45 (half up, to the fen)
    assert lines(firm.db, firm.manager, invoice_id, "seats") == ["8200.00"]
    assert lines(firm.db, firm.manager, invoice_id, "commission") == ["123.45"]
    assert invoice["total"] == Decimal("8323.45")
    commission = next(line for line in invoice["lines"] if line["kind"] == "commission")
    assert [row[0] for row in commission["explanation"]["tables"][0]["rows"]] == ["2026-09-16", "2026-09-30"]


def test_pro_rating_rounds_each_line_to_the_fen_and_the_total_is_their_sum(firm):
    request = {**REQUEST, "avg_daily_inquiries": 100, "hours_start": "09:00", "hours_end": "17:00"}
    contract_id = signed(firm, firm.p1, date(2026, 10, 25), date(2027, 4, 24), request)
    invoice_id = invoices.bill_contract(firm.db, firm.manager, contract_id, "2026-10", today=date(2026, 11, 1))
    # 1 × 4 800 × 7 / 31 = 1 083.870… → 1 083.87; minimum 5 000 × 7 / 31 = 1 129.032… → 1 129.03, top-up 45.16
    assert lines(firm.db, firm.manager, invoice_id, "seats") == ["1083.87"]
    assert lines(firm.db, firm.manager, invoice_id, "minimum") == ["45.16"]
    assert invoices.get_invoice(firm.db, firm.manager, invoice_id)["total"] == Decimal("1129.03")


def test_an_amendment_mid_month_splits_the_month_by_its_terms(firm):
    contract_id = signed(firm, firm.p1, date(2026, 9, 1), date(2026, 12, 31))
    contracts.amend(
        firm.db, firm.manager, contract_id, date(2026, 9, 21), {"seats": 3, "commission_rate": 0.02}, "大促加席"
    )
    shop_row(firm.db, firm.p1, "2026-09-20", sales=1000)
    shop_row(firm.db, firm.p1, "2026-09-21", sales=1000)
    invoice_id = invoices.bill_contract(firm.db, firm.manager, contract_id, MONTH, today=OCT1)
    # 2 × 8 200 × 20 / 30 = 10 933.33; 3 × 8 200 × 10 / 30 = 8 200.00; commission 1 000 × 1 % and 1 000 × 2 %
    assert lines(firm.db, firm.manager, invoice_id, "seats") == ["10933.33", "8200.00"]
    assert lines(firm.db, firm.manager, invoice_id, "commission") == ["10.00", "20.00"]
    assert invoices.get_invoice(firm.db, firm.manager, invoice_id)["total"] == Decimal("19163.33")


def test_commission_comes_from_the_kpi_engine_attributed_sales_of_the_project_only(firm):
    contract_id = signed(firm, firm.p1, date(2026, 9, 1), date(2026, 12, 31))
    shop_row(firm.db, firm.p1, "2026-09-05", sales=80000)
    shop_row(firm.db, firm.p2, "2026-09-05", sales=99999)  # another shop's sales
    shop_row(firm.db, firm.p1, "2026-10-01", sales=99999)  # next month
    invoice_id = invoices.bill_contract(firm.db, firm.manager, contract_id, MONTH, today=OCT1)
    assert lines(firm.db, firm.manager, invoice_id, "commission") == ["800.00"]


def _rebate_invoice(firm, fast_first: int, fast_second: int) -> dict:
    contract_id = signed(
        firm, firm.p1, date(2026, 9, 1), date(2026, 12, 31), rebates=[{"kpi": "response_30s_rate", "rate": 0.05}]
    )
    shop_row(firm.db, firm.p1, "2026-09-01", waits=900, fast=fast_first)
    shop_row(firm.db, firm.p1, "2026-09-02", waits=100, fast=fast_second)
    return invoices.get_invoice(
        firm.db, firm.manager, invoices.bill_contract(firm.db, firm.manager, contract_id, MONTH, today=OCT1)
    )


def test_no_rebate_when_the_30_second_rate_is_exactly_at_target(firm):
    invoice = _rebate_invoice(firm, 710, 90)  # 800 / 1 000 = 80 %
    assert [line for line in invoice["lines"] if line["kind"] == "rebate"] == []
    assert invoice["total"] == Decimal("16400.00")


def test_rebate_when_the_rate_from_counts_is_just_under_target_though_the_mean_of_days_is_above(firm):
    invoice = _rebate_invoice(firm, 710, 89)  # 799 / 1 000 = 79.9 %; the mean of the days' rates would be 83.9 %
    rebate = [line for line in invoice["lines"] if line["kind"] == "rebate"]
    assert [str(line["amount"]) for line in rebate] == ["-820.00"]  # 16 400 × 5 %
    assert invoice["total"] == Decimal("15580.00")
    assert "799 / 1000" in [i["value"] for i in rebate[0]["explanation"]["inputs"]]


def test_credits_are_negative_lines_of_their_month(firm):
    contract_id = signed(firm, firm.p1, date(2026, 9, 1), date(2026, 12, 31))
    invoices.add_credit(firm.db, firm.manager, firm.p1, MONTH, 300, "9月系统故障补偿")
    invoice_id = invoices.bill_contract(firm.db, firm.manager, contract_id, MONTH, today=OCT1)
    assert lines(firm.db, firm.manager, invoice_id, "credit") == ["-300.00"]
    assert invoices.get_invoice(firm.db, firm.manager, invoice_id)["total"] == Decimal("16100.00")


def test_an_invoice_never_changes_after_it_is_issued(firm):
    contract_id = signed(firm, firm.p1, date(2026, 9, 1), date(2026, 12, 31))
    shop_row(firm.db, firm.p1, "2026-09-05", sales=1000)
    invoice_id = invoices.bill_contract(firm.db, firm.manager, contract_id, MONTH, today=OCT1)
    invoices.approve(firm.db, firm.manager, invoice_id)
    invoices.issue(firm.db, firm.manager, invoice_id, today=OCT1)
    before = invoices.get_invoice(firm.db, firm.manager, invoice_id)
    assert before["due_date"] == "2026-10-16" and before["total"] == Decimal("16410.00")
    shop_row(firm.db, firm.p1, "2026-09-06", sales=50000)  # later data
    with pytest.raises(ValidationError):
        invoices.bill_contract(firm.db, firm.manager, contract_id, MONTH, today=OCT1)
    assert invoices.run_month(firm.db, firm.manager, MONTH, today=OCT1) == {"computed": 0, "locked": 1}
    with pytest.raises(ValidationError):
        invoices.add_credit(firm.db, firm.manager, firm.p1, MONTH, 100, "x")
    with pytest.raises(ValidationError):
        contracts.amend(firm.db, firm.manager, contract_id, date(2026, 9, 25), {"seats": 5}, "x")
    for sql in (
        "UPDATE billing_invoices SET total = 1 WHERE id = ?",
        "UPDATE billing_invoices SET status = 'draft' WHERE id = ?",
        "UPDATE billing_invoice_lines SET amount = 1 WHERE invoice_id = ?",
        "DELETE FROM billing_invoice_lines WHERE invoice_id = ?",
        "DELETE FROM billing_invoices WHERE id = ?",
    ):
        with pytest.raises(sqlite3.DatabaseError):
            firm.db.execute(sql, [invoice_id])
    after = invoices.get_invoice(firm.db, firm.manager, invoice_id)
    assert after["total"] == before["total"] and after["lines"] == before["lines"]


def test_payments_overdue_statement_and_receivables(firm):
    contract_id = signed(firm, firm.p1, date(2026, 9, 1), date(2026, 12, 31))
    invoice_id = invoices.bill_contract(firm.db, firm.manager, contract_id, MONTH, today=OCT1)
    invoices.approve(firm.db, firm.manager, invoice_id)
    invoices.issue(firm.db, firm.manager, invoice_id, today=OCT1)  # due 10-16
    late = date(2026, 10, 20)
    assert [i["id"] for i in payments.overdue_invoices(firm.db, firm.admin, today=late)] == [invoice_id]
    with pytest.raises(PermissionDenied):  # only the director records payments
        payments.record_payment(firm.db, firm.manager, invoice_id, late, 100, today=late)
    with pytest.raises(ValidationError):
        payments.record_payment(firm.db, firm.admin, invoice_id, late, 16400.01, today=late)
    payments.record_payment(firm.db, firm.admin, invoice_id, late, 6400, "首笔", today=late)
    [row] = payments.receivables(firm.db, firm.admin, today=late)
    assert (row["billed"], row["paid"], row["outstanding"], row["overdue_1"], row["max_days_overdue"]) == (
        Decimal("16400.00"),
        Decimal("6400.00"),
        Decimal("10000.00"),
        Decimal("10000.00"),
        4,
    )
    statement = payments.statement(firm.db, firm.merchant, firm.m1, today=late)
    assert statement["outstanding"] == Decimal("10000.00") and statement["overdue"] == Decimal("10000.00")
    payments.record_payment(firm.db, firm.admin, invoice_id, late, 10000, today=late)
    paid = invoices.get_invoice(firm.db, firm.admin, invoice_id, today=late)
    assert paid["status"] == "paid" and paid["paid_on"] == "2026-10-20" and not paid["overdue"]
    with pytest.raises(PermissionDenied):
        payments.receivables(firm.db, firm.manager, today=late)


def test_a_merchant_sees_only_its_own_issued_invoices(firm):
    mine = signed(firm, firm.p1, date(2026, 9, 1), date(2026, 12, 31))
    theirs = signed(firm, firm.p2, date(2026, 9, 1), date(2026, 12, 31))
    invoices.run_month(firm.db, firm.manager, MONTH, today=OCT1)
    ids = {i["contract_id"]: i["id"] for i in invoices.list_invoices(firm.db, firm.manager, month=MONTH)}
    assert invoices.list_invoices(firm.db, firm.merchant) == []  # drafts are not the merchant's business
    invoices.approve(firm.db, firm.manager, ids[mine])
    invoices.issue(firm.db, firm.manager, ids[mine], today=OCT1)
    invoices.approve(firm.db, firm.manager, ids[theirs])
    invoices.issue(firm.db, firm.manager, ids[theirs], today=OCT1)
    assert [i["id"] for i in invoices.list_invoices(firm.db, firm.merchant)] == [ids[mine]]
    with pytest.raises(NotFound):
        invoices.get_invoice(firm.db, firm.merchant, ids[theirs])
    with pytest.raises(NotFound):
        payments.statement(firm.db, firm.merchant, firm.m2)
    with pytest.raises(PermissionDenied):
        invoices.approve(firm.db, firm.merchant, ids[mine])
    assert [c["id"] for c in contracts.list_contracts(firm.db, firm.merchant)] == [mine]


def test_a_future_month_is_not_billed_and_approved_goes_back_to_draft_with_a_reason(firm):
    contract_id = signed(firm, firm.p1, date(2026, 9, 1), date(2026, 12, 31))
    with pytest.raises(ValidationError):
        invoices.run_month(firm.db, firm.manager, "2026-11", today=OCT1)
    invoice_id = invoices.bill_contract(firm.db, firm.manager, contract_id, MONTH, today=OCT1)
    invoices.approve(firm.db, firm.manager, invoice_id)
    with pytest.raises(ValidationError):
        invoices.reopen(firm.db, firm.manager, invoice_id, "")
    invoices.reopen(firm.db, firm.manager, invoice_id, "漏记抵扣")
    invoices.add_credit(firm.db, firm.manager, firm.p1, MONTH, 100, "补偿")
    invoices.bill_contract(firm.db, firm.manager, contract_id, MONTH, today=OCT1)
    invoice = invoices.get_invoice(firm.db, firm.manager, invoice_id)
    assert invoice["total"] == Decimal("16300.00") and [e["action"] for e in invoice["events"]] == [
        "compute",
        "approve",
        "reopen",
        "compute",
    ]


def test_documents_escape_values_and_name_the_outsourcer(firm):
    contract_id = signed(firm, firm.p1, date(2026, 9, 1), date(2026, 12, 31))
    invoices.add_credit(firm.db, firm.manager, firm.p1, MONTH, 1, "<script>x</script>")
    invoice = invoices.get_invoice(
        firm.db, firm.manager, invoices.bill_contract(firm.db, firm.manager, contract_id, MONTH, today=OCT1)
    )
    page = invoice_documents.invoice_html(invoice)
    assert "<script>x" not in page and "&lt;script&gt;" in page and "云服客服外包有限公司" in page
    quote = quotes.get_quote(firm.db, firm.manager, quotes.list_quotes(firm.db, firm.manager)[0]["id"])
    assert "云服客服外包有限公司" in quotes.document_html(quote)
    assert set(quotes.document_frames(quote)) == {"报价单", "月费明细"}


def test_an_invoice_pdf_has_its_number_lines_and_total_and_a_draft_says_it_is_not_final(firm):
    import io

    from pypdf import PdfReader

    contract_id = signed(firm, firm.p1, date(2026, 9, 1), date(2026, 12, 31))
    invoice = invoices.get_invoice(
        firm.db, firm.manager, invoices.bill_contract(firm.db, firm.manager, contract_id, MONTH, today=OCT1)
    )
    data = invoice_documents.invoice_pdf(invoice)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert invoice["number"] in text and "云服客服外包有限公司" in text and invoice["merchant_name"] in text
    lines_start = text.index("账单明细")
    assert text.index("坐席费 2席", lines_start) < text.rindex(formatting.amount(invoice["total"]))  # total last
    assert text.index("本账单尚未开具（草稿），金额可能变动。") < lines_start  # a draft says so above everything


def test_an_invoice_using_a_pending_kpi_figure_says_so_before_it_can_be_approved(firm):
    contract_id = signed(firm, firm.p1, date(2026, 9, 1), date(2026, 12, 31))
    shop_row(firm.db, firm.p1, "2026-09-05", sales=1000)
    firm.db["kpi_shop_daily"].update((firm.p1, "2026-09-05"), {"extra": '{"pending": ["sales", "converted"]}'})
    invoice_id = invoices.bill_contract(firm.db, firm.manager, contract_id, MONTH, today=OCT1)
    assert invoices.pending_kpi_days(firm.db, firm.manager, invoice_id) == ["2026-09-05"]
    with pytest.raises(ValidationError) as refused:
        invoices.approve(firm.db, firm.manager, invoice_id)
    assert (
        refused.value.errors[0].key == "err.pending_figures" and refused.value.errors[0].params["days"] == "2026-09-05"
    )
    assert invoices.get_invoice(firm.db, firm.manager, invoice_id)["status"] == "draft"
    invoices.approve(firm.db, firm.manager, invoice_id, accept_pending=True)
    assert invoices.get_invoice(firm.db, firm.manager, invoice_id)["status"] == "approved"


def entry(merchant: str, billed: str, outstanding: str, aged: tuple[str, str, str], days: int) -> dict:
    """A receivables entry as `payments.receivables` returns it (only the keys the totals read)."""
    return {
        "merchant": merchant,
        "billed": Decimal(billed),
        "outstanding": Decimal(outstanding),
        "overdue_1": Decimal(aged[0]),
        "overdue_31": Decimal(aged[1]),
        "overdue_61": Decimal(aged[2]),
        "max_days_overdue": days,
    }


def test_receivables_totals_sum_the_merchants_and_every_age_of_overdue():
    found = [
        entry("优品家居", "16400.00", "10000.00", ("4000.00", "0.00", "6000.00"), 75),
        entry("美妆小铺", "8200.00", "8200.00", ("0.00", "0.00", "0.00"), 0),
        entry("Bon Café", "1000.50", "500.25", ("0.00", "500.25", "0.00"), 40),
    ]
    totals = payments.receivables_totals(found)
    # billed 16 400 + 8 200 + 1 000.50; outstanding 10 000 + 8 200 + 500.25; overdue 4 000 + 6 000 + 500.25
    assert totals == {
        "billed": Decimal("25600.50"),
        "outstanding": Decimal("18700.25"),
        "overdue": Decimal("10500.25"),
        "merchants_overdue": 2,
    }
    assert [e["merchant"] for e in payments.matching_merchants(found, "  bon ")] == ["Bon Café"]
    assert [e["merchant"] for e in payments.matching_merchants(found, "小铺")] == ["美妆小铺"]
    assert len(payments.matching_merchants(found, "")) == 3
