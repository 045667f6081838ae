"""The platforms' own per-agent exports, built in the test in the layouts of
shared/spec/platform-exports.md: profile, day, agent rows, summary/benchmark rows, pending
figures, flavours and hand-computed cells, in core and through the store."""

from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import pytest

from core.kpi import daily_figures, profiles, raw_store, reconciliation, summary_store, templates
from core.kpi.summary_errors import format_error
from core.kpi.summary_import import read_summary
from core.projects import merchants
from core.projects import order_confirmation as oc


def xlsx(rows: list[list], sheet: str = "Sheet1", percent_columns: tuple[int, ...] = ()) -> bytes:
    """An Excel file as the backends write it (cells as given; percent-formatted columns)."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    for column in percent_columns:
        for cells in ws.iter_rows(min_row=2, min_col=column + 1, max_col=column + 1):
            for cell in cells:
                if isinstance(cell.value, float):
                    cell.number_format = "0.00%"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def errors(preview) -> list[str]:
    return [format_error(e) for e in preview.errors]


# --- Tmall / Taobao -------------------------------------------------------------------------------

TMALL_HEADER = [
    "旺旺昵称",
    "询单人数",
    "询单最终付款人数",
    "询单最终付款转化率",
    "询单最终付款金额",
    "首次响应时长（秒)",
    "平均响应时长（秒)",
    "客户满意率",
    "旺旺回复率",
    "成功退款金额",
]
TMALL_NAME = "自制报表-报表查看-客服绩效_20261101_20261101_全部.xlsx"


def tmall_rows(pending: bool = True) -> list[list]:
    late = "延迟统计" if pending else None
    return [
        TMALL_HEADER,
        [
            "麻大师旗舰店:小美",
            120,
            late or 30,
            late or "25.00%",
            late or "¥3,600.50",
            12.5,
            25,
            "98.50%",
            "99.20%",
            "120.00",
        ],
        ["麻大师旗舰店:阿杰", 80, 20, "25.00%", "2,000", 20, 40, "96.00%", "97.50%", "0"],
        ["汇总值", 200, 50, "25.00%", "5,600.50", 15.5, 31, "97.50%", "98.50%", "120"],
        ["平均值", 100, 25, "25.00%", "2,800.25", 15.5, 31, "97.50%", "98.50%", "60"],
        ["全店汇总值", 210, 52, "24.76%", "5,800", 15, 30, "97.00%", "98.00%", "120"],
        ["全店平均值", 105, 26, "24.76%", "2,900", 15, 30, "97.00%", "98.00%", "60"],
        ["同行同层优秀", "-", "-", "32.10%", "-", 8, 18, "99.10%", "99.90%", "-"],
        ["同行同层均值", "-", "-", "21.40%", "-", 16, 33, "96.20%", "98.10%", "-"],
    ]


def test_tmall_performance_is_detected_its_day_comes_from_the_file_name_and_summary_rows_are_listed():
    preview = read_summary(xlsx(tmall_rows(), "数据信息"), TMALL_NAME)
    assert preview.ok, errors(preview)
    assert preview.profile == "tmall_performance" and preview.profile_source == "detected"
    assert (preview.day, preview.day_source) == (dt.date(2026, 11, 1), "filename")
    assert list(preview.rows["agent_key"]) == ["小美", "阿杰"]
    assert set(preview.rows["date"]) == {dt.date(2026, 11, 1)}
    assert [(label, kind) for _, label, kind in preview.skipped] == [
        ("汇总值", "summary"),
        ("平均值", "summary"),
        ("全店汇总值", "summary"),
        ("全店平均值", "summary"),
        ("同行同层优秀", "benchmark"),
        ("同行同层均值", "benchmark"),
    ]
    assert dict(preview.mapping)["旺旺昵称"] == "agent" and preview.unmapped_headers == []
    jie = preview.rows.loc[3]
    assert (jie["inquiries"], jie["converted"], jie["sales"]) == (80, 20, 2000.0)
    assert jie["conversion_rate"] == pytest.approx(0.25) and jie["satisfaction"] == pytest.approx(0.96)
    assert (jie["first_response_s"], jie["avg_response_s"], jie["refund_amount"]) == (20, 40, 0)
    assert jie["effective_reply_rate"] == pytest.approx(0.975)


def test_tmall_peer_benchmarks_are_kept_with_their_rates_and_no_counts():
    preview = read_summary(xlsx(tmall_rows(), "数据信息"), TMALL_NAME)
    bench = preview.benchmarks
    assert list(bench.index) == ["同行同层优秀", "同行同层均值"]
    assert bench.loc["同行同层优秀", "conversion_rate"] == pytest.approx(0.321)
    assert bench.loc["同行同层均值", "first_response_s"] == 16
    assert bench["inquiries"].isna().all()  # "-" for counts


def test_a_pending_figure_is_neither_zero_nor_an_error_and_is_listed_by_row():
    preview = read_summary(xlsx(tmall_rows(), "数据信息"), TMALL_NAME)
    assert preview.ok
    assert preview.pending == {2: ["converted", "conversion_rate", "sales"]}
    mei = preview.rows.loc[2]
    assert mei["converted"] is pd_na() and mei["sales"] != mei["sales"]  # missing (NaN), not 0


def pd_na():
    import pandas as pd

    return pd.NA


def test_a_range_export_holds_totals_and_is_refused_with_how_to_export_one_day():
    preview = read_summary(xlsx(tmall_rows(), "数据信息"), "自制报表-报表查看-客服绩效_20261101_20261107_全部.xlsx")
    assert [e.code for e in preview.errors] == ["range_file"]
    assert preview.day_range == (dt.date(2026, 11, 1), dt.date(2026, 11, 7))
    assert "2026-11-01 至 2026-11-07" in errors(preview)[0] and "按天导出" in errors(preview)[0]
    assert preview.rows.empty


def tmall_reception_file() -> tuple[str, bytes]:
    rows = [
        ["下载数据最多5000条，超出部分会被截断！"],
        [],
        [],
        [
            "旺旺昵称",
            "咨询人数",
            "接待人数",
            "未回复人数",
            "有效接待人数",
            "平均响应时长（秒)",
            "3分钟人工响应率",
            "旺旺回复率",
            "首次响应时长（秒)",
            "慢响应人数",
            "答问比",
            "旺旺分组",
        ],
        ["店:小美", 100, 98, 2, 95, 21.5, 0.9971, 0.98, 10, 3, 1.25, "售前组"],
        ["汇总值", 100, 98, 2, 95, 21.5, 0.9971, 0.98, 10, 3, 1.25, ""],
        ["平均值", 100, 98, 2, 95, 21.5, 0.9971, 0.98, 10, 3, 1.25, ""],
    ]
    return "咨询接待分析_2026-11-01.xlsx", xlsx(rows, "数据信息")


def test_tmall_reception_analysis_below_banner_rows_with_fractions():
    name, data = tmall_reception_file()
    preview = read_summary(data, name)
    assert preview.ok, errors(preview)
    assert preview.profile == "tmall_reception" and preview.header_row == 4
    mei = preview.rows.loc[5]
    assert mei["response_3min_rate"] == pytest.approx(0.9971)
    assert (mei["unreplied"], mei["valid_receptions"], mei["slow_responses"], mei["group"]) == (2, 95, 3, "售前组")
    assert mei["answer_ratio"] == pytest.approx(1.25)
    assert [label for _, label, _ in preview.skipped] == ["汇总值", "平均值"]


def qianniu_file() -> tuple[str, bytes]:
    rows = [
        ["旺旺账号名称", "平均响应时长", "人工接待会话量", "3分钟人工响应率"],
        ["店:小美", "15秒", 88, "99.10%"],
        ["店:阿杰", "20秒", 60, "98.00%"],
    ]
    return "千牛服务报表20261101.xlsx", xlsx(rows, "按客服查看")


def test_qianniu_service_report_by_agent():
    name, data = qianniu_file()
    preview = read_summary(data, name)
    assert preview.ok, errors(preview)
    assert preview.profile == "qianniu_service"
    row = preview.rows.iloc[0]
    assert (row["agent_key"], row["avg_response_s"], row["sessions"]) == ("小美", 15, 88)


# --- Pinduoduo ------------------------------------------------------------------------------------

PDD_HEADER = [
    "客服账号",
    "客服服务分",
    "咨询人数",
    "询单人数",
    "最终成团人数",
    "询单转化率",
    "客服销售额（元）",
    "去退销售额（元）",
    "需要人工回复的咨询人数",
    "人工接待人数",
    "3分钟未回复人数",
    "3分钟人工回复率(8-23点)",
    "30 秒应答率(8-23点)",
    "平均人工响应时长",
    "评分≤3 订单数",
    "纠纷退款数",
    "投诉数",
    "3分钟人工回复率(全天)",
    "30秒应答率（全天）",
]


def pdd_file() -> bytes:
    return xlsx(
        [
            PDD_HEADER,
            [
                "店铺总计",
                "-",
                300,
                200,
                50,
                "25.00%",
                "9,000.00",
                "8,500.00",
                280,
                270,
                3,
                "98.00%",
                "88.00%",
                "12秒",
                2,
                1,
                1,
                "97.00%",
                "85.00%",
            ],
            [
                "水密码客服小樱",
                4.8,
                180,
                120,
                30,
                "25.00%",
                "5,400.00",
                "5,100.00",
                170,
                165,
                1,
                "99.00%",
                "90.00%",
                "9秒",
                1,
                0,
                1,
                "98.00%",
                "86.50%",
            ],
            [
                "水密码客服小桃",
                "-",
                120,
                80,
                20,
                "25.00%",
                "3,600.00",
                "3,400.00",
                110,
                105,
                2,
                "97.00%",
                "85.00%",
                "1分05秒",
                1,
                1,
                0,
                "96.00%",
                "83.00%",
            ],
            [
                "平均",
                "-",
                150,
                100,
                25,
                "25.00%",
                "4,500.00",
                "4,250.00",
                140,
                135,
                1.5,
                "98.00%",
                "87.50%",
                "37秒",
                1,
                0.5,
                0.5,
                "97.00%",
                "84.75%",
            ],
        ],
        "Sheet0",
    )


def test_pdd_performance_keeps_service_hours_and_whole_day_figures_apart():
    preview = read_summary(pdd_file(), "客服绩效详情_20261030.xlsx")
    assert preview.ok, errors(preview)
    assert preview.profile == "pdd_performance"
    assert (preview.day, preview.day_source) == (dt.date(2026, 10, 30), "filename")
    assert [label for _, label, _ in preview.skipped] == ["店铺总计", "平均"]
    sakura = preview.rows.loc[3]
    assert sakura["response_30s_rate_service"] == pytest.approx(0.90)
    assert sakura["response_30s_rate_allday"] == pytest.approx(0.865)
    assert sakura["response_3min_rate_service"] == pytest.approx(0.99)
    assert (sakura["avg_response_s"], sakura["converted"], sakura["sales_after_refund"]) == (9, 30, 5100.0)
    assert (sakura["low_rating_orders"], sakura["dispute_refunds"], sakura["complaints"], sakura["service_score"]) == (
        1,
        0,
        1,
        4.8,
    )
    peach = preview.rows.loc[4]
    assert peach["avg_response_s"] == 65 and peach["service_score"] != peach["service_score"]  # "-" is missing


def test_the_project_flavour_picks_the_figure_that_counts_for_targets_and_says_which():
    record = read_summary(pdd_file(), "客服绩效详情_20261030.xlsx").rows.loc[3].to_dict()
    service, extra = summary_store.summary_to_metrics(record, "service_hours")
    assert service["response_30s_rate"] == pytest.approx(0.90) and extra["dimensions"]["response_30s_rate"] == "service"
    whole, extra = summary_store.summary_to_metrics(record, "whole_day")
    assert whole["response_30s_rate"] == pytest.approx(0.865) and extra["dimensions"]["response_30s_rate"] == "allday"
    assert extra["response_30s_rate_service"] == pytest.approx(0.90)  # the other flavour kept, never merged


# --- Douyin ---------------------------------------------------------------------------------------

DOUYIN_HEADER = [
    "客服昵称",
    "客服账号",
    "客服在线天数",
    "已接待人数",
    "接待会话量",
    "待回复会话量",
    "转出会话量",
    "有效评价数",
    "有效好评数",
    "有效差评数",
    "全天不满意率",
    "全天满意率",
    "全天平响时长",
    "全天首响时长",
    "全天3分钟回复率",
    "工作时间平响时长",
    "工作时间3分钟回复率",
    "询单人数",
    "下单人数",
    "支付人数",
    "退款人数",
    "客服询单支付额",
    "退款金额",
    "退款后销售额",
    "询单转化率",
    "服务问题会话数",
]


def douyin_file() -> tuple[str, bytes]:
    rows = [
        DOUYIN_HEADER,
        [
            "小美",
            "麻大师旗舰店:小美",
            1,
            60,
            70,
            0,
            2,
            20,
            18,
            1,
            "5.00%",
            "90.00%",
            "25秒",
            "11秒",
            "97.00%",
            "20秒",
            "99.00%",
            50,
            20,
            18,
            1,
            "1,800.00",
            "100.00",
            "1,700.00",
            "36.00%",
            1,
        ],
        ["阿杰", "麻大师旗舰店:阿杰"] + ["-"] * (len(DOUYIN_HEADER) - 2),
        [
            "",
            "店铺汇总值",
            1,
            60,
            70,
            0,
            2,
            20,
            18,
            1,
            "5.00%",
            "90.00%",
            "25秒",
            "11秒",
            "97.00%",
            "20秒",
            "99.00%",
            50,
            20,
            18,
            1,
            "1,800.00",
            "100.00",
            "1,700.00",
            "36.00%",
            1,
        ],
        [
            "",
            "店铺平均值",
            1,
            30,
            35,
            0,
            1,
            10,
            9,
            0.5,
            "5.00%",
            "90.00%",
            "25秒",
            "11秒",
            "97.00%",
            "20秒",
            "99.00%",
            25,
            10,
            9,
            0.5,
            "900.00",
            "50.00",
            "850.00",
            "36.00%",
            0.5,
        ],
    ]
    return "抖音_20261101_麻大师旗舰店_飞鸽_客服表现.xlsx", xlsx(rows)


def test_douyin_performance_agent_is_the_account_summary_labels_in_the_second_column_idle_agent_all_dashes():
    name, data = douyin_file()
    preview = read_summary(data, name)
    assert preview.ok, errors(preview)
    assert preview.profile == "douyin_performance"
    assert dict(preview.mapping)["客服账号"] == "agent" and dict(preview.mapping)["客服昵称"] == "agent_name"
    assert list(preview.rows["agent_key"]) == ["小美", "阿杰"]
    assert [label for _, label, _ in preview.skipped] == ["店铺汇总值", "店铺平均值"]
    mei = preview.rows.loc[2]
    assert (mei["avg_response_s_allday"], mei["avg_response_s_service"], mei["first_response_s_allday"]) == (25, 20, 11)
    assert mei["response_3min_rate_service"] == pytest.approx(0.99) and mei[
        "dissatisfaction_rate_allday"
    ] == pytest.approx(0.05)
    assert (mei["good_reviews"], mei["reviews"], mei["refund_amount"], mei["problem_sessions"]) == (18, 20, 100.0, 1)
    assert preview.rows.loc[3, ["receptions", "sales"]].isna().all()  # the idle agent: all "-", missing


def douyin_history_file() -> tuple[str, bytes]:
    header = [
        "店铺名称",
        "客服昵称",
        "账号名称",
        "人工已接待人数",
        "人工已接待会话量",
        "CPD",
        "不满意率",
        "3分钟人工回复率 (会话)",
        "3分钟人工回复率",
        "首次响应时长（秒）",
        "平均响应时长（秒）",
        "新平均响应时长（秒）",
        "满意率",
        "客服销售额（元）",
        "询单人数",
        "下单人数",
        "支付人数",
        "询单转化率",
        "预警会话量",
        "PC在线时长（时）",
        "PC小休时长（时）",
        "PC离线时长（时）",
    ]
    rows = [
        header,
        [
            "麻大师旗舰店",
            "小美",
            "麻大师旗舰店:小美",
            50,
            55,
            1.1,
            0.02,
            0.97,
            0.98,
            12,
            30,
            28,
            0.95,
            1500.5,
            40,
            15,
            12,
            0.3,
            1,
            7.5,
            0.5,
            1,
        ],
        ["汇总", "", "", 50, 55, 1.1, 0.02, 0.97, 0.98, 12, 30, 28, 0.95, 1500.5, 40, 15, 12, 0.3, 1, 7.5, 0.5, 1],
    ]
    return "麻大师旗舰店_2026-11-01_客服数据.xlsx", xlsx(rows, percent_columns=(6, 7, 8, 12, 17))


def test_douyin_history_with_hours_online_percent_cells_and_a_final_summary_row_in_the_shop_column():
    name, data = douyin_history_file()
    preview = read_summary(data, name)
    assert preview.ok, errors(preview)
    assert preview.profile == "douyin_history" and preview.day == dt.date(2026, 11, 1)
    mei = preview.rows.loc[2]
    assert mei["agent"] == "麻大师旗舰店:小美" and mei["shop"] == "麻大师旗舰店"
    assert mei["response_3min_rate_session"] == pytest.approx(0.97) and mei["response_3min_rate"] == pytest.approx(0.98)
    assert (mei["avg_response_s"], mei["avg_response_s_new"]) == (30, 28)
    assert (mei["online_s"], mei["break_s"], mei["offline_s"]) == (27000, 1800, 3600)  # hours → seconds
    assert mei["warning_sessions"] == 1
    assert [label for _, label, _ in preview.skipped] == ["汇总"]


# --- JD and Kuaishou ------------------------------------------------------------------------------


def jd_file() -> tuple[str, bytes]:
    rows = [
        [
            "客服",
            "接待量",
            "售前接待人数",
            "促成下单人数",
            "促成下单商品金额",
            "平均响应时长（新）",
            "30s应答率",
            "客服3分钟人工回复率",
            "好评量",
            "评价量",
        ],
        ["麻大师旗舰-小王", 100, 80, 20, "2,000.00", 18, "92.00%", "99.00%", 9, 10],
        ["麻大师旗舰-小李", "NaN", "NaN", "NaN", "NaN", "NaN", "NaN", "NaN", "NaN", "NaN"],
        ["", 100, 80, 20, "2,000.00", 18, "92.00%", "99.00%", 9, 10],
    ]
    return "京东pop2026-11-01.xlsx", xlsx(rows, "整体数据")


def test_jd_overall_totals_row_with_an_empty_agent_and_satisfaction_as_weighted_ratio():
    name, data = jd_file()
    preview = read_summary(data, name)
    assert preview.ok, errors(preview)
    assert preview.profile == "jd_overall" and preview.day == dt.date(2026, 11, 1)
    assert preview.skipped == [(4, "", "empty_agent")]
    wang = preview.rows.loc[2].to_dict()
    assert wang["response_30s_rate"] == pytest.approx(0.92) and wang["avg_response_s_new"] == 18
    metrics, extra = summary_store.summary_to_metrics(wang)
    assert (
        metrics["satisfaction"] == pytest.approx(0.9) and extra["dimensions"]["satisfaction"] == "good_reviews/reviews"
    )
    assert metrics["avg_response_s"] == 18 and extra["dimensions"]["avg_response_s"] == "new"
    assert metrics["consultations"] == 100 and metrics["sales"] == 2000.0


def kuaishou_file() -> tuple[str, bytes]:
    header = [
        "三分钟回复率（人维度）",
        "三分钟回复率（会话）",
        "不服务率",
        "咨询人数",
        "咨询人次",
        "人工会话量",
        "人工平均回复时长",
        "好评率（人维度）",
        "好评率（会话）",
        "差评率（人维度）",
        "差评率（会话）",
        "IM不满意率（人维度）",
        "询单人数",
        "下单人数",
        "支付人数",
        "询单转化率",
        "询单客单价",
        "客服销售额",
    ]
    rows = [
        header,
        [
            "98.00%",
            "97.00%",
            "1.00%",
            300,
            420,
            400,
            "20秒",
            "95.00%",
            "94.00%",
            "1.00%",
            "2.00%",
            "3.00%",
            200,
            60,
            50,
            "25.00%",
            "80.00",
            "4,000.00",
        ],
    ]
    return "麻大师小店_20261101_客服_考核数据.xlsx", xlsx(rows)


def test_kuaishou_shop_level_file_is_the_shops_day():
    name, data = kuaishou_file()
    preview = read_summary(data, name)
    assert preview.ok, errors(preview)
    assert preview.profile == "kuaishou_shop"
    row = preview.rows.iloc[0]
    assert (
        row["agent"] == "店铺"
        and row["consultations"] == 300
        and row["response_3min_rate_person"] == pytest.approx(0.98)
    )


# --- mapping: mixed forms, never a silent drop -------------------------------------------------------


@pytest.mark.parametrize(
    "header, field",
    [
        ("30s回复率", "response_30s_rate"),
        ("30S应答率", "response_30s_rate"),
        ("30s应答率", "response_30s_rate"),
        ("3分钟人工响应率", "response_3min_rate"),
        ("平均响应时长（新）", "avg_response_s_new"),
        ("平均响应时长(新标)", "avg_response_s_new"),
        ("新平均响应时长（秒）", "avg_response_s_new"),
        ("全天首响时长", "first_response_s_allday"),
        ("客服询单支付额", "sales"),
        ("最终成团人数", "converted"),
        ("促成下单人数", "ordered_buyers"),
        ("30 秒应答率 (8-23点)", "response_30s_rate_service"),
        ("30秒应答率（全天）", "response_30s_rate_allday"),
        ("评分≤3 订单数", "low_rating_orders"),
        ("PC在线时长（时）", "online_s"),
    ],
)
def test_mixed_header_forms_map_without_help(header, field):
    preview = read_summary(f"日期,客服,{header}\n2026-11-01,小美,1\n".encode(), "x.csv")
    assert dict(preview.mapping)[header] == field


def test_an_unknown_figure_header_is_shown_as_unused_with_a_warning_never_dropped_in_silence():
    preview = read_summary("日期,客服,咨询人数,客服质检分,备注\n2026-11-01,小美,10,95,好\n".encode(), "x.csv")
    assert preview.ok
    assert preview.sources["客服质检分"] == "unused" and dict(preview.mapping)["客服质检分"] is None
    assert preview.unused_figures == ["客服质检分"]  # 备注 is not a figure: unused, no warning


def test_the_user_maps_a_header_by_hand_and_may_ignore_one():
    data = "日期,客服,咨询人数,客服质检分\n2026-11-01,小美,10,95.5\n".encode()
    preview = read_summary(data, "x.csv", overrides={"客服质检分": "service_score", "咨询人数": None})
    assert preview.ok
    assert preview.sources["客服质检分"] == "user" and preview.rows.iloc[0]["service_score"] == 95.5
    assert dict(preview.mapping)["咨询人数"] is None and "consultations" not in preview.rows


def test_no_day_anywhere_then_the_users_day_is_used_and_said():
    data = "客服,咨询人数\n小美,10\n阿杰,5\n".encode()
    assert [e.code for e in read_summary(data, "export.csv").errors] == ["missing_day"]
    preview = read_summary(data, "export.csv", day=dt.date(2026, 11, 3))
    assert preview.ok and (preview.day, preview.day_source) == (dt.date(2026, 11, 3), "user")
    assert set(preview.rows["date"]) == {dt.date(2026, 11, 3)}


def test_the_day_in_a_banner_row_when_the_name_has_none():
    data = "统计时间：2026-11-05 ~ 2026-11-05\n客服,咨询人数\n小美,10\n阿杰,5\n".encode()
    preview = read_summary(data, "export.csv")
    assert preview.ok and (preview.day, preview.day_source) == (dt.date(2026, 11, 5), "banner")


@pytest.mark.parametrize(
    "name, day",
    [
        ("客服绩效_20261101_20261101_全部.xlsx", dt.date(2026, 11, 1)),
        ("京东pop2026-11-01.xlsx", dt.date(2026, 11, 1)),
        ("客服绩效详情20261030.xlsx", dt.date(2026, 10, 30)),
        ("export_202611021530.csv", dt.date(2026, 11, 2)),
    ],
)
def test_days_in_file_names(name, day):
    from core.kpi.summary_import import days_in_text

    assert days_in_text(name) == (day, day)


def test_the_user_may_choose_another_profile():
    preview = read_summary(pdd_file(), "客服绩效详情_20261030.xlsx", profile="generic")
    assert preview.profile is None and preview.profile_source == "none"
    preview = read_summary(pdd_file(), "客服绩效详情_20261030.xlsx", profile="jd_overall")
    assert preview.profile == "jd_overall" and preview.profile_source == "chosen"


def test_every_profile_detects_itself_from_its_own_signature():
    for profile in profiles.PROFILES:
        assert profiles.detect(list(profile.signature), "") is profile


# --- through the store: pending filled later, templates, targets, raw days kept ---------------------------


@pytest.fixture
def project(fresh_db, admin):
    merchant_id = merchants.create_merchant(fresh_db, admin, {"name": "麻大师旗舰店", "platform": "tmall"})
    return merchants.create_project(fresh_db, admin, merchant_id, "售前")


def test_a_pending_figure_goes_in_as_pending_and_a_later_import_of_the_day_fills_it(fresh_db, admin, project):
    first = summary_store.preview_summary(
        fresh_db, admin, project, xlsx(tmall_rows(pending=True), "数据信息"), TMALL_NAME
    )
    summary_store.import_summary(fresh_db, admin, project, first)
    row = next(fresh_db.query("SELECT * FROM kpi_agent_daily WHERE agent = '麻大师旗舰店:小美'"))
    assert row["converted"] is None and row["sales"] is None
    assert json.loads(row["extra"])["pending"] == ["converted", "conversion_rate", "sales"]
    platform = next(fresh_db.query("SELECT * FROM platform_agent_daily WHERE agent = '麻大师旗舰店:小美'"))
    assert json.loads(platform["pending"]) == ["converted", "conversion_rate", "sales"]
    shop = next(fresh_db.query("SELECT extra FROM kpi_shop_daily"))
    assert json.loads(shop["extra"])["pending"] == ["conversion_rate", "converted", "sales"]
    assert daily_figures.pending_figures(fresh_db, admin, project, dt.date(2026, 11, 1), dt.date(2026, 11, 1)) == {
        "2026-11-01": ["conversion_rate", "converted", "sales"]
    }

    later = summary_store.preview_summary(
        fresh_db, admin, project, xlsx(tmall_rows(pending=False), "数据信息"), TMALL_NAME
    )
    summary_store.import_summary(fresh_db, admin, project, later)
    row = next(fresh_db.query("SELECT * FROM kpi_agent_daily WHERE agent = '麻大师旗舰店:小美'"))
    assert (row["converted"], row["sales"]) == (30, 3600.5) and "pending" not in json.loads(row["extra"])
    assert daily_figures.pending_figures(fresh_db, admin, project, dt.date(2026, 11, 1), dt.date(2026, 11, 1)) == {}
    assert fresh_db["kpi_agent_daily"].count == 2  # replaced, not duplicated


def test_benchmarks_are_stored_as_the_shops_peer_benchmark(fresh_db, admin, project):
    preview = summary_store.preview_summary(fresh_db, admin, project, xlsx(tmall_rows(), "数据信息"), TMALL_NAME)
    summary_store.import_summary(fresh_db, admin, project, preview)
    stored = {r["label"]: json.loads(r["figures"]) for r in fresh_db.query("SELECT * FROM platform_benchmarks")}
    assert set(stored) == {"同行同层优秀", "同行同层均值"}
    assert stored["同行同层优秀"]["conversion_rate"] == pytest.approx(0.321)


def test_a_hand_mapped_layout_maps_itself_the_second_time_and_the_template_is_named(fresh_db, admin, project):
    data = "日期,客服,咨询人数,客服质检分\n2026-11-01,小美,10,95.5\n".encode()
    first = summary_store.preview_summary(
        fresh_db, admin, project, data, "x.csv", overrides={"客服质检分": "service_score"}
    )
    summary_store.import_summary(fresh_db, admin, project, first)
    [template] = templates.list_templates(fresh_db, admin, project, "summary")
    assert template["mapping"]["客服质检分"] == "service_score"
    again = summary_store.preview_summary(
        fresh_db, admin, project, "客服质检分,咨询人数,客服,日期\n96,11,小美,2026-11-02\n".encode(), "y.csv"
    )
    assert again.parsed.template["id"] == template["id"]
    assert again.parsed.sources["客服质检分"] == "template" and again.parsed.rows.iloc[0]["service_score"] == 96


def test_a_kpi_with_a_target_but_no_column_is_named(fresh_db, admin, project):
    from core.kernel import config

    data = {
        **oc.default_data("tmall"),
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
        "golive_committed_date": (config.today() + dt.timedelta(days=9)).isoformat(),
    }
    oc.confirm(fresh_db, admin, project, data)
    file = (
        "日期,客服,咨询人数,询单转化率,客单价,平均响应时长,首次响应时长,满意率\n2026-11-01,小美,10,20%,100,20,10,90%\n"
    )
    preview = summary_store.preview_summary(fresh_db, admin, project, file.encode(), "x.csv")
    assert preview.missing_targets == ["response_30s_rate"]  # "本文件没有30秒应答率，该目标当天无数据"


def test_a_summary_for_days_with_raw_logs_keeps_our_figures_and_stores_the_platforms_beside(fresh_db, admin, project):
    messages = (
        "time,buyer,agent,sender,content\n2026-11-01 10:00:00,b1,店铺:小美,buyer,在吗\n"
        "2026-11-01 10:00:10,b1,店铺:小美,agent,在的\n"
    ).encode()
    raw = raw_store.preview_raw(fresh_db, admin, project, messages, "m.csv")
    raw_store.import_raw(fresh_db, admin, project, raw)
    ours = next(fresh_db.query("SELECT * FROM kpi_agent_daily"))
    preview = summary_store.preview_summary(
        fresh_db, admin, project, "日期,客服,咨询人数,30秒应答率\n2026-11-01,小美,3,50%\n".encode(), "x.csv"
    )
    assert preview.raw_days == ["2026-11-01"]
    summary_store.import_summary(fresh_db, admin, project, preview)
    kept = next(fresh_db.query("SELECT * FROM kpi_agent_daily"))
    assert (kept["source"], kept["consultations"], kept["response_30s_rate"]) == ("raw", ours["consultations"], 1.0)
    platform = next(fresh_db.query("SELECT * FROM platform_agent_daily"))
    assert json.loads(platform["figures"])["response_30s_rate"] == 0.5


def test_platform_only_figures_per_agent_are_summed_or_averaged_and_pending_is_named(fresh_db, admin, project):
    preview = summary_store.preview_summary(fresh_db, admin, project, pdd_file(), "客服绩效详情_20261030.xlsx")
    summary_store.import_summary(fresh_db, admin, project, preview)
    second = pdd_file_for_day()
    summary_store.import_summary(
        fresh_db,
        admin,
        project,
        summary_store.preview_summary(fresh_db, admin, project, second, "客服绩效详情_20261031.xlsx"),
    )
    table = daily_figures.platform_figures(
        fresh_db, admin, project, dt.date(2026, 10, 30), dt.date(2026, 10, 31)
    ).set_index("agent_name")
    sakura = table.loc["水密码客服小樱"]
    assert sakura["low_rating_orders"] == 1 + 1 and sakura["dispute_refunds"] == 0 and sakura["complaints"] == 1 + 1
    assert sakura["sales_after_refund"] == 5100.0 * 2
    assert sakura["service_score"] == pytest.approx(4.8)  # a score: the mean of the days
    assert sakura["pending"] == []
    assert "response_30s_rate" not in table.columns  # ours, not platform-only


def pdd_file_for_day() -> bytes:
    return pdd_file()


def test_a_tile_of_a_pending_day_says_pending_not_a_dash(fresh_db, admin, project):
    preview = summary_store.preview_summary(
        fresh_db, admin, project, xlsx(tmall_rows(pending=True), "数据信息"), TMALL_NAME
    )
    summary_store.import_summary(fresh_db, admin, project, preview)
    tiles = daily_figures.tiles(fresh_db, admin, project, dt.date(2026, 11, 2))
    yesterday = {t["kpi"]: t for t in tiles if t["period"] == "yesterday"}
    assert yesterday["conversion_rate"]["pending"] is True and yesterday["aov"]["pending"] is True
    assert yesterday["first_response_s"]["pending"] is False


def test_the_project_flavour_is_a_setting_used_by_the_next_import(fresh_db, admin, project):
    assert summary_store.import_settings(fresh_db, project)["flavour"] == "service_hours"
    reconciliation.save_settings(fresh_db, admin, project, flavour="whole_day")
    preview = summary_store.preview_summary(fresh_db, admin, project, pdd_file(), "客服绩效详情_20261030.xlsx")
    summary_store.import_summary(fresh_db, admin, project, preview)
    stored = fresh_db.execute(
        "SELECT response_30s_rate FROM kpi_agent_daily WHERE agent = '水密码客服小樱'"
    ).fetchone()[0]
    assert stored == pytest.approx(0.865)  # (全天)
    with pytest.raises(Exception):
        reconciliation.save_settings(fresh_db, admin, project, flavour="sometimes")


# every layout of the spec, (profile, file name, bytes, agent rows): the page test walks them all
def every_layout() -> list[tuple[str, str, bytes, int]]:
    return [
        ("tmall_performance", TMALL_NAME, xlsx(tmall_rows(), "数据信息"), 2),
        ("tmall_reception", *tmall_reception_file(), 1),
        ("qianniu_service", *qianniu_file(), 2),
        ("pdd_performance", "客服绩效详情_20261030.xlsx", pdd_file(), 2),
        ("douyin_performance", *douyin_file(), 2),
        ("douyin_history", *douyin_history_file(), 1),
        ("jd_overall", *jd_file(), 2),
        ("kuaishou_shop", *kuaishou_file(), 1),
    ]


def test_every_layout_of_the_spec_is_covered_by_a_profile_and_a_file():
    assert {profile for profile, *_ in every_layout()} == {p.key for p in profiles.PROFILES}
