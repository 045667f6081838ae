"""Tests of core/kpi/engine.py against /work/shared/spec/kpi.md.

Hand-computed cases, one rule per test, plus a slow, obviously-correct reference
implementation (plain Python loops over the spec's wording) compared with the
engine on the samples and on hypothesis-generated data sets, both units.

Cases where the spec is ambiguous are marked ``AMBIGUOUS:`` with the reading taken.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[3]
try:  # the project root is normally on sys.path already (conftest / running from the root)
    import core.kpi.engine  # noqa: F401
except ImportError:  # pragma: no cover
    sys.path.insert(0, str(ROOT))

from core.kpi import engine as kpi  # noqa: E402
from core.kpi.engine import KpiInputError, KpiSettings, agent_daily, shop_daily  # noqa: E402
from tests.conftest import SAMPLES  # noqa: E402

D1 = "2026-10-01"
D2 = "2026-10-02"
D3 = "2026-10-03"
NAN = float("nan")


# --------------------------------------------------------------------------- helpers


def M(*rows) -> pd.DataFrame:
    """Messages from (time, buyer, agent, sender) tuples."""
    return pd.DataFrame(list(rows), columns=["time", "buyer", "agent", "sender"])


def O(*rows) -> pd.DataFrame:  # noqa: E743 - M and O read as messages and orders
    """Orders from (order_id, buyer, created_at, paid_at, amount, items, status) tuples."""
    return pd.DataFrame(list(rows), columns=kpi.ORDER_COLUMNS)


def one(df: pd.DataFrame, **where) -> dict:
    sel = df
    for k, v in where.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, f"expected one row for {where}, got {len(sel)}:\n{df}"
    return sel.iloc[0].to_dict()


def isnan(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def chat(buyer="b1", agent="A", day=D1, *events):
    """Rows of one chat from (HH:MM:SS, sender) events."""
    return [(f"{day} {hms}", buyer, agent, sender) for hms, sender in events]


# --------------------------------------------------------------------------- window edges


def test_wait_starting_at_07_59_59_is_outside_the_window():
    r = one(agent_daily(M(*chat("b1", "A", D1, ("07:59:59", "buyer"), ("08:00:05", "agent")))))
    assert r["consultations"] == 1
    assert r["waits"] == 0 and r["fast_replies"] == 0
    assert isnan(r["response_30s_rate"]) and isnan(r["avg_response_s"]) and isnan(r["first_response_s"])
    assert r["effective_reply_rate"] == 1.0


def test_wait_starting_at_08_00_00_is_inside_the_window():
    r = one(agent_daily(M(*chat("b1", "A", D1, ("08:00:00", "buyer"), ("08:00:10", "agent")))))
    assert (r["waits"], r["fast_replies"], r["response_30s_rate"]) == (1, 1, 1.0)
    assert r["avg_response_s"] == 10.0 and r["first_response_s"] == 10.0


def test_wait_starting_at_22_59_59_is_inside_the_window_even_if_answered_after_23_00():
    # AMBIGUOUS: only the wait's start is compared with the window; the reply may fall after it.
    r = one(agent_daily(M(*chat("b1", "A", D1, ("22:59:59", "buyer"), ("23:00:30", "agent")))))
    assert (r["waits"], r["fast_replies"]) == (1, 0)
    assert r["avg_response_s"] == 31.0 and r["first_response_s"] == 31.0


def test_wait_starting_at_23_00_00_is_outside_the_window():
    r = one(agent_daily(M(*chat("b1", "A", D1, ("23:00:00", "buyer"), ("23:00:05", "agent")))))
    assert r["waits"] == 0 and isnan(r["response_30s_rate"]) and isnan(r["first_response_s"])


def test_custom_window_start_inclusive_end_exclusive():
    s = KpiSettings(window_start="09:30", window_end="10:00")
    m = M(
        *chat(
            "b1",
            "A",
            D1,
            ("09:29:59", "buyer"),
            ("09:30:00", "buyer"),
            ("09:59:59", "buyer"),
            ("10:00:00", "buyer"),
            ("10:00:05", "agent"),
        )
    )
    assert one(agent_daily(m, settings=s))["waits"] == 2


def test_window_to_24_00_includes_23_59_59():
    s = KpiSettings(window_start="00:00", window_end="24:00")
    m = M(*chat("b1", "A", D1, ("00:00:00", "buyer"), ("23:59:59", "buyer"), ("23:59:59", "agent")))
    r = one(agent_daily(m, settings=s))
    assert r["waits"] == 2 and r["fast_replies"] == 1  # the 00:00:00 one waits all day


# --------------------------------------------------------------------------- response time


def test_reply_in_the_same_second_counts_as_later_with_response_0():
    # agent row listed first: order of rows does not matter, same second counts as later
    m = M(("2026-10-01 10:00:00", "b1", "A", "agent"), ("2026-10-01 10:00:00", "b1", "A", "buyer"))
    r = one(agent_daily(m))
    assert (r["waits"], r["fast_replies"], r["avg_response_s"], r["first_response_s"]) == (1, 1, 0.0, 0.0)
    assert r["effective_reply_rate"] == 1.0


def test_wait_of_exactly_30s_counts_as_fast():
    r = one(agent_daily(M(*chat("b1", "A", D1, ("10:00:00", "buyer"), ("10:00:30", "agent")))))
    assert (r["fast_replies"], r["response_30s_rate"], r["avg_response_s"]) == (1, 1.0, 30.0)


def test_wait_of_31s_is_not_fast():
    r = one(agent_daily(M(*chat("b1", "A", D1, ("10:00:00", "buyer"), ("10:00:31", "agent")))))
    assert (r["waits"], r["fast_replies"], r["response_30s_rate"], r["avg_response_s"]) == (1, 0, 0.0, 31.0)


def test_fast_threshold_is_a_setting():
    m = M(*chat("b1", "A", D1, ("10:00:00", "buyer"), ("10:00:31", "agent")))
    assert one(agent_daily(m, settings=KpiSettings(fast_threshold_s=31)))["fast_replies"] == 1
    assert one(agent_daily(m, settings=KpiSettings(fast_threshold_s=0)))["fast_replies"] == 0


def test_response_goes_to_the_first_later_agent_message():
    m = M(
        *chat("b1", "A", D1, ("10:00:00", "agent"), ("10:00:10", "buyer"), ("10:00:25", "agent"), ("10:00:50", "agent"))
    )
    r = one(agent_daily(m))
    assert (r["waits"], r["avg_response_s"]) == (1, 15.0)


CONSECUTIVE = chat(
    "b1", "A", D1, ("10:00:00", "buyer"), ("10:00:20", "buyer"), ("10:00:40", "buyer"), ("10:00:50", "agent")
)


def test_consecutive_buyer_messages_are_each_a_wait_with_message_unit():
    r = one(agent_daily(M(*CONSECUTIVE), settings=KpiSettings(response_unit="message")))
    # responses 50, 30, 10 s
    assert (r["waits"], r["fast_replies"], r["avg_response_s"]) == (3, 2, 30.0)
    assert r["response_30s_rate"] == pytest.approx(2 / 3)
    assert r["first_response_s"] == 50.0


def test_consecutive_buyer_messages_answered_by_one_reply_are_one_wait_with_turn_unit():
    r = one(agent_daily(M(*CONSECUTIVE), settings=KpiSettings(response_unit="turn")))
    # one wait starting 10:00:00, its response time is that of its earliest message
    assert (r["waits"], r["fast_replies"], r["avg_response_s"], r["first_response_s"]) == (1, 0, 50.0, 50.0)


def test_turn_unit_all_unanswered_messages_of_a_chat_form_one_wait():
    m = M(
        *chat(
            "b1",
            "A",
            D1,
            ("10:00:00", "buyer"),
            ("10:00:10", "agent"),
            ("10:05:00", "buyer"),
            ("10:06:00", "buyer"),
            ("10:07:00", "auto"),
        )
    )
    t = one(agent_daily(m, settings=KpiSettings(response_unit="turn")))
    assert (t["waits"], t["fast_replies"], t["response_30s_rate"], t["avg_response_s"]) == (2, 1, 0.5, 10.0)
    msg = one(agent_daily(m, settings=KpiSettings(response_unit="message")))
    assert (msg["waits"], msg["fast_replies"], msg["avg_response_s"]) == (3, 1, 10.0)


def test_turn_unit_messages_with_different_replies_are_different_waits():
    m = M(
        *chat("b1", "A", D1, ("10:00:00", "buyer"), ("10:00:05", "agent"), ("10:00:06", "buyer"), ("10:00:50", "agent"))
    )
    r = one(agent_daily(m, settings=KpiSettings(response_unit="turn")))
    assert (r["waits"], r["fast_replies"], r["avg_response_s"]) == (2, 1, 24.5)


def test_turn_wait_starting_before_the_window_is_outside_even_if_later_messages_are_inside():
    # AMBIGUOUS: "a wait ... counts when that [earliest] message is inside the window": the whole
    # turn 07:59:50 + 08:00:05 is outside. first_response_s is per *message* (the chat's first
    # buyer message inside the window, 08:00:05, answered 15 s later) whatever the unit.
    m = M(*chat("b1", "A", D1, ("07:59:50", "buyer"), ("08:00:05", "buyer"), ("08:00:20", "agent")))
    t = one(agent_daily(m, settings=KpiSettings(response_unit="turn")))
    assert t["waits"] == 0 and isnan(t["avg_response_s"]) and t["first_response_s"] == 15.0
    msg = one(agent_daily(m, settings=KpiSettings(response_unit="message")))
    assert (msg["waits"], msg["fast_replies"], msg["avg_response_s"], msg["first_response_s"]) == (1, 1, 15.0, 15.0)


def test_auto_reply_is_not_a_reply():
    m = M(*chat("b1", "A", D1, ("10:00:00", "buyer"), ("10:00:01", "auto"), ("10:01:00", "agent")))
    r = one(agent_daily(m))
    assert (r["fast_replies"], r["avg_response_s"], r["first_response_s"]) == (0, 60.0, 60.0)


def test_system_notice_is_not_a_reply():
    m = M(*chat("b1", "A", D1, ("10:00:00", "buyer"), ("10:00:01", "system"), ("10:01:00", "agent")))
    assert one(agent_daily(m))["avg_response_s"] == 60.0


def test_auto_and_system_only_leave_the_buyer_unanswered_and_not_effectively_replied():
    m = M(*chat("b1", "A", D1, ("10:00:00", "buyer"), ("10:00:01", "auto"), ("10:00:02", "system")))
    r = one(agent_daily(m))
    assert (r["consultations"], r["waits"], r["fast_replies"], r["response_30s_rate"]) == (1, 1, 0, 0.0)
    assert isnan(r["avg_response_s"]) and isnan(r["first_response_s"]) and r["effective_reply_rate"] == 0.0


def test_unanswered_chat_counts_in_waits_denominator_not_in_average():
    m = M(
        *chat("b1", "A", D1, ("10:00:00", "buyer"), ("10:00:10", "agent")),
        *chat("b2", "A", D1, ("11:00:00", "buyer")),
    )
    r = one(agent_daily(m))
    assert (r["consultations"], r["waits"], r["fast_replies"], r["response_30s_rate"]) == (2, 2, 1, 0.5)
    assert r["avg_response_s"] == 10.0 and r["first_response_s"] == 10.0
    assert r["effective_reply_rate"] == 0.5


def test_reply_of_another_agent_does_not_answer():
    m = M(("2026-10-01 10:00:00", "b1", "A", "buyer"), ("2026-10-01 10:00:05", "b1", "B", "agent"))
    a = agent_daily(m)
    assert list(a["agent"]) == ["A"]  # B's chat has no buyer message
    assert one(a)["fast_replies"] == 0 and one(a)["effective_reply_rate"] == 0.0


def test_reply_after_midnight_does_not_answer_the_previous_days_chat():
    # AMBIGUOUS: a chat is one (date, agent, buyer); the 00:00:05 reply belongs to the next day's
    # chat (which has no buyer message and is ignored), so the 23:59:50 message is unanswered.
    s = KpiSettings(window_start="00:00", window_end="24:00")
    m = M(("2026-10-01 23:59:50", "b1", "A", "buyer"), ("2026-10-02 00:00:05", "b1", "A", "agent"))
    a = agent_daily(m, settings=s)
    assert list(a["date"]) == [D1]
    r = one(a)
    assert (r["waits"], r["fast_replies"], r["effective_reply_rate"]) == (1, 0, 0.0)
    assert isnan(r["avg_response_s"])


def test_chat_without_buyer_message_is_ignored():
    m = M(
        *chat("b1", "A", D1, ("10:00:00", "buyer"), ("10:00:05", "agent")),
        *chat("b2", "A", D1, ("10:00:00", "agent"), ("10:00:05", "auto")),
        *chat("b3", "B", D1, ("10:00:00", "agent"), ("10:01:00", "system")),
    )
    a = agent_daily(m)
    # AMBIGUOUS: an agent-day with no counted chat gets no row at all (not a row of zeros).
    assert list(a["agent"]) == ["A"]
    assert one(a)["consultations"] == 1
    assert one(shop_daily(m))["consultations"] == 1


def test_two_agents_one_buyer_two_consultations_at_agent_level_one_at_shop_level():
    m = M(
        *chat("b1", "A", D1, ("10:00:00", "buyer"), ("10:00:05", "agent")),
        *chat("b1", "B", D1, ("11:00:00", "buyer"), ("11:00:40", "agent")),
    )
    a = agent_daily(m)
    assert list(a["consultations"]) == [1, 1]
    s = one(shop_daily(m))
    assert (s["consultations"], s["waits"], s["fast_replies"]) == (1, 2, 1)


def test_same_buyer_on_two_days_is_two_chats():
    m = M(*chat("b1", "A", D1, ("10:00:00", "buyer")), *chat("b1", "A", D2, ("10:00:00", "buyer")))
    a = agent_daily(m)
    assert list(a["date"]) == [D1, D2] and list(a["consultations"]) == [1, 1]


# --------------------------------------------------------------------------- first response


def test_first_response_is_that_of_the_first_buyer_message_inside_the_window():
    m = M(
        *chat(
            "b1",
            "A",
            D1,
            ("07:50:00", "buyer"),
            ("07:55:00", "agent"),
            ("08:10:00", "buyer"),
            ("08:10:20", "agent"),
            ("08:20:00", "buyer"),
            ("08:20:05", "agent"),
        )
    )
    r = one(agent_daily(m))
    assert r["first_response_s"] == 20.0 and r["waits"] == 2 and r["avg_response_s"] == 12.5


def test_first_response_is_none_when_the_first_message_in_window_is_unanswered():
    m = M(*chat("b1", "A", D1, ("22:50:00", "buyer"), ("22:55:00", "buyer")))
    r = one(agent_daily(m))
    assert isnan(r["first_response_s"])
    assert r["waits"] == 2 and r["response_30s_rate"] == 0.0


def test_first_response_is_none_when_no_buyer_message_is_inside_the_window():
    m = M(*chat("b1", "A", D1, ("07:00:00", "buyer"), ("07:00:10", "agent")))
    r = one(agent_daily(m))
    assert isnan(r["first_response_s"]) and r["waits"] == 0 and r["effective_reply_rate"] == 1.0


def test_first_response_is_the_mean_over_chats_that_have_one():
    m = M(
        *chat(
            "b1", "A", D1, ("10:00:00", "buyer"), ("10:00:10", "agent"), ("10:01:00", "buyer"), ("10:03:00", "agent")
        ),
        *chat("b2", "A", D1, ("11:00:00", "buyer"), ("11:00:20", "agent")),
        *chat("b3", "A", D1, ("12:00:00", "buyer")),  # none
        *chat("b4", "A", D1, ("06:00:00", "buyer"), ("06:00:01", "agent")),  # none (outside window)
    )
    r = one(agent_daily(m))
    assert r["first_response_s"] == 15.0  # (10 + 20) / 2
    assert r["consultations"] == 4


def test_first_response_can_run_past_the_window_end():
    m = M(*chat("b1", "A", D1, ("22:59:50", "buyer"), ("23:00:30", "agent")))
    assert one(agent_daily(m))["first_response_s"] == 40.0


# --------------------------------------------------------------------------- effective reply


def test_effective_reply_counts_an_agent_message_outside_the_window():
    m = M(*chat("b1", "A", D1, ("23:30:00", "buyer"), ("23:40:00", "agent")))
    r = one(agent_daily(m))
    assert r["effective_reply_rate"] == 1.0 and r["waits"] == 0


def test_agent_message_before_the_first_buyer_message_is_not_an_effective_reply():
    m = M(*chat("b1", "A", D1, ("10:00:00", "agent"), ("10:05:00", "buyer"), ("10:05:01", "auto")))
    assert one(agent_daily(m))["effective_reply_rate"] == 0.0


def test_agent_message_in_the_same_second_as_the_first_buyer_message_is_an_effective_reply():
    m = M(("2026-10-01 06:00:00", "b1", "A", "agent"), ("2026-10-01 06:00:00", "b1", "A", "buyer"))
    assert one(agent_daily(m))["effective_reply_rate"] == 1.0


def test_effective_reply_after_a_late_buyer_message_counts_even_if_the_first_is_unanswered_later():
    # an agent message after the first buyer message, even if later buyer messages stay unanswered
    m = M(*chat("b1", "A", D1, ("10:00:00", "buyer"), ("10:00:05", "agent"), ("10:10:00", "buyer")))
    r = one(agent_daily(m))
    assert r["effective_reply_rate"] == 1.0 and r["waits"] == 2 and r["fast_replies"] == 1


# --------------------------------------------------------------------------- attribution

BASE_CHAT = chat("b1", "A", D1, ("10:00:00", "buyer"), ("10:00:05", "agent"))


def _conv(m, o, **kw):
    return one(agent_daily(M(*m) if isinstance(m, list) else m, O(*o), KpiSettings(**kw)))


def test_order_paid_at_23_59_59_of_the_next_day_counts():
    r = _conv(BASE_CHAT, [("o1", "b1", f"{D1} 12:00:00", f"{D2} 23:59:59", 100.5, 2, "paid")])
    assert (r["converted"], r["sales"], r["items"], r["aov"], r["items_per_buyer"]) == (1, 100.5, 2, 100.5, 2.0)
    assert r["conversion_rate"] == 1.0


def test_order_paid_at_00_00_00_two_days_later_does_not_count():
    r = _conv(BASE_CHAT, [("o1", "b1", f"{D1} 12:00:00", f"{D3} 00:00:00", 100.5, 2, "paid")])
    assert (r["converted"], r["sales"], r["items"]) == (0, 0.0, 0)


def test_attribution_days_0_needs_payment_on_the_day_of_the_chat():
    paid_same = [("o1", "b1", f"{D1} 12:00:00", f"{D1} 23:59:59", 10, 1, "paid")]
    paid_next = [("o1", "b1", f"{D1} 12:00:00", f"{D2} 00:00:00", 10, 1, "paid")]
    assert _conv(BASE_CHAT, paid_same, attribution_days=0)["converted"] == 1
    assert _conv(BASE_CHAT, paid_next, attribution_days=0)["converted"] == 0
    assert _conv(BASE_CHAT, paid_next, attribution_days=1)["converted"] == 1


def test_attribution_days_2_reaches_end_of_day_plus_2():
    o = [("o1", "b1", f"{D1} 12:00:00", "2026-10-03 23:59:59", 10, 1, "paid")]
    assert _conv(BASE_CHAT, o, attribution_days=2)["converted"] == 1
    assert _conv(BASE_CHAT, o, attribution_days=1)["converted"] == 0


def test_order_created_before_the_chats_first_buyer_message_is_not_attributed_to_it():
    m = chat("b1", "A", D1, ("09:00:00", "agent"), ("10:00:00", "buyer"), ("10:00:05", "agent"))
    r = _conv(m, [("o1", "b1", f"{D1} 09:59:59", f"{D1} 10:30:00", 10, 1, "paid")])
    assert r["converted"] == 0  # the agent's 09:00 message alone does not make a candidate


def test_order_created_in_the_same_second_as_the_first_buyer_message_is_attributed():
    r = _conv(BASE_CHAT, [("o1", "b1", f"{D1} 10:00:00", f"{D1} 10:30:00", 10, 1, "paid")])
    assert r["converted"] == 1


def test_order_of_the_next_day_goes_to_the_previous_days_chat_when_paid_in_time():
    # AMBIGUOUS: nothing bounds D from below but date(paid_at) <= D + days; the order counts on
    # the chat's date (D1), not on the order's date.
    o = [("o1", "b1", f"{D2} 15:00:00", f"{D2} 15:01:00", 10, 1, "paid")]
    a = agent_daily(M(*BASE_CHAT), O(*o))
    assert list(a["date"]) == [D1] and one(a)["converted"] == 1


def test_latest_chat_wins():
    m = [
        *chat("b1", "A", D1, ("10:00:00", "buyer"), ("10:05:00", "agent")),
        *chat("b1", "B", D1, ("10:02:00", "buyer"), ("10:06:00", "agent")),
        *chat("b1", "C", D1, ("10:03:00", "buyer"), ("10:04:00", "agent"), ("10:30:00", "agent")),
    ]
    a = agent_daily(M(*m), O(("o1", "b1", f"{D1} 10:10:00", f"{D1} 10:11:00", 10, 1, "paid")))
    # scores at or before 10:10:00: A 10:05, B 10:06, C 10:04 (its 10:30 message is later)
    assert list(a["converted"]) == [0, 1, 0]


def test_latest_chat_score_ignores_auto_and_system_messages():
    m = [
        *chat("b1", "A", D1, ("10:00:00", "buyer"), ("10:01:00", "agent"), ("10:09:00", "auto")),
        *chat("b1", "B", D1, ("10:02:00", "buyer"), ("10:03:00", "agent"), ("10:09:30", "system")),
        *chat("b1", "C", D1, ("10:09:59", "auto"), ("10:30:00", "buyer")),
    ]
    a = agent_daily(M(*m), O(("o1", "b1", f"{D1} 10:10:00", f"{D1} 10:11:00", 10, 1, "paid")))
    assert list(a["agent"]) == ["A", "B", "C"] and list(a["converted"]) == [0, 1, 0]


def test_todays_chat_beats_yesterdays_chat():
    m = [*chat("b1", "A", D1, ("10:00:00", "buyer")), *chat("b1", "B", D2, ("09:00:00", "buyer"))]
    a = agent_daily(M(*m), O(("o1", "b1", f"{D2} 10:00:00", f"{D2} 10:01:00", 10, 1, "paid")))
    assert one(a, agent="A")["converted"] == 0 and one(a, agent="B")["converted"] == 1


def test_order_before_todays_chat_goes_to_yesterdays_chat():
    m = [*chat("b1", "A", D1, ("10:00:00", "buyer")), *chat("b1", "B", D2, ("09:00:00", "buyer"))]
    a = agent_daily(M(*m), O(("o1", "b1", f"{D2} 08:00:00", f"{D2} 08:01:00", 10, 1, "paid")))
    assert one(a, agent="A")["converted"] == 1 and one(a, agent="B")["converted"] == 0


def test_yesterdays_chat_too_old_for_the_payment_makes_a_silent_order():
    m = [*chat("b1", "A", D1, ("10:00:00", "buyer")), *chat("b1", "B", D3, ("09:00:00", "buyer"))]
    # created before the D3 chat, paid on D3: D1 + 1 < D3, so no candidate
    a = agent_daily(M(*m), O(("o1", "b1", f"{D3} 08:00:00", f"{D3} 08:01:00", 10, 1, "paid")))
    assert list(a["converted"]) == [0, 0]


def test_tie_goes_to_the_agent_whose_name_sorts_first_by_code_point():
    # not ambiguous, but easy to get wrong: code point order, so 'Bob' < 'amy' (not case-folded)
    m = [
        *chat("b1", "amy", D1, ("10:00:00", "buyer"), ("10:05:00", "agent")),
        *chat("b1", "Bob", D1, ("10:01:00", "buyer"), ("10:05:00", "agent")),
        *chat("b1", "小美", D1, ("10:02:00", "buyer"), ("10:05:00", "buyer")),
    ]
    a = agent_daily(M(*m), O(("o1", "b1", f"{D1} 10:06:00", f"{D1} 10:07:00", 10, 1, "paid")))
    assert list(a["agent"]) == ["Bob", "amy", "小美"]
    assert list(a["converted"]) == [1, 0, 0]


def test_tie_between_cjk_and_latin_names_goes_to_latin():
    m = [
        *chat("b1", "店铺:小美", D1, ("10:00:00", "buyer")),
        *chat("b1", "店铺:Zed", D1, ("10:00:00", "buyer")),
    ]
    a = agent_daily(M(*m), O(("o1", "b1", f"{D1} 10:06:00", f"{D1} 10:07:00", 10, 1, "paid")))
    assert one(a, agent="店铺:Zed")["converted"] == 1 and one(a, agent="店铺:小美")["converted"] == 0


@pytest.mark.parametrize(
    "status,paid_at,valid",
    [
        ("paid", f"{D1} 12:00:00", True),
        ("shipped", f"{D1} 12:00:00", True),
        ("completed", f"{D1} 12:00:00", True),
        ("refunded", f"{D1} 12:00:00", True),
        ("cancelled", f"{D1} 12:00:00", False),
        ("unpaid", f"{D1} 12:00:00", False),
        ("paid", None, False),  # no paid_at: never paid, whatever the status says
        ("paid", "", False),
        ("shipped", float("nan"), False),
        (" Cancelled ", f"{D1} 12:00:00", False),  # AMBIGUOUS: the engine trims and lower-cases status
    ],
)
def test_valid_order_needs_paid_at_and_status_other_than_cancelled_or_unpaid(status, paid_at, valid):
    r = _conv(BASE_CHAT, [("o1", "b1", f"{D1} 11:00:00", paid_at, 10, 1, status)])
    assert r["converted"] == int(valid) and r["sales"] == (10.0 if valid else 0.0)


def test_silent_orders_count_for_no_one():
    m = [
        *BASE_CHAT,
        *chat("b2", "A", D1, ("09:00:00", "agent"), ("09:00:01", "auto")),  # no buyer message
    ]
    o = [
        ("o1", "b9", f"{D1} 11:00:00", f"{D1} 11:00:00", 10, 1, "paid"),  # never chatted
        ("o2", "b2", f"{D1} 11:00:00", f"{D1} 11:00:00", 20, 1, "paid"),  # only agent wrote
    ]
    r = _conv(m, o)
    assert (r["converted"], r["sales"], r["items"]) == (0, 0.0, 0)
    assert (one(shop_daily(M(*m), O(*o)))["sales"]) == 0.0
    att = kpi.order_attribution(M(*m), O(*o))
    assert att["agent"].isna().all() and att["valid"].all()


def test_two_orders_to_one_chat_make_one_converted_chat_with_summed_sales_and_items():
    o = [
        ("o1", "b1", f"{D1} 11:00:00", f"{D1} 11:00:00", 10.10, 1, "paid"),
        ("o2", "b1", f"{D1} 12:00:00", f"{D1} 12:00:00", 20.25, 3, "refunded"),
    ]
    r = _conv(BASE_CHAT, o)
    assert (r["converted"], r["sales"], r["items"], r["aov"], r["items_per_buyer"]) == (1, 30.35, 4, 30.35, 4.0)


def test_sales_rounded_to_2_decimals():
    o = [(f"o{i}", "b1", f"{D1} 11:00:00", f"{D1} 11:00:00", 0.1, 1, "paid") for i in range(3)]
    assert _conv(BASE_CHAT, o)["sales"] == 0.3


def test_aov_and_items_per_buyer_empty_when_nothing_converted():
    r = one(agent_daily(M(*BASE_CHAT)))
    assert r["converted"] == 0 and r["conversion_rate"] == 0.0 and r["sales"] == 0.0 and r["items"] == 0
    assert isnan(r["aov"]) and isnan(r["items_per_buyer"])
    s = one(shop_daily(M(*BASE_CHAT)))
    assert isnan(s["aov"]) and isnan(s["items_per_buyer"])


@pytest.mark.parametrize("orders", [None, O(), pd.DataFrame()])
def test_no_orders_means_zero_conversions(orders):
    r = one(agent_daily(M(*BASE_CHAT), orders))
    assert (r["converted"], r["sales"], r["items"]) == (0, 0.0, 0)


def test_attribution_ignores_the_window():
    # a buyer message outside the service window still makes its chat a candidate
    m = chat("b1", "A", D1, ("23:30:00", "buyer"))
    assert _conv(m, [("o1", "b1", f"{D1} 23:45:00", f"{D1} 23:46:00", 5, 1, "paid")])["converted"] == 1


# --------------------------------------------------------------------------- shop level


def test_shop_consultations_are_distinct_buyers_and_rates_use_them():
    m = M(
        *chat("b1", "A", D1, ("10:00:00", "buyer")),
        *chat("b1", "B", D1, ("10:01:00", "buyer"), ("10:01:10", "agent")),
        *chat("b2", "A", D1, ("10:02:00", "buyer")),
    )
    a = agent_daily(m)
    assert a["consultations"].sum() == 3
    s = one(shop_daily(m))
    assert s["consultations"] == 2
    # b1 effectively replied through B; b2 not
    assert s["effective_reply_rate"] == 0.5
    assert one(a, agent="A")["effective_reply_rate"] == 0.0


def test_shop_converted_is_distinct_buyers_with_an_attributed_order():
    m = M(
        *chat("b1", "A", D1, ("10:00:00", "buyer")),
        *chat("b1", "B", D1, ("14:00:00", "buyer")),
        *chat("b2", "A", D1, ("10:00:00", "buyer")),
    )
    o = O(
        ("o1", "b1", f"{D1} 11:00:00", f"{D1} 11:00:00", 100, 1, "paid"),  # -> A
        ("o2", "b1", f"{D1} 15:00:00", f"{D1} 15:00:00", 50, 2, "paid"),  # -> B
    )
    a = agent_daily(m, o)
    assert list(a["converted"]) == [1, 1] and list(a["sales"]) == [100.0, 50.0]
    s = one(shop_daily(m, o))
    assert (s["consultations"], s["converted"], s["sales"], s["items"]) == (2, 1, 150.0, 3)
    assert (s["conversion_rate"], s["aov"], s["items_per_buyer"]) == (0.5, 150.0, 3.0)


def test_shop_avg_response_is_over_all_waits_not_a_mean_of_agent_means():
    m = M(
        *chat(
            "b1",
            "A",
            D1,
            ("10:00:00", "buyer"),
            ("10:00:10", "agent"),
            ("10:01:00", "buyer"),
            ("10:01:20", "agent"),
            ("10:02:00", "buyer"),
            ("10:02:30", "agent"),
        ),
        *chat("b2", "B", D1, ("10:00:00", "buyer"), ("10:01:00", "agent")),
    )
    a = agent_daily(m)
    assert list(a["avg_response_s"]) == [20.0, 60.0]
    s = one(shop_daily(m))
    assert s["avg_response_s"] == 30.0  # 120 / 4, not (20 + 60) / 2
    assert (s["waits"], s["fast_replies"], s["response_30s_rate"]) == (4, 3, 0.75)


def test_shop_first_response_is_over_all_chats_not_a_mean_of_agent_means():
    m = M(
        *chat("b1", "A", D1, ("10:00:00", "buyer"), ("10:00:10", "agent")),
        *chat("b2", "A", D1, ("10:00:00", "buyer"), ("10:00:20", "agent")),
        *chat("b1", "B", D1, ("11:00:00", "buyer"), ("11:01:30", "agent")),
    )
    assert list(agent_daily(m)["first_response_s"]) == [15.0, 90.0]
    # AMBIGUOUS: "means over all ... chats of the shop": a buyer with two chats contributes two
    # first responses (chat level), although consultations count the buyer once.
    assert one(shop_daily(m))["first_response_s"] == 40.0


def test_shop_rows_one_per_date_sorted():
    m = M(*chat("b1", "A", D2, ("10:00:00", "buyer")), *chat("b1", "A", D1, ("10:00:00", "buyer")))
    s = shop_daily(m)
    assert list(s.columns) == kpi.SHOP_COLUMNS and list(s["date"]) == [D1, D2]


# --------------------------------------------------------------------------- output shape, input forms


def test_agent_daily_columns_dtypes_and_sorting():
    m = M(
        *chat("b1", "店铺:小美", D2, ("10:00:00", "buyer")),
        *chat("b1", "店铺:bob", D1, ("10:00:00", "buyer")),
        *chat("b2", "店铺:Amy", D1, ("10:00:00", "buyer")),
        *chat("b3", "店铺:cc", D2, ("10:00:00", "buyer")),
    )
    a = agent_daily(m)
    assert list(a.columns) == kpi.AGENT_COLUMNS
    assert list(zip(a["date"], a["agent"])) == [
        (D1, "店铺:Amy"),
        (D1, "店铺:bob"),
        (D2, "店铺:cc"),
        (D2, "店铺:小美"),
    ]
    for c in ("consultations", "waits", "fast_replies", "converted", "items"):
        assert a[c].dtype == np.int64, c
    for c in (
        "response_30s_rate",
        "avg_response_s",
        "first_response_s",
        "effective_reply_rate",
        "conversion_rate",
        "sales",
        "aov",
        "items_per_buyer",
    ):
        assert a[c].dtype == np.float64, c
    assert all(isinstance(d, str) for d in a["date"])


def test_empty_messages_give_empty_frames_with_the_columns():
    empty = M()
    assert list(agent_daily(empty).columns) == kpi.AGENT_COLUMNS and len(agent_daily(empty)) == 0
    assert list(shop_daily(empty).columns) == kpi.SHOP_COLUMNS and len(shop_daily(empty)) == 0
    only_agents = M(*chat("b1", "A", D1, ("10:00:00", "agent")))
    assert len(agent_daily(only_agents, O(("o1", "b1", f"{D1} 11:00:00", f"{D1} 11:00:00", 1, 1, "paid")))) == 0


def test_datetime64_times_give_the_same_result_as_strings_and_row_order_does_not_matter():
    m, o = _samples_raw()
    base = agent_daily(m, o)
    m2 = m.assign(time=pd.to_datetime(m["time"])).sample(frac=1.0, random_state=7)
    o2 = o.assign(created_at=pd.to_datetime(o["created_at"]), paid_at=pd.to_datetime(o["paid_at"]))
    pd.testing.assert_frame_equal(agent_daily(m2, o2), base)
    pd.testing.assert_frame_equal(shop_daily(m2.astype({"buyer": object, "agent": object}), o2), shop_daily(m, o))


def test_timezone_aware_times_use_their_local_wall_time():
    t = pd.to_datetime(["2026-10-01 07:59:59", "2026-10-01 08:00:09"]).tz_localize("Asia/Shanghai")
    m = pd.DataFrame({"time": t, "buyer": ["b1", "b1"], "agent": ["A", "A"], "sender": ["buyer", "agent"]})
    r = one(agent_daily(m))
    assert r["waits"] == 0 and r["date"] == D1  # 07:59:59 local, outside the window
    r = one(agent_daily(m.assign(time=m["time"].astype(object))))
    assert r["waits"] == 0 and r["effective_reply_rate"] == 1.0


def test_subsecond_datetimes_are_floored_to_the_second():
    m = pd.DataFrame(
        {
            "time": pd.to_datetime(["2026-10-01 10:00:00.900", "2026-10-01 10:00:30.100"]),
            "buyer": ["b1", "b1"],
            "agent": ["A", "A"],
            "sender": ["buyer", "agent"],
        }
    )
    assert one(agent_daily(m))["avg_response_s"] == 30.0


def test_engine_rejects_bad_frames_with_row_numbers():
    m = M(
        ("2026-10-01 10:00:00", "b1", "A", "buyer"),
        ("2026-10-01 25:00:00", "b1", "A", "buyer"),
        ("2026-10-01 10:00:00", "b1", "A", "Agent"),
        ("2026-10-01 10:00:00", "", "A", "buyer"),
    )
    with pytest.raises(KpiInputError) as ei:
        agent_daily(m)
    rows = [r for r, _ in ei.value.errors]
    assert rows == [3, 4, 5]
    with pytest.raises(KpiInputError, match="missing column 'sender'"):
        agent_daily(m.drop(columns=["sender"]))


def test_inputs_are_not_modified():
    m, o = _samples_raw()
    m0, o0 = m.copy(), o.copy()
    kpi.daily(m, o)
    pd.testing.assert_frame_equal(m, m0)
    pd.testing.assert_frame_equal(o, o0)


@pytest.mark.parametrize("unit", ["message", "turn"])
def test_int64_key_overflow_fallbacks_give_the_same_result(monkeypatch, unit):
    m, o = _samples_raw()
    s = KpiSettings(response_unit=unit)
    want = kpi.daily(m, o, s)
    monkeypatch.setattr(kpi, "_MAX_KEY", 1)  # force the np.unique / lexsort paths
    got = kpi.daily(m, o, s)
    pd.testing.assert_frame_equal(got[0], want[0])
    pd.testing.assert_frame_equal(got[1], want[1])


def test_daily_equals_agent_daily_and_shop_daily():
    m, o = _samples_raw()
    a, s = kpi.daily(m, o)
    pd.testing.assert_frame_equal(a, agent_daily(m, o))
    pd.testing.assert_frame_equal(s, shop_daily(m, o))


# --------------------------------------------------------------------------- drill-down tables


def test_wait_table_rows_add_up_to_agent_daily():
    m, o = _samples_raw()
    for unit in ("message", "turn"):
        st_ = KpiSettings(response_unit=unit)
        w = kpi.wait_table(m, st_)
        assert list(w.columns) == kpi.WAIT_COLUMNS
        a = agent_daily(m, o, st_)
        inw = w[w["in_window"]]
        g = (
            inw.groupby(["date", "agent"])
            .agg(waits=("fast", "size"), fast=("fast", "sum"), avg=("response_s", "mean"))
            .reset_index()
        )
        mg = a.merge(g, on=["date", "agent"], how="left")
        assert (mg["waits_x"] == mg["waits_y"].fillna(0)).all()
        assert (mg["fast_replies"] == mg["fast"].fillna(0)).all()
        assert np.allclose(mg["avg_response_s"], mg["avg"], equal_nan=True)


def test_wait_table_turn_unit_example():
    m = M(*CONSECUTIVE, *chat("b1", "A", D1, ("07:00:00", "buyer")))
    w = kpi.wait_table(m, KpiSettings(response_unit="turn"))
    # the 07:00 message has the same first later agent message (10:00:50) as the three others:
    # a single wait, starting 07:00:00 (outside the window), response 3 h 0 min 50 s
    assert list(w["start"].dt.strftime("%H:%M:%S")) == ["07:00:00"]
    r = w.iloc[0]
    assert (bool(r["in_window"]), bool(r["answered"]), r["response_s"], bool(r["fast"])) == (
        False,
        True,
        10850.0,
        False,
    )


def test_chat_table_rows_add_up_and_list_order_ids():
    m, o = _samples_raw()
    c = kpi.chat_table(m, o)
    assert list(c.columns) == kpi.CHAT_COLUMNS
    a = agent_daily(m, o)
    g = c.groupby(["date", "agent"]).agg(
        n=("buyer", "size"), conv=("converted", "sum"), sales=("sales", "sum"), fr=("first_response_s", "mean")
    )
    g = g.reset_index()
    mg = a.merge(g, on=["date", "agent"])
    assert len(mg) == len(a)
    assert (mg["n"] == mg["consultations"]).all() and (mg["conv"] == mg["converted"]).all()
    assert np.allclose(mg["sales_x"], mg["sales_y"]) and np.allclose(mg["fr"], mg["first_response_s"], equal_nan=True)
    assert all((len(ids) > 0) == conv for ids, conv in zip(c["order_ids"], c["converted"]))
    ref = _reference(m, o, KpiSettings())
    got = {(r.date, r.agent, r.buyer): sorted(r.order_ids) for r in c.itertuples() if r.order_ids}
    assert got == {k: sorted(v) for k, v in ref["attributed"].items()}


# --------------------------------------------------------------------------- settings


def test_settings_defaults_and_to_dict_round_trip_through_json():
    s = KpiSettings()
    d = s.to_dict()
    assert d == {
        "window_start": "08:00",
        "window_end": "23:00",
        "fast_threshold_s": 30,
        "response_unit": "message",
        "attribution_days": 1,
    }
    assert KpiSettings.from_dict(json.loads(json.dumps(d))) == s
    with pytest.raises(dataclasses_frozen_error()):
        s.fast_threshold_s = 10  # type: ignore[misc]


def dataclasses_frozen_error():
    import dataclasses

    return dataclasses.FrozenInstanceError


@pytest.mark.parametrize(
    "kwargs,fragment",
    [
        ({"window_start": "8am"}, "window_start"),
        ({"window_start": "24:00"}, "window_start"),
        ({"window_end": "23:60"}, "window_end"),
        ({"window_end": "25:00"}, "window_end"),
        ({"window_start": "23:00", "window_end": "08:00"}, "before"),
        ({"window_start": "08:00", "window_end": "08:00"}, "before"),
        ({"window_start": 8}, "window_start"),
        ({"fast_threshold_s": -1}, "fast_threshold_s"),
        ({"fast_threshold_s": 2.5}, "fast_threshold_s"),
        ({"fast_threshold_s": True}, "fast_threshold_s"),
        ({"response_unit": "session"}, "response_unit"),
        ({"attribution_days": -1}, "attribution_days"),
        ({"attribution_days": "1"}, "attribution_days"),
    ],
)
def test_settings_validation_rejects_bad_values(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        KpiSettings(**kwargs)


def test_settings_accept_24_00_end_and_seconds():
    assert KpiSettings(window_start="00:00", window_end="24:00").window_end_s == 86400
    assert KpiSettings(window_start="08:00:30").window_start_s == 8 * 3600 + 30
    with pytest.raises(ValueError, match="unknown"):
        KpiSettings.from_dict({"colour": "red"})


# --------------------------------------------------------------------------- reading files


def _write(tmp_path, name, text, bom=False):
    p = tmp_path / name
    p.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return p


GOOD = "time,buyer,agent,sender,content\n2026-10-01 10:00:00,b1,A,buyer,hi\n2026-10-01 10:00:05,b1,A,agent,hello\n"


def test_read_messages_reads_csv_with_and_without_bom(tmp_path):
    a = kpi.read_messages(_write(tmp_path, "a.csv", GOOD))
    b = kpi.read_messages(_write(tmp_path, "b.csv", GOOD, bom=True))
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == ["time", "buyer", "agent", "sender", "content"]
    assert a["time"].iloc[1] == pd.Timestamp("2026-10-01 10:00:05")
    assert one(agent_daily(a))["avg_response_s"] == 5.0


def test_read_messages_accepts_buffers_and_bytes():
    a = kpi.read_messages(io.BytesIO(GOOD.encode()), filename="m.csv")
    b = kpi.read_messages(GOOD.encode())
    pd.testing.assert_frame_equal(a, b)


def test_read_messages_reports_every_bad_time_with_its_row_number(tmp_path):
    text = (
        "time,buyer,agent,sender\n"
        "2026-10-01 10:00:00,b1,A,buyer\n"  # row 2 ok
        "2026-10-01 10:00,b1,A,buyer\n"  # row 3 no seconds
        "2026-02-30 10:00:00,b1,A,buyer\n"  # row 4 no such date
        "yesterday,b1,A,buyer\n"  # row 5
        ",b1,A,buyer\n"
    )  # row 6 empty
    with pytest.raises(KpiInputError) as ei:
        kpi.read_messages(_write(tmp_path, "m.csv", text))
    assert [r for r, _ in ei.value.errors] == [3, 4, 5, 6]
    assert all("time" in reason for _, reason in ei.value.errors)


def test_read_messages_full_width_times_are_read_as_the_calendar_says(tmp_path):
    # every cell exactly `YYYY-MM-DD HH:MM:SS` (the fast whole-column path): leap days by the
    # Gregorian rules, and the same rows refused with the same reasons as the row-by-row path
    good = ["2024-02-29 10:00:00", "2000-02-29 23:59:59", "1999-12-31 00:00:00", "2026-12-04 18:46:42"]
    text = "time,buyer,agent,sender\n" + "".join(f"{v},b1,A,buyer\n" for v in good)
    read = kpi.read_messages(_write(tmp_path, "good.csv", text))
    assert read["time"].tolist() == [pd.Timestamp(v) for v in good]
    bad = ["1900-02-29 10:00:00", "2026-02-29 10:00:00", "2026-04-31 10:00:00", "0000-01-01 00:00:00"]
    bad += ["2026-01-01 24:00:00", "2026-01-01 10:60:00", "2026-01-01 10:00:60", "2026-13-01 10:00:00"]
    text = "time,buyer,agent,sender\n2026-10-01 10:00:00,b1,A,buyer\n" + "".join(f"{v},b1,A,buyer\n" for v in bad)
    with pytest.raises(KpiInputError) as ei:
        kpi.read_messages(_write(tmp_path, "bad.csv", text))
    assert [r for r, _ in ei.value.errors] == list(range(3, 3 + len(bad)))
    assert [reason for _, reason in ei.value.errors] == [f"time: {v!r} is not a valid date and time" for v in bad]


def test_read_messages_reports_bad_sender_and_empty_ids(tmp_path):
    text = (
        "time,buyer,agent,sender\n"
        "2026-10-01 10:00:00,b1,A,customer\n"  # row 2
        "2026-10-01 10:00:00,,A,buyer\n"  # row 3
        "2026-10-01 10:00:00,b1, ,agent\n"  # row 4
        "2026-10-01 10:00:00,b1,A, Auto \n"
    )  # row 5 ok (trimmed, lower-cased)
    with pytest.raises(KpiInputError) as ei:
        kpi.read_messages(_write(tmp_path, "m.csv", text))
    errs = ei.value.errors
    assert [r for r, _ in errs] == [2, 3, 4]
    assert "customer" in errs[0][1] and "buyer is empty" in errs[1][1] and "agent is empty" in errs[2][1]


def test_read_messages_missing_column(tmp_path):
    with pytest.raises(KpiInputError) as ei:
        kpi.read_messages(_write(tmp_path, "m.csv", "time,buyer,agent\n2026-10-01 10:00:00,b1,A\n"))
    assert ei.value.errors == [(1, "missing column 'sender'")]


@pytest.mark.parametrize("text", ["", "\n\n", "time,buyer,agent,sender\n"])
def test_read_messages_empty_file_is_an_error(tmp_path, text):
    # AMBIGUOUS: a header-only message file is an error ("no data rows"); for orders it is
    # accepted as "no orders".
    with pytest.raises(KpiInputError) as ei:
        kpi.read_messages(_write(tmp_path, "m.csv", text))
    assert ei.value.errors[0][0] == 1


def test_read_messages_blank_line_keeps_row_numbers(tmp_path):
    text = "time,buyer,agent,sender\n2026-10-01 10:00:00,b1,A,buyer\n\n2026-10-01 1x:00:00,b1,A,buyer\n\n"
    with pytest.raises(KpiInputError) as ei:
        kpi.read_messages(_write(tmp_path, "m.csv", text))
    rows = {r for r, _ in ei.value.errors}
    assert rows == {3, 4}


def test_read_messages_too_many_fields(tmp_path):
    text = "time,buyer,agent,sender\n2026-10-01 10:00:00,b1,A,buyer\n2026-10-01 10:00:00,b1,A,buyer,x,y\n"
    with pytest.raises(KpiInputError) as ei:
        kpi.read_messages(_write(tmp_path, "m.csv", text))
    assert ei.value.errors[0][0] == 3


def test_read_orders_validation_lists_all_bad_rows(tmp_path):
    text = (
        "order_id,buyer,created_at,paid_at,amount,items,status\n"
        "o1,b1,2026-10-01 10:00:00,,10.50,1,unpaid\n"  # 2 ok
        "o1,b1,2026-10-01 10:00:00,2026-10-01 10:00:00,1,1,paid\n"  # 3 duplicate id
        ",b1,2026-10-01 10:00:00,,1,1,paid\n"  # 4 empty id
        "o4,b1,bad,,1,1,paid\n"  # 5 created_at
        "o5,b1,2026-10-01 10:00:00,soon,1,1,paid\n"  # 6 paid_at
        "o6,b1,2026-10-01 10:00:00,,-1,1,paid\n"  # 7 amount
        "o7,b1,2026-10-01 10:00:00,,1.5.0,1,paid\n"  # 8 amount
        "o8,b1,2026-10-01 10:00:00,,1,2.5,paid\n"  # 9 items
        "o9,b1,2026-10-01 10:00:00,,1,-1,paid\n"  # 10 items
        "o10,b1,2026-10-01 10:00:00,,1,1,lost\n"  # 11 status
        "o11,,2026-10-01 10:00:00,,1,1,paid\n"
    )  # 12 buyer
    with pytest.raises(KpiInputError) as ei:
        kpi.read_orders(_write(tmp_path, "o.csv", text))
    assert [r for r, _ in ei.value.errors] == list(range(3, 13))
    assert "row 2" in ei.value.errors[0][1]  # the duplicate names the first row


def test_read_orders_good_file_and_header_only(tmp_path):
    o = kpi.read_orders(SAMPLES / "orders.csv")
    assert list(o.columns) == kpi.ORDER_COLUMNS and len(o) == 117
    assert o["paid_at"].isna().sum() == 5 and o["items"].dtype == np.int64
    empty = kpi.read_orders(_write(tmp_path, "o.csv", ",".join(kpi.ORDER_COLUMNS) + "\n"))
    assert len(empty) == 0
    with pytest.raises(KpiInputError):
        kpi.read_orders(_write(tmp_path, "e.csv", ""))


def test_read_xlsx_messages_and_orders(tmp_path):
    m = kpi.read_messages(SAMPLES / "messages.csv")
    o = kpi.read_orders(SAMPLES / "orders.csv")
    mx, ox = tmp_path / "m.xlsx", tmp_path / "o.xlsx"
    # times as real Excel date cells for messages, as text for orders
    m.to_excel(mx, index=False)
    o.assign(
        created_at=o["created_at"].dt.strftime("%Y-%m-%d %H:%M:%S"),
        paid_at=o["paid_at"].dt.strftime("%Y-%m-%d %H:%M:%S"),
    ).to_excel(ox, index=False)
    m2, o2 = kpi.read_messages(mx), kpi.read_orders(ox)
    pd.testing.assert_frame_equal(agent_daily(m2, o2), agent_daily(m, o))
    with open(mx, "rb") as fh:  # an uploaded buffer without a name is sniffed
        pd.testing.assert_frame_equal(kpi.read_messages(io.BytesIO(fh.read())), m2)


def test_read_xlsx_reports_row_numbers(tmp_path):
    df = pd.DataFrame(
        {
            "time": ["2026-10-01 10:00:00", "oops", "2026-10-01 10:00:00"],
            "buyer": ["b1", "b1", "b1"],
            "agent": ["A", "A", "A"],
            "sender": ["buyer", "agent", "bot"],
        }
    )
    p = tmp_path / "m.xlsx"
    df.to_excel(p, index=False)
    with pytest.raises(KpiInputError) as ei:
        kpi.read_messages(p)
    assert [r for r, _ in ei.value.errors] == [3, 4]


# --------------------------------------------------------------------------- CLI


def _cli(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "core.kpi", *map(str, args)], cwd=cwd, capture_output=True, timeout=120
    )


def test_cli_agent_level_on_samples(tmp_path):
    out = tmp_path / "out.csv"
    p = _cli("--messages", SAMPLES / "messages.csv", "--orders", SAMPLES / "orders.csv", "--out", out)
    assert p.returncode == 0, p.stderr.decode()
    text = out.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == (
        "date,agent,consultations,waits,fast_replies,response_30s_rate,avg_response_s,"
        "first_response_s,effective_reply_rate,converted,conversion_rate,sales,items,aov,"
        "items_per_buyer"
    )
    assert "nan" not in text.lower()
    df = pd.read_csv(io.StringIO(text), dtype={"date": str, "agent": str})
    keys = list(zip(df["date"], df["agent"]))
    assert keys == sorted(keys)
    eng = agent_daily(*_samples_raw())
    assert len(df) == len(eng)
    assert np.allclose(df["response_30s_rate"], eng["response_30s_rate"], equal_nan=True)
    assert np.allclose(df["sales"], eng["sales"])
    assert (df["aov"].isna() == (df["converted"] == 0)).all()  # empty cell where converted is 0


def test_cli_shop_level_to_stdout_with_settings():
    p = _cli(
        "--messages",
        SAMPLES / "messages.csv",
        "--orders",
        SAMPLES / "orders.csv",
        "--level",
        "shop",
        "--unit",
        "turn",
        "--window-start",
        "09:00",
        "--window-end",
        "22:00",
        "--fast",
        "20",
        "--attribution-days",
        "0",
    )
    assert p.returncode == 0, p.stderr.decode()
    text = p.stdout.decode("utf-8")
    assert text.splitlines()[0] == (
        "date,consultations,waits,fast_replies,response_30s_rate,avg_response_s,"
        "first_response_s,effective_reply_rate,converted,conversion_rate,sales,"
        "items,aov,items_per_buyer"
    )
    df = pd.read_csv(io.StringIO(text), dtype={"date": str})
    s = KpiSettings("09:00", "22:00", 20, "turn", 0)
    eng = shop_daily(*_samples_raw(), s)
    assert list(df["date"]) == sorted(df["date"]) == list(eng["date"])
    assert list(df["waits"]) == list(eng["waits"]) and list(df["converted"]) == list(eng["converted"])


def test_cli_bad_file_exits_2_with_row_numbers(tmp_path):
    bad = _write(
        tmp_path,
        "bad.csv",
        "time,buyer,agent,sender\n2026-10-01 10:00:00,b1,A,buyer\n2026-13-01 10:00:00,b1,A,buyer\n"
        "2026-10-01 10:00:00,b1,A,robot\n",
    )
    p = _cli("--messages", bad)
    err = p.stderr.decode()
    assert p.returncode == 2 and p.stdout == b""
    assert "row 3" in err and "row 4" in err and "robot" in err and "Traceback" not in err
    p = _cli("--messages", _write(tmp_path, "nosender.csv", "time,buyer,agent\n"))
    assert p.returncode == 2 and "sender" in p.stderr.decode() and b"Traceback" not in p.stderr
    p = _cli("--messages", tmp_path / "missing.csv")
    assert p.returncode == 2 and b"Traceback" not in p.stderr
    p = _cli("--messages", SAMPLES / "messages.csv", "--window-start", "25:00")
    assert p.returncode == 2 and b"window_start" in p.stderr and b"Traceback" not in p.stderr


def test_cli_reads_xlsx(tmp_path):
    m = kpi.read_messages(SAMPLES / "messages.csv")
    x = tmp_path / "m.xlsx"
    m.to_excel(x, index=False)
    a = _cli("--messages", x)
    b = _cli("--messages", SAMPLES / "messages.csv")
    assert a.returncode == 0 and a.stdout == b.stdout


# --------------------------------------------------------------------------- reference implementation


def _parse(v):
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT:
        return None
    if isinstance(v, str):
        return None if not v.strip() else dt.datetime.strptime(v.strip(), "%Y-%m-%d %H:%M:%S")
    return pd.Timestamp(v).to_pydatetime().replace(microsecond=0)


def _reference(messages: pd.DataFrame, orders: pd.DataFrame | None, s: KpiSettings) -> dict:
    """Plain-Python reading of the spec, one rule at a time. Returns agent and shop frames."""
    ws, we = s.window_start_s, s.window_end_s

    def in_window(t):
        sec = t.hour * 3600 + t.minute * 60 + t.second
        return ws <= sec < we

    # a chat is one (date, agent, buyer)
    chats = defaultdict(list)
    for time, buyer, agent, sender in zip(messages["time"], messages["buyer"], messages["agent"], messages["sender"]):
        t = _parse(time)
        chats[(t.date(), agent, buyer)].append((t, sender))
    # only chats with at least one buyer message count
    chats = {k: v for k, v in chats.items() if any(snd == "buyer" for _, snd in v)}

    def reply_of(msgs, t):
        """The first later agent message (same second counts as later): its time, or None."""
        later = [ta for ta, snd in msgs if snd == "agent" and ta >= t]
        return min(later) if later else None

    def response_time(msgs, t):
        r = reply_of(msgs, t)
        return None if r is None else (r - t).total_seconds()

    per_chat = {}
    for key, msgs in chats.items():
        buyer_times = sorted(t for t, snd in msgs if snd == "buyer")
        waits = []  # (start, response or None)
        if s.response_unit == "message":
            for t in buyer_times:
                waits.append((t, response_time(msgs, t)))
        else:
            groups = defaultdict(list)  # same first later agent message, or all unanswered
            for t in buyer_times:
                groups[reply_of(msgs, t)].append(t)
            for members in groups.values():
                start = min(members)
                waits.append((start, response_time(msgs, start)))
        in_win = [w for w in waits if in_window(w[0])]
        answered = [r for _, r in in_win if r is not None]
        in_window_buyer = [t for t in buyer_times if in_window(t)]
        first_response = response_time(msgs, in_window_buyer[0]) if in_window_buyer else None
        effective = any(snd == "agent" and t >= buyer_times[0] for t, snd in msgs)
        per_chat[key] = {
            "waits": len(in_win),
            "fast": sum(1 for r in answered if r <= s.fast_threshold_s),
            "responses": answered,
            "first": first_response,
            "effective": effective,
            "orders": [],
        }

    attributed = defaultdict(list)
    if orders is not None and len(orders):
        for row in orders.to_dict("records"):
            paid = _parse(row["paid_at"])
            created = _parse(row["created_at"])
            if paid is None or row["status"] in ("cancelled", "unpaid"):
                continue
            candidates = []
            for (day, agent, buyer), msgs in chats.items():
                if buyer != row["buyer"]:
                    continue
                if not any(snd == "buyer" and t <= created for t, snd in msgs):
                    continue
                if not paid.date() <= day + dt.timedelta(days=s.attribution_days):
                    continue
                score = max(t for t, snd in msgs if snd in ("buyer", "agent") and t <= created)
                candidates.append((score, agent, (day, agent, buyer)))
            if not candidates:
                continue  # silent order
            best = max(c[0] for c in candidates)
            winner = sorted(c for c in candidates if c[0] == best)[0]  # ties: agent name first
            per_chat[winner[2]]["orders"].append(row)
            attributed[(winner[2][0].isoformat(), winner[2][1], winner[2][2])].append(str(row["order_id"]))

    def finish(rows):
        out = []
        for r in rows:
            n, conv = r["consultations"], r["converted"]
            out.append(
                {
                    **{k: r[k] for k in r if k not in ("responses", "firsts", "effective")},
                    "response_30s_rate": r["fast_replies"] / r["waits"] if r["waits"] else NAN,
                    "avg_response_s": sum(r["responses"]) / len(r["responses"]) if r["responses"] else NAN,
                    "first_response_s": sum(r["firsts"]) / len(r["firsts"]) if r["firsts"] else NAN,
                    "effective_reply_rate": r["effective"] / n,
                    "conversion_rate": conv / n,
                    "sales": round(r["sales"], 2),
                    "aov": round(r["sales"], 2) / conv if conv else NAN,
                    "items_per_buyer": r["items"] / conv if conv else NAN,
                }
            )
        return out

    agent_rows = []
    for day, agent in sorted({(k[0], k[1]) for k in per_chat}):
        cs = [(k, v) for k, v in per_chat.items() if k[0] == day and k[1] == agent]
        agent_rows.append(
            {
                "date": day.isoformat(),
                "agent": agent,
                "consultations": len(cs),
                "waits": sum(v["waits"] for _, v in cs),
                "fast_replies": sum(v["fast"] for _, v in cs),
                "responses": [r for _, v in cs for r in v["responses"]],
                "firsts": [v["first"] for _, v in cs if v["first"] is not None],
                "effective": sum(v["effective"] for _, v in cs),
                "converted": sum(1 for _, v in cs if v["orders"]),
                "sales": sum(float(o["amount"]) for _, v in cs for o in v["orders"]),
                "items": sum(int(o["items"]) for _, v in cs for o in v["orders"]),
            }
        )
    shop_rows = []
    for day in sorted({k[0] for k in per_chat}):
        cs = [(k, v) for k, v in per_chat.items() if k[0] == day]
        buyers = sorted({k[2] for k, _ in cs})
        shop_rows.append(
            {
                "date": day.isoformat(),
                "consultations": len(buyers),
                "waits": sum(v["waits"] for _, v in cs),
                "fast_replies": sum(v["fast"] for _, v in cs),
                "responses": [r for _, v in cs for r in v["responses"]],
                "firsts": [v["first"] for _, v in cs if v["first"] is not None],
                "effective": sum(1 for b in buyers if any(v["effective"] for k, v in cs if k[2] == b)),
                "converted": sum(1 for b in buyers if any(v["orders"] for k, v in cs if k[2] == b)),
                "sales": sum(float(o["amount"]) for _, v in cs for o in v["orders"]),
                "items": sum(int(o["items"]) for _, v in cs for o in v["orders"]),
            }
        )
    agent = pd.DataFrame(finish(agent_rows), columns=kpi.AGENT_COLUMNS)
    shop = pd.DataFrame(finish(shop_rows), columns=kpi.SHOP_COLUMNS)
    return {"agent": agent, "shop": shop, "attributed": dict(attributed)}


def _assert_same(got: pd.DataFrame, want: pd.DataFrame):
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want), f"\n{got}\n{want}"
    for c in got.columns:
        g, w = got[c].tolist(), want[c].tolist()
        if c in ("date", "agent") or c in ("consultations", "waits", "fast_replies", "converted", "items"):
            assert g == w, f"column {c}: {g} != {w}"
        else:
            assert np.allclose(np.array(g, float), np.array(w, float), rtol=1e-12, atol=1e-9, equal_nan=True), (
                f"column {c}:\n{g}\n{w}"
            )


def _samples_raw():
    m = pd.read_csv(SAMPLES / "messages.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    o = pd.read_csv(
        SAMPLES / "orders.csv",
        dtype={"order_id": str, "buyer": str, "created_at": str, "paid_at": str, "status": str},
        encoding="utf-8-sig",
    )
    return m, o


SAMPLE_SETTINGS = [
    KpiSettings(),
    KpiSettings(response_unit="turn"),
    KpiSettings(
        window_start="09:00", window_end="22:00", fast_threshold_s=20, response_unit="turn", attribution_days=0
    ),
    KpiSettings(
        window_start="00:00", window_end="24:00", fast_threshold_s=0, response_unit="message", attribution_days=3
    ),
]


@pytest.mark.parametrize("s", SAMPLE_SETTINGS, ids=lambda s: f"{s.response_unit}-{s.window_start}-{s.attribution_days}")
def test_samples_match_the_reference_implementation(s):
    m, o = _samples_raw()
    ref = _reference(m, o, s)
    a, sh = kpi.daily(m, o, s)
    _assert_same(a, ref["agent"])
    _assert_same(sh, ref["shop"])
    # the samples exercise the interesting cases at all
    assert a["converted"].sum() > 0 and a["waits"].sum() > 0


def test_samples_sanity_figures():
    m, o = _samples_raw()
    a, s = kpi.daily(m, o)
    assert len(s) == 7 and len(a) == 7 * 6
    # the shop counts each buyer once: fewer consultations than the agents' sum (buyers with two agents)
    assert (s["consultations"].to_numpy() <= a.groupby("date")["consultations"].sum().to_numpy()).all()
    assert s["consultations"].sum() < a["consultations"].sum()
    assert s["waits"].tolist() == a.groupby("date")["waits"].sum().tolist()
    assert np.isclose(s["sales"].sum(), a["sales"].sum())
    # silent and invalid orders: fewer attributed orders than orders
    att = kpi.order_attribution(m, o)
    assert 0 < att["agent"].notna().sum() < att["valid"].sum() < len(o)


# --------------------------------------------------------------------------- hypothesis

BUYERS = ["b1", "b2"]
AGENTS = ["Amy", "bob", "小美"]
ANCHORS = [0, 28770, 28790, 28799, 28800, 28820, 43200, 82770, 82790, 82799, 82800, 86370]


def _stamp(day, sec):
    return f"2026-10-0{day} {sec // 3600:02d}:{sec % 3600 // 60:02d}:{sec % 60:02d}"


@st.composite
def _second(draw):
    # few distinct seconds so that same-second replies, exact 30 s waits and ties are common
    offset = draw(st.one_of(st.sampled_from([0, 1, 2, 5, 10, 29, 30, 31]), st.integers(0, 35)))
    return min(draw(st.sampled_from(ANCHORS)) + offset, 86399)


@st.composite
def datasets(draw):
    n = draw(st.integers(0, 24))
    rows = []
    for _ in range(n):
        rows.append(
            (
                _stamp(draw(st.integers(1, 2)), draw(_second())),
                draw(st.sampled_from(BUYERS)),
                draw(st.sampled_from(AGENTS)),
                draw(st.sampled_from(["buyer", "buyer", "agent", "agent", "auto", "system"])),
            )
        )
        if draw(st.integers(0, 2)) == 0:  # the same buyer writing to / answered by another agent
            rows.append(
                (rows[-1][0], rows[-1][1], draw(st.sampled_from(AGENTS)), draw(st.sampled_from(["buyer", "agent"])))
            )
    orders = []
    for i in range(draw(st.integers(0, 5))):
        if rows and draw(st.booleans()):  # right after some message: latest-chat rule and ties
            base = dt.datetime.strptime(draw(st.sampled_from(rows))[0], "%Y-%m-%d %H:%M:%S")
            when = base + dt.timedelta(seconds=draw(st.sampled_from([0, 0, 1, 30, 3600])))
            cday, created = when.day, when.strftime("%Y-%m-%d %H:%M:%S")
        else:
            cday = draw(st.integers(1, 3))
            created = _stamp(cday, draw(_second()))
        kind = draw(st.sampled_from(["none", "edge", "near"]))
        if kind == "none":
            paid = None
        elif kind == "edge":
            pday = min(cday + draw(st.integers(0, 3)), 9)
            paid = _stamp(pday, draw(st.sampled_from([0, 1, 43200, 86398, 86399])))
        else:
            paid = created
        orders.append(
            (
                f"o{i}",
                draw(st.sampled_from(BUYERS + ["b3"])),
                created,
                paid,
                draw(st.integers(0, 100_000)) / 100,
                draw(st.integers(0, 5)),
                draw(st.sampled_from(kpi.ORDER_STATUSES)),
            )
        )
    return M(*rows), O(*orders)


settings_st = st.builds(
    KpiSettings,
    window_start=st.sampled_from(["08:00", "00:00", "08:00:10"]),
    window_end=st.sampled_from(["23:00", "24:00", "22:59:59"]),
    fast_threshold_s=st.sampled_from([0, 10, 30]),
    response_unit=st.sampled_from(["message", "turn"]),
    attribution_days=st.integers(0, 2),
)

HYP = hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
REF = hsettings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@REF
@given(data=datasets(), s=settings_st)
def test_engine_matches_the_reference_on_generated_data(data, s):
    m, o = data
    ref = _reference(m, o, s)
    a, sh = kpi.daily(m, o, s)
    _assert_same(a, ref["agent"])
    _assert_same(sh, ref["shop"])


@HYP
@given(data=datasets(), unit=st.sampled_from(["message", "turn"]))
def test_shop_waits_and_fast_replies_are_sums_of_agents_and_consultations_at_most_the_sum(data, unit):
    m, o = data
    s = KpiSettings(response_unit=unit)
    a, sh = kpi.daily(m, o, s)
    by_day = a.groupby("date").agg(
        waits=("waits", "sum"),
        fast=("fast_replies", "sum"),
        cons=("consultations", "sum"),
        conv=("converted", "sum"),
        sales=("sales", "sum"),
        items=("items", "sum"),
    )
    assert list(sh["date"]) == list(by_day.index)
    assert sh["waits"].tolist() == by_day["waits"].tolist()
    assert sh["fast_replies"].tolist() == by_day["fast"].tolist()
    assert (sh["consultations"].to_numpy() <= by_day["cons"].to_numpy()).all()
    assert (sh["converted"].to_numpy() <= by_day["conv"].to_numpy()).all()
    assert np.allclose(sh["sales"], by_day["sales"]) and sh["items"].tolist() == by_day["items"].tolist()
    # turn waits never outnumber message waits
    am = agent_daily(m, o, KpiSettings(response_unit="message"))
    assert a["waits"].sum() <= am["waits"].sum()


@HYP
@given(data=datasets(), s=settings_st, seed=st.integers(0, 2**32 - 1))
def test_row_order_does_not_matter(data, s, seed):
    m, o = data
    shuffled = m.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    pd.testing.assert_frame_equal(agent_daily(shuffled, o, s), agent_daily(m, o, s))
    pd.testing.assert_frame_equal(shop_daily(shuffled, o, s), shop_daily(m, o, s))
