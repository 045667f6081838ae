"""One way to write counts, money, ratios, rates and seconds (core/kernel/formatting.py), hand-checked."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from core.kernel import formatting as f


@pytest.mark.parametrize(
    "value, text",
    [
        (0, "0"),
        (57, "57"),
        (57.0, "57"),
        (120.0, "120"),
        (1234, "1,234"),
        (1234567, "1,234,567"),
        (0.5, "1"),
        (1.5, "2"),
        (2.5, "3"),
        (-3, "-3"),
        (-0.4, "0"),
        (Decimal("110.5"), "111"),
    ],
)
def test_a_count_is_whole_with_thousands_separators_half_up(value, text):
    assert f.count(value) == text


@pytest.mark.parametrize(
    "value, text",
    [
        (49876.33, "¥49,876.33"),
        (4044.32, "¥4,044.32"),
        (-20, "-¥20.00"),
        (Decimal("-20.00"), "-¥20.00"),
        (0, "¥0.00"),
        (-0.001, "¥0.00"),
        (1866.665, "¥1,866.67"),
        (2.675, "¥2.68"),
        (0.005, "¥0.01"),
        (-0.005, "-¥0.01"),
        ("1234567.891", "¥1,234,567.89"),
        (12345.6, "¥12,345.60"),
    ],
)
def test_money_is_to_the_fen_half_up_with_the_minus_before_the_yuan_sign(value, text):
    assert f.money(value) == text


def test_money_without_the_sign_is_for_calculations():
    assert f.money(-20, symbol=False) == "-20.00"
    assert f.money(Decimal("12345.6"), symbol=False) == "12,345.60"


@pytest.mark.parametrize("call", [f.count, f.money, f.ratio, f.percent, f.seconds])
@pytest.mark.parametrize("nothing", [None, float("nan"), pd.NA])
def test_nothing_is_a_dash_never_zero_or_none(call, nothing):
    assert call(nothing) == "—"


def test_ratios_rates_and_seconds_have_fixed_decimals():
    assert f.ratio(1.6062) == "1.61" and f.ratio(1.605) == "1.61" and f.ratio(2) == "2.00"
    assert f.ratio(110.5, 1) == "110.5" and f.ratio(1234.56, 1) == "1,234.6"
    assert f.percent(0.853) == "85.3%" and f.percent(0.2575) == "25.8%" and f.percent(0.00005, 2) == "0.01%"
    assert f.seconds(12.25) == "12.3 s"


def test_a_kpi_is_written_by_its_kind():
    assert f.kpi("consultations", 57.0) == "57"
    assert f.kpi("consultations", 110.5, mean=True) == "110.5"
    assert f.kpi("consultations", 120.0, mean=True) == "120"  # a whole mean (or a per-day target) has no ".0"
    assert f.kpi("converted", 57.0) == "57"
    assert f.kpi("items_per_buyer", 1.6062) == "1.61"
    assert f.kpi("conversion_rate", 0.258) == "25.8%"
    assert f.kpi("sales", -20) == "-¥20.00"
    assert f.kpi("avg_response_s", 30.84) == "30.8 s"
    assert f.kpi("satisfaction", None) == "—"
    assert f.kpi("mean_score", 96.333) == "96.3" and f.kpi("target", 90.0) == "90"


def test_a_kpi_for_a_spreadsheet_cell_is_a_number():
    assert f.kpi_number("converted", 57.0) == 57 and isinstance(f.kpi_number("converted", 57.0), int)
    assert f.kpi_number("sales", 4044.325) == 4044.33
    assert f.kpi_number("conversion_rate", 0.25807) == 0.2581
    assert f.kpi_number("consultations", 110.5, mean=True) == 110.5
    assert f.kpi_number("sales", None) is None


def test_money_is_written_by_the_one_formatter_only():
    """No page, widget or core module writes yuan by hand ("¥{x:,.2f}", "¥%.2f", a second yuan() or fmt_money)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    by_hand = re.compile(r"¥\{|\"¥%|fmt_money|def yuan\(")
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for folder in ("core", "ui", "app_pages")
        for path in sorted((root / folder).rglob("*.py"))
        if not path.name.startswith(("i18n", "text")) and path.name != "formatting.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if by_hand.search(line)
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("name", "gap", "text"),
    [
        ("conversion_rate", 0.296 - 0.28, "+1.6个百分点"),  # points, never "+1.6%" (that reads as relative)
        ("response_30s_rate", 0.645 - 0.80, "-15.5个百分点"),
        ("response_30s_rate", 0.00049, "+0.0个百分点"),
        ("first_response_s", 36.1 - 20.0, "+16.1 s"),
        ("avg_response_s", -0.04, "+0.0 s"),  # never "-0.0 s"
        ("consultations", -5, "-5"),
        ("aov", 57.905, "+¥57.91"),  # half up to the fen
        ("qa_score", 2.25, "+2.3"),  # half up, where :+.1f would give +2.2
        ("qa_score", -3.0, "-3"),
    ],
)
def test_a_gap_to_the_target_is_signed_and_a_rates_gap_is_in_points(name, gap, text):
    assert f.kpi_gap(name, gap, "个百分点") == text


def test_no_gap_is_no_delta():
    assert f.kpi_gap("conversion_rate", None, "个百分点") is None
    assert f.kpi_gap("aov", float("nan"), " pts") is None
