"""The Monday meeting's weekly figures and the merchant reports, against hand-computed weeks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.accounts import users
from core.kernel import config, weeks
from core.kernel.errors import ValidationError
from core.kernel.permissions import PermissionDenied
from core.overview import meeting
from core.projects import merchants
from core.projects import order_confirmation as oc
from core.reports import merchant_report
from tests.conftest import actor_of


@pytest.fixture
def project(fresh_db, admin):
    merchant_id = merchants.create_merchant(fresh_db, admin, {"name": "周报店", "platform": "pinduoduo"})
    project_id = merchants.create_project(fresh_db, admin, merchant_id, "售前")
    data = {
        **oc.default_data("pinduoduo"),
        "company_name": "c",
        "contact_name": "c",
        "contact_phone": "1",
        "liaison": "l",
        "target_daily_inquiries": 100,
        "target_first_response_s": 10,
        "target_avg_response_s": 20,
        "target_response_30s_rate": 0.8,
        "target_conversion_rate": 0.2,
        "target_aov": 100,
        "target_satisfaction": 0.9,
        "materials_submitted": True,
        "materials_complete": True,
        "golive_committed_date": (config.today() + timedelta(days=9)).isoformat(),
    }
    oc.confirm(fresh_db, admin, project_id, data)
    return project_id


def put_day(
    db,
    project_id,
    day: str,
    consultations: int,
    waits: int,
    fast: int,
    converted: int,
    sales: float,
    avg: float,
    first: float,
):
    db["kpi_shop_daily"].insert(
        {
            "project_id": project_id,
            "day": day,
            "consultations": consultations,
            "waits": waits,
            "fast_replies": fast,
            "response_30s_rate": fast / waits,
            "avg_response_s": avg,
            "first_response_s": first,
            "effective_reply_rate": 1.0,
            "converted": converted,
            "conversion_rate": converted / consultations,
            "sales": sales,
            "items": converted,
            "aov": sales / converted if converted else None,
            "items_per_buyer": 1.0,
            "source": "raw",
            "settings": "{}",
            "computed_at": "x",
        }
    )


def row(summary, name):
    return next(r for r in summary if r["kpi"] == name)


def test_week_bounds_are_monday_to_sunday_across_a_year_end():
    assert weeks.week_of(date(2027, 1, 1)) == (date(2026, 12, 28), date(2027, 1, 3))
    assert meeting.last_week(date(2026, 11, 26)) == date(2026, 11, 16)


def test_a_week_across_month_and_year_end_is_summed_from_counts(fresh_db, admin, project):
    # the week 2026-12-28 .. 2027-01-03, three days with data; the week before has one day
    put_day(fresh_db, project, "2026-12-28", 100, 200, 180, 20, 2000.0, 10.0, 8.0)
    put_day(fresh_db, project, "2026-12-31", 50, 100, 60, 15, 1800.0, 40.0, 20.0)
    put_day(fresh_db, project, "2027-01-03", 150, 100, 90, 25, 2200.0, 20.0, 12.0)
    put_day(fresh_db, project, "2027-01-04", 999, 999, 1, 1, 1.0, 99.0, 99.0)  # next week: must not count
    put_day(fresh_db, project, "2026-12-21", 80, 100, 50, 8, 800.0, 30.0, 15.0)
    summary = meeting.work_summary(fresh_db, admin, date(2026, 12, 28), project)
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
    summary = meeting.work_summary(fresh_db, admin, date(2026, 11, 16), project)
    assert row(summary, "consultations")["actual"] == 100
    assert row(summary, "consultations")["previous"] is None and row(summary, "consultations")["delta"] is None
    assert row(summary, "first_response_s")["actual"] == (9.0 * 90 + 11.0 * 110) / 200


def test_worst_days_lists_the_days_below_target(fresh_db, admin, project):
    put_day(fresh_db, project, "2026-11-16", 100, 100, 90, 30, 3000.0, 15.0, 8.0)  # all met
    put_day(fresh_db, project, "2026-11-17", 100, 100, 50, 10, 1000.0, 45.0, 30.0)  # four missed
    worst = meeting.worst_days(fresh_db, admin, date(2026, 11, 16), project)
    assert [d["day"] for d in worst] == ["2026-11-17"]
    assert set(worst[0]["missed"]) == {"first_response_s", "avg_response_s", "response_30s_rate", "conversion_rate"}


def test_action_items_carry_over_until_done(fresh_db, admin, project):
    first = meeting.add_action(
        fresh_db, admin, date(2026, 11, 9), "优化快捷短语", admin.id, date(2026, 11, 13), project
    )
    meeting.add_action(fresh_db, admin, date(2026, 11, 9), "已完成的事", admin.id, date(2026, 11, 13), project)
    done = [a for a in meeting.actions_for_week(fresh_db, admin, date(2026, 11, 9), project)][1]["id"]
    meeting.set_action_done(fresh_db, admin, done)
    next_week = meeting.actions_for_week(fresh_db, admin, date(2026, 11, 16), project, today=date(2026, 11, 16))
    assert [(a["id"], a["carried_over"], a["overdue"]) for a in next_week] == [(first, True, True)]
    meeting.set_action_done(fresh_db, admin, first)
    assert meeting.actions_for_week(fresh_db, admin, date(2026, 11, 23), project) == []
    with pytest.raises(ValidationError) as caught:
        meeting.add_action(fresh_db, admin, date(2026, 11, 9), "", None, None, project)
    assert {e.field for e in caught.value.errors} == {"text", "owner_id", "due_date"}


def test_minutes_are_kept_per_week_and_scope(fresh_db, admin, project):
    meeting.save_minutes(fresh_db, admin, date(2026, 11, 16), "周会纪要", project)
    assert meeting.minutes(fresh_db, admin, date(2026, 11, 16), project) == "周会纪要"
    assert meeting.minutes(fresh_db, admin, date(2026, 11, 16)) == ""


def test_report_periods():
    assert merchant_report.period("daily", date(2026, 11, 25)) == (date(2026, 11, 25), date(2026, 11, 25))
    assert merchant_report.period("weekly", date(2026, 11, 25)) == (date(2026, 11, 23), date(2026, 11, 29))
    assert merchant_report.period("monthly", date(2027, 2, 10)) == (date(2027, 2, 1), date(2027, 2, 28))


def test_weekly_report_figures_and_exports(fresh_db, admin, project):
    put_day(fresh_db, project, "2026-11-16", 100, 200, 180, 20, 2000.0, 10.0, 8.0)
    put_day(fresh_db, project, "2026-11-18", 50, 100, 60, 15, 1800.0, 40.0, 20.0)
    report = merchant_report.build(fresh_db, admin, project, "weekly", date(2026, 11, 18))
    head = {h["kpi"]: h for h in report["headline"]}
    assert head["consultations"]["actual"] == 75 and head["response_30s_rate"]["actual"] == 240 / 300
    assert head["sales"]["actual"] == 3800.0 and len(report["days"]) == 2
    t = lambda key, **kw: key  # noqa: E731
    html_text = merchant_report.to_html(report, t)
    assert "<h1>" in html_text and config.COMPANY_NAME in html_text and "2026-11-16 ~ 2026-11-22" in html_text
    assert merchant_report.to_xlsx(report, t)[:2] == b"PK"


def test_report_text_is_escaped_in_the_printable_page(fresh_db, admin):
    merchant_id = merchants.create_merchant(
        fresh_db, admin, {"name": "<script>alert(1)</script>", "platform": "taobao"}
    )
    project_id = merchants.create_project(fresh_db, admin, merchant_id, "<b>x</b>")
    report = merchant_report.build(fresh_db, admin, project_id, "daily", date(2026, 11, 18))
    page = merchant_report.to_html(report, lambda key, **kw: key)
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_every_report_function_refuses_another_merchants_project(demo_db):
    db, _ = demo_db
    shop = actor_of(db, "merchant")
    own = {p["id"] for p in merchants.list_projects(db, shop)}
    others = [p["id"] for p in merchants.list_projects(db, actor_of(db, "admin")) if p["id"] not in own]
    assert own and others
    for other in others:
        for kind in merchant_report.KINDS:
            with pytest.raises(PermissionDenied):
                merchant_report.build(db, shop, other, kind, date(2026, 11, 18))
    for own_id in own:
        assert merchant_report.build(db, shop, own_id, "weekly", config.today())["project"]["id"] == own_id


def test_merchants_and_agents_cannot_open_the_meeting(demo_db):
    db, _ = demo_db
    for username in ("merchant", "agent"):
        with pytest.raises(PermissionDenied):
            meeting.work_summary(db, actor_of(db, username), meeting.last_week())


def test_report_never_shows_pay_or_internal_qa_comments(demo_db):
    db, _ = demo_db
    shop = actor_of(db, "merchant")
    project_id = next(p["id"] for p in merchants.list_projects(db, shop))
    report = merchant_report.build(db, shop, project_id, "monthly", config.today() - timedelta(days=1))
    assert set(report["qa"]) == {
        "reviews",
        "mean_score",
        "target",
        "at_target_rate",
        "critical_failures",
        "problem_cases",
        "excellent_cases",
    }
    assert all(set(member) == {"name", "role", "shift"} for member in report["team"])


def test_the_meeting_lists_the_memos_agents_queued_for_it(demo_db):
    db, _ = demo_db
    from core.kb import memos

    manager = actor_of(db, "manager")
    monday = meeting.last_week()
    queued = meeting.memo_queue(db, manager, monday)
    assert queued == memos.queue_for_meeting(db, manager, monday)
    assert queued and all(m["status"] == "queued" for m in queued)  # the demo queues one
    with pytest.raises(PermissionDenied):
        meeting.memo_queue(db, actor_of(db, "merchant"), monday)


# --- the director's meeting (范围 = 全公司): praise, criticism and analysis across projects --------------------------


def live_project(db, admin, shop: str, status: str = "live", **targets) -> int:
    """A project of its own merchant with a confirmed order confirmation's targets, in the given status."""
    merchant_id = merchants.create_merchant(db, admin, {"name": shop, "platform": "pinduoduo"})
    project_id = merchants.create_project(db, admin, merchant_id, "售前")
    data = {
        **oc.default_data("pinduoduo"),
        "company_name": "c",
        "contact_name": "c",
        "contact_phone": "1",
        "liaison": "l",
        "target_daily_inquiries": 100,
        "target_first_response_s": 10,
        "target_avg_response_s": 20,
        "target_response_30s_rate": 0.8,
        "target_conversion_rate": 0.2,
        "target_aov": 100,
        "target_satisfaction": 0.9,
        "materials_submitted": True,
        "materials_complete": True,
        "golive_committed_date": (config.today() + timedelta(days=9)).isoformat(),
        **targets,
    }
    oc.confirm(db, admin, project_id, data)
    db["projects"].update(project_id, {"status": status})
    return project_id


