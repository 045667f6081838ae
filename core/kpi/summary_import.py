"""Import of the platforms' daily per-agent summary exports (Excel or CSV).

Shops that give no raw chat logs give the summaries their backends export: one row per
(date, agent) with the platform's own figures. Header wording, order and units vary by platform
and month, so headers are matched against an alias table (`HEADER_ALIASES`, plain data: add a
wording there and it maps) and values are parsed by the kind of their field.

`read_summary(data, filename)` never raises for bad input: it returns a `SummaryPreview` with the
header mapping, the parsed rows and every problem found (`SummaryError`, a code plus params;
`format_error(err, "zh" | "en")` renders it). The caller saves nothing unless `preview.ok`.

Rules, each tested in tests/core/kpi/test_summary_import.py:

Headers
    Normalised before lookup: Unicode NFKC (full-width brackets, colons and letters become
    half-width), BOM and zero-width characters removed, lower case, and every character that is
    not a letter or digit dropped ("Avg. Response-Time" == "avgresponsetime"). Text in brackets is
    a unit ("(秒)", "(元)", "(%)", "(分钟)", "(万元)") or a dimension ("(人维度)", "(会话维度)");
    anything else in brackets makes the header unmapped rather than guessed ("销售额(含运费)").
    A leading "全天"/"当日"/... is noise. An unknown header is kept as unmapped, never an error.
Dimensions
    A metric marked per person (人维度, 按人, "(人)" on a non-count, "per person") maps to
    `<field>_person`, one marked per conversation (会话维度, 会话, "per session") to
    `<field>_session`; an unmarked one to `<field>`. The three are never merged: Pinduoduo's
    平均人工响应时长 is per message, Douyin's 平响时长(人维度) is per buyer.
Rates (stored as fractions, 0.8449)
    A value written with "%" is divided by 100. A bare number is read per column: if the header
    has a "%" unit, or any bare number of that column is above 1, the column is in percent points
    and its bare numbers are divided by 100; otherwise they are fractions. So 84.49 → 0.8449 and
    0.8449 → 0.8449, and a column [84.49, 0.5] reads 0.8449, 0.005. Above 100 % or negative is an
    error. Write "%" (or put "(%)" in the header) for a points column whose values are all ≤ 1.
Durations (seconds)
    A bare number is seconds, times the header unit ("(分钟)" → ×60). Text: "45秒", "2分",
    "1分20秒", "7小时41分52秒", "1h20m", "1分20" (trailing seconds unit optional), and clock
    form "00:01:20" (h:mm:ss) or "1:20" (m:ss).
Money (yuan, rounded to 2 decimals)
    "¥1,234.50", "1234.5元", "1.2万" (×10000); a "(万元)" header unit multiplies bare numbers.
    Negative is an error except for `sales_after_refund`.
Counts
    Whole numbers ≥ 0; "1,234" and "91人" are accepted, "12.5" is not.
Dates
    "2026-11-02", "2026/11/2", "2026.11.2", "2026年11月2日", "20261102", a date-time whose time
    is dropped, an Excel date cell, or an Excel serial day number (e.g. 46328). Stored as
    `datetime.date`.
Agents
    `agent` keeps the name as written ("店铺:小美"); `agent_key` is the part after the last ":"
    or "：", stripped ("小美"), for matching to the roster. Duplicate rows are found on
    (date, agent_key), so "店铺:小美" and "小美" on one day are duplicates.
Empty cells
    "", "-", "--", "/", "N/A", "null", "无", "#DIV/0!" are missing values (NaN / <NA>); only
    date and agent must be present.
Rows
    Numbers are as a spreadsheet user sees them: the header is normally row 1 and the first data
    row row 2. Title rows above the header are skipped (the header is the first of the first ten
    rows naming at least two known fields, one of them date or agent). Blank rows are ignored;
    totals rows (合计, 总计, 汇总, 平均, Total) are skipped and listed in `skipped_rows`.
Files
    The content decides, not the name: a zip is read as XLSX (first sheet with data; cells
    formatted as percent are read as percentages), anything else as CSV/TSV (comma, tab or
    semicolon; UTF-8 with or without BOM, else GB18030, a superset of GBK; UTF-16 with BOM as
    Excel's "Unicode text" saves it). Legacy .xls, a ".xlsx" that is not a zip, files over
    `max_bytes`, xlsx files that unpack to more than 10 × `max_bytes`, and text that does not look
    like a table (NUL or control characters, no separator in the first lines) are refused with
    one file-level error, before any parsing.
Errors
    File-level errors (row None) come first, then cell errors by row and column. Each is a code
    of `MESSAGES` with params, so pages can render it in the user's language; `format_error`
    gives "第5行 30秒应答率: 超过100%：150%" or "Row 5, 30秒应答率: rate over 100%: 150%".
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Mapping
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import python_calamine

from core.kernel.excel import FORMULA_PREFIXES, unescape_cell
from core.kpi import profiles
from core.kpi.profiles import row_label_kind

MAX_BYTES = 20_000_000
XLSX_UNPACKED_FACTOR = 10  # an .xlsx may unpack to this many times max_bytes (zip-bomb guard)
HEADER_SCAN_ROWS = 10
MAX_HEADER_CHARS = 10_000  # a header line longer than this is not a header
CONTROL_CHAR_LIMIT = 0.01  # share of control characters above which text is binary, not a table
MAX_ABS_NUMBER = 1e15

# Field kinds
DATE, TEXT, COUNT, RATE, DURATION, MONEY, NUMBER = "date", "text", "count", "rate", "duration", "money", "number"


@dataclass(frozen=True)
class FieldSpec:
    """A canonical field: its name, how its values parse, and its labels."""

    name: str
    kind: str
    zh: str
    en: str
    allow_negative: bool = False


_BASE_FIELDS = (
    FieldSpec("date", DATE, "日期", "date"),
    FieldSpec("agent", TEXT, "客服", "agent"),
    FieldSpec("consultations", COUNT, "咨询人数", "consultations"),
    FieldSpec("receptions", COUNT, "接待人数", "buyers received"),
    FieldSpec("inquiries", COUNT, "询单人数", "inquiries"),
    FieldSpec("ordered_buyers", COUNT, "下单人数", "buyers who ordered"),
    FieldSpec("converted", COUNT, "成交人数", "buyers converted (paid)"),
    FieldSpec("sessions", COUNT, "会话数", "sessions"),
    FieldSpec("response_30s_rate", RATE, "30秒应答率", "30s response rate"),
    FieldSpec("response_1min_rate", RATE, "1分钟应答率", "1-minute response rate"),
    FieldSpec("response_3min_rate", RATE, "3分钟回复率", "3-minute response rate"),
    FieldSpec("avg_response_s", DURATION, "平均响应时长", "average response time"),
    FieldSpec("first_response_s", DURATION, "首次响应时长", "first response time"),
    FieldSpec("effective_reply_rate", RATE, "有效回复率", "effective reply rate"),
    FieldSpec("conversion_rate", RATE, "询单转化率", "conversion rate"),
    FieldSpec("sales", MONEY, "询单销售额", "sales"),
    FieldSpec("sales_after_refund", MONEY, "退款后销售额", "sales after refunds", allow_negative=True),
    FieldSpec("aov", MONEY, "客单价", "average order value"),
    FieldSpec("items", COUNT, "销售件数", "items sold"),
    FieldSpec("items_per_buyer", NUMBER, "客件数", "items per buyer"),
    FieldSpec("satisfaction", RATE, "满意度", "satisfaction"),
    FieldSpec("complaints", COUNT, "投诉数", "complaints"),
    FieldSpec("complaint_rate", RATE, "投诉率", "complaint rate"),
    # Text beside the agent: shown, kept in the platform's figures, never the agent key.
    FieldSpec("agent_name", TEXT, "客服昵称", "agent display name"),
    FieldSpec("group", TEXT, "客服分组", "agent group"),
    FieldSpec("shop", TEXT, "店铺名称", "shop name"),
    # Platform-only figures that matter to merchants and QA: kept with the day, shown where they exist.
    FieldSpec("valid_receptions", COUNT, "有效接待人数", "valid receptions"),
    FieldSpec("needs_human", COUNT, "需人工回复咨询人数", "buyers needing a human reply"),
    FieldSpec("unreplied", COUNT, "未回复人数", "buyers not replied"),
    FieldSpec("unreplied_3min", COUNT, "3分钟未回复人数", "buyers not replied within 3 min"),
    FieldSpec("slow_responses", COUNT, "慢响应人数", "slow responses"),
    FieldSpec("answer_ratio", NUMBER, "答问比", "answer/question ratio"),
    FieldSpec("lost_inquiries", COUNT, "询单流失人数", "inquiries lost"),
    FieldSpec("refund_buyers", COUNT, "退款人数", "buyers refunded"),
    FieldSpec("refund_amount", MONEY, "退款金额", "refund amount"),
    FieldSpec("service_score", NUMBER, "客服服务分", "service score"),
    FieldSpec("ratings", COUNT, "评分数", "ratings"),
    FieldSpec("low_rating_orders", COUNT, "评分≤3订单数", "orders rated 3 or less"),
    FieldSpec("low_rating_rate", RATE, "评分≤3率", "share rated 3 or less"),
    FieldSpec("dispute_refunds", COUNT, "纠纷退款数", "dispute refunds"),
    FieldSpec("dissatisfaction_rate", RATE, "不满意率", "dissatisfaction rate"),
    FieldSpec("reviews", COUNT, "评价数", "reviews"),
    FieldSpec("good_reviews", COUNT, "好评数", "good reviews"),
    FieldSpec("bad_reviews", COUNT, "差评数", "bad reviews"),
    FieldSpec("warning_sessions", COUNT, "预警会话量", "flagged sessions"),
    FieldSpec("problem_sessions", COUNT, "服务问题会话数", "sessions with service problems"),
    FieldSpec("waiting_sessions", COUNT, "待回复会话量", "sessions waiting for a reply"),
    FieldSpec("transferred_sessions", COUNT, "转出会话量", "sessions transferred"),
    FieldSpec("online_days", COUNT, "在线天数", "days online"),
    FieldSpec("online_s", DURATION, "PC在线时长", "time online (PC)"),
    FieldSpec("break_s", DURATION, "PC小休时长", "time on break (PC)"),
    FieldSpec("offline_s", DURATION, "PC离线时长", "time offline (PC)"),
    FieldSpec("cpd", NUMBER, "CPD", "CPD"),
    FieldSpec("not_served_rate", RATE, "不服务率", "not-served rate"),
    FieldSpec("bad_review_rate", RATE, "差评率", "bad-review rate"),
)
PLATFORM_ONLY_FIELDS = (
    "valid_receptions",
    "needs_human",
    "unreplied",
    "unreplied_3min",
    "slow_responses",
    "answer_ratio",
    "lost_inquiries",
    "refund_buyers",
    "refund_amount",
    "service_score",
    "ratings",
    "low_rating_orders",
    "low_rating_rate",
    "dispute_refunds",
    "dissatisfaction_rate",
    "reviews",
    "good_reviews",
    "bad_reviews",
    "warning_sessions",
    "problem_sessions",
    "waiting_sessions",
    "transferred_sessions",
    "online_days",
    "online_s",
    "break_s",
    "offline_s",
    "cpd",
    "not_served_rate",
    "bad_review_rate",
)
"""Figures only the platform gives (not computed from chat logs): stored with the day and shown in
the agent table and the merchant report where a file has them."""

# Header wordings seen in (or expected of) platform exports. Keys are canonical fields; the field
# name and its labels match too. Compared after normalisation (see module docstring), so list
# wordings, not spacing, punctuation or case variants.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("日期", "统计日期", "数据日期", "业务日期", "报表日期", "时间", "day", "stat date", "report date"),
    "agent": (
        "客服",
        "客服账号",
        "客服子账号",
        "子账号",
        "子账号名称",
        "客服旺旺",
        "旺旺",
        "旺旺昵称",
        "旺旺账号",
        "旺旺账号名称",
        "账号",
        "账号名称",
        "客服人员",
        "agent",
        "agent account",
        "staff",
        "cs agent",
        "sub account",
        "account",
        "uid",
    ),
    # a display name beside the account; the agent when the file has no account column
    "agent_name": ("客服昵称", "客服名称", "客服名", "客服姓名", "昵称", "agent name", "nickname", "display name"),
    "group": ("旺旺分组", "客服分组", "分组", "技能组", "group", "skill group"),
    "shop": ("店铺名称", "店铺", "shop", "shop name", "store"),
    "valid_receptions": ("有效接待人数",),
    "needs_human": ("需要人工回复的咨询人数", "需人工回复咨询人数"),
    "unreplied": ("未回复人数", "未回复买家数"),
    "unreplied_3min": ("3分钟未回复人数", "三分钟未回复人数"),
    "slow_responses": ("慢响应人数", "慢响应次数"),
    "answer_ratio": ("答问比", "问答比"),
    "lost_inquiries": ("询单流失人数", "流失人数"),
    "refund_buyers": ("退款人数",),
    "refund_amount": ("退款金额", "成功退款金额", "退款额"),
    "service_score": ("客服服务分", "服务分"),
    "ratings": ("评分数", "评分人数"),
    "low_rating_orders": ("评分≤3订单数", "评分<=3订单数", "低分订单数"),
    "low_rating_rate": ("评分≤3率", "评分<=3率", "低分率"),
    "dispute_refunds": ("纠纷退款数", "纠纷退款单数"),
    "dissatisfaction_rate": ("不满意率", "im不满意率", "买家不满意率", "dissatisfaction rate"),
    "reviews": ("评价数", "有效评价数", "评价量", "旺旺评价量", "评价人数"),
    "good_reviews": ("好评数", "有效好评数", "好评量", "满意评价量"),
    "bad_reviews": ("差评数", "有效差评数", "差评量"),
    "warning_sessions": ("预警会话量", "预警会话数"),
    "problem_sessions": ("服务问题会话数",),
    "waiting_sessions": ("待回复会话量",),
    "transferred_sessions": ("转出会话量", "转接会话量"),
    "online_days": ("客服在线天数", "在线天数"),
    "online_s": ("pc在线时长", "在线时长"),
    "break_s": ("pc小休时长", "小休时长"),
    "offline_s": ("pc离线时长", "离线时长"),
    "cpd": ("cpd",),
    "not_served_rate": ("不服务率",),
    "bad_review_rate": ("差评率",),
    "consultations": (
        "咨询人数",
        "咨询量",
        "咨询客户数",
        "咨询买家数",
        "咨询用户数",
        "consultation",
        "consults",
        "buyers consulted",
    ),
    "receptions": (
        "接待人数",
        "人工接待人数",
        "接待客户数",
        "接待买家数",
        "接待量",
        "已接待人数",
        "人工已接待人数",
        "receptions",
        "buyers received",
        "received buyers",
    ),
    "inquiries": (
        "询单人数",
        "询单客户数",
        "询单买家数",
        "询单量",
        "售前接待人数",
        "inquiry",
        "enquiries",
        "inquiry buyers",
    ),
    "ordered_buyers": (
        "下单人数",
        "询单下单人数",
        "下单买家数",
        "下单客户数",
        "促成下单人数",
        "ordered buyers",
        "buyers ordered",
    ),
    "converted": (
        "成交人数",
        "询单成交人数",
        "最终成团人数",
        "成团人数",
        "询单最终付款人数",
        "最终付款人数",
        "销售人数",
        "支付人数",
        "询单支付人数",
        "付款人数",
        "询单付款人数",
        "支付买家数",
        "成交客户数",
        "buyers paid",
        "paid buyers",
        "converted buyers",
        "conversions",
    ),
    "sessions": (
        "会话数",
        "接待会话数",
        "会话量",
        "接待会话量",
        "人工接待会话量",
        "人工已接待会话量",
        "人工会话量",
        "session count",
        "conversations",
        "chats",
    ),
    "response_30s_rate": (
        "30秒应答率",
        "30秒回复率",
        "30秒响应率",
        "30秒内应答率",
        "30秒内回复率",
        "30秒人工应答率",
        "30秒人工回复率",
        "30s response rate",
        "30 second response rate",
        "30 sec response rate",
        "response rate 30s",
        "30s reply rate",
    ),
    "response_1min_rate": (
        "1分钟应答率",
        "1分钟回复率",
        "1分钟响应率",
        "1分钟内回复率",
        "60秒应答率",
        "60秒回复率",
        "1min response rate",
        "1 minute response rate",
        "60s response rate",
        "1min reply rate",
    ),
    "response_3min_rate": (
        "3分钟应答率",
        "3分钟回复率",
        "3分钟响应率",
        "3分钟内回复率",
        "3分钟人工回复率",
        "3分钟人工响应率",
        "3分钟人工应答率",
        "客服3分钟人工回复率",
        "三分钟回复率",
        "三分钟人工回复率",
        "180秒回复率",
        "3min response rate",
        "3 minute response rate",
        "3min reply rate",
        "180s response rate",
    ),
    "avg_response_s": (
        "平均响应时长",
        "平均人工响应时长",
        "平均响应时间",
        "平均人工响应时间",
        "平响时长",
        "平响",
        "平均回复时长",
        "平均回复时间",
        "平均应答时长",
        "人工平均回复时长",
        "人工平均响应时长",
        "avg response time",
        "average response time",
        "mean response time",
        "avg response",
        "avg reply time",
    ),
    "first_response_s": (
        "首次响应时长",
        "首响时长",
        "首次响应时间",
        "首响时间",
        "首响",
        "平均首次响应时长",
        "平均首响时长",
        "平均首次响应时间",
        "首次人工响应时长",
        "first response",
        "avg first response time",
        "average first response time",
    ),
    "effective_reply_rate": (
        "有效回复率",
        "回复率",
        "有效应答率",
        "旺旺回复率",
        "reply rate",
        "effective response rate",
        "valid reply rate",
    ),
    "conversion_rate": (
        "询单转化率",
        "转化率",
        "询单成交转化率",
        "询单最终付款转化率",
        "最终付款转化率",
        "询单到成交转化率",
        "询单支付转化率",
        "咨询转化率",
        "成交转化率",
        "inquiry conversion rate",
        "cvr",
    ),
    "sales": (
        "询单销售额",
        "销售额",
        "成交金额",
        "询单成交金额",
        "询单支付额",
        "询单支付金额",
        "客服询单支付额",
        "客服销售额",
        "支付金额",
        "成交额",
        "询单最终付款金额",
        "最终付款金额",
        "促成下单商品金额",
        "sales amount",
        "inquiry sales",
        "revenue",
        "gmv",
        "paid amount",
    ),
    "sales_after_refund": (
        "退款后销售额",
        "扣除退款后销售额",
        "净销售额",
        "去退销售额",
        "sales after refund",
        "net sales",
    ),
    "aov": ("客单价", "询单客单价", "average order value", "avg order value", "atv"),
    "items": ("销售件数", "成交件数", "支付件数", "件数", "items", "items sold", "units sold"),
    "items_per_buyer": ("客件数", "items per buyer", "units per buyer", "upt"),
    "satisfaction": (
        "满意度",
        "满意率",
        "客户满意度",
        "客户满意率",
        "买家满意度",
        "好评率",
        "satisfaction rate",
        "csat",
    ),
    "complaints": ("投诉数", "投诉次数", "投诉量", "投诉单数", "complaint count"),
    "complaint_rate": ("投诉率", "complaint rate"),
}

DIMENSIONS: dict[str, tuple[str, str]] = {"person": ("人维度", "per person"), "session": ("会话维度", "per session")}
# Flavours of one figure that platforms give side by side (PDD `(8-23点)` / `(全天)`, Douyin 工作时间 /
# 全天, Douyin's and JD's 新 response time): kept apart as `<field>[_<dimension>]_<flavour>`.
FLAVOURS: dict[str, tuple[str, str]] = {
    "service": ("服务时间", "service hours"),
    "allday": ("全天", "whole day"),
    "new": ("新口径", "new definition"),
}
_FLAVOUR_PREFIXES = (
    ("工作时间", "service"),
    ("服务时间", "service"),
    ("全天", "allday"),
    ("全日", "allday"),
    ("新", "new"),
)
_FLAVOUR_WORDS = {
    "工作时间": "service",
    "服务时间": "service",
    "全天": "allday",
    "全日": "allday",
    "新": "new",
    "新标": "new",
    "新标准": "new",
}
_SERVICE_HOURS = re.compile(r"^\d{1,2}(?::\d{2})?\s*[-~－～至到]\s*\d{1,2}(?::\d{2})?\s*[点时]?$")

# Bracketed or inline words that mark a dimension (compared normalised).
_DIMENSION_MARKERS = {
    "人维度": "person",
    "按人": "person",
    "person": "person",
    "perperson": "person",
    "byperson": "person",
    "perbuyer": "person",
    "会话维度": "session",
    "按会话": "session",
    "会话": "session",
    "session": "session",
    "persession": "session",
    "bysession": "session",
    "conversation": "session",
    "perconversation": "session",
}
# Tried inside an unknown header, longest first, when the whole header is not an alias.
_INLINE_DIMENSION_MARKERS = sorted(_DIMENSION_MARKERS, key=len, reverse=True)
_NOISE_PREFIXES = ("当日", "当天", "今日", "每日")

# Units: normalised word → (kind it applies to, factor to the stored unit).
_UNITS: dict[str, tuple[str, float]] = {
    "秒": (DURATION, 1),
    "秒钟": (DURATION, 1),
    "s": (DURATION, 1),
    "sec": (DURATION, 1),
    "secs": (DURATION, 1),
    "second": (DURATION, 1),
    "seconds": (DURATION, 1),
    "分钟": (DURATION, 60),
    "分": (DURATION, 60),
    "min": (DURATION, 60),
    "mins": (DURATION, 60),
    "minute": (DURATION, 60),
    "minutes": (DURATION, 60),
    "小时": (DURATION, 3600),
    "h": (DURATION, 3600),
    "hr": (DURATION, 3600),
    "hour": (DURATION, 3600),
    "hours": (DURATION, 3600),
    "毫秒": (DURATION, 0.001),
    "ms": (DURATION, 0.001),
    "元": (MONEY, 1),
    "yuan": (MONEY, 1),
    "cny": (MONEY, 1),
    "rmb": (MONEY, 1),
    "万元": (MONEY, 10_000),
    "万": (MONEY, 10_000),
    "时": (DURATION, 3600),
    "人": (COUNT, 1),
    "个": (COUNT, 1),
    "次": (COUNT, 1),
    "件": (COUNT, 1),
    "单": (COUNT, 1),
}
# A unit written after the name without brackets ("客单价元", "avg response time sec").
_SUFFIX_UNITS = sorted((u for u in _UNITS if len(u) > 1 or not u.isascii()), key=len, reverse=True)

_TOTAL_MARKERS = {
    "合计",
    "总计",
    "汇总",
    "总和",
    "小计",
    "平均",
    "平均值",
    "均值",
    "total",
    "totals",
    "sum",
    "average",
    "avg",
}
_MISSING_TOKENS = [
    "",
    "-",
    "--",
    "---",
    "—",
    "——",
    "/",
    "n/a",
    "na",
    "null",
    "none",
    "nan",
    "无",
    "暂无",
    "暂无数据",
    "#n/a",
    "#div/0!",
    "--分--秒",
    "-分-秒",
    "--:--",
]
# A figure the platform has not settled yet: pending, neither zero nor missing; a later export fills it.
PENDING_TOKENS = ["延迟统计", "统计中", "待统计", "待更新", "计算中", "数据延迟"]


def _with_dimensions(base: tuple[FieldSpec, ...]) -> dict[str, FieldSpec]:
    fields: dict[str, FieldSpec] = {}
    for spec in base:
        fields[spec.name] = spec
        if spec.name == "agent":
            fields["agent_key"] = FieldSpec("agent_key", TEXT, "客服(去店铺前缀)", "agent (without shop prefix)")
        if spec.kind in (DATE, TEXT):
            continue
        variants = [(spec.name, spec.zh, spec.en)]
        for dim, (zh, en) in DIMENSIONS.items():
            variants.append((f"{spec.name}_{dim}", f"{spec.zh}({zh})", f"{spec.en} ({en})"))
        for name, zh_label, en_label in list(variants):
            if name != spec.name:
                fields[name] = FieldSpec(name, spec.kind, zh_label, en_label, spec.allow_negative)
        for name, zh_label, en_label in variants:
            for flavour, (zh, en) in FLAVOURS.items():
                flavoured = f"{name}_{flavour}"
                fields[flavoured] = FieldSpec(
                    flavoured, spec.kind, f"{zh_label}[{zh}]", f"{en_label} [{en}]", spec.allow_negative
                )
    return fields


FIELDS: dict[str, FieldSpec] = _with_dimensions(_BASE_FIELDS)
"""Every canonical field, in the column order of `SummaryPreview.rows`."""

REQUIRED_FIELDS = ("date", "agent")


# ---------------------------------------------------------------------------------------------
# Errors


@dataclass(frozen=True)
class SummaryError:
    """One problem: `row` as a spreadsheet shows it (None for the whole file), `column` the
    header as written in the file (None when not about one column), a `code` of `MESSAGES` and
    the `params` its message needs."""

    row: int | None
    column: str | None
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return format_error(self, "zh")


MESSAGES: dict[str, tuple[str, str]] = {
    "file_too_large": (
        "文件过大（{size:,} 字节，上限 {limit:,} 字节）",
        "file too large ({size:,} bytes, limit {limit:,})",
    ),
    "empty_file": ("文件为空", "the file is empty"),
    "legacy_xls": (
        "不支持旧版 .xls 文件，请另存为 .xlsx 或 CSV",
        "legacy .xls files are not supported; save as .xlsx or CSV",
    ),
    "bad_xlsx": ("无法读取这个 Excel 文件", "this Excel file cannot be read"),
    "bad_encoding": ("无法识别文本编码（应为 UTF-8 或 GBK）", "unknown text encoding (UTF-8 or GBK expected)"),
    "not_a_table": ("文件内容不是表格（应为 CSV 或 Excel）", "the file is not a table (CSV or Excel expected)"),
    "no_data_rows": ("表头下没有数据行", "no data rows below the header"),
    "missing_column": ("缺少必需的列：{label_zh}", "missing required column: {label_en}"),
    "no_metric_column": ("没有可识别的指标列", "no recognised metric column"),
    "duplicate_column": ("与列“{other}”都对应“{label_zh}”", "maps to {label_en}, as column '{other}' does"),
    "extra_cells": ("比表头多出 {count} 个单元格", "{count} more cells than the header"),
    "missing_value": ("不能为空", "must not be empty"),
    "bad_date": ("不是日期：{value}", "not a date: {value}"),
    "not_a_number": ("不是数字：{value}", "not a number: {value}"),
    "not_an_integer": ("不是整数：{value}", "not a whole number: {value}"),
    "out_of_range": ("数值超出范围：{value}", "number out of range: {value}"),
    "bad_duration": ("无法识别的时长：{value}", "not a duration: {value}"),
    "negative": ("不能为负数：{value}", "must not be negative: {value}"),
    "rate_over_100": ("超过100%：{value}", "rate over 100%: {value}"),
    "duplicate_row": ("与第{first_row}行重复（同一日期和客服）", "duplicate of row {first_row} (same date and agent)"),
    "missing_day": (
        "文件里没有日期列，文件名和标题行中也没有日期：请在下方选择这份数据是哪一天的",
        "the file has no date column and its name and banner name no day: pick the day below",
    ),
    "range_file": (
        "文件名显示这是 {start} 至 {end} 多天的合计数据，不能当作某一天保存。请在后台把开始和结束日期选成同一天，按天导出后逐个导入",
        "the file name says these are the totals of {start} to {end}, not one day; export one day at a time "
        "(same start and end date in the backend) and import each",
    ),
    "pending": ("待更新（平台尚未结算）", "pending (not settled by the platform yet)"),
}


def format_error(err: SummaryError, lang: str = "zh") -> str:
    """The message of an error in Chinese (`zh`, default) or English (`en`), with its place:
    "第5行 30秒应答率: 超过100%：150%" / "Row 5, 30秒应答率: rate over 100%: 150%"."""
    zh_text, en_text = MESSAGES[err.code]
    params = dict(err.params)
    spec = FIELDS.get(str(params.get("field", "")))
    if spec is not None:
        params.setdefault("label_zh", spec.zh)
        params.setdefault("label_en", spec.en)
    english = lang == "en"
    text = (en_text if english else zh_text).format(**params)
    if err.row is not None:
        place = f"Row {err.row}" if english else f"第{err.row}行"
        if err.column is not None:
            place += f", {err.column}" if english else f" {err.column}"
        return f"{place}: {text}"
    if err.column is not None:
        return f"{err.column}: {text}"
    return text


# ---------------------------------------------------------------------------------------------
# Preview


@dataclass
class SummaryPreview:
    """What was read: show it, and save `rows` only when `ok`.

    `mapping` lists every non-blank header in file order with its canonical field (None when
    not used); `sources` says per header where its field came from ("profile", "alias",
    "template", "user") or "unused". `rows` has the canonical columns found, in `FIELDS` order
    (`agent_key` follows `agent`), indexed by spreadsheet row number (index name "row"); a cell
    that failed to parse is missing there and has its error in `errors`. Counts are Int64, other
    metrics float64 (rates as fractions, durations in seconds, money in yuan), dates
    `datetime.date`. A file without a date column gets its `day` from the file name, a banner row
    or the user (`day_source`); its rows carry that day.
    """

    filename: str
    mapping: list[tuple[str, str | None]]
    rows: pd.DataFrame
    errors: list[SummaryError]
    header_row: int | None = None
    skipped_rows: list[int] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    profile: str | None = None  # key of core.kpi.profiles, None = the general header table
    profile_source: str = "none"  # "detected", "chosen", "template", "none"
    template: dict | None = None  # the saved layout that mapped this file
    day: dt.date | None = None
    day_source: str | None = None  # "column", "filename", "banner", "user"
    day_range: tuple[dt.date, dt.date] | None = None  # a file name or banner naming several days
    skipped: list[tuple[int, str, str]] = field(
        default_factory=list
    )  # (row, label, "summary" | "benchmark" | "empty_agent")
    benchmarks: pd.DataFrame = field(default_factory=lambda: pd.DataFrame())  # peer rows by label
    pending: dict[int, list[str]] = field(default_factory=dict)  # row → fields the platform has not settled (延迟统计)
    unused_figures: list[str] = field(default_factory=list)  # unmapped headers that look like a figure
    headers: list[str] = field(default_factory=list)  # every non-blank header as written

    @property
    def ok(self) -> bool:
        """True only when nothing is wrong; the caller saves nothing otherwise."""
        return not self.errors

    @property
    def unmapped_headers(self) -> list[str]:
        return [header for header, name in self.mapping if name is None]

    @property
    def fields(self) -> set[str]:
        """The canonical fields some header maps to."""
        return {name for _, name in self.mapping if name}


class _FileRefused(Exception):
    """Internal: the file as a whole cannot be read; carries the file-level error."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.error = SummaryError(None, None, code, params)


