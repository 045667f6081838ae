"""Import of the platforms' daily per-agent summary exports (Excel or CSV).

Shops that give no raw chat logs give the summaries their backends export: one row per
(date, agent) with the platform's own figures. Header wording, order and units vary by platform
and month, so headers are matched against an alias table (`HEADER_ALIASES`, plain data: add a
wording there and it maps) and values are parsed by the kind of their field.

`read_summary(data, filename)` never raises for bad input: it returns a `SummaryPreview` with the
header mapping, the parsed rows and every problem found (`SummaryError`, a code plus params;
`format_error(err, "zh" | "en")` renders it). The caller saves nothing unless `preview.ok`.

Rules, each tested in tests/core/test_summary_import.py:

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

from core.excel import FORMULA_PREFIXES, unescape_cell

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
)

# Header wordings seen in (or expected of) platform exports. Keys are canonical fields; the field
# name and its labels match too. Compared after normalisation (see module docstring), so list
# wordings, not spacing, punctuation or case variants.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("日期", "统计日期", "数据日期", "业务日期", "报表日期", "时间", "day", "stat date", "report date"),
    "agent": (
        "客服", "客服账号", "客服昵称", "客服名称", "客服名", "客服姓名", "客服子账号", "子账号", "子账号名称",
        "客服旺旺", "旺旺", "账号", "昵称", "客服人员", "agent name", "agent account", "staff", "cs agent",
        "sub account", "account", "nickname",
    ),
    "consultations": ("咨询人数", "咨询量", "咨询客户数", "咨询买家数", "咨询用户数", "consultation", "consults", "buyers consulted"),
    "receptions": ("接待人数", "人工接待人数", "接待客户数", "接待买家数", "接待量", "receptions", "buyers received", "received buyers"),
    "inquiries": ("询单人数", "询单客户数", "询单买家数", "询单量", "inquiry", "enquiries", "inquiry buyers"),
    "ordered_buyers": ("下单人数", "询单下单人数", "下单买家数", "下单客户数", "ordered buyers", "buyers ordered"),
    "converted": (
        "成交人数", "询单成交人数", "最终成团人数", "成团人数", "支付人数", "询单支付人数", "付款人数", "询单付款人数",
        "支付买家数", "成交客户数", "buyers paid", "paid buyers", "converted buyers", "conversions",
    ),
    "sessions": ("会话数", "接待会话数", "会话量", "session count", "conversations", "chats"),
    "response_30s_rate": (
        "30秒应答率", "30秒回复率", "30秒响应率", "30秒内应答率", "30秒内回复率", "30秒人工应答率", "30秒人工回复率",
        "30s response rate", "30 second response rate", "30 sec response rate", "response rate 30s", "30s reply rate",
    ),
    "response_1min_rate": (
        "1分钟应答率", "1分钟回复率", "1分钟响应率", "1分钟内回复率", "60秒应答率", "60秒回复率",
        "1min response rate", "1 minute response rate", "60s response rate", "1min reply rate",
    ),
    "response_3min_rate": (
        "3分钟应答率", "3分钟回复率", "3分钟响应率", "3分钟内回复率", "3分钟人工回复率", "180秒回复率",
        "3min response rate", "3 minute response rate", "3min reply rate", "180s response rate",
    ),
    "avg_response_s": (
        "平均响应时长", "平均人工响应时长", "平均响应时间", "平均人工响应时间", "平响时长", "平响", "平均回复时长",
        "平均回复时间", "平均应答时长", "avg response time", "average response time", "mean response time",
        "avg response", "avg reply time",
    ),
    "first_response_s": (
        "首次响应时长", "首响时长", "首次响应时间", "首响时间", "首响", "平均首次响应时长", "平均首响时长",
        "平均首次响应时间", "首次人工响应时长", "first response", "avg first response time", "average first response time",
    ),
    "effective_reply_rate": ("有效回复率", "回复率", "有效应答率", "reply rate", "effective response rate", "valid reply rate"),
    "conversion_rate": (
        "询单转化率", "转化率", "询单成交转化率", "询单到成交转化率", "询单支付转化率", "咨询转化率", "成交转化率",
        "inquiry conversion rate", "cvr",
    ),
    "sales": (
        "询单销售额", "销售额", "成交金额", "询单成交金额", "询单支付额", "询单支付金额", "客服询单支付额",
        "客服销售额", "支付金额", "成交额", "sales amount", "inquiry sales", "revenue", "gmv", "paid amount",
    ),
    "sales_after_refund": ("退款后销售额", "扣除退款后销售额", "净销售额", "sales after refund", "net sales"),
    "aov": ("客单价", "询单客单价", "average order value", "avg order value", "atv"),
    "items": ("销售件数", "成交件数", "支付件数", "件数", "items", "items sold", "units sold"),
    "items_per_buyer": ("客件数", "items per buyer", "units per buyer", "upt"),
    "satisfaction": ("满意度", "满意率", "客户满意度", "买家满意度", "satisfaction rate", "csat"),
    "complaints": ("投诉数", "投诉次数", "投诉量", "投诉单数", "complaint count"),
    "complaint_rate": ("投诉率", "complaint rate"),
}

DIMENSIONS: dict[str, tuple[str, str]] = {"person": ("人维度", "per person"), "session": ("会话维度", "per session")}

# Bracketed or inline words that mark a dimension (compared normalised).
_DIMENSION_MARKERS = {
    "人维度": "person", "按人": "person", "person": "person", "perperson": "person", "byperson": "person",
    "perbuyer": "person", "会话维度": "session", "按会话": "session", "会话": "session", "session": "session",
    "persession": "session", "bysession": "session", "conversation": "session", "perconversation": "session",
}
# Tried inside an unknown header, longest first, when the whole header is not an alias.
_INLINE_DIMENSION_MARKERS = sorted(_DIMENSION_MARKERS, key=len, reverse=True)
_NOISE_PREFIXES = ("全天", "全日", "当日", "当天", "今日", "每日")

# Units: normalised word → (kind it applies to, factor to the stored unit).
_UNITS: dict[str, tuple[str, float]] = {
    "秒": (DURATION, 1), "秒钟": (DURATION, 1), "s": (DURATION, 1), "sec": (DURATION, 1), "secs": (DURATION, 1),
    "second": (DURATION, 1), "seconds": (DURATION, 1), "分钟": (DURATION, 60), "分": (DURATION, 60),
    "min": (DURATION, 60), "mins": (DURATION, 60), "minute": (DURATION, 60), "minutes": (DURATION, 60),
    "小时": (DURATION, 3600), "h": (DURATION, 3600), "hr": (DURATION, 3600), "hour": (DURATION, 3600),
    "hours": (DURATION, 3600), "毫秒": (DURATION, 0.001), "ms": (DURATION, 0.001),
    "元": (MONEY, 1), "yuan": (MONEY, 1), "cny": (MONEY, 1), "rmb": (MONEY, 1), "万元": (MONEY, 10_000),
    "万": (MONEY, 10_000), "人": (COUNT, 1), "个": (COUNT, 1), "次": (COUNT, 1), "件": (COUNT, 1), "单": (COUNT, 1),
}
# A unit written after the name without brackets ("客单价元", "avg response time sec").
_SUFFIX_UNITS = sorted((u for u in _UNITS if len(u) > 1 or not u.isascii()), key=len, reverse=True)

_TOTAL_MARKERS = {"合计", "总计", "汇总", "总和", "小计", "平均", "平均值", "均值", "total", "totals", "sum", "average", "avg"}
_MISSING_TOKENS = ["", "-", "--", "---", "—", "——", "/", "n/a", "na", "null", "none", "nan", "无", "暂无", "#n/a", "#div/0!"]


def _with_dimensions(base: tuple[FieldSpec, ...]) -> dict[str, FieldSpec]:
    fields: dict[str, FieldSpec] = {}
    for spec in base:
        fields[spec.name] = spec
        if spec.name == "agent":
            fields["agent_key"] = FieldSpec("agent_key", TEXT, "客服(去店铺前缀)", "agent (without shop prefix)")
        if spec.kind in (DATE, TEXT):
            continue
        for dim, (zh, en) in DIMENSIONS.items():
            name = f"{spec.name}_{dim}"
            fields[name] = FieldSpec(name, spec.kind, f"{spec.zh}({zh})", f"{spec.en} ({en})", spec.allow_negative)
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
    "file_too_large": ("文件过大（{size:,} 字节，上限 {limit:,} 字节）", "file too large ({size:,} bytes, limit {limit:,})"),
    "empty_file": ("文件为空", "the file is empty"),
    "legacy_xls": ("不支持旧版 .xls 文件，请另存为 .xlsx 或 CSV", "legacy .xls files are not supported; save as .xlsx or CSV"),
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
    unknown). `rows` has the canonical columns found, in `FIELDS` order (`agent_key` follows
    `agent`), indexed by spreadsheet row number (index name "row"); a cell that failed to parse
    is missing there and has its error in `errors`. Counts are Int64, other metrics float64
    (rates as fractions, durations in seconds, money in yuan), dates `datetime.date`.
    """

    filename: str
    mapping: list[tuple[str, str | None]]
    rows: pd.DataFrame
    errors: list[SummaryError]
    header_row: int | None = None
    skipped_rows: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True only when nothing is wrong; the caller saves nothing otherwise."""
        return not self.errors

    @property
    def unmapped_headers(self) -> list[str]:
        return [header for header, name in self.mapping if name is None]


class _FileRefused(Exception):
    """Internal: the file as a whole cannot be read; carries the file-level error."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.error = SummaryError(None, None, code, params)


