"""ui.cache.figure: a Plotly figure is built once per the content of its arguments and shared after."""

from __future__ import annotations

import pandas as pd

from core.kernel.permissions import Actor
from ui import cache
from ui.context import Context


def _frame(values: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"day": ["2026-11-01", "2026-11-02", "2026-11-03"][: len(values)], "consultations": values})


def test_a_figure_is_built_once_for_the_same_data_and_again_when_the_data_changes():
    cache.clear()
    calls = []

    @cache.figure
    def chart(frame: pd.DataFrame, title: str) -> dict:
        calls.append(title)
        return {"data": frame["consultations"].tolist(), "title": title}

    first = chart(_frame([1, 2, 3]), "咨询人数")
    assert chart(_frame([1, 2, 3]), "咨询人数") is first  # another frame of the same content: the kept figure
    assert calls == ["咨询人数"]
    assert chart(_frame([1, 2, 4]), "咨询人数")["data"] == [1, 2, 4]  # one value changed: built again
    assert chart(_frame([1, 2, 3]), "Consultations")["title"] == "Consultations"
    assert len(calls) == 3


def test_a_context_counts_by_its_language_only():
    cache.clear()
    calls = []

    @cache.figure
    def titled(ctx: Context, frame: pd.DataFrame) -> str:
        calls.append(ctx.lang)
        return ctx.t("kpi.target")

    manager = Actor(id=2, username="manager", role="manager", display_name="王经理", merchant_id=None, language="zh")
    admin = Actor(id=1, username="admin", role="admin", display_name="陈总监", merchant_id=None, language="zh")
    assert titled(Context(None, manager, "zh"), _frame([1])) == titled(Context(None, admin, "zh"), _frame([1]))
    assert calls == ["zh"]
    assert titled(Context(None, manager, "en"), _frame([1])) != titled(Context(None, manager, "zh"), _frame([1]))
    assert calls == ["zh", "en"]


def test_the_kpi_trend_is_kept_per_its_data():
    from ui.kpi_widgets import trend

    cache.clear()
    ctx = Context(None, Actor(1, "m", "manager", "经理", None, "zh"), "zh")
    one = trend(ctx, _frame([5, 6, 7]), "consultations", 6.0)
    assert trend(ctx, _frame([5, 6, 7]), "consultations", 6.0) is one
    assert trend(ctx, _frame([5, 6, 7]), "consultations", 8.0) is not one  # another target, another figure
    assert list(one.data[0].y) == [5, 6, 7]