def read_summary(
    data: bytes,
    filename: str,
    *,
    max_bytes: int = MAX_BYTES,
    progress: Callable[[float, str], None] | None = None,
    profile: str | None = None,
    overrides: Mapping[str, str | None] | None = None,
    day: dt.date | None = None,
    template_lookup: Callable[[list[str]], dict | None] | None = None,
) -> SummaryPreview:
    """Read a per-agent summary export (CSV or XLSX) into a preview. Never raises for bad input:
    every problem is in `preview.errors`. `progress(fraction, stage)` hears "read" (the file into
    cells, the first half) and "validate" (after each column).

    `profile`: a key of core.kpi.profiles to read the file with, "generic" for none, or None
    to detect it from the headers (and file name). `overrides`: header as written → field (or
    None: not used) the user chose; they win over everything. `day`: the day the user picked,
    used when neither a date column, the file name nor a banner row gives one.
    `template_lookup(headers)`: the saved layout of these headers, if any (its mapping and
    profile apply unless the caller overrides them)."""
    report = progress or (lambda fraction, stage: None)
    report(0.0, "read")
    try:
        grid = _read_grid(data, filename, max_bytes)
    except _FileRefused as refused:
        report(1.0, "done")
        return SummaryPreview(filename, [], _empty_rows(), [refused.error])
    report(0.5, "validate")
    preview = _preview_from_grid(
        filename, grid, report, profile=profile, overrides=overrides, day=day, template_lookup=template_lookup
    )
    report(1.0, "done")
    return preview


