"""Tests of core/kpi/drilldown.py helpers (the chats of a day themselves are tested in test_kpi_store.py)."""

from __future__ import annotations

import pandas as pd

from core.kpi import drilldown


def test_chat_totals_count_the_chats_the_converted_ones_and_their_sales():
    chats = pd.DataFrame({"converted": [True, False, True], "sales": [120.5, 0.0, 79.5]})
    assert drilldown.chat_totals(chats) == {"chats": 3, "converted": 2, "sales": 200.0}
    assert drilldown.chat_totals(chats.iloc[0:0]) == {"chats": 0, "converted": 0, "sales": 0.0}
