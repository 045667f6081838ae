"""A pay run's exports: the payroll workbook and the printable statement."""

from __future__ import annotations

from core.salary import exports, payrun
from tests.core.salary.test_salary_support import (
    MONTH,
    kpi_row,
    payfirm,  # noqa: F401  (a fixture)
)

# --- exports ----------------------------------------------------------------------------------------------


def test_payroll_sheet_has_one_row_per_agent_and_every_line_with_its_calculation(payfirm):
    f = payfirm
    kpi_row(f.db, f.p1, "2026-09-01", "优品:小美", sales=150000.00, avg_response_s=40.0)
    run_id = payrun.run_month(f.db, f.manager, MONTH)
    sheets = exports.payroll_frames(f.db, f.manager, run_id, "zh")
    payroll, detail = list(sheets.values())
    assert list(payroll["姓名" if "姓名" in payroll else "客服"]) == ["小美", "阿杰"]
    assert payroll.loc[0, "应发合计"] == 5075.00
    assert "100,000.00 × 0.50% + 50,000.00 × 0.80% = 900.00" in list(detail["计算过程"])
    assert list(sheets)[0] == "工资表 2026-09 草稿"


def test_the_printable_statement_escapes_every_value(payfirm):
    f = payfirm
    from core.agents import directory

    directory.update_agent(f.db, f.admin, f.a, {"name": "<script>alert(1)</script>"})
    run_id = payrun.run_month(f.db, f.manager, MONTH)
    page = exports.statement_html(payrun.get_statement(f.db, f.manager, run_id, f.a), "zh")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "应发合计" in page and "@page" in page and "非最终工资" in page