# ---------------------------------------------------------------------------------------------
# Headers


@dataclass(frozen=True)
class HeaderInfo:
    """What a header says: its canonical field (None if unknown) and the unit of bare numbers."""

    field: str | None
    factor: float = 1.0  # unit of bare numbers (minutes → 60, 万元 → 10000)
    percent: bool = False  # header says "(%)": bare numbers are percent points


_BRACKETS = re.compile(r"[(\[{<【「《]([^)\]}>】」》]*)[)\]}>】」》]?")
_NOT_WORD = re.compile(r"[\W_]+")
_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060\u00ad"), None)


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text)).translate(_INVISIBLE).strip().lower()


def _key(text: str) -> str:
    return _NOT_WORD.sub("", _normalise(text))


def _build_alias_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for spec in _BASE_FIELDS:
        for alias in (spec.name, spec.zh, spec.en, *HEADER_ALIASES.get(spec.name, ())):
            for key in {_key(alias), _key(re.sub(r"(?<=\d)秒", "s", alias))}:  # 30秒应答率 and 30s应答率
                if index.setdefault(key, spec.name) != spec.name:
                    raise ValueError(f"header alias {alias!r} given for both {index[key]} and {spec.name}")
    return index


_ALIAS_INDEX = _build_alias_index()


def _lookup(key: str) -> tuple[str | None, str | None]:
    """(base field, unit word written after the name) for a normalised header without brackets."""
    for prefix in _NOISE_PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            key = key[len(prefix) :]
            break
    if key in _ALIAS_INDEX:
        return _ALIAS_INDEX[key], None
    for unit in _SUFFIX_UNITS:
        if key.endswith(unit) and key[: -len(unit)] in _ALIAS_INDEX:
            return _ALIAS_INDEX[key[: -len(unit)]], unit
    return None, None


