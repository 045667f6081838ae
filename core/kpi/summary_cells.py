"""Cell values of the summary exports: each parser takes a column's cleaned text and returns
(values, error codes or NaN).

Rules, each tested in tests/core/kpi/test_summary_import.py:

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
Empty cells
    "", "-", "--", "/", "N/A", "null", "无", "#DIV/0!" are missing values (NaN / <NA>); only
    date and agent must be present.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from core.kpi.summary_fields import COUNT, DATE, DURATION, MONEY, NUMBER, RATE, TEXT, FieldSpec
from core.kpi.summary_headers import HeaderInfo

MAX_ABS_NUMBER = 1e15


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


def parse_column(series: pd.Series, spec: FieldSpec, info: HeaderInfo) -> tuple[pd.Series, pd.Series]:
    if spec.kind == TEXT:
        missing = series == ""
        return series.where(~missing), _codes(series.index, (missing, "missing_value"))
    text = series.str.normalize("NFKC")
    missing = text.str.lower().isin(_MISSING_TOKENS)
    pending = text.str.replace(" ", "", regex=False).isin(PENDING_TOKENS)
    if pending.any() and spec.kind != DATE:
        values, codes = parse_column(series.where(~pending, ""), spec, info)
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
