"""Reconciliation: our raw-log figures beside the platform's, with hand-computed differences, flags and reasons."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.accounts import users
from core.agents import directory
from core.kernel import config, excel, i18n
from core.kernel.errors import ValidationError
from core.kernel.permissions import Actor, PermissionDenied
from core.kpi import raw_store, reconcile_display, roster_names
from core.kpi import reconciliation as recon
from core.overview import home
from core.projects import merchants
from core.projects import order_confirmation as oc

DAY = date(2026, 11, 2)


@pytest.fixture
def shop(fresh_db, admin):
    """A Pinduoduo project (a wait per message, window 08:00–23:00 by default)."""
    merchant_id = merchants.create_merchant(fresh_db, admin, {"name": "样例店铺", "platform": "pinduoduo"})
    return merchants.create_project(fresh_db, admin, merchant_id, "售前")


def confirm(db, admin, project_id, platform="pinduoduo", **kpi_settings):
    """Confirm an order confirmation with these KPI settings (kpi_window_start, kpi_response_unit, …)."""
    data = {
        **oc.default_data(platform),
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
        **kpi_settings,
    }
    oc.confirm(db, admin, project_id, data)


def ours(db, project_id, agent, day=DAY, **metrics):
    """One of our per-agent days as the raw import stores it."""
    db["kpi_agent_daily"].insert(
        {
            "project_id": project_id,
            "day": day.isoformat(),
            "agent": agent,
            **metrics,
            "source": "raw",
            "extra": "{}",
            "settings": "{}",
            "computed_at": "2026-11-03 08:00:00",
        }
    )


def theirs(db, project_id, agent, figures, profile="pdd_performance", pending=(), day=DAY):
    """One of the platform's per-agent days as the summary import stores it."""
    db["platform_agent_daily"].insert(
        {
            "project_id": project_id,
            "day": day.isoformat(),
            "agent": agent,
            "profile": profile,
            "figures": json.dumps(figures, ensure_ascii=False),
            "pending": json.dumps(list(pending)),
            "imported_at": "2026-11-05 08:00:00",
        }
    )


def cell(result, kpi, agent=None):
    found = result.cells[result.cells["kpi"] == kpi]
    if agent is not None:
        found = found[found["agent"] == agent]
    assert len(found) == 1, found
    return found.iloc[0].to_dict()


def run(db, actor, project_id, start=DAY, end=DAY):
    return recon.reconcile(db, actor, project_id, start, end)


def user(db, role, merchant_id=None) -> Actor:
    user_id = users.create_user(db, None, f"u_{role}_{merchant_id or 0}", role, role, "secret-pass-1", merchant_id)
    return users.actor_from_row(users.get_user(db, user_id))


# --- differences and the tolerance ----------------------------------------------------------------


def test_counts_times_and_money_differ_absolutely_and_relatively(fresh_db, admin, shop):
    ours(fresh_db, shop, "店铺:小美", consultations=40, avg_response_s=24.0, sales=1234.56, converted=8, aov=154.32)
    theirs(
        fresh_db,
        shop,
        "店铺:小美",
        {"consultations": 50, "avg_response_s": 20.0, "sales": 1200.00, "converted": 8, "aov": 150.0},
    )
    result = run(fresh_db, admin, shop)
    c = cell(result, "consultations")
    assert (c["ours"], c["platform"], c["diff"], c["rel_diff"], c["flagged"]) == (40, 50, -10, -0.2, True)
    c = cell(result, "avg_response_s")
    assert (c["diff"], c["rel_diff"], c["flagged"]) == (4.0, 0.2, True)
    c = cell(result, "sales")
    assert c["diff"] == 34.56 and c["rel_diff"] == pytest.approx(34.56 / 1200) and c["flagged"] is False  # 2.88 %
    c = cell(result, "converted")
    assert (c["diff"], c["rel_diff"], c["flagged"], c["reasons"]) == (0, 0, False, [])
    assert cell(result, "aov")["diff"] == 4.32


def test_money_differences_are_rounded_half_up_to_the_fen():
    assert recon.compare("money", 10.125, 10.0, 0.05)["diff"] == 0.13  # 0.125 → 0.13, never banker's 0.12
    assert recon.compare("money", 0.1 + 0.2, 0.0, 0.05)["diff"] == 0.3