def _flavour_prefix(key: str) -> tuple[str, str | None]:
    """(key without a flavour prefix, flavour) when the rest is a known header ("全天平响时长")."""
    for prefix, flavour in _FLAVOUR_PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            rest = key[len(prefix) :]
            if _lookup(rest)[0] is not None or any(m in rest for m in _INLINE_DIMENSION_MARKERS):
                return rest, flavour
    return key, None


def analyse_header(header: str) -> HeaderInfo:
    """The canonical field of a header and the unit its bare numbers are in."""
    text = _normalise(header)
    dims: set[str] = set()
    flavours: set[str] = set()
    units: list[str] = []
    percent = False
    bare_person = False  # "(人)": a unit on a count, the person dimension on anything else
    unknown: list[str] = []
    for qualifier in _BRACKETS.findall(text):
        for part in re.split(r"[,;/、|，；]", qualifier):
            key = _key(part)
            if "%" in part or key == "百分比":
                percent = True
                continue
            if not key:
                continue
            if _SERVICE_HOURS.match(part.strip()):
                flavours.add("service")
            elif key in _FLAVOUR_WORDS:
                flavours.add(_FLAVOUR_WORDS[key])
            elif key == "人":
                bare_person = True
            elif key in _DIMENSION_MARKERS:
                dims.add(_DIMENSION_MARKERS[key])
            elif key in _UNITS:
                units.append(key)
            else:
                unknown.append(key)
    base_key = _key(_BRACKETS.sub(" ", text))
    if _lookup(base_key)[0] is None:
        base_key, flavour = _flavour_prefix(base_key)
        if flavour:
            flavours.add(flavour)
    if unknown:  # a qualifier we do not know may change the meaning: only an exact alias maps
        name, suffix_unit = _lookup(base_key + "".join(unknown))
    else:
        name, suffix_unit = _lookup(base_key)
        if name is None:
            for marker in _INLINE_DIMENSION_MARKERS:
                if marker in base_key:
                    name, suffix_unit = _lookup(base_key.replace(marker, "", 1))
                    if name is not None and FIELDS[name].kind not in (DATE, TEXT):
                        dims.add(_DIMENSION_MARKERS[marker])
                        break
                    name = None  # "会话时间" is not the date column
    if name is None:
        return HeaderInfo(None)
    spec = FIELDS[name]
    if bare_person and spec.kind != COUNT:
        dims.add("person")
    if suffix_unit:
        units.append(suffix_unit)
    factor = 1.0
    for unit in units:
        kind, unit_factor = _UNITS[unit]
        if kind == spec.kind:
            factor = float(unit_factor)
    if spec.kind in (DATE, TEXT):
        return HeaderInfo(name)
    if len(dims) > 1 or len(flavours) > 1:
        return HeaderInfo(None)  # says both per person and per session (or two flavours): refuse to guess
    if dims:
        name = f"{name}_{dims.pop()}"
    if flavours:
        name = f"{name}_{flavours.pop()}"
    return HeaderInfo(name, factor, percent and spec.kind == RATE)