def read_summary(
    data: bytes, filename: str, *, max_bytes: int = MAX_BYTES, progress: Callable[[float, str], None] | None = None
) -> SummaryPreview:
    """Read a daily per-agent summary export (CSV or XLSX) into a preview. Never raises for bad
    input: every problem is in `preview.errors`. `progress(fraction, stage)` hears "read" (the
    file into cells, the first half) and "validate" (after each column)."""
    report = progress or (lambda fraction, stage: None)
    report(0.0, "read")
    try:
        grid = _read_grid(data, filename, max_bytes)
    except _FileRefused as refused:
        report(1.0, "done")
        return SummaryPreview(filename, [], _empty_rows(), [refused.error])
    report(0.5, "validate")
    preview = _preview_from_grid(filename, grid, report)
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
            key = _key(alias)
            if index.setdefault(key, spec.name) != spec.name:
                raise ValueError(f"header alias {alias!r} given for both {index[key]} and {spec.name}")
    return index


_ALIAS_INDEX = _build_alias_index()


def _lookup(key: str) -> tuple[str | None, str | None]:
    """(base field, unit word written after the name) for a normalised header without brackets."""
    for prefix in _NOISE_PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            key = key[len(prefix):]
            break
    if key in _ALIAS_INDEX:
        return _ALIAS_INDEX[key], None
    for unit in _SUFFIX_UNITS:
        if key.endswith(unit) and key[: -len(unit)] in _ALIAS_INDEX:
            return _ALIAS_INDEX[key[: -len(unit)]], unit
    return None, None