def test_rates_differ_in_points_and_have_no_relative_difference(fresh_db, admin, shop):
    ours(fresh_db, shop, "小美", response_30s_rate=0.85, conversion_rate=0.20)
    theirs(fresh_db, shop, "小美", {"response_30s_rate_service": 0.80, "conversion_rate": 0.26})
    result = run(fresh_db, admin, shop)
    c = cell(result, "response_30s_rate")
    assert (
        c["diff"] == pytest.approx(0.05) and c["rel_diff"] is None and c["flagged"] is False
    )  # 5 points: at the tolerance
    c = cell(result, "conversion_rate")
    assert c["diff"] == pytest.approx(-0.06) and c["flagged"] is True
    assert reconcile_display.format_diff("rate", -0.06, None) == "−6.0个百分点"
    assert reconcile_display.format_diff("rate", -0.06, None, "en") == "−6.0 pts"


@pytest.mark.parametrize(
    "kind,ours_value,platform,flagged",
    [
        ("rate", 0.80, 0.75, False),  # 0.80 − 0.75 = 0.05000000000000004 in floats: exactly 5 points, not above
        ("rate", 0.80, 0.7499, True),
        ("rate", 0.70, 0.75, False),
        ("count", 105, 100, False),  # exactly 5 %
        ("count", 95, 100, False),
        ("count", 106, 100, True),
        ("time", 21.0, 20.0, False),
        ("time", 21.02, 20.0, True),
        ("money", 105.0, 100.0, False),
        ("money", 105.01, 100.0, True),
    ],
)
def test_exactly_at_the_tolerance_is_not_flagged(kind, ours_value, platform, flagged):
    assert recon.compare(kind, ours_value, platform, 0.05)["flagged"] is flagged


def test_a_platform_zero_against_ours_above_zero_is_flagged_and_both_zero_is_not():
    assert recon.compare("count", 2, 0, 0.05) == {"diff": 2, "rel_diff": None, "flagged": True}
    assert recon.compare("count", 0, 0, 0.05) == {"diff": 0, "rel_diff": None, "flagged": False}


def test_the_projects_tolerance_decides_the_flag(fresh_db, admin, shop):
    ours(fresh_db, shop, "小美", consultations=108)
    theirs(fresh_db, shop, "小美", {"consultations": 100})
    assert cell(run(fresh_db, admin, shop), "consultations")["flagged"] is True
    recon.save_settings(fresh_db, admin, shop, tolerance=0.08)
    assert cell(run(fresh_db, admin, shop), "consultations")["flagged"] is False  # exactly 8 %
    recon.save_settings(fresh_db, admin, shop, tolerance=0.0799)
    assert cell(run(fresh_db, admin, shop), "consultations")["flagged"] is True


def test_only_kpis_both_sides_have_a_figure_for_are_compared(fresh_db, admin, shop):
    ours(fresh_db, shop, "小美", consultations=10, avg_response_s=None, first_response_s=12.0, satisfaction=None)
    theirs(
        fresh_db,
        shop,
        "小美",
        {"consultations": 10, "avg_response_s": 15.0, "satisfaction": 0.97, "complaints": 1, "sessions": 12},
    )
    assert run(fresh_db, admin, shop).cells["kpi"].tolist() == ["consultations"]


# --- agents -----------------------------------------------------------------------------------------


def test_an_agent_is_matched_across_shop_prefix_and_bare_name(fresh_db, admin, shop):
    ours(fresh_db, shop, "店铺:小美", consultations=10)
    theirs(fresh_db, shop, "小美", {"consultations": 12})
    result = run(fresh_db, admin, shop)
    c = cell(result, "consultations")
    assert (c["agent"], c["our_name"], c["platform_name"], c["agent_id"]) == ("小美", "店铺:小美", "小美", None)
    assert result.only_ours.empty and result.only_platform.empty


def test_an_agent_is_matched_through_the_roster_and_an_alias(fresh_db, admin, shop):
    agent_id = directory.create_agent(fresh_db, admin, {"name": "王美丽", "employee_no": "KF0001", "status": "online"})
    directory.assign(fresh_db, admin, shop, agent_id, "online", "day", DAY - timedelta(days=30), "店铺:小美")
    roster_names.map_agent(fresh_db, admin, shop, "美美客服", agent_id)
    ours(fresh_db, shop, "店铺:小美", consultations=10)
    theirs(fresh_db, shop, "美美客服", {"consultations": 10})
    c = cell(run(fresh_db, admin, shop), "consultations")
    assert (c["agent_id"], c["agent"], c["our_name"], c["platform_name"]) == (
        agent_id,
        "王美丽",
        "店铺:小美",
        "美美客服",
    )