def map_header(header: str) -> str | None:
    """The canonical field a header maps to, or None ("全天平响时长(会话维度)" → "avg_response_s_session")."""
    return analyse_header(header).field


# ---------------------------------------------------------------------------------------------
# Reading bytes into a grid of text cells (row 1 = index 0)


def _read_grid(data: bytes, filename: str, max_bytes: int) -> list[list[str]]:
    if len(data) > max_bytes:
        raise _FileRefused("file_too_large", size=len(data), limit=max_bytes)
    if not data.removeprefix(b"\xef\xbb\xbf").strip(b" \t\r\n\x00"):
        raise _FileRefused("empty_file")
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data, max_bytes)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _FileRefused("legacy_xls")
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise _FileRefused("bad_xlsx")
    return _read_csv(_decode(data))


def _decode(data: bytes) -> str:
    # Excel's "Unicode text" is UTF-16 with a BOM; otherwise UTF-8, else GBK's superset GB18030.
    encodings = ("utf-16",) if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _FileRefused("bad_encoding")


_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _sniff_delimiter(text: str) -> str | None:
    """The column separator of text that looks like a table, or None: binary-looking text, or no
    ",", tab or ";" in the first lines (title rows may come first), or an absurd first line."""
    sample = text[:65_536]
    if "\x00" in sample or len(_CONTROL_CHARS.findall(sample)) > CONTROL_CHAR_LIMIT * len(sample):
        return None
    lines = list(itertools.islice((line for line in sample.splitlines() if line.strip()), HEADER_SCAN_ROWS))
    if not lines or len(lines[0]) > MAX_HEADER_CHARS:
        return None
    counts = {sep: max(line.count(sep) for line in lines) for sep in ",\t;"}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else None


def _read_csv(text: str) -> list[list[str]]:
    if not text.strip():
        raise _FileRefused("empty_file")
    delimiter = _sniff_delimiter(text)
    if delimiter is None:
        raise _FileRefused("not_a_table")
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:  # an unterminated quote running into a huge field, a NUL, ...
        raise _FileRefused("not_a_table") from None


def _cell_text(value: Any, number_format: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        if not value.isascii():
            value = value.encode("utf-8", "replace").decode("utf-8")  # lone surrogates
        return value
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, (int, float)):
        if "%" in number_format:  # a percent-formatted cell holds the fraction
            return f"{round(value * 100, 10)!r}%"
        if isinstance(value, float) and value.is_integer() and abs(value) < MAX_ABS_NUMBER:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, dt.timedelta):
        return repr(value.total_seconds())
    return str(value)


def _read_xlsx(data: bytes, max_bytes: int) -> list[list[str]]:
    """The first worksheet with data as text cells. Values come from calamine (a Rust reader,
    ~10x faster than openpyxl on a 100,000-row export); calamine does not report number formats,
    so the cells formatted as percent are found in the sheet's XML (`_percent_cells`)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            if unpacked > XLSX_UNPACKED_FACTOR * max_bytes:
                raise _FileRefused("file_too_large", size=unpacked, limit=XLSX_UNPACKED_FACTOR * max_bytes)
            book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
            try:
                for index, meta in enumerate(book.sheets_metadata):
                    if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                        continue
                    values = book.get_sheet_by_index(index).to_python(skip_empty_area=False)
                    if not any(any(v != "" and v is not None for v in row) for row in values):
                        continue
                    percent = _percent_cells(archive, meta.name)
                    # Most cells are text, which calamine gives as valid str: kept as they are.
                    return [
                        [
                            value if value.__class__ is str else _cell_text(value, "%" if (r, c) in percent else "")
                            for c, value in enumerate(row)
                        ]
                        for r, row in enumerate(values)
                    ]
            finally:
                book.close()
    except _FileRefused:
        raise
    except Exception:  # calamine, zipfile and the XML parser raise many kinds for a broken workbook
        raise _FileRefused("bad_xlsx") from None
    raise _FileRefused("empty_file")


_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_PERCENT_BUILTIN_FORMATS = {9, 10}  # "0%", "0.00%"
_REF_ATTR = re.compile(rb"\sr=[\"']([A-Z]{1,3})(\d+)[\"']")
_CELL_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c$")


def _percent_styles(archive: zipfile.ZipFile) -> set[int]:
    """Indices of the workbook's cell formats (cellXfs) whose number format shows a percent."""
    try:
        styles = ElementTree.fromstring(archive.read("xl/styles.xml"))
    except KeyError:
        return set()
    percent_formats = set(_PERCENT_BUILTIN_FORMATS)
    for fmt in styles.iter(f"{_MAIN_NS}numFmt"):
        if "%" in fmt.get("formatCode", ""):
            percent_formats.add(int(fmt.get("numFmtId", "-1")))
    cell_xfs = styles.find(f"{_MAIN_NS}cellXfs")
    if cell_xfs is None:
        return set()
    return {
        i for i, xf in enumerate(cell_xfs.findall(f"{_MAIN_NS}xf")) if int(xf.get("numFmtId", "0")) in percent_formats
    }