def put_agent_day(
    db,
    project_id,
    day: str,
    agent: str,
    converted: int,
    fast: int,
    avg: float,
    consultations: int = 100,
    waits: int = 100,
):
    db["kpi_agent_daily"].insert(
        {
            "project_id": project_id,
            "day": day,
            "agent": agent,
            "consultations": consultations,
            "waits": waits,
            "fast_replies": fast,
            "response_30s_rate": fast / waits,
            "avg_response_s": avg,
            "first_response_s": 5.0,
            "effective_reply_rate": 1.0,
            "converted": converted,
            "conversion_rate": converted / consultations,
            "sales": 100.0 * converted,
            "items": converted,
            "aov": 100.0,
            "items_per_buyer": 1.0,
            "source": "summary",
            "extra": "{}",
            "settings": "{}",
            "computed_at": "x",
        }
    )


@pytest.fixture
def firm(fresh_db, admin):
    """Two live projects (店A: the default targets; 店B: conversion 25 %, average response 30 s) and a signed one.

    Week under review 2026-11-16 .. 22, the week before 2026-11-09 .. 15; one agent day per week each:
      店A 甲: conversion 10/100 → 30/100, 30 s rate 90 % both weeks, average 15 s both weeks
      店A 乙: conversion 20/100 → 15/100 (below 20 %: short by 0.05 / 0.2 = 25 %), 90 %, 15 s
      店B 丙: conversion 20/100 → 25/100, 30 s rate 70 % → 85 %, average 40 s → 25 s
      店B 丁: this week only: conversion 10/100 (short 0.15 / 0.25 = 60 %), 60 % (short 0.2 / 0.8 = 25 %),
        36 s (6 / 30 = 20 % over)
      店C (signed, not live): a bad week that must not count.
    """
    db = fresh_db
    a = live_project(db, admin, "店A")
    b = live_project(db, admin, "店B", target_conversion_rate=0.25, target_avg_response_s=30)
    c = live_project(db, admin, "店C", status="signed")
    for project_id, agent, before, now in [
        (a, "甲", (10, 90, 15.0), (30, 90, 15.0)),
        (a, "乙", (20, 90, 15.0), (15, 90, 15.0)),
        (b, "丙", (20, 70, 40.0), (25, 85, 25.0)),
        (c, "戊", (50, 99, 5.0), (1, 10, 99.0)),
    ]:
        put_agent_day(db, project_id, "2026-11-10", agent, *before)
        put_agent_day(db, project_id, "2026-11-17", agent, *now)
    put_agent_day(db, b, "2026-11-18", "丁", 10, 60, 36.0)
    return db, a, b, c