def analyse_header(header: str) -> HeaderInfo:
    """The canonical field of a header and the unit its bare numbers are in."""
    text = _normalise(header)
    dims: set[str] = set()
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
            if key == "人":
                bare_person = True
            elif key in _DIMENSION_MARKERS:
                dims.add(_DIMENSION_MARKERS[key])
            elif key in _UNITS:
                units.append(key)
            else:
                unknown.append(key)
    base_key = _key(_BRACKETS.sub(" ", text))
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
    if len(dims) > 1:
        return HeaderInfo(None)  # says both per person and per session: refuse to guess
    if dims:
        name = f"{name}_{dims.pop()}"
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
    return {i for i, xf in enumerate(cell_xfs.findall(f"{_MAIN_NS}xf")) if int(xf.get("numFmtId", "0")) in percent_formats}


def _sheet_path(archive: zipfile.ZipFile, sheet_name: str) -> str | None:
    """The zip member of the worksheet called `sheet_name` (workbook.xml → its relationships)."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rel_id = next((s.get(f"{_REL_NS}id") for s in workbook.iter(f"{_MAIN_NS}sheet") if s.get("name") == sheet_name), None)
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
        if len(fields) >= 2 and fields & set(REQUIRED_FIELDS):
            return i
    return candidates[0]


def _preview_from_grid(
    filename: str, grid: list[list[str]], report: Callable[[float, str], None] = lambda fraction, stage: None
) -> SummaryPreview:
    if all(_blank(row) for row in grid):
        return SummaryPreview(filename, [], _empty_rows(), [SummaryError(None, None, "empty_file")])
    header_index = _find_header(grid)
    headers = [cell.strip().translate(_INVISIBLE) for cell in grid[header_index]]
    width = len(headers)

    file_errors: list[SummaryError] = []
    mapping: list[tuple[str, str | None]] = []
    columns: dict[str, tuple[int, str, HeaderInfo]] = {}  # field → (position, header, info)
    for position, header in enumerate(headers):
        if not header:
            continue
        info = analyse_header(header)
        mapping.append((header, info.field))
        if info.field is None:
            continue
        if info.field in columns:
            other = columns[info.field][1]
            file_errors.append(SummaryError(None, header, "duplicate_column", {"field": info.field, "other": other}))
        else:
            columns[info.field] = (position, header, info)
    for name in REQUIRED_FIELDS:
        if name not in columns:
            file_errors.append(SummaryError(None, None, "missing_column", {"field": name}))
    if not any(FIELDS[name].kind not in (DATE, TEXT) for name in columns):
        file_errors.append(SummaryError(None, None, "no_metric_column"))
    if not all(name in columns for name in REQUIRED_FIELDS):
        # Without date and agent no row can be used: one clear error, not one per row.
        return SummaryPreview(filename, mapping, _empty_rows(), file_errors, header_index + 1)

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
        return SummaryPreview(filename, mapping, _empty_rows(), file_errors, header_index + 1)

    # Each column is parsed once per distinct text (exports repeat dates, names, durations and
    # rates a lot), then spread back to the rows by position.
    cells = list(zip(*body))
    distinct: dict[str, pd.Series] = {}
    positions: dict[str, np.ndarray] = {}
    for name, (position, _, _) in columns.items():
        codes, uniques = pd.factorize(np.asarray(cells[position], dtype=object))
        positions[name] = codes
        distinct[name] = _clean(pd.Series(uniques, dtype="str"))

    # Totals rows (合计 / Total in the date or agent column) are not data.
    skip = np.zeros(len(body), dtype=bool)
    for name in REQUIRED_FIELDS:
        if name in distinct:
            skip |= distinct[name].str.lower().isin(_TOTAL_MARKERS).to_numpy()[positions[name]]
    skipped_rows = [n for n, skipped in zip(numbers, skip) if skipped]
    index = pd.Index(numbers, dtype="int64", name="row")[~skip]
    if index.empty:
        file_errors.append(SummaryError(None, None, "no_data_rows"))

    out: dict[str, pd.Series] = {}
    for done, (name, (position, header, info)) in enumerate(columns.items()):
        report(0.5 + 0.5 * done / len(columns), "validate")
        at = positions[name][~skip]
        values, codes = _parse_column(distinct[name], FIELDS[name], info)
        if name == "agent":
            out["agent_key"] = _agent_key(values).take(at).set_axis(index)
        out[name] = values.take(at).set_axis(index)
        bad_distinct = codes.notna().to_numpy()
        if bad_distinct.any():
            bad = bad_distinct[at]
            code_of, text_of = codes.to_numpy(), distinct[name].to_numpy()
            for row, i in zip(index[bad].tolist(), at[bad]):
                error = SummaryError(row, header, code_of[i], {"value": _shorten(text_of[i])})
                cell_errors.append((row, position, error))
    if "date" in out and "agent" in out:
        cell_errors.extend(_duplicate_rows(out["date"], out["agent_key"], columns["agent"][:2]))

    ordered = {name: out[name] for name in FIELDS if name in out}
    rows = pd.DataFrame(ordered, index=index)
    cell_errors.sort(key=lambda item: (item[0], item[1]))
    return SummaryPreview(
        filename, mapping, rows, file_errors + [err for _, _, err in cell_errors], header_index + 1, skipped_rows
    )


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


def _duplicate_rows(dates: pd.Series, keys: pd.Series, agent_column: tuple[int, str]) -> list[tuple[int, int, SummaryError]]:
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
    if spec.kind == DATE:
        values, bad = _parse_dates(text)
        return values, _codes(series.index, (missing, "missing_value"), (bad & ~missing, "bad_date"))
    parse = {COUNT: _parse_count, RATE: _parse_rate, DURATION: _parse_duration, MONEY: _parse_money, NUMBER: _parse_number}
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
    stamps = pd.to_datetime(ymd, errors="coerce") if ymd.notna().all(axis=1).any() else pd.Series(pd.NaT, index=text.index)
    serial = pd.to_numeric(lower.str.extract(_EXCEL_SERIAL)[0], errors="coerce")
    serial = serial.where((serial >= 20_000) & (serial <= 80_000))
    if serial.notna().any():
        stamps = stamps.fillna(_EXCEL_EPOCH + pd.to_timedelta(serial, unit="D"))
    bad = stamps.isna()
    values = pd.Series(stamps.dt.date.to_numpy(dtype=object), index=text.index, dtype=object).where(~bad, None)
    return values, bad