def _sheet_path(archive: zipfile.ZipFile, sheet_name: str) -> str | None:
    """The zip member of the worksheet called `sheet_name` (workbook.xml → its relationships)."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rel_id = next(
        (s.get(f"{_REL_NS}id") for s in workbook.iter(f"{_MAIN_NS}sheet") if s.get("name") == sheet_name), None
    )
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    target = next((r.get("Target") for r in rels.iter(f"{_PKG_REL_NS}Relationship") if r.get("Id") == rel_id), None)
    if not target:
        return None
    return target.lstrip("/") if target.startswith("/") else "xl/" + target


def _column_index(letters: bytes) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + letter - 64
    return index - 1


def _percent_cells(archive: zipfile.ZipFile, sheet_name: str) -> set[tuple[int, int]]:
    """(row, column), 0-based, of the sheet's cells formatted as percent. A regex over the XML
    finds them (only cells with a style attribute can be percent); a cell written without its
    `r` reference (allowed, rare) sends the sheet through the slower position-counting parse."""
    styles = _percent_styles(archive)
    if not styles:
        return set()
    path = _sheet_path(archive, sheet_name)
    if path is None:
        return set()
    xml = archive.read(path)
    # Only the style attribute of a percent format is searched for (a literal: fast), then the
    # tag around each hit is read.
    attribute = re.compile(rb"\ss=[\"'](?:" + b"|".join(str(i).encode() for i in sorted(styles)) + rb")[\"']")
    cells: set[tuple[int, int]] = set()
    for match in attribute.finditer(xml):
        start = xml.rfind(b"<", 0, match.start())
        end = xml.find(b">", match.end())
        name_end = start + 1
        while name_end < len(xml) and xml[name_end] not in b" \t\r\n/>":
            name_end += 1
        if not _CELL_START.match(xml, start, name_end):
            continue  # a row or column style, not a cell
        ref = _REF_ATTR.search(xml, start, end)
        if ref is None:
            return _percent_cells_by_position(xml, styles)
        cells.add((int(ref.group(2)) - 1, _column_index(ref.group(1))))
    return cells


def _percent_cells_by_position(xml: bytes, styles: set[int]) -> set[tuple[int, int]]:
    cells: set[tuple[int, int]] = set()
    row_index, col_index = -1, -1
    for _, element in ElementTree.iterparse(io.BytesIO(xml), events=("start",)):
        if element.tag == f"{_MAIN_NS}row":
            row_index = int(element.get("r", row_index + 2)) - 1
            col_index = -1
        elif element.tag == f"{_MAIN_NS}c":
            ref = element.get("r")
            match = re.fullmatch(r"([A-Z]{1,3})(\d+)", ref or "")
            col_index = _column_index(match.group(1).encode()) if match else col_index + 1
            if int(element.get("s", "0")) in styles:
                cells.add((row_index, col_index))
    return cells


# ---------------------------------------------------------------------------------------------
# From grid to preview


def _empty_rows() -> pd.DataFrame:
    return pd.DataFrame(index=pd.Index([], dtype="int64", name="row"))


def _blank(row: list[str]) -> bool:
    return not "".join(row).strip()


def _find_header(grid: list[list[str]]) -> int:
    candidates = list(itertools.islice((i for i, row in enumerate(grid) if not _blank(row)), HEADER_SCAN_ROWS))
    for i in candidates:
        fields = {map_header(cell) for cell in grid[i] if cell.strip()}
        fields.discard(None)
        if len(fields) >= 2 and fields & {"date", "agent", "agent_name"}:
            return i
    best = max(candidates, key=lambda i: (sum(1 for c in grid[i] if map_header(c)), -i))
    return best if any(map_header(c) for c in grid[best]) else candidates[0]


_FILENAME_RANGE = re.compile(r"(?<!\d)(20\d{2})(\d{2})(\d{2})[_\-~至到 ]+(20\d{2})(\d{2})(\d{2})(?!\d)")
_FILENAME_ISO = re.compile(r"(?<!\d)(20\d{2})[-./年](\d{1,2})[-./月](\d{1,2})日?(?!\d)")
_FILENAME_STAMP = re.compile(r"(?<!\d)(20\d{2})(\d{2})(\d{2})(?:\d{4}|\d{6})?(?!\d)")


def _valid_date(y: str, m: str, d: str) -> dt.date | None:
    try:
        return dt.date(int(y), int(m), int(d))
    except ValueError:
        return None


def days_in_text(text: str) -> tuple[dt.date, dt.date] | None:
    """The day (start == end) or range a file name or banner names: `_20261101_20261101_`,
    `2026-11-01`, `2026-11-01~2026-11-07`, `20261030`, `202611011230` (an export stamp)."""
    text = unicodedata.normalize("NFKC", text)
    match = _FILENAME_RANGE.search(text)
    if match:
        start, end = _valid_date(*match.groups()[:3]), _valid_date(*match.groups()[3:])
        if start and end:
            return (min(start, end), max(start, end))
    iso = [d for d in (_valid_date(*m.groups()) for m in _FILENAME_ISO.finditer(text)) if d]
    if iso:
        return (min(iso), max(iso))
    stamps = [d for d in (_valid_date(*m.groups()) for m in _FILENAME_STAMP.finditer(text)) if d]
    if stamps:
        return (min(stamps), max(stamps))
    return None


_FIGURE_WORDS = ("率", "时长", "人数", "金额", "额", "数", "量", "分", "比", "rate", "time", "amount", "count")


def looks_like_figure(header: str) -> bool:
    """A header that reads as a figure (率, 时长, 人数, 金额, 额, 数, …): unmapped, it gets a warning."""
    text = _normalise(header)
    return any(word in text for word in _FIGURE_WORDS)


def _info_for(header: str, name: str) -> HeaderInfo:
    """The header's units read for a field the user or a profile chose."""
    auto = analyse_header(header)
    spec = FIELDS[name]
    if auto.field and FIELDS[auto.field].kind == spec.kind:
        return HeaderInfo(name, auto.factor, auto.percent)
    return HeaderInfo(name, 1.0, "%" in header and spec.kind == RATE)