def test_two_spellings_of_one_agent_in_the_log_are_one_figure_from_the_counts(fresh_db, admin, shop):
    ours(
        fresh_db,
        shop,
        "店铺:小美",
        consultations=10,
        waits=10,
        fast_replies=9,
        response_30s_rate=0.9,
        converted=2,
        sales=200.0,
    )
    ours(
        fresh_db,
        shop,
        "小美",
        consultations=30,
        waits=30,
        fast_replies=15,
        response_30s_rate=0.5,
        converted=4,
        sales=400.0,
    )
    theirs(
        fresh_db, shop, "小美", {"consultations": 40, "response_30s_rate_service": 0.6, "converted": 6, "sales": 600.0}
    )
    result = run(fresh_db, admin, shop)
    assert cell(result, "consultations")["ours"] == 40
    assert cell(result, "response_30s_rate")["ours"] == pytest.approx(24 / 40)
    assert cell(result, "sales")["diff"] == 0
    assert cell(result, "consultations")["our_name"] == "小美、店铺:小美"  # as the log sorts them


def test_agents_on_one_side_only_are_listed(fresh_db, admin, shop):
    ours(fresh_db, shop, "店铺:小美", consultations=10)
    ours(fresh_db, shop, "店铺:阿杰", consultations=8)
    theirs(fresh_db, shop, "小美", {"consultations": 10})
    theirs(fresh_db, shop, "店铺:店长", {"consultations": 3})
    result = run(fresh_db, admin, shop)
    assert result.only_ours[["day", "agent", "name"]].values.tolist() == [["2026-11-02", "阿杰", "店铺:阿杰"]]
    assert result.only_platform[["day", "agent", "name"]].values.tolist() == [["2026-11-02", "店长", "店铺:店长"]]
    assert set(result.cells["agent"]) == {"小美"}


# --- which platform figure ----------------------------------------------------------------------------


def test_split_field_reads_variant_suffixes_in_any_order():
    assert recon.split_field("avg_response_s") == ("avg_response_s", frozenset())
    assert recon.split_field("response_30s_rate_service") == ("response_30s_rate", frozenset({"service"}))
    assert recon.split_field("avg_response_s_session_allday") == ("avg_response_s", frozenset({"session", "allday"}))
    assert recon.split_field("avg_response_s_allday_session") == ("avg_response_s", frozenset({"session", "allday"}))


def test_the_variant_closest_to_our_definition_is_compared():
    rule = recon.KPI_RULES
    assert (
        recon.choose_variant(
            rule["avg_response_s"], ["avg_response_s_allday", "avg_response_s_service", "avg_response_s"]
        )
        == "avg_response_s_service"
    )
    assert recon.choose_variant(rule["avg_response_s"], ["avg_response_s_allday", "avg_response_s"]) == "avg_response_s"
    assert (
        recon.choose_variant(rule["avg_response_s"], ["avg_response_s_person", "avg_response_s_session"])
        == "avg_response_s_session"
    )
    assert (
        recon.choose_variant(rule["consultations"], ["consultations_session", "consultations_person"])
        == "consultations_person"
    )
    assert recon.choose_variant(rule["consultations"], ["inquiries", "receptions"]) == "receptions"
    assert (
        recon.choose_variant(rule["consultations"], ["receptions", "consultations_session"]) == "consultations_session"
    )
    assert (
        recon.choose_variant(rule["sales"], ["sales_service", "sales_allday"]) == "sales_allday"
    )  # we count sales all day
    assert recon.choose_variant(rule["sales"], ["sales_after_refund", "aov"]) is None


def test_the_result_names_the_platform_figure_it_compared(fresh_db, admin, shop):
    ours(fresh_db, shop, "小美", response_30s_rate=0.9, avg_response_s=20.0)
    theirs(
        fresh_db,
        shop,
        "小美",
        {"response_30s_rate_service": 0.9, "response_30s_rate_allday": 0.7, "avg_response_s_allday": 30.0},
    )
    result = run(fresh_db, admin, shop)
    assert cell(result, "response_30s_rate")["variant"] == "response_30s_rate_service"
    assert cell(result, "response_30s_rate")["diff"] == 0
    assert cell(result, "avg_response_s")["variant"] == "avg_response_s_allday"
    assert reconcile_display.variant_text("avg_response_s", "avg_response_s_allday") == "平均响应时长 · 全天"
    assert (
        reconcile_display.variant_text("avg_response_s", "avg_response_s_session_service", "en")
        == "Average response time · per session · service hours"
    )


# --- likely reasons --------------------------------------------------------------------------------


def reasons(result, kpi):
    return [code for code, _ in cell(result, kpi)["reasons"]]