def test_company_praise_ranks_the_firms_agents_with_their_projects(firm, admin):
    db, a, b, _c = firm
    praise = meeting.company_praise(db, admin, date(2026, 11, 16))
    improved = [(r["kpi"], r["agent"], r["project"]) for r in praise["improved"]]
    assert improved == [
        ("conversion_rate", "甲", "店A · 售前"),
        ("conversion_rate", "丙", "店B · 售前"),
        ("response_30s_rate", "丙", "店B · 售前"),
        ("avg_response_s", "丙", "店B · 售前"),
    ]
    assert praise["improved"][0]["gain"] == pytest.approx(0.30 - 0.10)
    assert praise["improved"][1]["gain"] == pytest.approx(0.25 - 0.20)
    assert praise["improved"][3]["gain"] == pytest.approx(40.0 - 25.0)  # lower is better: 15 s faster is a gain of 15
    below = [(r["kpi"], r["agent"], r["project_id"]) for r in praise["below"]]
    # worst relative shortfall first: 丁 misses 25 % by 60 %, 乙 misses 20 % by 25 %
    assert below == [
        ("conversion_rate", "丁", b),
        ("conversion_rate", "乙", a),
        ("response_30s_rate", "丁", b),
        ("avg_response_s", "丁", b),
    ]
    assert [r["shortfall"] for r in praise["below"]] == pytest.approx([0.6, 0.25, 0.25, 0.2])
    assert (
        praise["below"][1]["target"] == 0.2 and praise["below"][0]["target"] == 0.25
    )  # each against its own project's target
    assert praise["below_count"] == {"conversion_rate": 2, "response_30s_rate": 1, "avg_response_s": 1}


