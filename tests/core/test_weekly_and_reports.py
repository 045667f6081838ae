"""The Monday meeting's weekly figures and the merchant reports, against hand-computed weeks."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from core import config, merchants, order_confirmation as oc, reports, users, weekly
from core.errors import ValidationError
from core.permissions import PermissionDenied
from tests.conftest import actor_of


@pytest.fixture
def project(fresh_db, admin):
    merchant_id = merchants.create_merchant(fresh_db, admin, {"name": "周报店", "platform": "pinduoduo"})
    project_id = merchants.create_project(fresh_db, admin, merchant_id, "售前")
    data = {**oc.default_data("pinduoduo"), "company_name": "c", "contact_name": "c", "contact_phone": "1", "liaison": "l",
            "target_daily_inquiries": 100, "target_first_response_s": 10, "target_avg_response_s": 20, "target_response_30s_rate": 0.8,
            "target_conversion_rate": 0.2, "target_aov": 100, "target_satisfaction": 0.9, "materials_submitted": True,
            "materials_complete": True, "golive_committed_date": (config.today() + timedelta(days=9)).isoformat()}
    oc.confirm(fresh_db, admin, project_id, data)
    return project_id


def put_day(db, project_id, day: str, consultations: int, waits: int, fast: int, converted: int, sales: float, avg: float, first: float):
    db["kpi_shop_daily"].insert({
        "project_id": project_id, "day": day, "consultations": consultations, "waits": waits, "fast_replies": fast,
        "response_30s_rate": fast / waits, "avg_response_s": avg, "first_response_s": first, "effective_reply_rate": 1.0,
        "converted": converted, "conversion_rate": converted / consultations, "sales": sales, "items": converted,
        "aov": sales / converted if converted else None, "items_per_buyer": 1.0, "source": "raw", "settings": "{}", "computed_at": "x"})


def row(summary, name):
    return next(r for r in summary if r["kpi"] == name)


def test_week_bounds_are_monday_to_sunday_across_a_year_end():
    assert weekly.week_of(date(2027, 1, 1)) == (date(2026, 12, 28), date(2027, 1, 3))
    assert weekly.last_week(date(2026, 11, 26)) == date(2026, 11, 16)


def test_a_week_across_month_and_year_end_is_summed_from_counts(fresh_db, admin, project):
    # the week 2026-12-28 .. 2027-01-03, three days with data; the week before has one day
    put_day(fresh_db, project, "2026-12-28", 100, 200, 180, 20, 2000.0, 10.0, 8.0)
    put_day(fresh_db, project, "2026-12-31", 50, 100, 60, 15, 1800.0, 40.0, 20.0)
    put_day(fresh_db, project, "2027-01-03", 150, 100, 90, 25, 2200.0, 20.0, 12.0)
    put_day(fresh_db, project, "2027-01-04", 999, 999, 1, 1, 1.0, 99.0, 99.0)  # next week: must not count
    put_day(fresh_db, project, "2026-12-21", 80, 100, 50, 8, 800.0, 30.0, 15.0)
    summary = weekly.work_summary(fresh_db, admin, date(2026, 12, 28), project)
    assert row(summary, "consultations")["actual"] == 300 / 3  # per day with data, against the daily target
    assert row(summary, "response_30s_rate")["actual"] == 330 / 400
    assert row(summary, "conversion_rate")["actual"] == 60 / 300
    assert row(summary, "aov")["actual"] == 6000 / 60
    assert row(summary, "avg_response_s")["actual"] == (10 * 200 + 40 * 100 + 20 * 100) / 400
    assert row(summary, "response_30s_rate")["previous"] == 0.5
    assert row(summary, "response_30s_rate")["better"] is True and row(summary, "response_30s_rate")["ok"] is True
    assert row(summary, "avg_response_s")["ok"] is True  # 20 s against a 20 s target: lower is better, equal meets it
    assert row(summary, "avg_response_s")["delta"] == 20.0 - 30.0 and row(summary, "avg_response_s")["better"] is True


def test_a_project_live_from_midweek_is_averaged_over_its_days(fresh_db, admin, project):
    put_day(fresh_db, project, "2026-11-19", 90, 100, 85, 18, 1800.0, 15.0, 9.0)  # Thursday: first day live
    put_day(fresh_db, project, "2026-11-20", 110, 100, 75, 22, 2200.0, 25.0, 11.0)
    summary = weekly.work_summary(fresh_db, admin, date(2026, 11, 16), project)
    assert row(summary, "consultations")["actual"] == 100
    assert row(summary, "consultations")["previous"] is None and row(summary, "consultations")["delta"] is None
    assert row(summary, "first_response_s")["actual"] == (9.0 * 90 + 11.0 * 110) / 200


def test_worst_days_lists_the_days_below_target(fresh_db, admin, project):
    put_day(fresh_db, project, "2026-11-16", 100, 100, 90, 30, 3000.0, 15.0, 8.0)  # all met
    put_day(fresh_db, project, "2026-11-17", 100, 100, 50, 10, 1000.0, 45.0, 30.0)  # four missed
    worst = weekly.worst_days(fresh_db, admin, date(2026, 11, 16), project)
    assert [d["day"] for d in worst] == ["2026-11-17"]
    assert set(worst[0]["missed"]) == {"first_response_s", "avg_response_s", "response_30s_rate", "conversion_rate"}


def test_action_items_carry_over_until_done(fresh_db, admin, project):
    first = weekly.add_action(fresh_db, admin, date(2026, 11, 9), "优化快捷短语", admin.id, date(2026, 11, 13), project)
    weekly.add_action(fresh_db, admin, date(2026, 11, 9), "已完成的事", admin.id, date(2026, 11, 13), project)
    done = [a for a in weekly.actions_for_week(fresh_db, admin, date(2026, 11, 9), project)][1]["id"]
    weekly.set_action_done(fresh_db, admin, done)
    next_week = weekly.actions_for_week(fresh_db, admin, date(2026, 11, 16), project, today=date(2026, 11, 16))
    assert [(a["id"], a["carried_over"], a["overdue"]) for a in next_week] == [(first, True, True)]
    weekly.set_action_done(fresh_db, admin, first)
    assert weekly.actions_for_week(fresh_db, admin, date(2026, 11, 23), project) == []
    with pytest.raises(ValidationError) as caught:
        weekly.add_action(fresh_db, admin, date(2026, 11, 9), "", None, None, project)
    assert {e.field for e in caught.value.errors} == {"text", "owner_id", "due_date"}


def test_minutes_are_kept_per_week_and_scope(fresh_db, admin, project):
    weekly.save_minutes(fresh_db, admin, date(2026, 11, 16), "周会纪要", project)
    assert weekly.minutes(fresh_db, admin, date(2026, 11, 16), project) == "周会纪要"
    assert weekly.minutes(fresh_db, admin, date(2026, 11, 16)) == ""


def test_report_periods():
    assert reports.period("daily", date(2026, 11, 25)) == (date(2026, 11, 25), date(2026, 11, 25))
    assert reports.period("weekly", date(2026, 11, 25)) == (date(2026, 11, 23), date(2026, 11, 29))
    assert reports.period("monthly", date(2027, 2, 10)) == (date(2027, 2, 1), date(2027, 2, 28))


def test_weekly_report_figures_and_exports(fresh_db, admin, project):
    put_day(fresh_db, project, "2026-11-16", 100, 200, 180, 20, 2000.0, 10.0, 8.0)
    put_day(fresh_db, project, "2026-11-18", 50, 100, 60, 15, 1800.0, 40.0, 20.0)
    report = reports.build(fresh_db, admin, project, "weekly", date(2026, 11, 18))
    head = {h["kpi"]: h for h in report["headline"]}
    assert head["consultations"]["actual"] == 75 and head["response_30s_rate"]["actual"] == 240 / 300
    assert head["sales"]["actual"] == 3800.0 and len(report["days"]) == 2
    t = lambda key, **kw: key  # noqa: E731
    html_text = reports.to_html(report, t)
    assert "<h1>" in html_text and config.COMPANY_NAME in html_text and "2026-11-16 ~ 2026-11-22" in html_text
    assert reports.to_xlsx(report, t)[:2] == b"PK"


def test_report_text_is_escaped_in_the_printable_page(fresh_db, admin):
    merchant_id = merchants.create_merchant(fresh_db, admin, {"name": "<script>alert(1)</script>", "platform": "taobao"})
    project_id = merchants.create_project(fresh_db, admin, merchant_id, "<b>x</b>")
    report = reports.build(fresh_db, admin, project_id, "daily", date(2026, 11, 18))
    page = reports.to_html(report, lambda key, **kw: key)
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_every_report_function_refuses_another_merchants_project(demo_db):
    db, _ = demo_db
    shop = actor_of(db, "merchant")
    own = {p["id"] for p in merchants.list_projects(db, shop)}
    others = [p["id"] for p in merchants.list_projects(db, actor_of(db, "admin")) if p["id"] not in own]
    assert own and others
    for other in others:
        for kind in reports.KINDS:
            with pytest.raises(PermissionDenied):
                reports.build(db, shop, other, kind, date(2026, 11, 18))
    for own_id in own:
        assert reports.build(db, shop, own_id, "weekly", config.today())["project"]["id"] == own_id


def test_merchants_and_agents_cannot_open_the_meeting(demo_db):
    db, _ = demo_db
    for username in ("merchant", "agent"):
        with pytest.raises(PermissionDenied):
            weekly.work_summary(db, actor_of(db, username), weekly.last_week())


def test_report_never_shows_pay_or_internal_qa_comments(demo_db):
    db, _ = demo_db
    shop = actor_of(db, "merchant")
    project_id = next(p["id"] for p in merchants.list_projects(db, shop))
    report = reports.build(db, shop, project_id, "monthly", config.today() - timedelta(days=1))
    assert set(report["qa"]) == {"reviews", "mean_score", "target", "at_target_rate", "critical_failures", "problem_cases", "excellent_cases"}
    assert all(set(member) == {"name", "role", "shift"} for member in report["team"])


def test_the_meeting_lists_the_memos_agents_queued_for_it(demo_db):
    db, _ = demo_db
    from core import memos

    manager = actor_of(db, "manager")
    monday = weekly.last_week()
    queued = weekly.memo_queue(db, manager, monday)
    assert queued == memos.queue_for_meeting(db, manager, monday)
    assert queued and all(m["status"] == "queued" for m in queued)  # the demo queues one
    with pytest.raises(PermissionDenied):
        weekly.memo_queue(db, actor_of(db, "merchant"), monday)