def _preview_from_grid(
    filename: str,
    grid: list[list[str]],
    report: Callable[[float, str], None] = lambda fraction, stage: None,
    *,
    profile: str | None = None,
    overrides: Mapping[str, str | None] | None = None,
    day: dt.date | None = None,
    template_lookup: Callable[[list[str]], dict | None] | None = None,
) -> SummaryPreview:

    if all(_blank(row) for row in grid):
        return SummaryPreview(filename, [], _empty_rows(), [SummaryError(None, None, "empty_file")])
    header_index = _find_header(grid)
    headers = [cell.strip().translate(_INVISIBLE) for cell in grid[header_index]]
    width = len(headers)
    written = [h for h in headers if h]

    # The layout: a saved template, else the profile chosen or detected, else the general table.
    template = template_lookup(written) if template_lookup else None
    profile_source = "none"
    chosen: profiles.Profile | None = None
    if profile not in (None, "", "auto"):
        chosen = profiles.BY_KEY.get(str(profile))
        profile_source = "chosen" if chosen else "none"
    elif template and template.get("options", {}).get("profile"):
        chosen = profiles.BY_KEY.get(template["options"]["profile"])
        profile_source = "template" if chosen else "none"
    if chosen is None and profile in (None, "", "auto") and profile_source == "none":
        chosen = profiles.detect(written, filename)
        profile_source = "detected" if chosen else "none"
    user_map: dict[str, str | None] = {}
    if template:
        user_map.update(template.get("mapping", {}))
    if overrides:
        user_map.update(overrides)
    profile_aliases = {profiles.header_key(k): v for k, v in (chosen.aliases if chosen else {}).items()}

    file_errors: list[SummaryError] = []
    mapping: list[tuple[str, str | None]] = []
    sources: dict[str, str] = {}
    infos: list[tuple[int, str, HeaderInfo]] = []
    for position, header in enumerate(headers):
        if not header:
            continue
        if header in user_map and (user_map[header] is None or user_map[header] in FIELDS):
            name = user_map[header]
            source = ("user" if overrides and header in overrides else "template") if name else "unused"
            info = _info_for(header, name) if name else HeaderInfo(None)
        elif profiles.header_key(header) in profile_aliases:
            name = profile_aliases[profiles.header_key(header)]
            info, source = (_info_for(header, name), "profile") if name else (HeaderInfo(None), "unused")
        else:
            info = analyse_header(header)
            source = "alias" if info.field else "unused"
        infos.append((position, header, info))
        sources[header] = source

    # One agent column: the profile's preferred one, else the first; the others are display names.
    agent_like = [(p, h) for p, h, i in infos if i.field == "agent"]
    if len(agent_like) > 1:
        order = [profiles.header_key(h) for h in (chosen.agent_headers if chosen else ())]
        rank = lambda ph: order.index(profiles.header_key(ph[1])) if profiles.header_key(ph[1]) in order else len(order)  # noqa: E731
        keep = min(agent_like, key=lambda ph: (rank(ph), ph[0]))
        infos = [
            (p, h, HeaderInfo("agent_name") if i.field == "agent" and (p, h) != keep and sources[h] != "user" else i)
            for p, h, i in infos
        ]
    if not any(i.field == "agent" for _, _, i in infos):
        names = [(p, h) for p, h, i in infos if i.field == "agent_name"]
        if names:  # a display name is the agent when the file has no account column
            infos = [(p, h, HeaderInfo("agent") if (p, h) == names[0] else i) for p, h, i in infos]

    columns: dict[str, tuple[int, str, HeaderInfo]] = {}  # field → (position, header, info)
    for position, header, info in infos:
        mapping.append((header, info.field))
        if info.field is None:
            continue
        if info.field in columns:
            other = columns[info.field][1]
            file_errors.append(SummaryError(None, header, "duplicate_column", {"field": info.field, "other": other}))
        else:
            columns[info.field] = (position, header, info)
    unused_figures = [
        h
        for h, name in mapping
        if name is None and sources.get(h) == "unused" and looks_like_figure(h) and h not in user_map
    ]

    # The day: a date column, else the file name, else a banner row above the header, else the user.
    shop_level = bool(chosen and chosen.shop_level) or (
        "agent" not in columns
        and _shop_level_grid(grid, header_index, columns["date"][0] if "date" in columns else None)
    )
    day_source: str | None = "column" if "date" in columns else None
    day_range: tuple[dt.date, dt.date] | None = None
    the_day: dt.date | None = None
    if day_source is None:
        for source, text in (("filename", filename), ("banner", " ".join(" ".join(r) for r in grid[:header_index]))):
            found = days_in_text(text) if text.strip() else None
            if found:
                day_source, day_range = source, found
                break
        if day_range and day_range[0] != day_range[1]:
            file_errors.append(
                SummaryError(
                    None, None, "range_file", {"start": day_range[0].isoformat(), "end": day_range[1].isoformat()}
                )
            )
        elif day_range:
            the_day = day_range[0]
        elif day is not None:
            day_source, the_day = "user", day
        else:
            file_errors.append(SummaryError(None, None, "missing_day"))
    if "agent" not in columns and not shop_level:
        file_errors.append(SummaryError(None, None, "missing_column", {"field": "agent"}))
    if not any(FIELDS[name].kind not in (DATE, TEXT) for name in columns):
        file_errors.append(SummaryError(None, None, "no_metric_column"))
    base = dict(
        header_row=header_index + 1,
        sources=sources,
        profile=chosen.key if chosen else None,
        profile_source=profile_source,
        template=template,
        day=the_day,
        day_source=day_source,
        day_range=day_range,
        unused_figures=unused_figures,
        headers=written,
    )
    if (
        ("agent" not in columns and not shop_level)
        or (day_source is None)
        or (day_range and day_range[0] != day_range[1])
    ):
        # Without an agent or a day no row can be used: one clear error, not one per row.
        return SummaryPreview(filename, mapping, _empty_rows(), file_errors, **base)

    # Data rows: numbered as a spreadsheet shows them, blank ones dropped, padded to the header.
    cell_errors: list[tuple[int, int, SummaryError]] = []  # (row, position, error) for sorting
    numbers: list[int] = []
    body: list[list[str]] = []
    for index in range(header_index + 1, len(grid)):
        row = grid[index]
        if len(row) > width:
            extra = sum(1 for cell in row[width:] if cell.strip())
            if extra:
                cell_errors.append((index + 1, width, SummaryError(index + 1, None, "extra_cells", {"count": extra})))
            row = row[:width]
        if _blank(row):
            continue
        if len(row) < width:
            row = row + [""] * (width - len(row))
        numbers.append(index + 1)
        body.append(row)
    if not body:
        file_errors.append(SummaryError(None, None, "no_data_rows"))
        return SummaryPreview(filename, mapping, _empty_rows(), file_errors, **base)

    # Each column is parsed once per distinct text (exports repeat dates, names, durations and
    # rates a lot), then spread back to the rows by position.
    cells = list(zip(*body))
    distinct: dict[str, pd.Series] = {}
    positions: dict[str, np.ndarray] = {}
    for name, (position, _, _) in columns.items():
        codes, uniques = pd.factorize(np.asarray(cells[position], dtype=object))
        positions[name] = codes
        distinct[name] = _clean(pd.Series(uniques, dtype="str"))

    # Summary and benchmark rows (汇总值, 全店平均值, 同行同层优秀, … in any text cell; a totals row
    # whose agent cell is empty) are not agents: skipped and listed; benchmarks kept.
    kinds = np.full(len(body), "", dtype=object)
    labels = np.full(len(body), "", dtype=object)
    for position in range(width):
        codes, uniques = pd.factorize(np.asarray(cells[position], dtype=object))
        marks = [profiles.row_label_kind(u) if isinstance(u, str) and len(u) <= 20 else None for u in uniques]
        if not any(marks):
            continue
        for i, code in enumerate(codes):
            if code >= 0 and marks[code] and not kinds[i]:
                kinds[i], labels[i] = marks[code], str(uniques[code]).strip()
    if "agent" in columns:
        agent_text = distinct["agent"].to_numpy()[positions["agent"]]
        empty_agent = (agent_text == "") | pd.Series(agent_text).str.lower().isin(["-", "--", "nan", "—"]).to_numpy()
        for i in np.flatnonzero(empty_agent & (kinds == "")):
            kinds[i], labels[i] = "empty_agent", ""
    skip = kinds != ""
    skipped = [(n, str(label), str(kind)) for n, kind, label, s_ in zip(numbers, kinds, labels, skip) if s_]
    skipped_rows = [n for n, _, _ in skipped]
    all_index = pd.Index(numbers, dtype="int64", name="row")
    index = all_index[~skip]
    if index.empty:
        file_errors.append(SummaryError(None, None, "no_data_rows"))

    out: dict[str, pd.Series] = {}
    bench_out: dict[str, pd.Series] = {}
    is_bench = kinds == "benchmark"
    pending: dict[int, list[str]] = {}
    for done, (name, (position, header, info)) in enumerate(columns.items()):
        report(0.5 + 0.5 * done / len(columns), "validate")
        at = positions[name][~skip]
        values, codes = _parse_column(distinct[name], FIELDS[name], info)
        if name == "agent":
            out["agent_key"] = _agent_key(values).take(at).set_axis(index)
        out[name] = values.take(at).set_axis(index)
        if is_bench.any() and FIELDS[name].kind not in (DATE, TEXT):
            ok_values = values.where(codes.isna())
            bench_out[name] = ok_values.take(positions[name][is_bench]).set_axis(pd.Index(labels[is_bench]))
        code_of, text_of = codes.to_numpy(), distinct[name].to_numpy()
        pend = (codes == "pending").to_numpy()
        if pend.any():
            for row, i in zip(index.tolist(), at.tolist()):
                if pend[i]:
                    pending.setdefault(row, []).append(name)
        bad_distinct = (codes.notna() & (codes != "pending")).to_numpy()
        if bad_distinct.any():
            bad = bad_distinct[at]
            for row, i in zip(index[bad].tolist(), at[bad]):
                error = SummaryError(row, header, code_of[i], {"value": _shorten(text_of[i])})
                cell_errors.append((row, position, error))
    if day_source != "column":
        out["date"] = pd.Series([the_day] * len(index), index=index, dtype=object)
    if shop_level and "agent" not in out:
        out["agent"] = pd.Series(["店铺"] * len(index), index=index, dtype=object)
        out["agent_key"] = out["agent"]
    if "date" in out and "agent" in out:
        agent_column = columns["agent"][:2] if "agent" in columns else (0, "")
        cell_errors.extend(_duplicate_rows(out["date"], out["agent_key"], agent_column))

    ordered = {name: out[name] for name in FIELDS if name in out}
    rows = pd.DataFrame(ordered, index=index)
    benchmarks = pd.DataFrame(bench_out)
    benchmarks = benchmarks[~benchmarks.index.duplicated(keep="first")] if len(benchmarks) else benchmarks
    cell_errors.sort(key=lambda item: (item[0], item[1]))
    return SummaryPreview(
        filename,
        mapping,
        rows,
        file_errors + [err for _, _, err in cell_errors],
        skipped_rows=skipped_rows,
        skipped=skipped,
        benchmarks=benchmarks,
        pending=pending,
        **base,
    )


def _shop_level_grid(grid: list[list[str]], header_index: int, date_position: int | None) -> bool:
    """A file with no agent column is the shop's when its data is one row (Kuaishou's 店铺数据) or
    one row per date (a shop's daily series); otherwise its agent column is missing."""
    data_rows = [r for r in grid[header_index + 1 :] if not _blank(r)]
    if len(data_rows) == 1:
        return True
    if date_position is None:
        return False
    dates = [
        r[date_position].strip() if date_position < len(r) else ""
        for r in data_rows
        if not any(row_label_kind(c) for c in r if isinstance(c, str))
    ]
    return bool(dates) and len(set(dates)) == len(dates)