def test_reason_whole_day_figure_against_our_window(fresh_db, admin, shop):
    ours(fresh_db, shop, "小美", avg_response_s=20.0, first_response_s=15.0)
    theirs(
        fresh_db,
        shop,
        "小美",
        {"avg_response_s_allday": 26.0, "first_response_s_allday": 18.0},
        profile="douyin_performance",
    )
    result = run(fresh_db, admin, shop)
    assert reasons(result, "avg_response_s") == ["window_allday", "robot"]
    assert cell(result, "avg_response_s")["reasons"][0] == ("window_allday", {"ours": "08:00–23:00"})
    assert (
        reconcile_display.reason_text(cell(result, "avg_response_s")["reasons"][0])
        == "时段口径：平台为全天数据，我方只计考核时段 08:00–23:00"
    )


def test_reason_the_projects_window_differs_from_the_platforms_service_hours(fresh_db, admin, shop):
    confirm(fresh_db, admin, shop, kpi_window_start="09:00", kpi_window_end="22:00")
    ours(fresh_db, shop, "小美", response_30s_rate=0.9)
    theirs(fresh_db, shop, "小美", {"response_30s_rate_service": 0.8})
    c = cell(run(fresh_db, admin, shop), "response_30s_rate")
    assert c["reasons"] == [("window", {"ours": "09:00–22:00", "platform": "08:00–23:00"})]
    assert (
        reconcile_display.reason_text(c["reasons"][0], "en")
        == "service window: the platform counts 08:00–23:00, our window is 09:00–22:00"
    )


def test_the_same_window_on_both_sides_is_no_reason_and_an_unexplained_flag_says_so(fresh_db, admin, shop):
    ours(fresh_db, shop, "小美", response_30s_rate=0.9, avg_response_s=20.0)
    theirs(fresh_db, shop, "小美", {"response_30s_rate_service": 0.8, "avg_response_s": 20.5})
    result = run(fresh_db, admin, shop)  # PDD counts per message like the project, 8-23 like the project
    assert reasons(result, "response_30s_rate") == ["unexplained"]  # 10 points, nothing in the definitions explains it
    assert reasons(result, "avg_response_s") == []  # 2.4 %: within the tolerance, not worth a warning


def test_reason_jds_30_second_rate_leaves_out_the_night(fresh_db, admin, shop):
    ours(fresh_db, shop, "小美", response_30s_rate=0.9)
    theirs(fresh_db, shop, "小美", {"response_30s_rate": 0.95}, profile="jd_overall")
    assert cell(run(fresh_db, admin, shop), "response_30s_rate")["reasons"] == [
        ("window", {"ours": "08:00–23:00", "platform": "09:00–23:00"})
    ]


def test_reason_a_whole_day_kpi_against_a_service_hours_figure(fresh_db, admin, shop):
    ours(fresh_db, shop, "小美", consultations=50)
    theirs(fresh_db, shop, "小美", {"consultations_service": 44})
    assert reasons(run(fresh_db, admin, shop), "consultations") == ["window_service"]


def test_reason_message_against_turn(fresh_db, admin, shop):
    ours(fresh_db, shop, "小美", response_30s_rate=0.7, avg_response_s=30.0, first_response_s=20.0)
    theirs(fresh_db, shop, "小美", {"avg_response_s": 24.0, "first_response_s": 25.0}, profile="tmall_performance")
    result = run(fresh_db, admin, shop)  # the project counts per message (PDD's rule), Tmall per turn
    assert cell(result, "avg_response_s")["reasons"] == [("unit", {"ours": "message", "platform": "turn"})]
    assert (
        reconcile_display.reason_text(cell(result, "avg_response_s")["reasons"][0])
        == "应答口径：我方按每条买家消息计算，平台按每轮提问计算"
    )
    assert "unit" not in reasons(
        result, "first_response_s"
    )  # a chat's first response does not depend on what a wait is


def test_a_turn_project_against_taobao_has_no_unit_reason(fresh_db, admin, shop):
    confirm(fresh_db, admin, shop, platform="taobao")  # Taobao-family defaults to turn
    ours(fresh_db, shop, "小美", avg_response_s=30.0)
    theirs(fresh_db, shop, "小美", {"avg_response_s": 24.0}, profile="taobao_performance")
    assert reasons(run(fresh_db, admin, shop), "avg_response_s") == ["unexplained"]


