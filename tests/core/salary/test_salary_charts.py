"""The figures behind a pay run's charts: month over month, the KPI that moved pay most."""

from __future__ import annotations

from core.salary import payrun
from core.salary.charts import chart_frame, kpi_moves, month_over_month
from tests.core.salary.test_salary_support import (
    MONTH,
    kpi_row,
    payfirm,  # noqa: F401  (a fixture)
)


def test_month_over_month_and_the_kpi_that_moved_pay_most(payfirm):
    f = payfirm
    kpi_row(f.db, f.p1, "2026-08-10", "优品:小美", sales=45000.00, avg_response_s=30.0)
    kpi_row(f.db, f.p1, "2026-09-10", "优品:小美", sales=90000.00, avg_response_s=30.0)
    payrun.run_month(f.db, f.manager, "2026-08")
    run_id = payrun.run_month(f.db, f.manager, MONTH)
    moves = month_over_month(f.db, f.manager, run_id)
    mine = moves[moves["agent"] == "小美"].iloc[0]
    # August: score 0.5 × 50 + 0.5 × 100 = 75 → perf 750, commission 225;
    # September: 100 → 1000 + 200 gold, commission 450
    assert (mine["previous"], mine["total"], mine["change"]) == (3975.00, 4650.00, 675.00)
    kpis = kpi_moves(f.db, f.manager, run_id)
    row = kpis[kpis["agent"] == "小美"].iloc[0]
    assert row["kpi"] == "sales" and row["change"] == 250.00  # 500 of 750 → 500 of 1000 ... sales share 250 → 500
    frame = chart_frame(f.db, f.manager, run_id)
    assert set(frame["project"]) == {"优品家居 · 售前", "美妆小铺 · 售前"}