def test_company_praise_keeps_the_worst_few_below_target_and_counts_the_rest(firm, admin):
    db, _a, b, _c = firm
    praise = meeting.company_praise(db, admin, date(2026, 11, 16), top=1, below_top=1)
    assert [(r["kpi"], r["agent"]) for r in praise["improved"]] == [
        ("conversion_rate", "甲"),
        ("response_30s_rate", "丙"),
        ("avg_response_s", "丙"),
    ]
    assert [(r["kpi"], r["agent"]) for r in praise["below"]] == [
        ("conversion_rate", "丁"),
        ("response_30s_rate", "丁"),
        ("avg_response_s", "丁"),
    ]
    assert praise["below_count"]["conversion_rate"] == 2


def test_projects_below_their_own_targets(firm, admin):
    db, a, b, c = firm
    # 店A: one day, 30 s rate 150 / 200 = 75 % against 80 %; everything else met
    put_day(db, a, "2026-11-17", 200, 200, 150, 45, 4500.0, 18.0, 9.0)
    # 店B: consultations (50 + 70) / 2 days = 60 a day against 100; conversion 24 / 120 = 20 % against 25 %;
    # 30 s rate 160 / 200 = 80 % meets 80 %; average (20×100 + 40×100) / 200 = 30 s meets 30 s
    put_day(db, b, "2026-11-16", 50, 100, 90, 10, 2000.0, 20.0, 8.0)
    put_day(db, b, "2026-11-18", 70, 100, 70, 14, 2800.0, 40.0, 8.0)
    put_day(db, c, "2026-11-17", 1, 100, 1, 0, 0.0, 99.0, 99.0)  # not live
    found = meeting.projects_below_target(db, admin, date(2026, 11, 16))
    assert [(p["project_id"], [m["kpi"] for m in p["missed"]]) for p in found] == [
        (b, ["consultations", "conversion_rate"]),
        (a, ["response_30s_rate"]),
    ]
    assert found[0]["missed"][0]["actual"] == 60 and found[0]["missed"][0]["target"] == 100
    assert found[0]["missed"][1]["actual"] == pytest.approx(0.2) and found[0]["missed"][1]["target"] == 0.25
    assert found[1]["missed"][0]["actual"] == 0.75
    assert meeting.company_praise(db, admin, date(2026, 11, 16))["projects_below"] == found