def test_reason_per_person_and_per_session(fresh_db, admin, shop):
    ours(fresh_db, shop, "小美", consultations=40, avg_response_s=20.0)
    theirs(
        fresh_db, shop, "小美", {"consultations_session": 48, "avg_response_s_person": 25.0}, profile="kuaishou_shop"
    )
    result = run(fresh_db, admin, shop)
    assert cell(result, "consultations")["reasons"] == [("per_session", {"ours": "person"})]
    assert cell(result, "avg_response_s")["reasons"] == [("per_person", {"ours": "wait"})]
    assert (
        reconcile_display.reason_text(cell(result, "consultations")["reasons"][0])
        == "统计维度：平台按会话统计，我方按买家"
    )


def test_reason_pending_figure_is_shown_never_flagged_never_zero(fresh_db, admin, shop):
    ours(fresh_db, shop, "小美", converted=5, sales=800.0, conversion_rate=0.2)
    theirs(
        fresh_db, shop, "小美", {"conversion_rate": 0.2}, profile="tmall_performance", pending=["converted", "sales"]
    )
    result = run(fresh_db, admin, shop)
    c = cell(result, "sales")
    assert (c["platform"], c["diff"], c["flagged"], c["pending"], c["reasons"]) == (
        None,
        None,
        False,
        True,
        [("pending", {})],
    )
    assert cell(result, "converted")["pending"] is True
    assert cell(result, "conversion_rate")["pending"] is False
    assert result.flagged_count == 0
    shown = reconcile_display.table(result.cells)
    assert shown.loc[shown["指标"] == "询单销售额", "平台"].tolist() == ["待更新"]


def test_reason_robot_replies_with_the_logs_automatic_replies_through_the_raw_import(fresh_db, admin, shop):
    log = (
        "time,buyer,agent,sender,content\n"
        "2026-11-02 10:00:00,b1,店铺:小美,buyer,在吗\n"
        "2026-11-02 10:00:20,b1,店铺:小美,agent,在的亲\n"
        "2026-11-02 10:05:00,b2,店铺:小美,buyer,有货吗\n"
        "2026-11-02 10:05:00,b2,店铺:小美,auto,您好，欢迎光临\n"
        "2026-11-02 10:05:50,b2,店铺:小美,agent,有的\n"
    )
    preview = raw_store.preview_raw(fresh_db, admin, shop, log.encode(), "m.csv")
    raw_store.import_raw(fresh_db, admin, shop, preview)
    # ours by hand: 2 chats; waits 20 s and 50 s → 30s rate 1/2, average 35 s, first responses (20 + 50) / 2 = 35 s
    theirs(
        fresh_db,
        shop,
        "小美",
        {"receptions": 2, "avg_response_s_service": 30.0, "avg_response_s_allday": 40.0},
        profile="douyin_performance",
    )
    result = run(fresh_db, admin, shop)
    c = cell(result, "avg_response_s")
    assert (c["ours"], c["platform"], c["variant"], c["diff"]) == (35.0, 30.0, "avg_response_s_service", 5.0)
    assert c["rel_diff"] == pytest.approx(5 / 30) and c["flagged"] is True
    assert c["reasons"] == [("robot", {"n": 1})]
    assert reconcile_display.reason_text(c["reasons"][0]).endswith("（当天聊天记录中有1条自动回复）")
    c = cell(result, "consultations")
    assert (c["ours"], c["variant"], c["diff"], c["reasons"]) == (2, "receptions", 0, [])


def test_reason_stand_in_and_order_attribution(fresh_db, admin, shop):
    ours(fresh_db, shop, "小美", consultations=50, converted=10, sales=1500.0)
    theirs(fresh_db, shop, "小美", {"inquiries": 45, "converted": 11, "sales": 1650.0}, profile="tmall_performance")
    result = run(fresh_db, admin, shop)
    assert cell(result, "consultations")["reasons"] == [("stand_in", {"field": "inquiries"})]
    assert (
        reconcile_display.reason_text(cell(result, "consultations")["reasons"][0]) == "平台没有该指标，用“询单人数”对比"
    )
    assert cell(result, "sales")["reasons"] == [("attribution", {"days": 1, "platform": "询单最终付款"})]


def test_an_unknown_profile_is_compared_with_the_reasons_its_variants_give(fresh_db, admin, shop):
    ours(fresh_db, shop, "小美", avg_response_s=20.0, sales=100.0)
    theirs(fresh_db, shop, "小美", {"avg_response_s_allday": 30.0, "sales": 120.0}, profile="")
    theirs(fresh_db, shop, "阿杰", {"sales": 1.0}, profile="someplatform_v9")
    ours(fresh_db, shop, "阿杰", sales=2.0)
    result = run(fresh_db, admin, shop)
    assert reasons(result, "avg_response_s") == ["window_allday"]
    assert cell(result, "sales", "小美")["reasons"] == [("attribution", {"days": 1, "platform": ""})]
    assert reconcile_display.reason_text(cell(result, "sales", "小美")["reasons"][0]).startswith(
        "订单归属：平台有自己的计入规则"
    )
    assert (
        reconcile_display.profile_text("someplatform_v9") == "someplatform_v9"
        and reconcile_display.profile_text("pdd_performance") == "拼多多"
    )


