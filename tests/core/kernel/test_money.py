"""Money arithmetic with hand-computed figures: exact Decimals, rounding half up to the fen, pro-rating,
and the plain text of a calculation's figures."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.kernel import formatting, money


def test_money_rounds_half_up_to_the_fen_even_where_floats_would_not():
    assert money.money(Decimal("1866.665")) == Decimal("1866.67")
    assert money.money(2.675) == Decimal("2.68")  # binary 2.67499999… would round down
    assert money.money(Decimal("-0.005")) == Decimal("-0.01")
    assert (
        formatting.amount(Decimal("12345.6")) == "12,345.60"
    )  # one money formatter for pay and everything else (core.kernel.formatting)


def test_prorate_by_days_of_the_month():
    assert money.money(money.prorate(3500, 16, 30)) == Decimal("1866.67")
    assert money.money(money.prorate(3000, 10, 31)) == Decimal("967.74")


@pytest.mark.parametrize(
    "value,expected",
    [
        (Decimal("0.005"), "0.01"),  # half a fen goes up
        (Decimal("0.004"), "0.00"),
        (Decimal("0.015"), "0.02"),  # half up, not half even (banker's rounding would give 0.02 too)
        (Decimal("0.025"), "0.03"),  # half even would give 0.02
        ("1.005", "1.01"),
        (0.005, "0.01"),  # a float through its text: 0.005, not 0.005000000000000000104…
        (Decimal("-0.015"), "-0.02"),  # half away from zero for negatives
        (12, "12.00"),
    ],
)
def test_money_rounds_half_up_to_the_fen(value, expected):
    assert money.money(value) == Decimal(expected)
    assert str(money.money(value)) == expected


def test_dec_is_exact_and_refuses_what_is_not_a_number():
    assert money.dec(0.1) == Decimal("0.1")  # not 0.1000000000000000055…
    assert money.dec("3.50") == Decimal("3.50")
    assert money.dec(Decimal("7")) == Decimal(7)
    for bad in (None, True, False):
        with pytest.raises(TypeError):
            money.dec(bad)


def test_round_to_places_half_up():
    assert money.round_to(Decimal("83.335")) == Decimal("83.34")
    assert money.round_to(Decimal("83.3349")) == Decimal("83.33")
    assert money.round_to(Decimal("2.45"), 1) == Decimal("2.5")
    assert money.round_to(Decimal("2.5"), 0) == Decimal("3")


def test_prorate_is_not_rounded():
    assert money.prorate(3000, 10, 30) == Decimal(1000)
    assert money.prorate(100, 1, 3) == Decimal(100) / Decimal(3)  # 33.333…, rounded only where shown
    assert money.money(money.prorate(100, 1, 3)) == Decimal("33.33")


def test_calculation_text_of_rates_and_numbers():
    assert money.fmt_pct(Decimal("0.005")) == "0.50%"
    assert money.fmt_pct(Decimal("0.853"), 1) == "85.3%"
    assert money.fmt_pct(0.15, 0) == "15%"
    assert money.fmt_pct(Decimal("0.0012345")) == "0.12%"
    assert money.fmt_num(Decimal("83.335")) == "83.34"
    assert money.fmt_num(1234567, 0) == "1234567"  # no thousands separators: that is formatting's job
    assert money.FEN == Decimal("0.01") and money.ZERO == 0 and money.HUNDRED == 100
