"""Problems found in a summary export: a code of `MESSAGES` with params, rendered in the user's language.

File-level errors have no row; cell errors name the row as a spreadsheet user sees it and the
header. `format_error` gives "第5行 30秒应答率: 超过100%：150%" or "Row 5, 30秒应答率: rate over 100%: 150%".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from core.kpi.summary_fields import FIELDS


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
        "文件名显示这是 {start} 至 {end} "
        "多天的合计数据，不能当作某一天保存。请在后台把开始和结束日期选成同一天，按天导出后逐个导入",
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