def test_bad_stored_values_are_skipped_not_fatal(fresh_db, admin, shop):
    ours(fresh_db, shop, "小美", consultations=10, sales=100.0)
    theirs(fresh_db, shop, "小美", {"consultations": "延迟统计", "sales": None, "aov": [1]})
    assert run(fresh_db, admin, shop).cells.empty


@pytest.mark.parametrize(
    "code",
    [
        "pending",
        "window_allday",
        "window",
        "window_service",
        "unit",
        "robot",
        "per_session",
        "per_person",
        "stand_in",
        "attribution",
        "unexplained",
    ],
)
def test_every_reason_speaks_both_languages(code):
    params = {"ours": "message", "platform": "turn", "n": 3, "field": "inquiries", "days": 1}
    for lang in ("zh", "en"):
        text = reconcile_display.reason_text((code, params), lang)
        assert text and not text.startswith("recon.") and "{" not in text, (code, lang, text)


# --- days missing on one side ------------------------------------------------------------------------


def test_days_missing_on_one_side_say_which_import_is_missing(fresh_db, admin, shop):
    ours(fresh_db, shop, "小美", day=DAY, consultations=10)
    ours(fresh_db, shop, "小美", day=DAY + timedelta(days=1), consultations=10)
    theirs(fresh_db, shop, "小美", {"consultations": 10}, day=DAY)
    theirs(fresh_db, shop, "小美", {"consultations": 10}, day=DAY + timedelta(days=2))
    result = run(fresh_db, admin, shop, DAY, DAY + timedelta(days=2))
    assert result.both_days == ["2026-11-02"]
    assert result.missing_platform == ["2026-11-03"] and result.missing_raw == ["2026-11-04"]
    assert len(result.cells) == 1


def test_summary_rows_of_our_own_store_are_not_our_figures(fresh_db, admin, shop):
    fresh_db["kpi_agent_daily"].insert(
        {
            "project_id": shop,
            "day": DAY.isoformat(),
            "agent": "小美",
            "consultations": 10,
            "source": "summary",
            "extra": "{}",
            "settings": "{}",
            "computed_at": "x",
        }
    )
    theirs(fresh_db, shop, "小美", {"consultations": 12})
    result = run(fresh_db, admin, shop)
    assert result.cells.empty and result.raw_days == [] and result.missing_raw == ["2026-11-02"]


def test_data_span_and_the_default_period_are_the_last_seven_days_both_sides_have(fresh_db, admin, shop):
    assert recon.data_span(fresh_db, admin, shop) == {"raw": None, "platform": None, "both": None}
    assert recon.default_period({"raw": None, "platform": None, "both": None}) is None
    for offset in range(12):
        ours(fresh_db, shop, "小美", day=DAY + timedelta(days=offset), consultations=1)
    for offset in range(10):
        theirs(fresh_db, shop, "小美", {"consultations": 1}, day=DAY + timedelta(days=offset))
    span = recon.data_span(fresh_db, admin, shop)
    assert span["both"] == (DAY, DAY + timedelta(days=9)) and span["raw"] == (DAY, DAY + timedelta(days=11))
    assert recon.default_period(span) == (DAY + timedelta(days=3), DAY + timedelta(days=9))
    assert recon.default_period({"raw": (DAY, DAY + timedelta(days=2)), "platform": None, "both": None}) == (
        DAY,
        DAY + timedelta(days=2),
    )


def test_filter_by_agent_search_and_flagged_only(fresh_db, admin, shop):
    ours(fresh_db, shop, "店铺:小美", consultations=10, sales=100.0)
    ours(fresh_db, shop, "店铺:阿杰", consultations=10, sales=100.0)
    theirs(fresh_db, shop, "小美", {"consultations": 20, "sales": 100.0})
    theirs(fresh_db, shop, "阿杰", {"consultations": 10, "sales": 100.0})
    cells = run(fresh_db, admin, shop).cells
    assert len(recon.filter_cells(cells)) == 4
    assert set(recon.filter_cells(cells, "小美")["agent"]) == {"小美"}
    assert set(recon.filter_cells(cells, "店铺:阿")["agent"]) == {"阿杰"}  # the log's spelling finds it too
    flagged = recon.filter_cells(cells, flagged_only=True)
    assert flagged[["agent", "kpi"]].values.tolist() == [["小美", "consultations"]]
    assert recon.filter_cells(cells, "nobody").empty


