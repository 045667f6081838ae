"""Browser walk of salary: a manager runs a month, approves it and downloads the payroll sheet;
the agent reads its statement."""

from __future__ import annotations

import io

import openpyxl
import pytest
from playwright.sync_api import expect

from core.kernel import config
from core.kernel.months import previous_month
from demo.salary import demo_months
from tests.e2e.conftest import shot
from tests.e2e.helpers import choose, login, logout, settle

pytestmark = pytest.mark.e2e


def test_manager_runs_approves_and_exports_a_month_and_the_agent_reads_its_statement(server, page):
    base, logins = server
    month = previous_month(demo_months(config.today())[0])  # the month before the demo's runs: never run
    login(page, base, "manager", logins["manager"])
    page.goto(base + "/salary")
    expect(page.get_by_role("heading", name="薪资核算")).to_be_visible()
    choose(page, page, "月份", month)
    expect(page.get_by_text(f"{month} 尚未核算。").first).to_be_visible()
    page.get_by_role("button", name="核算本月工资").click()
    expect(page.get_by_text(f"{month} 已核算（草稿）。")).to_be_visible(timeout=60_000)
    page.get_by_text("我已核对，审批后本月数据将锁定").click()
    page.get_by_role("button", name="审批并锁定", disabled=False).first.click()  # enabled once the box is ticked
    expect(page.get_by_text(f"{month} 已审批并锁定。")).to_be_visible()
    expect(page.get_by_text(f"{month} 已审批锁定", exact=False).first).to_be_visible()
    settle(page)  # the export button of the approved run, not the draft's one still on screen
    with page.expect_download() as caught:
        page.get_by_role("button", name="导出工资表（Excel）").click()
    download = caught.value
    assert download.suggested_filename == f"payroll-{month}.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(open(download.path(), "rb").read()))
    sheet = book.worksheets[0]
    assert sheet.title == f"工资表 {month} 已审批"
    header = [c.value for c in sheet[1]]
    assert "应发合计" in header and sheet.max_row > 10
    page.get_by_text("底薪 ·", exact=False).first.click()
    expect(page.get_by_text("月底薪 × 在岗天数 / 当月天数").first).to_be_visible()
    shot(page, "salary-run-approved")
    page.get_by_role("tab", name="分析图表").click()
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    shot(page, "salary-charts")
    page.get_by_role("tab", name="薪资方案").click()
    expect(page.get_by_text("方案适用范围").first).to_be_visible()
    shot(page, "salary-schemes")
    page.goto(base + "/attendance")
    expect(page.get_by_role("heading", name="考勤", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="录入或修改考勤")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    shot(page, "salary-attendance")
    logout(page)

    login(page, base, "agent", logins["agent"])
    page.goto(base + "/my_pay")
    expect(page.get_by_role("heading", name="我的工资")).to_be_visible()
    page.get_by_role("tab", name="历史工资条").click()
    expect(page.get_by_role("button", name="下载可打印工资条").first).to_be_attached()
    shot(page, "salary-my-pay")