def _shorten(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _clean(series: pd.Series) -> pd.Series:
    """Cell text as the user meant it: trimmed, Excel's ="..." text wrapper and our own export's
    formula escape removed."""
    series = series.str.strip()
    wrapped = series.str.startswith('="') & series.str.endswith('"')
    if wrapped.any():
        series = series.where(~wrapped, series.str.slice(2, -1).str.strip())
    escaped = series.str.startswith("'") & series.str.slice(1, 2).isin(list(FORMULA_PREFIXES))
    if escaped.any():
        series = series.where(~escaped, series[escaped].map(unescape_cell))
    return series


def _agent_key(agent: pd.Series) -> pd.Series:
    return agent.str.replace(r"^.*[:：]", "", regex=True).str.strip()


def _duplicate_rows(
    dates: pd.Series, keys: pd.Series, agent_column: tuple[int, str]
) -> list[tuple[int, int, SummaryError]]:
    position, header = agent_column
    valid = dates.notna() & keys.notna() & (keys != "")
    frame = pd.DataFrame({"date": dates[valid], "key": keys[valid], "row": dates.index[valid.to_numpy()]})
    later = frame.duplicated(["date", "key"], keep="first")
    if not later.any():
        return []
    first = frame.groupby(["date", "key"], sort=False)["row"].transform("min")
    return [
        (int(row), position, SummaryError(int(row), header, "duplicate_row", {"first_row": int(first_row)}))
        for row, first_row in zip(frame["row"][later], first[later])
    ]


# ---------------------------------------------------------------------------------------------
# Values: each parser takes cleaned text and returns (values, error codes or NaN)


def _parse_column(series: pd.Series, spec: FieldSpec, info: HeaderInfo) -> tuple[pd.Series, pd.Series]:
    if spec.kind == TEXT:
        missing = series == ""
        return series.where(~missing), _codes(series.index, (missing, "missing_value"))
    text = series.str.normalize("NFKC")
    missing = text.str.lower().isin(_MISSING_TOKENS)
    pending = text.str.replace(" ", "", regex=False).isin(PENDING_TOKENS)
    if pending.any() and spec.kind != DATE:
        values, codes = _parse_column(series.where(~pending, ""), spec, info)
        return values, codes.mask(pending.to_numpy(), "pending")
    if spec.kind == DATE:
        values, bad = _parse_dates(text)
        return values, _codes(series.index, (missing, "missing_value"), (bad & ~missing, "bad_date"))
    parse = {
        COUNT: _parse_count,
        RATE: _parse_rate,
        DURATION: _parse_duration,
        MONEY: _parse_money,
        NUMBER: _parse_number,
    }
    return parse[spec.kind](text, missing, spec, info)


def _codes(index: pd.Index, *rules: tuple[pd.Series, str]) -> pd.Series:
    """Error code per cell: the first rule whose mask is true, else NaN."""
    codes = pd.Series(np.nan, index=index, dtype=object)
    for mask, code in reversed(rules):
        codes = codes.mask(mask.to_numpy(), code)
    return codes


def _to_number(text: pd.Series) -> pd.Series:
    return pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce").astype("float64")


def _number_checks(num: pd.Series, missing: pd.Series, spec: FieldSpec, bad_code: str = "not_a_number") -> list:
    present = ~missing
    finite = pd.Series(np.isfinite(num.to_numpy()), index=num.index)
    rules = [
        (present & num.isna(), bad_code),
        (present & num.notna() & (~finite | (num.abs() > MAX_ABS_NUMBER)), "out_of_range"),
    ]
    if not spec.allow_negative:
        rules.append((present & (num < 0), "negative"))
    return rules


def _finish(num: pd.Series, codes: pd.Series) -> pd.Series:
    return num.where(codes.isna())


def _parse_count(text, missing, spec, info):
    num = _to_number(text.str.replace(r"[人个次件单]$", "", regex=True))
    rules = _number_checks(num, missing, spec)
    rules.append((~missing & num.notna() & (num % 1 != 0), "not_an_integer"))
    codes = _codes(text.index, *rules)
    return _finish(num, codes).round().astype("Int64"), codes


def _parse_number(text, missing, spec, info):
    num = _to_number(text) * info.factor
    codes = _codes(text.index, *_number_checks(num, missing, spec))
    return _finish(num, codes), codes


def _parse_money(text, missing, spec, info):
    text = text.str.replace(r"[¥￥$]|元$|^(?:rmb|cny)|(?:rmb|cny)$", "", regex=True, case=False)
    wan = text.str.endswith("万")
    num = _to_number(text.str.removesuffix("万")) * np.where(wan, 10_000, info.factor)
    codes = _codes(text.index, *_number_checks(num, missing, spec))
    return _finish(num, codes).round(2), codes


def _parse_rate(text, missing, spec, info):
    compact = text.str.replace(" ", "", regex=False)
    has_percent = compact.str.endswith("%")
    num = _to_number(compact.str.removesuffix("%"))
    bare = ~has_percent & num.notna()
    points = info.percent or bool((bare & (num > 1)).any())
    fraction = num.where(~(has_percent | (bare & points)), num / 100)
    rules = _number_checks(fraction, missing, spec)
    rules.append((~missing & (fraction > 1 + 1e-9), "rate_over_100"))
    codes = _codes(text.index, *rules)
    return _finish(fraction, codes).round(10), codes


_N = r"(\d+(?:\.\d+)?)"
_DURATION_TEXT = re.compile(
    rf"^(?:{_N}\s*(?:天|d|days?)\s*)?"
    rf"(?:{_N}\s*(?:小时|时|h|hrs?|hours?)\s*)?"
    rf"(?:{_N}\s*(?:分钟|分|minutes?|mins?|m)\s*)?"
    rf"(?:{_N}\s*(?:秒钟|秒|seconds?|secs?|s)?)?$"
)
_DURATION_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$")


def parse_duration_text(value: str) -> float | None:
    """Seconds in a duration written as text ("1分20秒" → 80, "00:01:20" → 80), or None."""
    return _duration_seconds(unicodedata.normalize("NFKC", value).strip().lower())


def _duration_seconds(text: str) -> float | None:
    """`parse_duration_text` of text already normalised, trimmed and in lower case."""
    match = _DURATION_TEXT.match(text)
    if match and any(match.groups()):
        days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
        return days * 86_400 + hours * 3600 + minutes * 60 + seconds
    match = _DURATION_CLOCK.match(text)
    if match:
        hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
        if seconds < 60 and (match.group(1) is None or minutes < 60):
            return hours * 3600 + minutes * 60 + seconds
    return None


def _parse_duration(text, missing, spec, info):
    num = _to_number(text) * info.factor
    words = ~missing & num.isna()
    if words.any():  # per-cell Python, but only once per distinct text (see _preview_from_grid)
        worded = text[words].str.lower()
        seconds = pd.Series([_duration_seconds(t) for t in worded], index=worded.index, dtype="float64")
        num = num.where(~words, seconds)
    codes = _codes(text.index, *_number_checks(num, missing, spec, "bad_duration"))
    return _finish(num, codes).round(3), codes


_DATE_YMD = r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
_DATE_COMPACT = r"^(\d{4})(\d{2})(\d{2})$"
_EXCEL_SERIAL = r"^(\d{5})(?:\.\d+)?$"
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def _parse_dates(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(datetime.date or None per cell, mask of cells that are not a date)."""
    lower = text.str.lower()
    parts = lower.str.extract(_DATE_YMD)
    compact = lower.str.extract(_DATE_COMPACT)
    parts = parts.fillna(compact)
    ymd = parts.apply(pd.to_numeric, errors="coerce")
    ymd.columns = ["year", "month", "day"]
    ymd = ymd.where((ymd["year"] >= 1900) & (ymd["year"] <= 2200))
    stamps = (
        pd.to_datetime(ymd, errors="coerce") if ymd.notna().all(axis=1).any() else pd.Series(pd.NaT, index=text.index)
    )
    serial = pd.to_numeric(lower.str.extract(_EXCEL_SERIAL)[0], errors="coerce")
    serial = serial.where((serial >= 20_000) & (serial <= 80_000))
    if serial.notna().any():
        stamps = stamps.fillna(_EXCEL_EPOCH + pd.to_timedelta(serial, unit="D"))
    bad = stamps.isna()
    values = pd.Series(stamps.dt.date.to_numpy(dtype=object), index=text.index, dtype=object).where(~bad, None)
    return values, bad