# --- settings --------------------------------------------------------------------------------------


def test_settings_default_then_saved_validated_and_audited(fresh_db, admin, shop):
    assert recon.get_settings(fresh_db, admin, shop)["tolerance"] == 0.05
    assert recon.get_settings(fresh_db, admin, shop)["flavour"] == "service_hours"
    after = recon.save_settings(fresh_db, admin, shop, tolerance=0.1, flavour="whole_day")
    assert (after["tolerance"], after["flavour"], after["updated_by"]) == (0.1, "whole_day", admin.id)
    assert (
        recon.save_settings(fresh_db, admin, shop, tolerance=0.02)["flavour"] == "whole_day"
    )  # None keeps the flavour
    log = list(fresh_db.query("SELECT * FROM audit_log WHERE entity = 'project_import_settings' ORDER BY id"))
    assert [(json.loads(r["before"]), json.loads(r["after"])) for r in log] == [
        ({"flavour": "service_hours", "tolerance": 0.05}, {"flavour": "whole_day", "tolerance": 0.1}),
        ({"flavour": "whole_day", "tolerance": 0.1}, {"flavour": "whole_day", "tolerance": 0.02}),
    ]
    assert {r["entity_id"] for r in log} == {str(shop)} and {r["username"] for r in log} == {admin.username}
    for bad in (
        {"tolerance": 1.5},
        {"tolerance": -0.01},
        {"tolerance": "x"},
        {"tolerance": float("nan")},
        {"flavour": "night"},
    ):
        with pytest.raises(ValidationError):
            recon.save_settings(fresh_db, admin, shop, **bad)
    assert recon.import_settings(fresh_db, shop)["tolerance"] == 0.02


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    tolerance=st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**20), 10**20),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=12),
        st.just("0.05"),
        st.lists(st.integers(), max_size=2),
    ),
    flavour=st.one_of(st.none(), st.sampled_from(recon.FLAVOURS), st.text(max_size=12), st.integers()),
)
def test_any_settings_input_is_saved_in_range_or_refused_whole(fresh_db, admin, shop, tolerance, flavour):
    before = (recon.import_settings(fresh_db, shop), fresh_db["audit_log"].count)
    try:
        after = recon.save_settings(fresh_db, admin, shop, tolerance=tolerance, flavour=flavour)
    except ValidationError:
        assert (recon.import_settings(fresh_db, shop), fresh_db["audit_log"].count) == before
        assert not fresh_db.conn.in_transaction
    else:
        assert 0 <= after["tolerance"] <= 1 and after["flavour"] in recon.FLAVOURS
        assert not isinstance(tolerance, bool)


def test_managers_set_the_tolerance_qa_reads_it_only(fresh_db, admin, shop):
    qa = user(fresh_db, "qa")
    manager = user(fresh_db, "manager")
    assert recon.save_settings(fresh_db, manager, shop, tolerance=0.07)["tolerance"] == 0.07
    assert recon.get_settings(fresh_db, qa, shop)["tolerance"] == 0.07
    with pytest.raises(PermissionDenied):
        recon.save_settings(fresh_db, qa, shop, tolerance=0.2)
    assert recon.import_settings(fresh_db, shop)["tolerance"] == 0.07


# --- access --------------------------------------------------------------------------------------


def test_merchants_agents_and_trainers_never_see_the_comparison_qa_reads_it(fresh_db, admin, shop):
    ours(fresh_db, shop, "小美", consultations=10)
    theirs(fresh_db, shop, "小美", {"consultations": 12})
    merchant_id = merchants.get_project(fresh_db, admin, shop)["merchant_id"]
    for role, merchant in (("merchant", merchant_id), ("agent", None), ("trainer", None)):
        outsider = user(fresh_db, role, merchant)
        for call in (
            lambda a: recon.reconcile(fresh_db, a, shop, DAY, DAY),
            lambda a: recon.data_span(fresh_db, a, shop),
            lambda a: recon.get_settings(fresh_db, a, shop),
            lambda a: recon.save_settings(fresh_db, a, shop, tolerance=0.1),
        ):
            with pytest.raises(PermissionDenied):
                call(outsider)
        assert recon.flagged_by_project(fresh_db, outsider, DAY) == []
    qa = user(fresh_db, "qa")
    assert len(run(fresh_db, qa, shop).cells) == 1


