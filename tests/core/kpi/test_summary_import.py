"""Tests of core/kpi/summary_import.py: reading the platforms' daily per-agent summary exports.

One rule per test, hand-written expectations; the two shared samples; and hypothesis fuzzing
that random bytes and random small tables only ever come back as errors, never as exceptions.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.kpi.summary_cells import parse_duration_text  # noqa: E402
from core.kpi.summary_errors import MESSAGES, SummaryError, format_error  # noqa: E402
from core.kpi.summary_fields import FIELDS, HEADER_ALIASES  # noqa: E402
from core.kpi.summary_headers import map_header  # noqa: E402
from core.kpi.summary_import import SummaryPreview, read_summary  # noqa: E402
from tests.conftest import SAMPLES  # noqa: E402

# ---------------------------------------------------------------------------------------------
# helpers


def csv_bytes(rows: list[list[object]], encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(
    rows: list[list[object]], formats: dict[tuple[int, int], str] | None = None, sheets_before: int = 0
) -> bytes:
    """An .xlsx whose first sheet after `sheets_before` empty ones holds `rows`; `formats` maps
    (row, column), 1-based, to a number format."""
    book = openpyxl.Workbook()
    sheet = book.active
    for _ in range(sheets_before):
        sheet = book.create_sheet()
    for row in rows:
        sheet.append(row)
    for (r, c), number_format in (formats or {}).items():
        sheet.cell(row=r, column=c).number_format = number_format
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read(rows: list[list[object]], **kwargs) -> SummaryPreview:
    return read_summary(csv_bytes(rows), "summary.csv", **kwargs)


def codes(preview: SummaryPreview) -> list[tuple[int | None, str | None, str]]:
    return [(e.row, e.column, e.code) for e in preview.errors]


HEADER = ["日期", "客服账号", "咨询人数", "30秒应答率", "平均响应时长"]


def table(*rows: list[object], header: list[str] = HEADER) -> list[list[object]]:
    return [header, *rows]


def sample(name: str) -> bytes:
    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"shared sample {path} not available")
    return path.read_bytes()


# ---------------------------------------------------------------------------------------------
# the shared samples


def test_pdd_sample_parses_with_no_errors():
    preview = read_summary(sample("pdd_daily_summary.csv"), "pdd_daily_summary.csv")
    assert preview.ok, [format_error(e) for e in preview.errors]
    assert preview.errors == []
    assert len(preview.rows) == 35
    assert preview.header_row == 1
    assert preview.unmapped_headers == []


def test_pdd_sample_header_mapping():
    preview = read_summary(sample("pdd_daily_summary.csv"), "pdd_daily_summary.csv")
    assert preview.mapping == [
        ("日期", "date"),
        ("客服账号", "agent"),
        ("咨询人数", "consultations"),
        ("30秒应答率", "response_30s_rate"),
        ("平均人工响应时长(秒)", "avg_response_s"),
        ("有效回复率", "effective_reply_rate"),
        ("询单人数", "inquiries"),
        ("最终成团人数", "converted"),
        ("询单转化率", "conversion_rate"),
        ("询单销售额(元)", "sales"),
        ("客单价(元)", "aov"),
        ("投诉率", "complaint_rate"),
    ]


def test_pdd_sample_first_row_values():
    rows = read_summary(sample("pdd_daily_summary.csv"), "pdd_daily_summary.csv").rows
    first = rows.loc[2]
    assert first["date"] == dt.date(2026, 11, 2)
    assert first["agent"] == "店铺:小美"
    assert first["agent_key"] == "小美"
    assert first["consultations"] == 91
    assert first["response_30s_rate"] == pytest.approx(0.8449)
    assert first["avg_response_s"] == 14
    assert first["effective_reply_rate"] == pytest.approx(0.981)
    assert first["inquiries"] == 91
    assert first["converted"] == 22
    assert first["conversion_rate"] == pytest.approx(0.2418)
    assert first["sales"] == pytest.approx(3166.27)
    assert first["aov"] == pytest.approx(143.92)
    assert first["complaint_rate"] == pytest.approx(0.0038)


def test_pdd_sample_last_row_is_spreadsheet_row_36():
    rows = read_summary(sample("pdd_daily_summary.csv"), "pdd_daily_summary.csv").rows
    assert rows.index.name == "row"
    assert list(rows.index[:2]) == [2, 3]
    last = rows.loc[36]
    assert (last["date"], last["agent_key"], last["consultations"]) == (dt.date(2026, 11, 8), "老王", 44)
    assert last["effective_reply_rate"] == pytest.approx(0.933)


def test_douyin_sample_parses_with_no_errors():
    preview = read_summary(sample("douyin_daily_summary.xlsx"), "douyin_daily_summary.xlsx")
    assert preview.ok, [format_error(e) for e in preview.errors]
    assert len(preview.rows) == 35


def test_douyin_sample_mapping_keeps_person_and_session_metrics_apart():
    preview = read_summary(sample("douyin_daily_summary.xlsx"), "douyin_daily_summary.xlsx")
    assert preview.mapping == [
        ("日期", "date"),
        ("客服昵称", "agent"),
        ("接待人数", "receptions"),
        ("全天首响时长(人维度)", "first_response_s_person_allday"),
        ("全天平响时长(人维度)", "avg_response_s_person_allday"),
        ("全天平响时长(会话维度)", "avg_response_s_session_allday"),
        ("全天3分钟回复率(人维度)", "response_3min_rate_person_allday"),
        ("询单人数", "inquiries"),
        ("下单人数", "ordered_buyers"),
        ("支付人数", "converted"),
        ("客服询单支付额", "sales"),
        ("退款后销售额", "sales_after_refund"),
        ("满意度", "satisfaction"),
    ]
    assert "avg_response_s" not in preview.rows.columns
    assert "response_30s_rate" not in preview.rows.columns


def test_douyin_sample_values_durations_as_text_and_agent_without_prefix():
    rows = read_summary(sample("douyin_daily_summary.xlsx"), "douyin_daily_summary.xlsx").rows
    first = rows.loc[2]
    assert first["date"] == dt.date(2026, 11, 2)
    assert (first["agent"], first["agent_key"]) == ("小美", "小美")
    assert first["receptions"] == 119
    assert first["first_response_s_person_allday"] == 27  # 27秒
    assert first["avg_response_s_person_allday"] == 22  # 22秒
    assert first["avg_response_s_session_allday"] == 42  # 42秒
    assert first["response_3min_rate_person_allday"] == pytest.approx(0.891)
    assert (first["inquiries"], first["ordered_buyers"], first["converted"]) == (119, 36, 34)
    assert first["sales"] == pytest.approx(3651.6)
    assert first["sales_after_refund"] == pytest.approx(3395.99)
    assert first["satisfaction"] == pytest.approx(0.907)
    second = rows.loc[3]  # 阿杰: 48秒, 7小时41分52秒, 1分34秒
    assert (
        second["first_response_s_person_allday"],
        second["avg_response_s_person_allday"],
        second["avg_response_s_session_allday"],
    ) == (
        48,
        27712,
        94,
    )


# ---------------------------------------------------------------------------------------------
# durations


@pytest.mark.parametrize(
    "text, seconds",
    [
        ("45秒", 45),
        ("2分", 120),
        ("5分钟", 300),
        ("1分20秒", 80),
        ("1分钟20秒", 80),
        ("1分20", 80),
        ("2分0秒", 120),
        ("7小时41分52秒", 27712),
        ("1.5小时", 5400),
        ("1天2小时", 93600),
        ("00:01:20", 80),
        ("1:20", 80),
        ("1:00:00", 3600),
        ("1h20m", 4800),
        ("90s", 90),
        ("2 min 5 sec", 125),
        ("１分２０秒", 80),  # full-width digits
        (" 45秒 ", 45),
    ],
)
def test_duration_text_is_parsed_to_seconds(text, seconds):
    assert parse_duration_text(text) == seconds


@pytest.mark.parametrize("text", ["", "abc", "秒", "1:75", "1:60:00", "-5秒", "1分x", "5 apples"])
def test_duration_text_that_is_not_a_duration_gives_none(text):
    assert parse_duration_text(text) is None


def test_bare_duration_numbers_are_seconds_with_decimals():
    preview = read(table(["2026-11-02", "a", 1, "90%", "14"], ["2026-11-03", "a", 1, "90%", "14.5"]))
    assert preview.ok
    assert list(preview.rows["avg_response_s"]) == [14, 14.5]


def test_duration_header_in_minutes_multiplies_bare_numbers_but_not_text():
    header = ["日期", "客服", "平均响应时长(分钟)"]
    preview = read(table(["2026-11-02", "a", "1.5"], ["2026-11-03", "a", "45秒"], header=header))
    assert preview.ok
    assert list(preview.rows["avg_response_s"]) == [90, 45]


def test_duration_that_is_not_a_duration_is_an_error_with_its_row():
    preview = read(table(["2026-11-02", "a", 1, "90%", "1分20秒"], ["2026-11-03", "a", 1, "90%", "soon"]))
    assert codes(preview) == [(3, "平均响应时长", "bad_duration")]
    assert math.isnan(preview.rows.loc[3, "avg_response_s"])


def test_negative_duration_is_an_error():
    preview = read(table(["2026-11-02", "a", 1, "90%", "-3"]))
    assert codes(preview) == [(2, "平均响应时长", "negative")]


# ---------------------------------------------------------------------------------------------
# rates


def rates_of(*values: str, header: str = "30秒应答率") -> SummaryPreview:
    return read([["日期", "客服", header], *[[f"2026-11-{i + 1:02d}", "a", v] for i, v in enumerate(values)]])


def test_rate_with_percent_sign_is_divided_by_100():
    preview = rates_of("84.49%", "0.5%", "100%", "0%")
    assert preview.ok
    assert list(preview.rows["response_30s_rate"]) == [0.8449, 0.005, 1.0, 0.0]


def test_bare_rate_column_with_a_value_above_1_is_in_percent_points():
    preview = rates_of("84.49", "1", "100")
    assert preview.ok
    assert list(preview.rows["response_30s_rate"]) == [0.8449, 0.01, 1.0]


def test_bare_rate_column_with_all_values_at_most_1_is_fractions():
    preview = rates_of("0.8449", "1", "0")
    assert preview.ok
    assert list(preview.rows["response_30s_rate"]) == [0.8449, 1.0, 0.0]


def test_bare_rate_column_is_read_as_one_unit_so_84_and_0_5_are_both_points():
    preview = rates_of("84.49", "0.5")
    assert list(preview.rows["response_30s_rate"]) == [0.8449, 0.005]


def test_values_with_percent_sign_do_not_decide_the_unit_of_bare_values():
    preview = rates_of("84.49%", "0.8449")
    assert list(preview.rows["response_30s_rate"]) == [0.8449, 0.8449]


def test_rate_header_with_percent_unit_reads_bare_numbers_as_points():
    preview = rates_of("0.5", "84.49%", header="30秒应答率(%)")
    assert preview.ok
    assert list(preview.rows["response_30s_rate"]) == [0.005, 0.8449]


def test_rate_over_100_percent_is_an_error():
    preview = rates_of("99%", "100.5%", "150")
    assert codes(preview) == [(3, "30秒应答率", "rate_over_100"), (4, "30秒应答率", "rate_over_100")]
    assert format_error(preview.errors[0]) == "第3行 30秒应答率: 超过100%：100.5%"
    assert format_error(preview.errors[0], "en") == "Row 3, 30秒应答率: rate over 100%: 100.5%"


def test_negative_rate_is_an_error():
    preview = rates_of("-5%", "0.3")
    assert codes(preview) == [(2, "30秒应答率", "negative")]


def test_rate_that_is_not_a_number_is_an_error():
    preview = rates_of("high", "85%")
    assert codes(preview) == [(2, "30秒应答率", "not_a_number")]


@pytest.mark.parametrize("value", ["", "-", "--", "/", "N/A", "null", "无", "#DIV/0!"])
def test_empty_rate_cells_are_missing_not_errors(value):
    preview = rates_of(value, "85%")
    assert preview.ok
    assert math.isnan(preview.rows.loc[2, "response_30s_rate"])


# ---------------------------------------------------------------------------------------------
# money, counts, dates, agents


@pytest.mark.parametrize(
    "text, yuan",
    [
        ("3166.27", 3166.27),
        ("1,234.50", 1234.5),
        ("¥1,234.5", 1234.5),
        ("￥88", 88),
        ("1234.5元", 1234.5),
        ("1.2万", 12000),
    ],
)
def test_money_is_read_in_yuan(text, yuan):
    preview = read([["日期", "客服", "销售额"], ["2026-11-02", "a", text]])
    assert preview.ok
    assert preview.rows.loc[2, "sales"] == pytest.approx(yuan)


def test_money_header_in_wan_yuan_multiplies_bare_numbers():
    preview = read([["日期", "客服", "销售额(万元)"], ["2026-11-02", "a", "1.5"]])
    assert preview.rows.loc[2, "sales"] == 15000


def test_negative_sales_is_an_error_but_negative_sales_after_refund_is_allowed():
    preview = read([["日期", "客服", "销售额", "退款后销售额"], ["2026-11-02", "a", "-10", "-20.5"]])
    assert codes(preview) == [(2, "销售额", "negative")]
    assert preview.rows.loc[2, "sales_after_refund"] == -20.5


def test_counts_accept_thousands_separators_and_a_unit():
    preview = read([["日期", "客服", "咨询人数"], ["2026-11-02", "a", "1,234"], ["2026-11-03", "a", "91人"]])
    assert preview.ok
    assert preview.rows["consultations"].dtype == "Int64"
    assert list(preview.rows["consultations"]) == [1234, 91]


def test_count_that_is_negative_or_fractional_or_text_is_an_error_each_with_its_row():
    preview = read(
        [
            ["日期", "客服", "咨询人数"],
            ["2026-11-02", "a", "-1"],
            ["2026-11-03", "a", "12.5"],
            ["2026-11-04", "a", "many"],
            ["2026-11-05", "a", "12.0"],
            ["2026-11-06", "a", "1e400"],
        ]
    )
    assert codes(preview) == [
        (2, "咨询人数", "negative"),
        (3, "咨询人数", "not_an_integer"),
        (4, "咨询人数", "not_a_number"),
        (6, "咨询人数", "out_of_range"),
    ]
    assert preview.rows.loc[5, "consultations"] == 12
    assert preview.rows.loc[2, "consultations"] is pd.NA


@pytest.mark.parametrize(
    "text",
    ["2026-11-02", "2026/11/2", "2026/11/02", "2026.11.2", "20261102", "2026年11月2日", "2026-11-02 00:00:00", "46328"],
)
def test_dates_in_the_usual_spellings(text):
    preview = read([["日期", "客服", "咨询人数"], [text, "a", 1]])
    assert preview.ok, codes(preview)
    assert preview.rows.loc[2, "date"] == dt.date(2026, 11, 2)


@pytest.mark.parametrize("text", ["2026-02-30", "2026-13-01", "yesterday", "11/02/2026", "0000-01-01", "202611"])
def test_a_date_that_is_not_a_date_is_an_error(text):
    preview = read([["日期", "客服", "咨询人数"], ["2026-11-01", "a", 1], [text, "a", 1]])
    assert codes(preview) == [(3, "日期", "bad_date")]
    assert preview.errors[0].params == {"value": text}
    assert preview.rows.loc[3, "date"] is None


def test_empty_date_is_an_error_and_a_row_with_an_empty_agent_is_a_listed_totals_row():
    # Platform rule (JD): the totals row has an empty 客服 cell; it is not an agent, and it is listed.
    preview = read([["日期", "客服", "咨询人数"], ["", "a", 1], ["2026-11-02", " ", 1]])
    assert codes(preview) == [(2, "日期", "missing_value")]
    assert preview.skipped == [(3, "", "empty_agent")]


def test_agent_key_is_the_name_after_the_last_colon_half_or_full_width():
    preview = read(
        [
            ["日期", "客服", "咨询人数"],
            ["2026-11-02", "店铺:小美", 1],
            ["2026-11-02", "旗舰店：阿杰", 1],
            ["2026-11-02", "a:b: Amy ", 1],
            ["2026-11-02", "老王", 1],
        ]
    )
    assert preview.ok
    assert list(preview.rows["agent"]) == ["店铺:小美", "旗舰店：阿杰", "a:b: Amy", "老王"]
    assert list(preview.rows["agent_key"]) == ["小美", "阿杰", "Amy", "老王"]


def test_duplicate_date_and_agent_rows_are_errors_pointing_at_the_first():
    preview = read(
        [
            ["日期", "客服", "咨询人数"],
            ["2026-11-02", "店铺:小美", 1],
            ["2026-11-02", "阿杰", 1],
            ["2026/11/2", "小美", 2],  # same day, same agent without the shop prefix
            ["2026-11-03", "小美", 2],
            ["20261102", "店铺：小美", 3],
        ]
    )
    assert codes(preview) == [(4, "客服", "duplicate_row"), (6, "客服", "duplicate_row")]
    assert [e.params["first_row"] for e in preview.errors] == [2, 2]
    assert format_error(preview.errors[0]) == "第4行 客服: 与第2行重复（同一日期和客服）"


# ---------------------------------------------------------------------------------------------
# headers


@pytest.mark.parametrize(
    "header, field",
    [
        ("Date", "date"),
        ("Agent", "agent"),
        ("Consultations", "consultations"),
        ("30s Response Rate", "response_30s_rate"),
        ("30-second response rate (%)", "response_30s_rate"),
        ("Avg. Response Time (s)", "avg_response_s"),
        ("First Response Time", "first_response_s"),
        ("Effective Reply Rate", "effective_reply_rate"),
        ("Conversion Rate", "conversion_rate"),
        ("Sales (CNY)", "sales"),
        ("AOV", "aov"),
        ("Satisfaction", "satisfaction"),
        ("complaint_rate", "complaint_rate"),
        ("平均人工响应时长（秒）", "avg_response_s"),  # full-width brackets
        ("询单销售额【元】", "sales"),
        ("客单价/元", "aov"),
        ("销售额(元)", "sales"),
        ("成交金额", "sales"),
        ("首响时长", "first_response_s"),
        ("平均响应时间", "avg_response_s"),
        ("回复率", "effective_reply_rate"),
        ("转化率", "conversion_rate"),
        ("满意率", "satisfaction"),
        ("成交人数", "converted"),
        ("最终成团人数", "converted"),
        ("  日期\u200b ", "date"),
        ("\ufeff日期", "date"),
        ("咨询人数(人)", "consultations"),
        ("全天接待人数", "receptions_allday"),
    ],
)
def test_header_variants_map_to_their_field(header, field):
    assert map_header(header) == field


@pytest.mark.parametrize("header", ["3分钟应答率", "3分钟回复率", "1分钟应答率", "60秒回复率", "3min response rate"])
def test_only_an_exact_30_seconds_maps_to_the_30s_response_rate(header):
    assert map_header(header) not in ("response_30s_rate", None)


@pytest.mark.parametrize(
    "header",
    ["销售额(含运费)", "平均响应时长(工作日)", "备注", "", "response rate", "45秒应答率", "会话时间", "session agent"],
)
def test_unknown_headers_and_unknown_qualifiers_stay_unmapped(header):
    assert map_header(header) is None


def test_every_alias_in_the_table_maps_to_its_own_field():
    for field, aliases in HEADER_ALIASES.items():
        assert field in FIELDS
        for alias in aliases:
            assert map_header(alias) == field, alias


def test_columns_are_found_by_header_not_by_position():
    preview = read(
        [
            ["Sales", "30秒应答率", "客服", "备注", "日期"],
            ["1,000", "85%", "店铺:小美", "hello", "2026-11-02"],
        ]
    )
    assert preview.ok
    assert preview.mapping == [
        ("Sales", "sales"),
        ("30秒应答率", "response_30s_rate"),
        ("客服", "agent"),
        ("备注", None),
        ("日期", "date"),
    ]
    assert preview.unmapped_headers == ["备注"]
    assert list(preview.rows.columns) == ["date", "agent", "agent_key", "response_30s_rate", "sales"]
    assert preview.rows.loc[2, "sales"] == 1000


# ---------------------------------------------------------------------------------------------
# per person vs per conversation


@pytest.mark.parametrize(
    "header, field",
    [
        ("平均响应时长", "avg_response_s"),
        ("平均响应时长(人维度)", "avg_response_s_person"),
        ("平均响应时长(会话维度)", "avg_response_s_session"),
        ("全天平响时长（会话维度）", "avg_response_s_session_allday"),
        ("30秒应答率(会话)", "response_30s_rate_session"),
        ("30秒应答率(人)", "response_30s_rate_person"),
        ("30秒应答率-人维度", "response_30s_rate_person"),
        ("会话30秒应答率", "response_30s_rate_session"),
        ("30s response rate (per session)", "response_30s_rate_session"),
        ("First response time per person", "first_response_s_person"),
        ("首响时长(秒, 人维度)", "first_response_s_person"),
    ],
)
def test_per_person_and_per_session_headers_map_to_distinct_fields(header, field):
    assert map_header(header) == field


def test_a_header_that_says_both_person_and_session_is_left_unmapped():
    assert map_header("平均响应时长(人维度)(会话维度)") is None


def test_unmarked_person_and_session_metrics_in_one_file_are_three_columns_never_merged():
    preview = read(
        [
            ["日期", "客服", "平均响应时长", "平均响应时长(人维度)", "平均响应时长(会话维度)"],
            ["2026-11-02", "a", "10", "20秒", "1分"],
        ]
    )
    assert preview.ok
    row = preview.rows.loc[2]
    assert (row["avg_response_s"], row["avg_response_s_person"], row["avg_response_s_session"]) == (10, 20, 60)


def test_two_headers_for_the_same_field_are_a_file_error():
    preview = read([["日期", "客服", "销售额", "询单销售额(元)"], ["2026-11-02", "a", "1", "2"]])
    assert codes(preview) == [(None, "询单销售额(元)", "duplicate_column")]
    assert not preview.ok
    assert format_error(preview.errors[0]) == "询单销售额(元): 与列“销售额”都对应“询单销售额”"
    assert format_error(preview.errors[0], "en") == "询单销售额(元): maps to sales, as column '销售额' does"


# ---------------------------------------------------------------------------------------------
# file-level problems


def test_no_date_column_and_no_day_in_the_name_asks_the_user_for_the_day():
    preview = read([["客服", "咨询人数"], ["a", "1"]])
    assert codes(preview) == [(None, None, "missing_day")]
    assert format_error(preview.errors[0]).startswith("文件里没有日期列")
    assert format_error(preview.errors[0], "en").startswith("the file has no date column")


def test_missing_agent_column_is_a_file_error():
    # two rows of one day without an agent column: neither agents nor the shop's day
    preview = read([["日期", "咨询人数"], ["2026-11-02", "1"], ["2026-11-02", "2"]])
    assert [(e.code, e.params) for e in preview.errors] == [("missing_column", {"field": "agent"})]


def test_a_file_without_any_metric_column_is_a_file_error():
    preview = read([["日期", "客服", "备注"], ["2026-11-02", "a", "x"]])
    assert codes(preview) == [(None, None, "no_metric_column")]


def test_header_without_data_rows_is_an_error():
    preview = read([HEADER])
    assert codes(preview) == [(None, None, "no_data_rows")]
    assert preview.rows.empty


@pytest.mark.parametrize("data", [b"", b"   \r\n\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\n,,,\n"])
def test_empty_file_is_an_error(data):
    preview = read_summary(data, "empty.csv")
    assert [e.code for e in preview.errors] in (["empty_file"], ["not_a_table"])
    assert not preview.ok
    assert preview.rows.empty


def test_completely_empty_file_says_empty():
    preview = read_summary(b"", "empty.csv")
    assert codes(preview) == [(None, None, "empty_file")]
    assert format_error(preview.errors[0], "en") == "the file is empty"


def test_random_garbage_bytes_are_refused_as_one_file_error():
    rng = __import__("random").Random(7)
    data = bytes(rng.getrandbits(8) for _ in range(200_000))
    preview = read_summary(data, "summary.csv")
    assert len(preview.errors) == 1
    assert preview.errors[0].code in ("bad_encoding", "not_a_table")
    assert preview.mapping == [] and preview.rows.empty


def test_file_over_the_size_limit_is_refused_before_reading():
    data = os.urandom(50_000_000)
    preview = read_summary(data, "huge.csv")
    assert codes(preview) == [(None, None, "file_too_large")]
    assert preview.errors[0].params == {"size": 50_000_000, "limit": 20_000_000}
    assert format_error(preview.errors[0]) == "文件过大（50,000,000 字节，上限 20,000,000 字节）"


def test_size_limit_is_a_parameter():
    data = csv_bytes(table(["2026-11-02", "a", 1, "90%", "1"]))
    assert read_summary(data, "a.csv", max_bytes=len(data)).ok
    assert read_summary(data, "a.csv", max_bytes=len(data) - 1).errors[0].code == "file_too_large"


def test_binary_content_with_nul_bytes_is_not_a_table():
    preview = read_summary(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR,,,," * 50, "picture.csv")
    assert codes(preview) == [(None, None, "not_a_table")]


def test_text_without_any_column_separator_is_not_a_table():
    preview = read_summary("这是一封信，不是表格。\n第二行".encode().replace(b"\xef\xbc\x8c", b" "), "letter.csv")
    assert codes(preview) == [(None, None, "not_a_table")]


def test_legacy_xls_is_refused_with_a_hint():
    preview = read_summary(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "old.xls")
    assert codes(preview) == [(None, None, "legacy_xls")]
    assert "xlsx" in format_error(preview.errors[0])


def test_an_xlsx_name_on_something_else_is_refused():
    preview = read_summary(b"just some text, with a comma", "summary.xlsx")
    assert codes(preview) == [(None, None, "bad_xlsx")]


def test_a_broken_zip_is_refused_as_a_bad_xlsx():
    good = xlsx_bytes([HEADER])
    preview = read_summary(good[: len(good) // 2], "summary.xlsx")
    assert codes(preview) == [(None, None, "bad_xlsx")]


def test_an_xlsx_that_unpacks_far_beyond_the_limit_is_refused_unread():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * 5_000_000)
    data = buffer.getvalue()
    preview = read_summary(data, "bomb.xlsx", max_bytes=100_000)
    assert len(data) < 100_000
    assert codes(preview) == [(None, None, "file_too_large")]


# ---------------------------------------------------------------------------------------------
# encodings and separators


def test_gbk_encoded_csv_is_read():
    rows = table(["2026-11-02", "店铺:小美", 91, "84.49%", "1分20秒"])
    preview = read_summary(csv_bytes(rows, "gbk"), "gbk.csv")
    assert preview.ok
    assert preview.mapping[:2] == [("日期", "date"), ("客服账号", "agent")]
    assert preview.rows.loc[2, "agent_key"] == "小美"
    assert preview.rows.loc[2, "avg_response_s"] == 80


def test_utf8_csv_with_and_without_bom_reads_the_same():
    rows = table(["2026-11-02", "店铺:小美", 91, "84.49%", "14"])
    plain = read_summary(csv_bytes(rows), "a.csv")
    with_bom = read_summary(b"\xef\xbb\xbf" + csv_bytes(rows), "a.csv")
    assert plain.ok and with_bom.ok
    assert plain.mapping == with_bom.mapping
    pd.testing.assert_frame_equal(plain.rows, with_bom.rows)


def test_excel_unicode_text_utf16_tab_separated_is_read():
    data = b"\xff\xfe" + csv_bytes(table(["2026-11-02", "小美", 91, "84.49%", "14"]), "utf-16-le", "\t")
    preview = read_summary(data, "unicode.txt")
    assert preview.ok, codes(preview)
    assert preview.rows.loc[2, "consultations"] == 91


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_comma_tab_and_semicolon_separated_files_are_read(delimiter):
    preview = read_summary(csv_bytes(table(["2026-11-02", "小美", 91, "84.49%", "14"]), delimiter=delimiter), "a.csv")
    assert preview.ok
    assert preview.rows.loc[2, "response_30s_rate"] == 0.8449


def test_excel_text_wrapper_and_tab_prefix_are_removed():
    data = 'date,agent,consultations\n="2026-11-02",\t店铺:小美,="0091"\n'.encode()
    preview = read_summary(data, "a.csv")
    assert preview.ok, codes(preview)
    assert (preview.rows.loc[2, "date"], preview.rows.loc[2, "agent"], preview.rows.loc[2, "consultations"]) == (
        dt.date(2026, 11, 2),
        "店铺:小美",
        91,
    )


# ---------------------------------------------------------------------------------------------
# row numbers, title rows, totals, ragged rows


def test_every_bad_row_is_reported_not_just_the_first():
    preview = read(
        table(
            ["2026-11-02", "a", "x", "90%", "1"],
            ["2026-11-03", "a", "-1", "190%", "1"],
            ["2026-11-04", "a", 1, "90%", "1"],
            ["bad", "a", 1, "90%", "never"],
        )
    )
    assert codes(preview) == [
        (2, "咨询人数", "not_a_number"),
        (3, "咨询人数", "negative"),
        (3, "30秒应答率", "rate_over_100"),
        (5, "日期", "bad_date"),
        (5, "平均响应时长", "bad_duration"),
    ]
    assert format_error(preview.errors[0]) == "第2行 咨询人数: 不是数字：x"
    assert list(preview.rows.index) == [2, 3, 4, 5]


def test_blank_lines_are_skipped_but_still_counted_in_row_numbers():
    data = "日期,客服,咨询人数\n\n2026-11-02,a,1\n,,\n2026-11-03,a,-1\n\n".encode()
    preview = read_summary(data, "a.csv")
    assert list(preview.rows.index) == [3, 5]
    assert codes(preview) == [(5, "咨询人数", "negative")]


def test_title_rows_above_the_header_are_skipped_and_rows_keep_their_sheet_numbers():
    rows = [["客服数据 2026-11-02 至 2026-11-08"], [], ["日期", "客服", "咨询人数"], ["2026-11-02", "a", "x"]]
    preview = read(rows)
    assert preview.header_row == 3
    assert codes(preview) == [(4, "咨询人数", "not_a_number")]


def test_totals_rows_are_skipped_and_listed():
    preview = read(
        [
            ["日期", "客服", "咨询人数"],
            ["2026-11-02", "a", 1],
            ["合计", "", 10],
            ["2026-11-02", "Total", 10],
        ]
    )
    assert preview.ok
    assert preview.skipped_rows == [3, 4]
    assert list(preview.rows.index) == [2]


def test_a_row_with_more_cells_than_the_header_is_an_error():
    data = "日期,客服,咨询人数\n2026-11-02,a,1,surprise\n2026-11-03,a,1,,\n2026-11-04,a\n".encode()
    preview = read_summary(data, "a.csv")
    assert codes(preview) == [(2, None, "extra_cells")]
    assert format_error(preview.errors[0]) == "第2行: 比表头多出 1 个单元格"
    assert preview.rows.loc[4, "consultations"] is pd.NA  # a short row is padded with empty cells


# ---------------------------------------------------------------------------------------------
# xlsx specifics


def test_xlsx_date_cells_numbers_and_percent_formatted_cells():
    rows = table(
        [dt.datetime(2026, 11, 2), "店铺:小美", 91, 0.8449, 14],
        [dt.date(2026, 11, 3), "小美", 12.0, 1.5, dt.time(0, 1, 20)],
        [46330, "小美", 1, 1, 14.5],
    )
    formats = {(2, 4): "0.00%", (3, 4): "0.00%", (4, 4): "0%", (4, 1): "General"}
    preview = read_summary(xlsx_bytes(rows, formats), "summary.xlsx")
    assert codes(preview) == [(3, "30秒应答率", "rate_over_100")]  # 1.5 formatted as 150%
    assert list(preview.rows["date"]) == [dt.date(2026, 11, 2), dt.date(2026, 11, 3), dt.date(2026, 11, 4)]
    assert preview.rows.loc[2, "response_30s_rate"] == 0.8449
    assert preview.rows.loc[4, "response_30s_rate"] == 1.0  # 1 formatted as 100%
    assert list(preview.rows["consultations"]) == [91, 12, 1]
    assert list(preview.rows["avg_response_s"]) == [14, 80, 14.5]


def test_xlsx_custom_percent_format_on_a_sheet_after_an_empty_one():
    # the percent cells are found in the XML of the sheet that holds the data, not of sheet 1
    rows = table(["2026-11-02", "a", 1, 0.5, 14], ["2026-11-03", "a", 1, 0.75, 14])
    preview = read_summary(xlsx_bytes(rows, {(3, 4): "0.0%"}, sheets_before=1), "a.xlsx")
    assert preview.ok, codes(preview)
    # row 3 is "75.0%" (formatted), row 2 a bare 0.5 in a column with no bare number above 1
    assert list(preview.rows["response_30s_rate"]) == [0.5, 0.75]


def _rewrite_sheet(data: bytes, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = change(content)
            target.writestr(info, content)
    return out.getvalue()


def test_xlsx_percent_cells_without_cell_references_are_still_found():
    # the r="B2" reference is optional in the file format; positions are then counted
    import re

    rows = table(["2026-11-02", "a", 1, 1.5, 14], ["2026-11-03", "a", 1, 0.5, 14])
    data = _rewrite_sheet(xlsx_bytes(rows, {(2, 4): "0%"}), lambda xml: re.sub(rb' r="[A-Z]+\d+"', b"", xml))
    preview = read_summary(data, "a.xlsx")
    # 1.5 formatted as 150 % is over 100 %; 0.5 is then a bare fraction
    assert codes(preview) == [(2, "30秒应答率", "rate_over_100")]
    assert preview.rows.loc[3, "response_30s_rate"] == 0.5


def test_read_summary_reports_progress_from_reading_to_done():
    heard: list[tuple[float, str]] = []
    preview = read_summary(
        xlsx_bytes(table(["2026-11-02", "a", 1, "90%", "1"])),
        "a.xlsx",
        progress=lambda fraction, stage: heard.append((fraction, stage)),
    )
    assert preview.ok
    assert heard[0] == (0.0, "read") and heard[-1] == (1.0, "done")
    assert (0.5, "validate") in heard
    fractions = [f for f, _ in heard]
    assert fractions == sorted(fractions) and len(heard) == 3 + 5  # one report per mapped column
    refused: list[tuple[float, str]] = []
    read_summary(b"", "a.csv", progress=lambda fraction, stage: refused.append((fraction, stage)))
    assert refused == [(0.0, "read"), (1.0, "done")]


def test_xlsx_first_sheet_with_data_is_read():
    preview = read_summary(xlsx_bytes(table(["2026-11-02", "a", 1, "90%", "1"]), sheets_before=1), "a.xlsx")
    assert preview.ok
    assert len(preview.rows) == 1


def test_empty_xlsx_is_an_empty_file():
    preview = read_summary(xlsx_bytes([]), "empty.xlsx")
    assert codes(preview) == [(None, None, "empty_file")]


# ---------------------------------------------------------------------------------------------
# preview and messages


def test_ok_is_true_only_without_errors():
    good = read(table(["2026-11-02", "a", 1, "90%", "1"]))
    bad = read(table(["2026-11-02", "a", -1, "90%", "1"]))
    assert good.ok and good.errors == []
    assert not bad.ok


def test_bad_cells_are_missing_in_the_rows_and_good_cells_kept():
    preview = read(table(["2026-11-02", "a", -1, "90%", "1"]))
    assert preview.rows.loc[2, "consultations"] is pd.NA
    assert preview.rows.loc[2, "response_30s_rate"] == 0.9


def test_every_message_has_both_languages_and_formats_with_a_place():
    error = SummaryError(5, "30秒应答率", "rate_over_100", {"value": "150%"})
    assert format_error(error) == "第5行 30秒应答率: 超过100%：150%"
    assert format_error(error, "en") == "Row 5, 30秒应答率: rate over 100%: 150%"
    assert str(error) == format_error(error, "zh")
    for code, (zh, en) in MESSAGES.items():
        assert zh and en and zh != en, code


def test_canonical_fields_have_chinese_and_english_labels_and_dimension_variants():
    assert FIELDS["response_30s_rate"].zh == "30秒应答率"
    assert FIELDS["response_30s_rate_session"].zh == "30秒应答率(会话维度)"
    assert FIELDS["avg_response_s_person"].kind == "duration"
    assert "date_person" not in FIELDS and "agent_session" not in FIELDS


# ---------------------------------------------------------------------------------------------
# fuzzing: nothing but errors ever comes back


def check_preview(preview: SummaryPreview) -> None:
    assert isinstance(preview, SummaryPreview)
    assert preview.ok == (preview.errors == [])
    for error in preview.errors:
        assert error.code in MESSAGES
        assert format_error(error, "zh") and format_error(error, "en")
        assert error.row is None or (isinstance(error.row, int) and error.row >= 2)
    assert set(preview.rows.columns) <= set(FIELDS)
    assert preview.rows.index.name == "row"
    assert all(header for header, _ in preview.mapping)


FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)

CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            "-",
            "0",
            "1",
            "-1",
            "12.5",
            "1,234",
            "84.49%",
            "150%",
            "0.5",
            "1e400",
            "nan",
            "inf",
            "99999999999999999999",
            "1分20秒",
            "7小时41分52秒",
            "00:01:20",
            "1:75",
            "¥1,234.5",
            "1.2万",
            "2026-11-02",
            "2026/11/2",
            "20261102",
            "2026-02-30",
            "46328",
            "合计",
            "店铺:小美",
            "小美",
            "：",
            '="x"',
            "'=1+1",
            "%",
            "万",
            "秒",
        ]
    ),
    st.text(max_size=12),
    st.integers(-(10**6), 10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
HEADERS = st.one_of(
    st.sampled_from(
        [
            "日期",
            "客服",
            "客服账号",
            "咨询人数",
            "30秒应答率",
            "30秒应答率(%)",
            "平均响应时长(分钟)",
            "全天平响时长(会话维度)",
            "首响时长(人维度)",
            "销售额(万元)",
            "退款后销售额",
            "满意度",
            "客件数",
            "Date",
            "Agent",
        ]
    ),
    st.text(max_size=10),
)


@FUZZ
@given(data=st.binary(max_size=4000), name=st.sampled_from(["a.csv", "a.xlsx", "a.xls", "a", ""]))
def test_random_bytes_never_raise(data, name):
    check_preview(read_summary(data, name))


@FUZZ
@given(
    header=st.lists(HEADERS, min_size=1, max_size=6),
    body=st.lists(st.lists(CELLS, max_size=7), max_size=8),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
)
def test_random_small_csv_tables_never_raise(header, body, encoding):
    check_preview(read_summary(csv_bytes([header, *body], encoding), "fuzz.csv"))


def xlsx_safe(text: str) -> str:
    return "".join(ch for ch in text if ch >= " " or ch in "\t\n\r")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=st.lists(HEADERS.map(xlsx_safe), min_size=1, max_size=5),
    body=st.lists(
        st.lists(
            st.one_of(
                CELLS.map(xlsx_safe), st.floats(allow_nan=False, allow_infinity=False), st.integers(-(10**9), 10**9)
            ),
            max_size=6,
        ),
        max_size=6,
    ),
)
def test_random_small_xlsx_tables_never_raise(header, body):
    check_preview(read_summary(xlsx_bytes([header, *body], {(2, 2): "0.0%"}), "fuzz.xlsx"))