def test_company_analysis_adds_up_the_hours_and_names_each_projects_worst_day(firm, admin):
    db, a, b, c = firm
    for project_id, day, hour, waits in [
        (a, "2026-11-17", 9, 10),
        (a, "2026-11-17", 10, 5),
        (b, "2026-11-16", 9, 3),
        (b, "2026-11-18", 20, 7),
        (a, "2026-11-10", 9, 100),
        (c, "2026-11-17", 9, 1000),
    ]:  # the week before / not live: left out
        db["kpi_hourly"].insert(
            {
                "project_id": project_id,
                "day": day,
                "hour": hour,
                "inquiries": waits,
                "waits": waits,
                "answered": waits,
                "response_s_sum": 10.0 * waits,
            }
        )
    put_day(db, a, "2026-11-17", 200, 200, 150, 45, 4500.0, 18.0, 9.0)  # misses the 30 s rate only
    put_day(db, b, "2026-11-16", 50, 100, 90, 10, 2000.0, 20.0, 8.0)  # misses conversion (20 % < 25 %)
    put_day(
        db, b, "2026-11-18", 70, 100, 70, 14, 2800.0, 40.0, 8.0
    )  # misses the 30 s rate, average response and conversion
    analysis = meeting.company_analysis(db, admin, date(2026, 11, 16))
    load = {r["hour"]: r["waits"] for r in analysis["hour_load"]}
    assert len(load) == 24 and load[9] == 10 + 3 and load[10] == 5 and load[20] == 7 and sum(load.values()) == 25
    assert [(d["project_id"], d["day"], len(d["missed"])) for d in analysis["worst_days"]] == [
        (b, "2026-11-18", 3),
        (a, "2026-11-17", 1),
    ]
    assert set(analysis["worst_days"][0]["missed"]) == {"response_30s_rate", "avg_response_s", "conversion_rate"}
    two = meeting.company_analysis(db, admin, date(2026, 11, 16), per_project=2)["worst_days"]
    assert [(d["project_id"], d["day"]) for d in two] == [(b, "2026-11-18"), (a, "2026-11-17"), (b, "2026-11-16")]


def test_company_analysis_without_raw_logs_has_no_hour_load(firm, admin):
    db, *_ = firm
    assert meeting.company_analysis(db, admin, date(2026, 11, 16))["hour_load"] == []


def test_project_praise_is_unchanged_by_the_company_view(firm, admin):
    db, a, _b, _c = firm
    pc = meeting.praise_and_criticism(db, admin, date(2026, 11, 16), a)
    assert [(r["kpi"], r["agent"]) for r in pc["improved"]] == [("conversion_rate", "甲")]
    assert [(r["kpi"], r["agent"], r["target"]) for r in pc["below"]] == [("conversion_rate", "乙", 0.2)]


def test_the_meeting_opens_on_the_company_for_the_director_and_on_a_project_for_others(fresh_db, admin):
    manager = actor_of(
        fresh_db,
        users.get_user(fresh_db, users.create_user(fresh_db, admin, "pm", "经理", "manager", "secret-pass-1"))[
            "username"
        ],
    )
    projects = [{"id": 7}, {"id": 3}]
    assert meeting.default_scope(admin, projects) is None
    assert meeting.default_scope(manager, projects) == 7
    assert meeting.default_scope(manager, []) is None


def test_the_lost_points_table_has_translated_headers():
    from core.kernel import i18n

    rows_ = meeting.lost_points_rows(
        [{"category": "服务态度", "item": "礼貌用语", "lost": 4.5}], lambda key, **kw: i18n.t(key, "zh", **kw)
    )
    assert rows_ == [{"类别": "服务态度", "评分项": "礼貌用语", "平均每次质检失分": 4.5}]
    english = meeting.lost_points_rows(
        [{"category": "c", "item": "i", "lost": 1.0}], lambda key, **kw: i18n.t(key, "en", **kw)
    )
    assert list(english[0]) == ["Category", "Scorecard item", "Points lost per review"]


def test_the_company_meeting_pack_has_the_cross_project_sheets(firm, admin):
    from core.kernel import i18n

    db, *_ = firm
    pack = meeting.meeting_pack(db, admin, date(2026, 11, 16), None, lambda key, **kw: i18n.t(key, "zh", **kw))
    assert {"未达标项目", "表扬及批评", "未达标", "分时段应答次数", "最差的日子"} <= set(pack)
    assert "店A · 售前" in set(pack["表扬及批评"]["项目"]) and "丁" in set(pack["未达标"]["客服"])