# --- home alert ------------------------------------------------------------------------------------


def test_home_alert_once_per_project_and_day_with_the_count_of_flagged_figures(fresh_db, admin, shop):
    merchant_id = merchants.create_merchant(fresh_db, admin, {"name": "第二家", "platform": "douyin"})
    second = merchants.create_project(fresh_db, admin, merchant_id, "售前")
    today = DAY + timedelta(days=3)
    for day in (DAY - timedelta(days=1), DAY):
        ours(fresh_db, shop, "小美", day=day, consultations=10, sales=100.0, converted=2)
        ours(fresh_db, shop, "阿杰", day=day, consultations=10)
        theirs(fresh_db, shop, "小美", {"consultations": 20, "sales": 150.0, "converted": 2}, day=day)
        theirs(fresh_db, shop, "阿杰", {"consultations": 12}, day=day)
    ours(fresh_db, second, "小雨", consultations=10)
    theirs(fresh_db, second, "小雨", {"consultations": 10})  # the same: no alert
    found = [a for a in home.alerts(fresh_db, admin, today) if a["kind"] == "reconcile"]
    assert found == [
        {"kind": "reconcile", "project_id": shop, "project": "样例店铺 · 售前", "day": "2026-11-02", "n": 3}
    ]
    assert (
        i18n.t("home.alert.reconcile", project="样例店铺 · 售前", day="2026-11-02", n=3)
        == "数据核对：样例店铺 · 售前 2026-11-02 有 3 项与平台数据的差异超出容差"
    )
    recon.save_settings(fresh_db, admin, shop, tolerance=1.0)
    assert not [a for a in home.alerts(fresh_db, admin, today) if a["kind"] == "reconcile"]
    recon.save_settings(fresh_db, admin, shop, tolerance=0.05)
    assert not [
        a for a in home.alerts(fresh_db, admin, DAY + timedelta(days=30)) if a["kind"] == "reconcile"
    ]  # older than a week


# --- export ----------------------------------------------------------------------------------------


def test_excel_export_has_the_figures_in_peoples_units_the_one_side_agents_and_the_settings(fresh_db, admin, shop):
    ours(fresh_db, shop, "店铺:小美", consultations=40, response_30s_rate=0.85, sales=1234.56, converted=5)
    ours(fresh_db, shop, "店铺:阿杰", consultations=3)
    theirs(
        fresh_db,
        shop,
        "小美",
        {"consultations": 50, "response_30s_rate_service": 0.8, "sales": 1200.0},
        pending=["converted"],
    )
    result = run(fresh_db, admin, shop)
    book = openpyxl.load_workbook(io.BytesIO(excel.to_xlsx(reconcile_display.export_sheets(result))))
    assert book.sheetnames == ["逐项对比", "只在一边的客服", "口径与容差"]
    sheet = book["逐项对比"]
    header = [c.value for c in sheet[1]]
    assert header[:11] == [
        "日期",
        "客服",
        "聊天记录中的名称",
        "平台中的名称",
        "指标",
        "单位",
        "我方",
        "平台",
        "差异（比率为百分点）",
        "相对差异（%）",
        "超出容差",
    ]
    data = {r[4]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert data["咨询人数"][:11] == (
        "2026-11-02",
        "小美",
        "店铺:小美",
        "小美",
        "咨询人数",
        None,
        40,
        50,
        -10,
        -20,
        "是",
    )
    assert data["30秒应答率"][5:11] == ("%", 85, 80, 5, None, "否")
    assert data["30秒应答率"][11:13] == ("30秒应答率 · 服务时段", "response_30s_rate_service")
    assert data["询单销售额"][5:11] == ("元", 1234.56, 1200, 34.56, 2.88, "否")
    assert data["询单成交人数"][7] == "待更新" and data["询单成交人数"][13].startswith("平台尚未结算")
    sides = list(book["只在一边的客服"].iter_rows(min_row=2, values_only=True))
    assert sides == [("只在我方数据中", "2026-11-02", "阿杰", "店铺:阿杰")]
    settings = {r[0]: r[1] for r in book["口径与容差"].iter_rows(min_row=2, values_only=True)}
    assert settings["容差"] == "5%（比率为百分点，其余为相对差异）" and settings["我方考核时段"] == "08:00–23:00"
    english = reconcile_display.export_sheets(result, lang="en")
    assert list(english) == ["Figures", "One side only", "Settings"]
    assert english["Figures"].iloc[0]["KPI"] == "Consultations"
